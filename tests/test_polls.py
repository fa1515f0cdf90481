"""Poll challenges: options with images, votes on options (toggle, limit, closing, validity,
recount), the page, the API, the brand admin's inline and, on PostgreSQL, real concurrency."""
import re

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from community.cocreation import polls, selectors, services
from core import hooks as core_hooks
from core.errors import PermissionDeniedError, ServiceError
from community.cocreation.models import Challenge, Entry, PollOption, PollVote
from gamification.models import PointsEntry, UserPoints
from tests import factories
from tests.challenge_helpers import make_challenge, old_user
from tests.test_concurrency import run_together

pytestmark = pytest.mark.django_db
S = Challenge.State
POLL = Challenge.Kind.POLL
VOTE_POINTS = 1  # gamification's rule "community.poll.vote_cast" (migration 0003)


def make_poll(brand=None, *, options=3, images=True, **fields):
    """A published poll taking votes now (voting while open), with ``options`` options, added
    while it is a draft. Publishing needs two; a poll with fewer (the tests of one-option and
    empty polls: what a brand leaves by deleting options of a running poll) is moved by the
    schedule's own transition instead."""
    fields.setdefault("allow_overlap", True)
    fields.setdefault("votes_per_user", 1)
    challenge = make_challenge(brand, kind=POLL, state=S.DRAFT, **fields)
    for i in range(options):
        image = SimpleUploadedFile(f"{i}.png", factories.image_bytes("PNG", size=(80, 60)), "image/png") if images else None
        polls.poll_option_add(
            challenge_id=challenge.pk, label_zh=f"方案{i}", label_en=f"Variant {i}", description_zh=f"第{i}个口味",
            image=image,
        )
    if options >= 2:
        services.challenge_publish(challenge_id=challenge.pk)
    else:
        services.challenge_transition(challenge_id=challenge.pk, to_state=S.SCHEDULED)
        services.challenge_advance_one(challenge_id=challenge.pk)
    challenge.refresh_from_db()
    return challenge


def options_of(challenge):
    return list(PollOption.objects.filter(challenge=challenge))


def points(user):
    row = UserPoints.objects.filter(user=user).first()
    return row.total if row else 0


def vote_key(option, voter):
    return f"community.poll.vote_cast:{option.pk}:{voter.pk}"


# --- options and their images -------------------------------------------------------------


def test_option_images_go_through_image_clean_and_keep_their_size():
    challenge = make_poll(options=1)
    option = options_of(challenge)[0]
    assert option.image.name.startswith("polls/") and option.image.name.endswith(".jpg")  # re-encoded
    assert (option.image_width, option.image_height) == (80, 60)
    bad = SimpleUploadedFile("x.png", b"not an image", "image/png")
    with pytest.raises(ServiceError) as exc:
        polls.poll_option_add(challenge_id=challenge.pk, label_zh="坏图", image=bad)
    assert exc.value.fields == {"image": [exc.value.message]}
    assert not PollOption.objects.filter(label_zh="坏图").exists()
    with pytest.raises(ServiceError):
        polls.poll_option_image_set(option_id=option.pk, upload=bad)
    new = SimpleUploadedFile("n.png", factories.image_bytes("PNG", size=(40, 30)), "image/png")
    option = polls.poll_option_image_set(option_id=option.pk, upload=new)
    option.refresh_from_db()
    assert (option.image_width, option.image_height) == (40, 30)
    option = polls.poll_option_image_set(option_id=option.pk, upload=None)
    option.refresh_from_db()
    assert not option.image and option.image_width is None


def test_only_the_brands_staff_change_options_and_only_polls_have_them(brand, brand_staff):
    challenge = make_poll(brand, options=1)
    option = options_of(challenge)[0]
    outsider = factories.UserFactory(is_staff=True)
    img = SimpleUploadedFile("a.png", factories.image_bytes("PNG"), "image/png")
    with pytest.raises(PermissionDeniedError):
        polls.poll_option_image_set(option_id=option.pk, upload=img, actor=outsider)
    with pytest.raises(PermissionDeniedError):
        polls.poll_option_add(challenge_id=challenge.pk, label_zh="外人", actor=outsider)
    polls.poll_option_add(challenge_id=challenge.pk, label_zh="自己人", actor=brand_staff)
    with pytest.raises(ServiceError) as exc:
        polls.poll_option_add(challenge_id=make_challenge(brand).pk, label_zh="创意")
    assert exc.value.code == "not_a_poll"


