"""The fake-interaction rate (moderation/fakerate.py): exact rates from crafted data, the seeded
idempotent sample, labels, the brand scope, the hook, the command, and the query counts of the
labelling list and the ops page section."""
import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from community import hooks
from community.integrity.models import InteractionEvent
from community.integrity.services import interaction_record
from core.errors import PermissionDeniedError, ServiceError
from moderation import audit, fakerate, tasks
from moderation import services as moderation_services
from moderation.models import Event, InteractionAuditSample
from tests import factories
from tests.challenge_helpers import make_challenge, published_entry

pytestmark = pytest.mark.django_db
A = InteractionEvent.Action
L = InteractionAuditSample.Label


def yesterday():
    return audit.site_today() - timedelta(days=1)


def noon(day):
    return audit.day_bounds(day)[0] + timedelta(hours=12)


def log(n, *, action=A.HELPFUL_VOTE, target=None, invalid=0, day=None, actor=None):
    """``n`` interactions on ``day`` (default yesterday) through the log's service, ``invalid`` of them
    invalidated (as the integrity checks will mark them). Returns their ids."""
    at = noon(day or yesterday())
    ids = []
    for _ in range(n):
        user = actor or factories.UserFactory(date_joined=at - timedelta(days=40))
        author = getattr(target, "author_id", None)
        ids.append(interaction_record(action=action, actor=user, target=target, target_author_id=author).pk)
    InteractionEvent.objects.filter(pk__in=ids).update(at=at)
    InteractionEvent.objects.filter(pk__in=ids[:invalid]).update(valid=False)
    return ids


@pytest.fixture
def review(product):
    review = factories.review_with_words(author=factories.UserFactory(), product=product)
    InteractionEvent.objects.all().delete()  # its review_submit row: the tests count only what they log
    return review


def label_all(samples, moderator, fakes):
    """Label ``fakes`` of ``samples`` fake and the rest genuine."""
    for i, sample in enumerate(samples):
        fakerate.fakerate_label(sample_id=sample.pk, moderator=moderator, label=L.FAKE if i < fakes else L.GENUINE)


def rate_for(day=None):
    day = day or yesterday()
    return fakerate.fake_interaction_rate(start=day, end=day + timedelta(days=1))


# --- the invalidated share ------------------------------------------------------------------------


def test_three_invalidated_of_sixty_is_five_percent(review):
    log(60, target=review, invalid=3)
    log(2, action=A.HELPFUL_WITHDRAW, target=review)  # a withdrawal is not an interaction that counts
    rate = rate_for()
    assert rate["interactions"] == 60 and rate["invalidated"] == 3
    assert rate["invalidated_share"] == pytest.approx(0.05)
    assert rate["invalidated_by_kind"]["helpful_votes"] == {"total": 60, "invalidated": 3, "share": pytest.approx(0.05)}
    assert rate["invalidated_by_kind"]["checkins"] == {"total": 0, "invalidated": 0, "share": None}
    # Nothing labelled: the audited part and the combined rate are not measured.
    assert (rate["audited_prevalence"], rate["combined"], rate["sample_size"], rate["status"]) == (
        None, None, 0, "not_measured")


def test_share_by_kind_and_day(review):
    log(40, target=review, invalid=2)
    log(10, action=A.CHECKIN, invalid=5)
    log(25, action=A.REVIEW_SUBMIT, target=review, invalid=1, day=yesterday() - timedelta(days=1))
    rate = fakerate.fake_interaction_rate(start=yesterday() - timedelta(days=1), end=audit.site_today())
    assert rate["invalidated_share"] == pytest.approx(8 / 75)
    kinds = rate["invalidated_by_kind"]
    assert kinds["helpful_votes"]["share"] == pytest.approx(0.05)
    assert kinds["checkins"]["share"] == pytest.approx(0.5)
    assert kinds["submissions"]["share"] == pytest.approx(0.04)
    overview = fakerate.overview(days=7)
    first, second = overview["daily"][:2]
    assert (first["day"], first["interactions"], first["invalidated"]) == (yesterday(), 50, 7)
    assert (second["interactions"], second["invalidated"], second["share"]) == (25, 1, pytest.approx(0.04))
    assert len(overview["daily"]) == 7 and overview["daily"][2]["share"] is None


