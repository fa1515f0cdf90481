"""The interaction log (community/integrity): every vote-like action and submission writes
exactly one row, with the right actor, target and author, in the action's transaction, with
the request's signals and never the raw address; retention counts then strips; privacy."""
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone

from community import services
from community.cocreation import polls
from community.cocreation import services as cocreation
from community.integrity.models import InteractionDaily, InteractionEvent
from community.integrity.privacy import interaction_erase, interaction_export
from community.integrity.services import interaction_record, interaction_signals_expire
from community.models import HelpfulVote
from community.privacy.registry import no_personal_data_labels, personal_data_entries
from core.client_signals import DEVICE_COOKIE, ip_prefix_hash
from core.errors import ServiceError
from gamification import rewards
from gamification.services import points_award
from gamification.streaks import checkin
from moderation import services as moderation
from tests import factories
from tests.challenge_helpers import make_challenge, old_user, published_entry
from tests.test_polls import make_poll, options_of

pytestmark = pytest.mark.django_db
A = InteractionEvent.Action
IP = "203.0.113.77"
CHROME = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/124.0.0.0 Mobile Safari/537.36")


def ct(obj):
    return ContentType.objects.get_for_model(obj)


def only_row(**filters):
    rows = list(InteractionEvent.objects.filter(**filters))
    assert len(rows) == 1, rows
    return rows[0]


# --- every listed service writes exactly one row ----------------------------------------------


def _review(product):
    # a review with words: a rating alone has nothing to vote helpful on
    return factories.review_with_words(author=factories.UserFactory(), product=product)


def act_helpful(product):
    review, voter = _review(product), old_user()
    services.review_vote_helpful(user=voter, review_id=review.pk, helpful=True)
    return voter, A.HELPFUL_VOTE, review, review.author_id


def act_unhelpful(product):
    review, voter = _review(product), old_user()
    services.review_vote_helpful(user=voter, review_id=review.pk, helpful=False)
    return voter, A.UNHELPFUL_VOTE, review, review.author_id


def act_review_submit(product):
    author = factories.UserFactory()
    review, _ = services.review_post(author=author, product=product, rating=4)
    return author, A.REVIEW_SUBMIT, review, author.pk


def act_entry_submit(product):
    author = factories.UserFactory()
    entry = cocreation.entry_submit(author=author, challenge_id=make_challenge().pk, text="桂花乌龙气泡水")
    return author, A.ENTRY_SUBMIT, entry, author.pk


def act_entry_vote(product):
    entry, voter = published_entry(make_challenge(allow_overlap=True)), old_user()
    cocreation.entry_vote_toggle(user=voter, entry_id=entry.pk)
    return voter, A.ENTRY_VOTE, entry, entry.author_id


def act_poll_vote(product):
    option, voter = options_of(make_poll(images=False))[0], old_user()
    polls.poll_vote_toggle(user=voter, option_id=option.pk)
    return voter, A.POLL_VOTE, option, None


def act_report(product):
    review, reporter = _review(product), factories.UserFactory()
    report = moderation.report_create(reporter=reporter, content_type="review", object_id=review.pk, reason="spam")
    return reporter, A.REPORT, report, review.author_id


def act_checkin(product):
    user = factories.UserFactory()
    checkin(user_id=user.pk)
    return user, A.CHECKIN, None, None


def act_redemption(product):
    user = factories.UserFactory()
    reward = rewards.Reward.objects.create(brand=product.brand, title_zh="九折券", cost=10)
    rewards.reward_codes_add(reward=reward, codes=["CODE-1"])
    points_award(user_id=user.pk, amount=20, action="test.grant", key=f"fund:{user.pk}")
    rewards.reward_redeem(user_id=user.pk, reward_id=reward.pk, key="k1")
    return user, A.REDEMPTION, reward, None


ACTIONS = [act_helpful, act_unhelpful, act_review_submit, act_entry_submit, act_entry_vote, act_poll_vote,
           act_report, act_checkin, act_redemption]