def test_polls_take_no_entries():
    challenge = make_poll()
    with pytest.raises(ServiceError) as exc:
        services.entry_submit(author=factories.UserFactory(), challenge_id=challenge.pk, text="我也想投稿一个方案")
    assert exc.value.code == "entries_closed"
    assert not Entry.objects.filter(challenge=challenge).exists()


# --- votes ----------------------------------------------------------------------------------


def test_one_tap_votes_second_withdraws_with_points_once(django_capture_on_commit_callbacks):
    challenge = make_poll()
    option = options_of(challenge)[0]
    voter = old_user()
    with django_capture_on_commit_callbacks(execute=True):  # points arrive on the after-commit event
        option, voted = polls.poll_vote_toggle(user=voter, option_id=option.pk)
    assert voted and option.vote_count == 1
    assert points(voter) == VOTE_POINTS
    assert PollVote.objects.filter(user=voter).count() == 1
    assert PointsEntry.objects.get(key=vote_key(option, voter)).action == "community.poll.vote_cast"
    with django_capture_on_commit_callbacks(execute=True):
        option, voted = polls.poll_vote_toggle(user=voter, option_id=option.pk)
    assert not voted and option.vote_count == 0
    assert not PollVote.objects.filter(user=voter).exists() and points(voter) == 0
    # Re-voting after a withdrawal earns the point again under a new key (key#1): the reversed
    # award may be re-awarded, and toggling never nets more than the one vote's point.
    with django_capture_on_commit_callbacks(execute=True):
        option, voted = polls.poll_vote_toggle(user=voter, option_id=option.pk)
    assert voted and option.vote_count == 1 and points(voter) == VOTE_POINTS
    assert PointsEntry.objects.filter(key=f"{vote_key(option, voter)}#1").count() == 1
    option.refresh_from_db()
    assert option.vote_count == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert polls.poll_vote_withdraw(user=voter, option_id=option.pk).vote_count == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert polls.poll_vote_withdraw(user=voter, option_id=option.pk).vote_count == 0  # nothing to withdraw: no vote
    assert not PollVote.objects.filter(user=voter).exists() and points(voter) == 0


def test_limit_is_the_challenges_votes_per_user_plus_privilege(monkeypatch):
    challenge = make_poll(options=4, votes_per_user=2)
    a, b, c, d = options_of(challenge)
    voter = old_user()
    polls.poll_vote_toggle(user=voter, option_id=a.pk)
    polls.poll_vote_toggle(user=voter, option_id=b.pk)
    with pytest.raises(ServiceError) as exc:
        polls.poll_vote_toggle(user=voter, option_id=c.pk)
    assert exc.value.code == "vote_limit"
    polls.poll_vote_toggle(user=voter, option_id=b.pk)  # withdrawing frees the slot
    polls.poll_vote_toggle(user=voter, option_id=c.pk)
    # Co-creation asks the privilege through core's hook (gamification provides it at start).
    monkeypatch.setattr(core_hooks.privilege_value, "_impl",
                        lambda user, name, default=0: 1 if name == "more_challenge_votes" else default)
    polls.poll_vote_toggle(user=voter, option_id=d.pk)
    assert sorted(PollVote.objects.filter(user=voter).values_list("option_id", flat=True)) == sorted([a.pk, c.pk, d.pk])


def test_default_poll_limit_of_one():
    challenge = make_poll()
    first, second, _third = options_of(challenge)
    voter = old_user()
    polls.poll_vote_toggle(user=voter, option_id=first.pk)
    with pytest.raises(ServiceError) as exc:
        polls.poll_vote_toggle(user=voter, option_id=second.pk)
    assert exc.value.code == "vote_limit"