def test_window_bounds_are_half_open_site_days(review):
    log(4, target=review, day=yesterday())
    log(6, target=review, day=audit.site_today())
    assert rate_for()["interactions"] == 4
    start, end = fakerate.bounds(yesterday(), audit.site_today())
    assert fakerate.fake_interaction_rate(start=start, end=end + timedelta(days=1))["interactions"] == 10


# --- Wilson against known values --------------------------------------------------------------------


@pytest.mark.parametrize("k, n, low, high", [
    (0, 50, 0.0, 0.0713),    # 3.8415 / 53.8415
    (1, 20, 0.0089, 0.2361),
    (10, 100, 0.0552, 0.1744),
])
def test_wilson_interval_known_values(k, n, low, high):
    lo, hi = audit.wilson_interval(k, n)
    assert (lo, hi) == (pytest.approx(low, abs=1e-4), pytest.approx(high, abs=1e-4))


# --- the audited prevalence and the combined rate ------------------------------------------------------


def test_combined_rate_from_invalidated_share_and_labels(review, moderator):
    log(60, target=review, invalid=3)
    samples = fakerate.fakerate_draw(day=yesterday(), size=20, seed=5)
    assert len(samples) == 20 and {s.population for s in samples} == {57}
    assert not InteractionEvent.objects.filter(pk__in=[s.interaction_id for s in samples], valid=False).exists()
    label_all(samples, moderator, fakes=1)
    rate = rate_for()
    assert rate["audited_prevalence"] == pytest.approx(0.05)
    assert (rate["ci_low"], rate["ci_high"]) == (pytest.approx(0.0089, abs=1e-4), pytest.approx(0.2361, abs=1e-4))
    assert rate["sample_size"] == 20 and rate["fake_labels"] == 1
    assert rate["combined"] == pytest.approx(0.05 + 0.95 * 0.05)  # 9.75%
    assert rate["combined_low"] == pytest.approx(0.05 + 0.95 * rate["ci_low"])
    assert rate["combined_high"] == pytest.approx(0.05 + 0.95 * rate["ci_high"])
    assert rate["status"] == "red"


def test_status_lines(review, moderator, settings):
    log(200, target=review)
    samples = fakerate.fakerate_draw(day=yesterday(), size=100, seed=1)
    label_all(samples, moderator, fakes=0)
    rate = rate_for()
    # 0 of 100: upper bound 3.8415 / 103.8415 = 3.70% < 5%
    assert rate["combined"] == 0 and rate["combined_high"] == pytest.approx(0.0370, abs=1e-4)
    assert rate["status"] == "green"
    settings.INTEGRITY_FAKE_RATE_TARGET = 0.03
    assert rate_for()["status"] == "yellow"  # the interval reaches the line, the rate does not
    settings.INTEGRITY_FAKE_RATE_RED = 0.0
    assert rate_for()["status"] == "red"


def test_cant_tell_is_left_out_and_counted(review, moderator):
    log(30, target=review)
    samples = fakerate.fakerate_draw(day=yesterday(), size=10, seed=2)
    for i, sample in enumerate(samples):
        fakerate.fakerate_label(sample_id=sample.pk, moderator=moderator,
                                label=[L.FAKE, L.UNSURE, L.UNSURE, L.UNSURE][i] if i < 4 else L.GENUINE)
    rate = rate_for()
    assert (rate["sample_size"], rate["fake_labels"], rate["cant_tell"]) == (7, 1, 3)
    assert rate["audited_prevalence"] == pytest.approx(1 / 7)


def test_strata_are_weighted_by_their_counted_population(review, moderator):
    log(80, target=review)
    log(20, action=A.CHECKIN)
    samples = fakerate.fakerate_draw(day=yesterday(), size=20, seed=3)
    by_kind = {}
    for s in samples:
        by_kind.setdefault(s.kind, []).append(s)
    assert {k: len(v) for k, v in by_kind.items()} == {"helpful_votes": 16, "checkins": 4}
    label_all(by_kind["helpful_votes"], moderator, fakes=2)  # 12.5%
    label_all(by_kind["checkins"], moderator, fakes=2)  # 50%
    assert rate_for()["audited_prevalence"] == pytest.approx((80 * 0.125 + 20 * 0.5) / 100)