@pytest.mark.parametrize("act", ACTIONS, ids=lambda f: f.__name__[4:])
def test_each_action_writes_exactly_one_row_with_actor_target_and_author(act, product, default_rules):
    actor, action, target, author_id = act(product)
    row = only_row(actor=actor, action=action)
    assert InteractionEvent.objects.filter(actor=actor).count() == 1  # the setup's own actions are by others
    if target is None:
        assert row.target_ct_id is None and row.target_id is None
    else:
        assert (row.target_ct, row.target_id) == (ct(target), target.pk)
    assert row.target_author_id == author_id
    assert row.valid and row.account_age_days == (timezone.now() - actor.date_joined).days
    assert row.actor_level == 1  # gamification's level hook answers
    # Called from a service with no request: no signals.
    assert row.ip_prefix_hash is None and row.device_hash is None and row.ua_family is None


def test_withdrawals_are_logged_as_their_own_actions(product):
    entry, voter = published_entry(make_challenge(allow_overlap=True)), old_user()
    cocreation.entry_vote_toggle(user=voter, entry_id=entry.pk)
    cocreation.entry_vote_withdraw(user=voter, entry_id=entry.pk)
    option = options_of(make_poll(images=False))[0]
    polls.poll_vote_toggle(user=voter, option_id=option.pk)
    polls.poll_vote_withdraw(user=voter, option_id=option.pk)
    review = _review(product)
    services.review_vote_helpful(user=voter, review_id=review.pk, helpful=True)
    services.review_vote_helpful(user=voter, review_id=review.pk, helpful=None)
    assert list(InteractionEvent.objects.filter(actor=voter).order_by("id").values_list("action", flat=True)) == [
        A.ENTRY_VOTE, A.ENTRY_VOTE_WITHDRAW, A.POLL_VOTE, A.POLL_VOTE_WITHDRAW, A.HELPFUL_VOTE, A.HELPFUL_WITHDRAW]


# --- atomic with the action ---------------------------------------------------------------------


def test_a_refused_action_writes_no_row(product):
    review = _review(product)
    with pytest.raises(ServiceError):
        services.review_vote_helpful(user=review.author, review_id=review.pk, helpful=True)  # own review
    entry = published_entry(make_challenge())  # open, no overlap: voting is closed
    with pytest.raises(ServiceError):
        cocreation.entry_vote_toggle(user=old_user(), entry_id=entry.pk)
    assert not InteractionEvent.objects.exclude(action__in=[A.REVIEW_SUBMIT, A.ENTRY_SUBMIT]).exists()


def test_the_row_rolls_back_with_the_action(product):
    review, voter = _review(product), old_user()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.review_vote_helpful(user=voter, review_id=review.pk, helpful=True)
        assert InteractionEvent.objects.filter(actor=voter).count() == 1  # written inside the transaction
        raise RuntimeError("the request fails after the vote")
    assert not InteractionEvent.objects.filter(actor=voter).exists()
    assert not HelpfulVote.objects.filter(review=review).exists()


def test_a_failing_log_write_undoes_the_action(product, monkeypatch):
    review, voter = _review(product), old_user()

    def broken(obj):
        assert isinstance(obj, InteractionEvent)
        raise RuntimeError("insert failed")

    monkeypatch.setattr("community.integrity.services.insert_one", broken)
    with pytest.raises(RuntimeError):
        services.review_vote_helpful(user=voter, review_id=review.pk, helpful=True)
    assert not HelpfulVote.objects.filter(review=review).exists()


# --- through HTTP: signals, no raw address ------------------------------------------------------


def test_vote_through_the_api_records_the_signals_and_never_the_address(client):
    entry, voter = published_entry(make_challenge(allow_overlap=True)), old_user()
    client.force_login(voter)
    client.get("/", REMOTE_ADDR=IP)  # first visit: the device cookie
    device_id = client.cookies[DEVICE_COOKIE].value
    resp = client.post(f"/api/entries/{entry.pk}/vote/", REMOTE_ADDR=IP, HTTP_USER_AGENT=CHROME)
    assert resp.status_code == 200
    row = only_row(actor=voter)
    assert row.ip_prefix_hash == ip_prefix_hash("203.0.113.1") and row.ua_family == "chrome-mobile"
    assert row.device_hash and row.device_hash not in device_id and device_id not in row.device_hash
    values = InteractionEvent.objects.filter(pk=row.pk).values().get()
    for text in (IP, "203.0.113", device_id, "Pixel 8"):
        assert not any(text in str(v) for v in values.values()), (text, values)