def test_account_age_closed_polls_drafts_and_unknown_options_are_refused():
    young = make_poll(min_account_age_days_to_vote=7)
    with pytest.raises(PermissionDeniedError) as exc:
        polls.poll_vote_toggle(user=factories.UserFactory(), option_id=options_of(young)[0].pk)
    assert exc.value.code == "account_too_new"
    not_yet = make_poll(allow_overlap=False)  # open for "entries": a poll votes from entries_close_at
    with pytest.raises(ServiceError) as exc:
        polls.poll_vote_toggle(user=old_user(), option_id=options_of(not_yet)[0].pk)
    assert exc.value.code == "voting_closed"
    running = make_poll()
    option = options_of(running)[0]
    voter = old_user()
    polls.poll_vote_toggle(user=voter, option_id=option.pk)
    Challenge.objects.filter(pk=running.pk).update(state=S.JUDGING)
    for call in (polls.poll_vote_toggle, polls.poll_vote_withdraw):
        with pytest.raises(ServiceError) as exc:
            call(user=voter, option_id=option.pk)  # no withdrawing after voting has closed either
        assert exc.value.code == "voting_closed"
    assert PollVote.objects.filter(user=voter).count() == 1
    draft = make_challenge(kind=POLL, state=S.DRAFT)
    hidden = polls.poll_option_add(challenge_id=draft.pk, label_zh="草稿方案")
    for option_id in (hidden.pk, 10**9, 2**70):
        with pytest.raises(ServiceError) as exc:
            polls.poll_vote_toggle(user=voter, option_id=option_id)
        assert exc.value.code == "not_found" and exc.value.status_code == 404


def test_invalidated_vote_is_kept_excluded_points_reversed_and_still_uses_its_slot(django_capture_on_commit_callbacks):
    challenge = make_poll()
    first, second, _third = options_of(challenge)
    voters = [old_user() for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=True):  # points arrive on the after-commit event
        for v in voters:
            polls.poll_vote_toggle(user=v, option_id=first.pk)
    assert [points(v) for v in voters] == [VOTE_POINTS] * 3
    vote = PollVote.objects.get(user=voters[0])
    with django_capture_on_commit_callbacks(execute=True):
        polls.poll_vote_invalidate(vote_id=vote.pk, reason="gamification.fraud")
    with django_capture_on_commit_callbacks(execute=True):
        polls.poll_vote_invalidate(vote_id=vote.pk)  # idempotent
    assert polls.poll_vote_invalidate(vote_id=10**9) is None
    vote.refresh_from_db()
    first.refresh_from_db()
    assert not vote.valid and vote.invalid_reason == "gamification.fraud"
    assert first.vote_count == 2 and PollVote.objects.filter(option=first).count() == 3
    assert points(voters[0]) == 0 and points(voters[1]) == VOTE_POINTS
    reversal = PointsEntry.objects.get(reverses__key=vote_key(first, voters[0]))
    assert reversal.amount == -VOTE_POINTS and reversal.reason == "gamification.fraud"
    with pytest.raises(PermissionDeniedError) as exc:
        polls.poll_vote_toggle(user=voters[0], option_id=first.pk)  # cannot withdraw and re-vote it clean
    assert exc.value.code == "vote_invalid"
    with pytest.raises(ServiceError) as exc:
        polls.poll_vote_toggle(user=voters[0], option_id=second.pk)
    assert exc.value.code == "vote_limit"
    assert [o.percent for o in selectors.poll_options(challenge=challenge)] == [100, 0, 0]
    assert polls.poll_recount(challenge_id=challenge.pk) == 0