def test_an_item_invalidated_after_the_draw_leaves_the_audited_part(review, moderator):
    log(40, target=review)
    samples = fakerate.fakerate_draw(day=yesterday(), size=10, seed=4)
    label_all(samples, moderator, fakes=2)
    InteractionEvent.objects.filter(pk=samples[0].interaction_id).update(valid=False)  # a fake, caught later
    rate = rate_for()
    assert rate["invalidated_share"] == pytest.approx(1 / 40)
    assert (rate["sample_size"], rate["fake_labels"]) == (9, 1)
    assert rate["audited_prevalence"] == pytest.approx(1 / 9)


# --- the sample: seeded, idempotent ------------------------------------------------------------------


def test_draw_is_seeded_and_idempotent(review):
    log(50, target=review, invalid=10)
    first = fakerate.fakerate_draw(day=yesterday(), size=12)
    assert len(first) == 12 and len({s.seed for s in first}) == 1
    assert first[0].seed == audit.default_seed(yesterday(), "fakerate") != audit.default_seed(yesterday())
    again = fakerate.fakerate_draw(day=yesterday(), size=30, seed=99)  # a rerun draws nothing new
    assert [s.pk for s in again] == [s.pk for s in first]
    chosen = sorted(s.interaction_id for s in first)
    InteractionAuditSample.objects.all().delete()
    assert sorted(s.interaction_id for s in fakerate.fakerate_draw(day=yesterday(), size=12)) == chosen
    InteractionAuditSample.objects.all().delete()
    assert sorted(s.interaction_id for s in fakerate.fakerate_draw(day=yesterday(), size=12, seed=7)) != chosen


def test_draw_takes_everything_from_a_small_day_and_nothing_from_an_empty_one(review):
    ids = log(5, target=review, invalid=1)
    assert sorted(s.interaction_id for s in fakerate.fakerate_draw(day=yesterday(), size=50)) == sorted(ids[1:])
    assert fakerate.fakerate_draw(day=yesterday() - timedelta(days=3)) == []


def test_beat_task_and_command_draw_once(review):
    log(30, target=review)
    assert tasks.fakerate_draw_daily() == 30  # the default size is 50: all of them
    assert tasks.fakerate_draw_daily() == 30
    out = StringIO()
    call_command("integrity", "fakerate", "draw", "--day", yesterday().isoformat(), stdout=out)
    assert "30 sampled interactions (0 new)" in out.getvalue()
    day = yesterday() - timedelta(days=1)
    log(8, target=review, day=day)
    out = StringIO()
    call_command("integrity", "fakerate", "draw", "--day", day.isoformat(), "--size", "5", "--seed", "1", stdout=out)
    assert f"{day}: 5 sampled interactions (5 new), seed 1" in out.getvalue()
    from django.conf import settings
    assert "moderation.fakerate_draw_daily" in {e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()}


def test_command_rate_json_and_bad_input(review):
    log(20, target=review, invalid=1)
    out = StringIO()
    call_command("integrity", "fakerate", "rate", "--days", "3", "--json", stdout=out)
    assert json.loads(out.getvalue())["invalidated_share"] == pytest.approx(0.05)
    from django.core.management.base import CommandError
    with pytest.raises(CommandError, match="not a date"):
        call_command("integrity", "fakerate", "rate", "--start", "yesterday", "--end", "2026-01-01")
    with pytest.raises(CommandError, match="after"):
        call_command("integrity", "fakerate", "rate", "--start", "2026-01-02", "--end", "2026-01-01")


# --- labels -------------------------------------------------------------------------------------------


def test_label_rules(review, moderator):
    log(3, target=review)
    sample = fakerate.fakerate_draw(day=yesterday(), size=3, seed=1)[0]
    with pytest.raises(ServiceError) as bad:
        fakerate.fakerate_label(sample_id=sample.pk, moderator=moderator, label="maybe")
    assert "label" in bad.value.fields
    fakerate.fakerate_label(sample_id=sample.pk, moderator=moderator, label=L.FAKE)
    fakerate.fakerate_label(sample_id=sample.pk, moderator=moderator, label=L.FAKE)  # idempotent
    assert Event.objects.filter(action="moderation.fakerate.labelled", object_id=sample.interaction_id).count() == 1
    other = factories.UserFactory()
    with pytest.raises(PermissionDeniedError):
        fakerate.fakerate_label(sample_id=sample.pk, moderator=other, label=L.GENUINE)
    fakerate.fakerate_label(sample_id=sample.pk, moderator=moderator, label=L.GENUINE)  # one's own correction
    sample.refresh_from_db()
    assert (sample.label, sample.labelled_by_id) == (L.GENUINE, moderator.pk)
    own = InteractionAuditSample.objects.exclude(pk=sample.pk).select_related("interaction").first()
    with pytest.raises(PermissionDeniedError):
        fakerate.fakerate_label(sample_id=own.pk, moderator=own.interaction.actor, label=L.GENUINE)