def test_a_checkin_by_id_takes_the_account_age_from_the_request_user(client):
    """Check-in by id: the account age comes from the request's user, no extra query needed."""
    user = old_user(days=12)
    client.force_login(user)
    assert client.post("/api/me/checkin/", REMOTE_ADDR=IP).status_code in (200, 201)
    row = only_row(actor=user, action=A.CHECKIN)
    assert row.account_age_days == 12 and row.ip_prefix_hash == ip_prefix_hash(IP)


# Session, user, savepoint, entry, participant insert + read, existing vote, slot count, vote insert,
# counter update, counter read, the interaction row, release, entry author, entry images: 14 before
# the interaction log, 15 with it.
# Now (issue 16): the session and the user come from the cache (core/sessionauth.py).
# 15 before issue 16 cut the vote path (tests/test_vote_path.py lists them); on PostgreSQL the
# entry's images come with the entry.
def vote_queries():
    return 8 if connection.vendor == "postgresql" else 9


def test_vote_endpoint_query_count(client, django_assert_num_queries):
    """POST /api/entries/<id>/vote/ with a session: the interaction log adds exactly one INSERT
    (the level comes from gamification's per-user cache)."""
    challenge = make_challenge(allow_overlap=True)
    first, second = published_entry(challenge), published_entry(challenge)
    voter = old_user()
    client.force_login(voter)
    client.post(f"/api/entries/{first.pk}/vote/")  # warm session, caches, the participant row
    with django_assert_num_queries(vote_queries()) as ctx:
        assert client.post(f"/api/entries/{second.pk}/vote/").status_code == 200
    inserts = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith('INSERT INTO "integrity_')]
    assert len(inserts) == 1


# --- retention -----------------------------------------------------------------------------------


def _old_rows(n, *, days_ago, action=A.ENTRY_VOTE):
    user = factories.UserFactory()
    at = timezone.now() - timedelta(days=days_ago)
    InteractionEvent.objects.bulk_create([
        InteractionEvent(actor=user, action=action, at=at, ip_prefix_hash="a" * 32, device_hash="b" * 32,
                         ua_family="chrome-mobile", account_age_days=3, actor_level=2) for _ in range(n)])
    return at


def test_retention_counts_old_rows_then_strips_their_signals_and_is_idempotent(settings):
    settings.RETENTION_INTEGRITY_SIGNALS_DAYS = 90
    old_at = _old_rows(7, days_ago=100)
    _old_rows(2, days_ago=95, action=A.REPORT)
    _old_rows(3, days_ago=10)  # inside the window: untouched
    assert interaction_signals_expire(batch=3) == 9  # several id-range batches
    local_day = timezone.localdate(old_at)
    assert {(d.day, d.action): d.count for d in InteractionDaily.objects.all()} == {
        (local_day, A.ENTRY_VOTE): 7,
        (timezone.localdate(timezone.now() - timedelta(days=95)), A.REPORT): 2,
    }
    stripped = InteractionEvent.objects.filter(signals_expired=True)
    assert stripped.count() == 9
    assert not stripped.exclude(ip_prefix_hash=None, device_hash=None, ua_family=None, account_age_days=None,
                                actor_level=None).exists()
    assert InteractionEvent.objects.filter(signals_expired=False, ua_family="chrome-mobile").count() == 3
    assert interaction_signals_expire() == 0
    assert sum(InteractionDaily.objects.values_list("count", flat=True)) == 9