def test_recount_is_a_no_op_on_healthy_data_and_repairs_drift(django_capture_on_commit_callbacks):
    challenge = make_poll()
    first, second, third = options_of(challenge)
    with django_capture_on_commit_callbacks(execute=True):  # the challenge's total moves after commit
        for option, n in ((first, 2), (second, 1)):
            for _ in range(n):
                polls.poll_vote_toggle(user=old_user(), option_id=option.pk)
    challenge.refresh_from_db()
    assert challenge.vote_count == 3  # the poll's total, shown on challenge cards
    assert polls.poll_recount(challenge_id=challenge.pk) == 0
    assert polls.counters_rebuild_polls() == 0
    PollOption.objects.filter(pk=first.pk).update(vote_count=40)
    PollOption.objects.filter(pk=third.pk).update(vote_count=3)
    assert polls.counters_rebuild_polls() == 2
    assert [o.vote_count for o in options_of(challenge)] == [2, 1, 0]
    assert services.counters_rebuild_challenges() == 0  # the challenge total agrees with the poll's rows
    Challenge.objects.filter(pk=challenge.pk).update(vote_count=0)
    assert services.counters_rebuild_challenges() == 1


def test_percentages_round_half_up_and_leader_is_marked():
    assert [selectors.poll_percent(n, 3) for n in (0, 1, 2, 3)] == [0, 33, 67, 100]
    assert selectors.poll_percent(1, 8) == 13 and selectors.poll_percent(0, 0) == 0
    challenge = make_poll()
    first, second, _third = options_of(challenge)
    for option in (first, first, second):
        polls.poll_vote_toggle(user=old_user(), option_id=option.pk)
    shown = selectors.poll_options(challenge=challenge)
    assert [(o.vote_count, o.percent, o.is_leader) for o in shown] == [(2, 67, True), (1, 33, False), (0, 0, False)]


# --- the page -------------------------------------------------------------------------------


def _option_cards(body):
    return re.findall(r'<li class="poll-option.*?</li>', body, flags=re.S)