# --- the brand scope and the hook ------------------------------------------------------------------------


def test_brand_scope(product, brand, moderator):
    mine = factories.review_with_words(author=factories.UserFactory(), product=product)
    theirs = factories.review_with_words(author=factories.UserFactory(), product=factories.ProductFactory())
    entry = published_entry(make_challenge(brand=brand))
    other_entry = published_entry(make_challenge())
    InteractionEvent.objects.all().delete()  # only the crafted interactions below
    log(10, target=mine, invalid=1)
    log(7, target=theirs, invalid=7)
    log(5, action=A.ENTRY_VOTE, target=entry, invalid=1)
    log(3, action=A.ENTRY_VOTE, target=other_entry)
    log(4, action=A.CHECKIN)  # on no brand's content
    reporter = factories.UserFactory()
    moderation_services.report_create(reporter=reporter, content_type="review", object_id=mine.pk, reason="spam")
    InteractionEvent.objects.filter(action=A.REPORT).update(at=noon(yesterday()))
    start, end = yesterday(), audit.site_today()
    rate = fakerate.fake_interaction_rate(start=start, end=end, brand_id=brand.pk)
    assert (rate["interactions"], rate["invalidated"]) == (16, 2)
    kinds = rate["invalidated_by_kind"]
    assert (kinds["helpful_votes"]["total"], kinds["entry_votes"]["total"], kinds["reports"]["total"],
            kinds["checkins"]["total"]) == (10, 5, 1, 0)
    assert fakerate.fake_interaction_rate(start=start, end=end)["interactions"] == 30
    samples = fakerate.fakerate_draw(day=yesterday(), size=100, seed=1)
    label_all([s for s in samples if s.interaction.target_id == mine.pk and s.kind == "helpful_votes"],
              moderator, fakes=3)
    label_all([s for s in samples if s.interaction.target_id == other_entry.pk], moderator, fakes=3)
    scoped = fakerate.fake_interaction_rate(start=start, end=end, brand_id=brand.pk)
    assert (scoped["sample_size"], scoped["fake_labels"]) == (9, 3)  # the other brand's labels are not in it


def test_hook_is_filled_with_the_exact_shape(review):
    assert hooks.fake_interaction_rate.provided
    log(10, target=review, invalid=1)
    result = hooks.fake_interaction_rate(start=yesterday(), end=audit.site_today(), brand_id=None)
    assert set(result) == {
        "invalidated_share", "invalidated_by_kind", "audited_prevalence", "ci_low", "ci_high", "sample_size",
        "combined", "combined_low", "combined_high", "status", "interactions", "invalidated", "fake_labels",
        "cant_tell", "target", "red_line"}
    assert set(result["invalidated_by_kind"]) == set(fakerate.KINDS)
    assert result["status"] == "not_measured" and result["invalidated_share"] == pytest.approx(0.1)


# --- pages ----------------------------------------------------------------------------------------------


def _queue_data(review, n):
    """``n`` sampled interactions with signals and a few related ones around them."""
    ids = log(n, target=review)
    InteractionEvent.objects.filter(pk__in=ids).update(device_hash="d" * 32, ip_prefix_hash="i" * 32, actor_level=2)
    fakerate.fakerate_draw(day=yesterday(), size=n, seed=1)