def test_retention_adds_to_an_existing_day(settings):
    at = _old_rows(2, days_ago=100)
    interaction_signals_expire()
    InteractionEvent.objects.bulk_create([InteractionEvent(actor=factories.UserFactory(), action=A.ENTRY_VOTE, at=at)])
    interaction_signals_expire()
    assert InteractionDaily.objects.get(day=timezone.localdate(at), action=A.ENTRY_VOTE).count == 3


def test_retention_task_is_scheduled(settings):
    from community.integrity import tasks

    entry = settings.CELERY_BEAT_SCHEDULE["integrity-interaction-signals-expire"]
    assert entry["task"] == tasks.interaction_signals_expire.name
    _old_rows(1, days_ago=200)
    assert tasks.interaction_signals_expire.delay().get() == 1


# --- privacy -------------------------------------------------------------------------------------


def test_privacy_export_and_erase(product):
    review = _review(product)
    voter = old_user()
    services.review_vote_helpful(user=voter, review_id=review.pk, helpful=True)
    interaction_record(actor=voter, action=A.CHECKIN)
    exported = list(interaction_export(voter))
    assert [e["action"] for e in exported] == [A.HELPFUL_VOTE, A.CHECKIN]
    assert exported[0]["target_type"] == "community.review" and exported[0]["target_id"] == review.pk
    assert set(exported[0]) == {"action", "target_type", "target_id", "at", "browser"}  # no hashes
    # Erasing the review's author forgets them as the author; erasing the voter deletes their rows.
    assert interaction_erase(review.author, True) == 2  # their own review_submit + the voter's row
    assert InteractionEvent.objects.filter(target_author=review.author).count() == 0
    assert interaction_erase(voter, True) == 2
    assert not InteractionEvent.objects.filter(actor=voter).exists()
    labels = {e.label for e in personal_data_entries()}
    # InteractionDaily has no user key and no text: it needs no entry (the completeness test agrees)
    assert "integrity.InteractionEvent" in labels and "integrity.InteractionDaily" not in no_personal_data_labels()


def test_unknown_action_is_refused(shopper):
    with pytest.raises(ValueError):
        interaction_record(actor=shopper, action="like")


def test_the_row_keeps_the_level_and_account_age_at_that_moment():
    from gamification.models import UserPoints

    user = old_user(days=40)
    UserPoints.objects.create(user=user, level=3)  # as the ledger leaves a level-3 account
    row = interaction_record(actor=user, action=A.CHECKIN)
    UserPoints.objects.filter(user=user).update(level=4)
    row.refresh_from_db()
    assert (row.actor_level, row.account_age_days) == (3, 40)


def test_admin_lists_the_log_read_only(admin_client, product):
    review, voter = _review(product), old_user()
    services.review_vote_helpful(user=voter, review_id=review.pk, helpful=True)
    row = only_row(actor=voter)
    resp = admin_client.get("/admin/integrity/interactionevent/?action=helpful_vote")
    assert resp.status_code == 200 and f"/admin/integrity/interactionevent/{row.pk}/change/" in resp.content.decode()
    assert admin_client.get("/admin/integrity/interactionevent/add/").status_code == 403
    assert admin_client.get("/admin/integrity/interactiondaily/").status_code == 200


def test_withdrawing_a_vote_that_does_not_exist_logs_nothing(product):
    """A withdrawal with no vote to withdraw changes nothing: no helpful_withdraw row (it would
    count as an interaction the voter never made)."""
    review, voter = _review(product), old_user()
    services.review_vote_helpful(user=voter, review_id=review.pk, helpful=None)
    assert not InteractionEvent.objects.filter(actor=voter).exists()
    services.review_vote_helpful(user=voter, review_id=review.pk, helpful=False)
    services.review_vote_helpful(user=voter, review_id=review.pk, helpful=None)
    services.review_vote_helpful(user=voter, review_id=review.pk, helpful=None)  # the second withdraws nothing
    assert list(InteractionEvent.objects.filter(actor=voter).order_by("id").values_list("action", flat=True)) == [
        A.UNHELPFUL_VOTE, A.HELPFUL_WITHDRAW]