def test_page_shows_options_with_images_vote_forms_and_counts(client):
    challenge = make_poll()
    first, second, _third = options_of(challenge)
    voter = old_user()
    polls.poll_vote_toggle(user=voter, option_id=first.pk)
    client.force_login(voter)
    body = client.get(f"/challenges/{challenge.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    cards = _option_cards(body)
    assert len(cards) == 3
    img = re.search(r"<img [^>]*>", cards[0]).group(0)
    for attr in (f'src="{first.image.url}"', 'alt="Variant 0"', 'width="80"', 'height="60"', 'loading="lazy"'):
        assert attr in img
    assert '<h3 class="poll-label" id="poll-option-%d">Variant 0' % first.pk in cards[0]  # English label under en
    assert 'aria-pressed="true"' in cards[0] and 'aria-pressed="false"' in cards[1]
    assert f'action="/polls/options/{first.pk}/vote/"' in cards[0] and "csrfmiddlewaretoken" in cards[0]
    assert 'class="bar-fill pct-100"' in cards[0] and "100%" in cards[0] and 'class="bar-fill pct-0"' in cards[1]
    assert " disabled" not in cards[0]
    zh = client.get(f"/challenges/{challenge.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'alt="方案0"' in zh


def test_poll_without_options_shows_the_empty_state_and_other_kinds_show_no_poll(client):
    empty = make_poll(options=0)
    body = client.get(f"/challenges/{empty.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="poll"' in body and "The brand has not added the options yet." in body
    idea = make_challenge()
    assert 'id="poll"' not in client.get(f"/challenges/{idea.pk}/").content.decode()


def test_closed_poll_shows_results_and_disabled_buttons(client):
    challenge = make_poll()
    first, second, _third = options_of(challenge)
    for option in (first, second, second):
        polls.poll_vote_toggle(user=old_user(), option_id=option.pk)
    Challenge.objects.filter(pk=challenge.pk).update(state=S.CLOSED)
    body = client.get(f"/challenges/{challenge.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    cards = _option_cards(body)
    assert 'id="poll-title">Results</h2>' in body
    assert "is-leader" in cards[1] and "is-leader" not in cards[0]
    assert "33%" in cards[0] and "67%" in cards[1]
    assert all(" disabled" in c for c in cards)


def test_page_query_count_is_the_same_at_3_and_30_options(client, django_assert_num_queries):
    small, big = make_poll(options=3), make_poll(options=30)
    viewer = old_user()
    polls.poll_vote_toggle(user=viewer, option_id=options_of(small)[1].pk)
    polls.poll_vote_toggle(user=viewer, option_id=options_of(big)[7].pk)
    client.force_login(viewer)
    client.get(f"/challenges/{small.pk}/")  # warm caches (session, grants)
    with CaptureQueriesContext(connection) as ctx_small:
        resp = client.get(f"/challenges/{small.pk}/")
    assert resp.status_code == 200 and len(_option_cards(resp.content.decode())) == 3
    with django_assert_num_queries(len(ctx_small.captured_queries)):
        resp = client.get(f"/challenges/{big.pk}/")
    assert len(_option_cards(resp.content.decode())) == 30


def test_vote_through_the_page_form_and_errors_come_back_as_messages(client):
    challenge = make_poll()
    first, second, _third = options_of(challenge)
    page = f"/challenges/{challenge.pk}/"
    resp = client.post(f"/polls/options/{first.pk}/vote/", {"next": page})
    assert resp.status_code == 302 and resp["Location"].startswith(reverse("account_login") + "?next=")
    assert not PollVote.objects.exists()
    voter = old_user()
    client.force_login(voter)
    resp = client.post(f"/polls/options/{first.pk}/vote/", {"next": page + "#poll"}, HTTP_ACCEPT_LANGUAGE="en")
    assert resp.status_code == 302 and resp["Location"] == page + "#poll"
    assert PollVote.objects.filter(user=voter, option=first).exists()
    resp = client.post(f"/polls/options/{second.pk}/vote/", {"next": page}, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert resp.status_code == 200
    assert "You have used all 1 of your votes in this challenge." in resp.content.decode()
    for bad_id in (10**9, 2**70):
        resp = client.post(f"/polls/options/{bad_id}/vote/", {"next": page})
        assert resp.status_code == 302 and resp["Location"] == page
    resp = client.post(f"/polls/options/{first.pk}/vote/", {"next": "//evil.example/"})
    assert resp.status_code == 302 and resp["Location"] == page + "#poll"  # withdrawn; foreign next ignored
    assert not PollVote.objects.filter(user=voter).exists()
    resp = client.post(f"/polls/options/{first.pk}/vote/", HTTP_ACCEPT="application/json")
    body = resp.json()
    assert {k: body[k] for k in ("ok", "voted", "vote_count", "message")} == {
        "ok": True, "voted": True, "vote_count": 1, "message": "投票成功。"}
    # Every option's new share, for the page to update in place without a reload.
    assert body["total_text"] == "1票"
    assert body["options"] == [
        {"id": first.pk, "vote_count": 1, "votes_text": "1票", "percent": 100, "voted": True},
        {"id": second.pk, "vote_count": 0, "votes_text": "0票", "percent": 0, "voted": False},
        {"id": _third.pk, "vote_count": 0, "votes_text": "0票", "percent": 0, "voted": False},
    ]
    Challenge.objects.filter(pk=challenge.pk).update(state=S.CLOSED)
    resp = client.post(f"/polls/options/{first.pk}/vote/", HTTP_ACCEPT="application/json")
    assert resp.status_code == 400 and resp.json()["code"] == "voting_closed"
    assert client.get(f"/polls/options/{first.pk}/vote/").status_code == 405


# --- the API ----------------------------------------------------------------------------------


def test_api_lists_options_and_votes(client):
    challenge = make_poll(votes_per_user=1)
    first, second, _third = options_of(challenge)
    resp = client.get(f"/api/challenges/{challenge.pk}/options/")
    assert resp.status_code == 200 and resp.json()["count"] == 3
    row = resp.json()["results"][0]
    assert row["id"] == first.pk and row["label"] in ("方案0", "Variant 0") and row["image"] == first.image.url
    assert (row["image_width"], row["image_height"], row["vote_count"], row["percent"], row["voted"]) == (80, 60, 0, 0, False)
    resp = client.post(f"/api/poll-options/{first.pk}/vote/")
    assert resp.status_code in (401, 403) and set(resp.json()["error"]) == {"code", "message", "fields"}
    voter = old_user()
    client.force_login(voter)
    resp = client.post(f"/api/poll-options/{first.pk}/vote/")
    assert resp.status_code == 200 and resp.json()["voted"] and resp.json()["vote_count"] == 1
    assert resp.json()["percent"] == 100
    assert [r["voted"] for r in client.get(f"/api/challenges/{challenge.pk}/options/").json()["results"]] == [True, False, False]
    resp = client.post(f"/api/poll-options/{second.pk}/vote/")
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "vote_limit"
    resp = client.delete(f"/api/poll-options/{first.pk}/vote/")
    assert resp.status_code == 200 and resp.json()["vote_count"] == 0 and not resp.json()["voted"]
    resp = client.delete(f"/api/poll-options/{first.pk}/vote/")  # nothing to withdraw: no change, no vote
    assert resp.status_code == 200 and not PollVote.objects.filter(user=voter).exists()
    for bad_id in (10**9, 2**70):
        resp = client.post(f"/api/poll-options/{bad_id}/vote/")
        assert resp.status_code == 404 and resp.json()["error"]["code"] == "not_found"
    assert client.get("/api/challenges/999999/options/").status_code == 404
    Challenge.objects.filter(pk=challenge.pk).update(state=S.JUDGING)
    resp = client.post(f"/api/poll-options/{first.pk}/vote/")
    assert resp.status_code == 400 and resp.json()["error"] == {
        "code": "voting_closed", "message": resp.json()["error"]["message"], "fields": {},
    }


def test_api_refusals_403(client):
    challenge = make_poll(min_account_age_days_to_vote=7)
    option = options_of(challenge)[0]
    client.force_login(factories.UserFactory())
    resp = client.post(f"/api/poll-options/{option.pk}/vote/")
    assert resp.status_code == 403 and resp.json()["error"]["code"] == "account_too_new"


def test_api_vote_uses_the_entry_vote_permissions_and_throttles():
    from community.cocreation.api.challenges import EntryVoteApi
    from community.cocreation.api.polls import PollOptionVoteApi

    assert PollOptionVoteApi.permission_classes == EntryVoteApi.permission_classes
    assert PollOptionVoteApi.throttle_classes == EntryVoteApi.throttle_classes
    assert PollOptionVoteApi.throttle_scope == EntryVoteApi.throttle_scope


def test_api_options_query_count_is_the_same_at_3_and_30_options(client, django_assert_num_queries):
    small, big = make_poll(options=3, images=False), make_poll(options=30, images=False)
    client.force_login(old_user())
    client.get(f"/api/challenges/{small.pk}/options/")
    with CaptureQueriesContext(connection) as ctx:
        client.get(f"/api/challenges/{small.pk}/options/")
    with django_assert_num_queries(len(ctx.captured_queries)):
        resp = client.get(f"/api/challenges/{big.pk}/options/?page_size=100")
    assert resp.json()["count"] == 30 and len(resp.json()["results"]) == 30


# --- brand admin ------------------------------------------------------------------------------


@pytest.fixture
def staff_client(client, brand_staff):
    perms = Permission.objects.filter(
        content_type__app_label__in=("community", "cocreation", "trials"),
        codename__in=["view_challenge", "change_challenge", "add_challenge", "view_polloption", "add_polloption",
                      "change_polloption", "delete_polloption"],
    )
    brand_staff.user_permissions.add(*perms)
    client.force_login(brand_staff)
    return client


def _admin_data(challenge, options=(), extra=()):
    """The change form of ``challenge`` as the browser would post it, with its options inline."""
    data = {
        "brand": challenge.brand_id, "kind": challenge.kind, "title_zh": challenge.title_zh, "title_en": "",
        "brief_zh": "", "brief_en": "", "hashtag": "", "rules_zh": "", "rules_en": "", "participation_points": 10, "winner_points": 200,
        "winner_badge_slug": "", "adopted_points": 500, "prize_description_zh": "", "prize_description_en": "", "prize_draw_winners": 1,
        "prize_odds": "", "entries_per_user": 1, "votes_per_user": 1, "min_account_age_days_to_vote": 0,
        "allow_overlap": "on",
    }
    for name in ("opens_at", "entries_close_at", "voting_close_at", "closes_at"):
        local = timezone.localtime(getattr(challenge, name))
        data[f"{name}_0"], data[f"{name}_1"] = local.strftime("%Y-%m-%d"), local.strftime("%H:%M:%S")
    rows = [
        {"id": o.pk, "challenge": challenge.pk, "position": o.position, "label_zh": o.label_zh, "label_en": o.label_en,
         "description_zh": o.description_zh, "description_en": o.description_en}
        for o in options
    ] + [dict(row, challenge=challenge.pk) for row in extra]
    data.update({
        "poll_options-TOTAL_FORMS": str(len(rows)), "poll_options-INITIAL_FORMS": str(len(options)),
        "poll_options-MIN_NUM_FORMS": "0", "poll_options-MAX_NUM_FORMS": "1000",
    })
    for i, row in enumerate(rows):
        data.update({f"poll_options-{i}-{k}": v for k, v in row.items()})
    return data


def test_admin_inline_edits_own_polls_options_with_validated_images(staff_client, brand):
    challenge = make_poll(brand, options=1, images=False)
    page = staff_client.get(f"/admin/cocreation/challenge/{challenge.pk}/change/").content.decode()
    assert "poll_options-TOTAL_FORMS" in page and "方案0" in page
    bad = SimpleUploadedFile("x.png", b"not an image", "image/png")
    data = _admin_data(challenge, options_of(challenge), extra=[{"position": 5, "label_zh": "坏图", "image": bad}])
    resp = staff_client.post(f"/admin/cocreation/challenge/{challenge.pk}/change/", data)
    assert resp.status_code == 200 and "errorlist" in resp.content.decode()
    assert not PollOption.objects.filter(label_zh="坏图").exists()
    good = SimpleUploadedFile("g.png", factories.image_bytes("PNG", size=(90, 70)), "image/png")
    data = _admin_data(challenge, options_of(challenge), extra=[{"position": 5, "label_zh": "新方案", "image": good}])
    resp = staff_client.post(f"/admin/cocreation/challenge/{challenge.pk}/change/", data)
    assert resp.status_code == 302, resp.content.decode()[:2000]
    added = PollOption.objects.get(label_zh="新方案")
    assert added.image.name.endswith(".jpg") and (added.image_width, added.image_height) == (90, 70)
    idea = make_challenge(brand, kind="idea")
    assert "poll_options-TOTAL_FORMS" not in staff_client.get(f"/admin/cocreation/challenge/{idea.pk}/change/").content.decode()


def test_admin_inline_is_scoped_to_the_brand(staff_client, brand):
    mine = make_poll(brand, options=1, images=False)
    other = make_poll(options=1, images=False, title_zh="别人的投票")
    foreign = options_of(other)[0]
    assert staff_client.get(f"/admin/cocreation/challenge/{other.pk}/change/").status_code in (302, 404)
    staff_client.post(f"/admin/cocreation/challenge/{other.pk}/change/", _admin_data(other, [foreign]) | {
        "poll_options-0-label_zh": "hijacked"})
    # A forged row naming another brand's option on my own poll is not among the formset's rows.
    data = _admin_data(mine, options_of(mine))
    data.update({"poll_options-0-id": foreign.pk, "poll_options-0-label_zh": "hijacked"})
    assert staff_client.post(f"/admin/cocreation/challenge/{mine.pk}/change/", data).status_code in (200, 302)
    foreign.refresh_from_db()
    assert foreign.label_zh == "方案0" and foreign.challenge_id == other.pk
    assert not PollOption.objects.filter(label_zh="hijacked").exists()
    assert staff_client.get(f"/admin/cocreation/polloption/{foreign.pk}/change/").status_code == 404  # no own admin


def test_admin_refuses_to_delete_an_option_that_has_votes(staff_client, brand):
    challenge = make_poll(brand, options=2, images=False)
    voted, unvoted = options_of(challenge)
    polls.poll_vote_toggle(user=old_user(), option_id=voted.pk)
    data = _admin_data(challenge, [voted, unvoted])
    data["poll_options-0-DELETE"] = "on"
    resp = staff_client.post(f"/admin/cocreation/challenge/{challenge.pk}/change/", data)
    assert resp.status_code == 200 and PollOption.objects.filter(pk=voted.pk).exists()
    data = _admin_data(challenge, [voted, unvoted])
    data["poll_options-1-DELETE"] = "on"
    assert staff_client.post(f"/admin/cocreation/challenge/{challenge.pk}/change/", data).status_code == 302
    assert not PollOption.objects.filter(pk=unvoted.pk).exists()


# --- PostgreSQL: real concurrency ----------------------------------------------------------------
# Each thread commits for real. default_rules loads the Rules the data migrations load (they
# decide a vote's point), which an earlier transactional test's flush dropped.


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("default_rules")
def test_one_user_firing_twenty_votes_against_a_limit_of_one_gets_one():
    challenge = make_poll(options=20, images=False, votes_per_user=1)
    voter = old_user()
    results, errors = run_together(
        [lambda o=o: polls.poll_vote_toggle(user=voter, option_id=o.pk) for o in options_of(challenge)]
    )
    assert PollVote.objects.filter(user=voter, challenge=challenge).count() == 1
    assert sum(1 for r in results if r is not None) == 1
    assert all(isinstance(e, ServiceError) and e.code == "vote_limit" for e in errors if e is not None)
    assert sum(o.vote_count for o in options_of(challenge)) == 1
    assert UserPoints.objects.get(user=voter).total == VOTE_POINTS
    assert polls.poll_recount(challenge_id=challenge.pk) == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("default_rules")
def test_thirty_users_on_one_option_count_thirty():
    challenge = make_poll(options=2, images=False)
    option = options_of(challenge)[0]
    voters = [old_user() for _ in range(30)]
    results, errors = run_together([lambda v=v: polls.poll_vote_toggle(user=v, option_id=option.pk) for v in voters])
    assert errors == [None] * 30
    option.refresh_from_db()
    assert option.vote_count == 30 == PollVote.objects.filter(option=option, valid=True).count()
    assert polls.poll_recount(challenge_id=challenge.pk) == 0
    assert sum(UserPoints.objects.filter(user__in=voters).values_list("total", flat=True)) == 30 * VOTE_POINTS


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("default_rules")
def test_invalidations_racing_withdrawals_neither_deadlock_nor_drift():
    challenge = make_poll(options=2, images=False)
    option = options_of(challenge)[0]
    voters = [old_user() for _ in range(10)]
    for v in voters:
        polls.poll_vote_toggle(user=v, option_id=option.pk)
    votes = {v.pk: PollVote.objects.get(user=v).pk for v in voters}
    calls = [lambda v=v: polls.poll_vote_withdraw(user=v, option_id=option.pk) for v in voters]
    calls += [lambda v=v: polls.poll_vote_invalidate(vote_id=votes[v.pk]) for v in voters]
    _results, errors = run_together(calls)
    assert all(e is None or (isinstance(e, ServiceError) and e.code == "vote_invalid") for e in errors), errors
    option.refresh_from_db()
    assert option.vote_count == 0 == PollVote.objects.filter(option=option, valid=True).count()
    assert polls.poll_recount(challenge_id=challenge.pk) == 0
    assert all(UserPoints.objects.get(user=v).total == 0 for v in voters)  # withdrawn or invalidated: reversed once


def test_challenge_list_shows_a_polls_votes_not_its_entries(client, django_capture_on_commit_callbacks):
    challenge = make_poll()
    first = options_of(challenge)[0]
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            polls.poll_vote_toggle(user=old_user(), option_id=first.pk)
    body = client.get("/challenges/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "2 votes" in body and "0 entries" not in body