@pytest.mark.parametrize("n", [3, 12])
def test_labelling_list_query_count_is_fixed(client, review, moderator, n, django_assert_num_queries, settings):
    settings.LANGUAGE_CODE = "en"
    _queue_data(review, n)
    client.force_login(moderator)
    # user, groups (moderator check); the list with its context subqueries; the counts;
    # the site header's counts. The session is cached.
    with django_assert_num_queries(5):
        page = client.get(reverse("moderation:fakerate"), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    body = page.content.decode()
    assert body.count('class="card fake-item"') == n
    assert f"{n} interactions left to label" in body
    # Two other accounts or more share the device and the network: counts, never a hash or address.
    assert "d" * 32 not in body and "i" * 32 not in body and "@" not in body.split("<main", 1)[-1]


def test_labelling_page_labels_and_shows_errors(client, review, moderator, settings):
    settings.LANGUAGE_CODE = "en"
    _queue_data(review, 2)
    client.force_login(moderator)
    sample = InteractionAuditSample.objects.order_by("id").first()
    page = client.post(reverse("moderation:fakerate_label", args=[sample.pk]), {"label": "fake"}, follow=True)
    assert page.status_code == 200 and page.content.decode().count('class="card fake-item"') == 1
    sample.refresh_from_db()
    assert sample.label == L.FAKE
    page = client.post(reverse("moderation:fakerate_label", args=[sample.pk]), {"label": "nope"}, follow=True)
    assert "Choose genuine, fake or can" in page.content.decode()
    page = client.post(reverse("moderation:fakerate_label", args=[999999]), {"label": "fake"}, follow=True)
    assert "Audit item not found." in page.content.decode()


def test_labelling_page_empty_state_and_access(client, moderator, shopper, settings):
    settings.LANGUAGE_CODE = "en"
    client.force_login(shopper)
    assert client.get(reverse("moderation:fakerate")).status_code == 403
    client.force_login(moderator)
    body = client.get(reverse("moderation:fakerate")).content.decode()
    assert 'id="fakerate-empty"' in body and "Samples are drawn each night" in body


@pytest.mark.parametrize("n", [20, 80])
def test_ops_page_fake_rate_section(client, review, moderator, n, django_assert_num_queries, settings):
    from moderation import registry

    settings.LANGUAGE_CODE = "en"
    log(n, target=review, invalid=n // 20)
    samples = fakerate.fakerate_draw(day=yesterday(), size=20, seed=1)
    label_all(samples[:10], moderator, fakes=1)
    client.force_login(moderator)
    # The ops page's own queries (test_calibration) plus the fake-rate section's five (two for the
    # rate, three for the integrity lines' precision).
    with django_assert_num_queries(16 + 2 * len(registry.kinds())):
        page = client.get(reverse("moderation:ops"), {"days": 7})
    body = page.content.decode()
    assert 'id="fake-rate" data-status="red"' in body
    assert '<b id="fake-invalidated">5.0%</b>' in body
    assert '<b id="fake-audited">10.0%</b>' in body
    assert f'id="fake-combined-value">{(0.05 + 0.95 * 0.1) * 100:.1f}%</b>' in body
    assert body.count("<tr>") >= 7


def test_ops_page_fake_rate_not_measured(client, moderator, settings):
    settings.LANGUAGE_CODE = "en"
    client.force_login(moderator)
    body = client.get(reverse("moderation:ops")).content.decode()
    assert 'data-status="not_measured"' in body and "Not measured: no labelled sample in this window" in body


def test_queue_context_counts(review, moderator):
    """The context a moderator sees: other interactions on the same author / item, and other
    accounts sharing the device or the network (one of which acted on the same author)."""
    day = yesterday()
    actor = factories.UserFactory(date_joined=noon(day) - timedelta(days=3))
    ids = log(1, target=review, actor=actor)
    other_review = factories.review_with_words(author=review.author, product=factories.ProductFactory())
    log(2, target=other_review, actor=actor)
    log(1, action=A.CHECKIN, actor=actor, invalid=1)
    twin = factories.UserFactory()
    log(1, target=other_review, actor=twin)
    stranger = factories.UserFactory()
    log(1, action=A.CHECKIN, actor=stranger)
    InteractionEvent.objects.filter(actor__in=[actor, twin]).update(device_hash="d" * 32, ip_prefix_hash="n" * 32)
    InteractionEvent.objects.filter(actor=stranger).update(ip_prefix_hash="n" * 32)
    InteractionAuditSample.objects.create(date=day, interaction_id=ids[0], kind="helpful_votes", population=6, seed=1)
    [item] = fakerate.queue_list(moderator=moderator)
    assert (item.same_author_n, item.same_target_n, item.day_n, item.invalid_n) == (2, 0, 3, 1)
    assert (item.device_accounts, item.network_accounts, item.network_same_author) == (1, 2, 1)
    assert fakerate.account_age_days(item) == item.interaction.account_age_days
    InteractionEvent.objects.filter(pk=ids[0]).update(account_age_days=None)  # stripped by retention
    [item] = fakerate.queue_list(moderator=moderator)
    assert fakerate.account_age_days(item) == 3  # from the account, at the interaction
    assert fakerate.queue_list(moderator=actor) == []  # nobody sees their own interaction
