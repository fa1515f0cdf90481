"""Ring cases and appeals against invalidations (issue 11 section 3, the human path):
``moderation.ring_review`` and its pages. Counts and points are the real ones: the votes go
through the vote service, invalidation and restore through ``moderation.integrity_actions``."""
import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from community.cocreation.models import Entry
from community.integrity.models import InteractionEvent, InteractionFlag
from community.models import Notification
from core.errors import ServiceError
from gamification.ledger import ledger_verify
from moderation import integrity_actions, ring_review
from moderation.models import Event, RingAppeal, RingMember
from tests import factories
from tests.ring_helpers import VOTE_POINTS, points, ring_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("default_rules")]


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def ring(django_capture_on_commit_callbacks):
    def make(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return ring_case(**kwargs)
    return make


@pytest.fixture
def second_moderator(db):
    user = factories.UserFactory()
    user.groups.add(Group.objects.get_or_create(name="moderators")[0])
    return user


def votes(entries):
    return [Entry.objects.get(pk=e.pk).vote_count for e in entries]


def ledger_ok():
    report = ledger_verify()
    assert not report["broken"] and not report["totals"], report


def decide(case, moderator, callbacks, **kwargs):
    with callbacks(execute=True):
        return ring_review.decide_case(case, moderator=moderator, **kwargs)


# --- the decision service ------------------------------------------------------------------


def test_invalidate_all_takes_the_votes_and_the_points(ring, moderator, django_capture_on_commit_callbacks):
    case, voters, entries, events = ring(members=3, entries=2)
    assert votes(entries) == [3, 3]
    assert [points(v) for v in voters] == [2 * VOTE_POINTS] * 3
    result = decide(case, moderator, django_capture_on_commit_callbacks, decision="invalidate_all", note="farm")
    assert result == {"invalidated": 6, "restored": 0}
    assert votes(entries) == [0, 0]
    assert [points(v) for v in voters] == [0, 0, 0]
    assert not InteractionEvent.objects.filter(pk__in=[e.pk for e in events], valid=True).exists()
    flags = InteractionFlag.objects.filter(event__in=events)
    assert {(f.source, f.decided_by_id, f.detector) for f in flags} == {("human", moderator.pk, "ring_case")}
    case.refresh_from_db()
    assert (case.status, case.decision, case.decided_by, case.note) == ("decided", "invalidate_all", moderator, "farm")
    assert set(RingMember.objects.filter(case=case).values_list("decision", flat=True)) == {"invalidated"}
    assert Event.objects.filter(content_type="ring_case", object_id=case.pk,
                                action="moderation.ring_case.invalidate_all").count() == 1
    ledger_ok()


def test_clear_all_restores_what_the_scan_invalidated(ring, moderator, django_capture_on_commit_callbacks):
    case, voters, entries, events = ring(members=3)
    with django_capture_on_commit_callbacks(execute=True):
        integrity_actions.invalidate([e.pk for e in events[:2]], detector="lockstep", score=0.9, evidence="x")
    assert votes(entries) == [1]
    assert [points(v) for v in voters] == [0, 0, VOTE_POINTS]
    result = decide(case, moderator, django_capture_on_commit_callbacks, decision="clear_all")
    assert result == {"invalidated": 0, "restored": 2}
    assert votes(entries) == [3]
    assert [points(v) for v in voters] == [VOTE_POINTS] * 3
    assert set(RingMember.objects.filter(case=case).values_list("decision", flat=True)) == {"cleared"}
    ledger_ok()


def test_pick_members_invalidates_those_and_clears_the_rest(ring, moderator, django_capture_on_commit_callbacks):
    case, voters, entries, events = ring(members=4)
    with django_capture_on_commit_callbacks(execute=True):  # the scan had taken the last voter's vote
        integrity_actions.invalidate([events[3].pk], detector="swarm", score=0.9, evidence="x")
    result = decide(case, moderator, django_capture_on_commit_callbacks, decision="partial",
                    member_ids=[voters[0].pk, voters[1].pk])
    assert result == {"invalidated": 2, "restored": 1}
    assert votes(entries) == [2]
    assert [points(v) for v in voters] == [0, 0, VOTE_POINTS, VOTE_POINTS]
    decisions = dict(RingMember.objects.filter(case=case).values_list("user_id", "decision"))
    assert decisions == {voters[0].pk: "invalidated", voters[1].pk: "invalidated",
                         voters[2].pk: "cleared", voters[3].pk: "cleared"}
    ledger_ok()


def test_a_decided_case_cannot_be_decided_again(ring, moderator, second_moderator, django_capture_on_commit_callbacks):
    case, voters, entries, _events = ring(members=3)
    decide(case, moderator, django_capture_on_commit_callbacks, decision="invalidate_all")
    with pytest.raises(ServiceError) as exc:
        decide(case, second_moderator, django_capture_on_commit_callbacks, decision="clear_all")
    assert exc.value.code == "already_decided"
    assert votes(entries) == [0] and [points(v) for v in voters] == [0, 0, 0]


@pytest.mark.parametrize("decision, members, code", [
    ("partial", [], "members_required"),
    ("partial", [0], "members_invalid"),
    ("nonsense", None, "decision_invalid"),
])
def test_bad_decisions_are_refused(ring, moderator, django_capture_on_commit_callbacks, decision, members, code):
    case, _voters, entries, _events = ring(members=3)
    with pytest.raises(ServiceError) as exc:
        decide(case, moderator, django_capture_on_commit_callbacks, decision=decision, member_ids=members)
    assert exc.value.code == code
    case.refresh_from_db()
    assert case.status == "open" and votes(entries) == [3]


def test_a_member_cannot_decide_their_own_case(ring, django_capture_on_commit_callbacks):
    case, voters, _entries, _events = ring(members=3)
    voters[0].groups.add(Group.objects.get_or_create(name="moderators")[0])
    with pytest.raises(ServiceError) as exc:
        decide(case, voters[0], django_capture_on_commit_callbacks, decision="clear_all")
    assert exc.value.code == "own_case"


# --- appeals --------------------------------------------------------------------------------


def test_appeal_of_an_automatic_invalidation_any_moderator_upholds(ring, moderator,
                                                                    django_capture_on_commit_callbacks):
    case, voters, entries, events = ring(members=3)
    with django_capture_on_commit_callbacks(execute=True):
        integrity_actions.invalidate([e.pk for e in events], detector="lockstep", score=0.95,
                                     evidence="3 accounts voted for the same entry within 5 minutes")
    shopper = voters[0]
    appeal = ring_review.ring_appeal_create(user=shopper, text="I really like this entry")
    assert appeal.case == case and appeal.original_moderator is None
    assert [f.event_id for f in appeal.flags.all()] == [events[0].pk]
    with pytest.raises(ServiceError) as exc:  # once per invalidation
        ring_review.ring_appeal_create(user=shopper, text="again")
    assert exc.value.code == "nothing_to_appeal"
    with django_capture_on_commit_callbacks(execute=True):
        ring_review.ring_appeal_decide(appeal_id=appeal.pk, moderator=moderator, uphold=True, note="Looks genuine")
    appeal.refresh_from_db()
    assert appeal.status == "upheld" and appeal.decided_by == moderator
    assert votes(entries) == [1] and points(shopper) == VOTE_POINTS and points(voters[1]) == 0
    note = Notification.objects.get(user=shopper, kind="moderation.ring_appeal.upheld")
    assert note.url == reverse("moderation:my_invalidations")
    ledger_ok()


def test_appeal_of_a_human_decision_goes_to_a_different_moderator(ring, moderator, second_moderator,
                                                                   django_capture_on_commit_callbacks):
    case, voters, entries, _events = ring(members=3)
    decide(case, moderator, django_capture_on_commit_callbacks, decision="invalidate_all")
    appeal = ring_review.ring_appeal_create(user=voters[1], text="Genuine vote, I know the author's work")
    assert appeal.original_moderator == moderator
    with pytest.raises(ServiceError) as exc:
        ring_review.ring_appeal_decide(appeal_id=appeal.pk, moderator=moderator, uphold=True)
    assert exc.value.code == "appeal_same_moderator"
    assert "different moderator" in exc.value.message
    with pytest.raises(ServiceError):  # nor the appellant
        ring_review.ring_appeal_decide(appeal_id=appeal.pk, moderator=voters[1], uphold=True)
    with django_capture_on_commit_callbacks(execute=True):
        ring_review.ring_appeal_decide(appeal_id=appeal.pk, moderator=second_moderator, uphold=False, note="No")
    appeal.refresh_from_db()
    assert appeal.status == "rejected"
    assert votes(entries) == [0] and points(voters[1]) == 0
    assert Notification.objects.filter(user=voters[1], kind="moderation.ring_appeal.rejected").exists()


def test_appeal_text_is_required(ring, django_capture_on_commit_callbacks):
    _case, voters, _entries, events = ring(members=3)
    with django_capture_on_commit_callbacks(execute=True):
        integrity_actions.invalidate([events[0].pk], detector="serial", score=0.9, evidence="x")
    with pytest.raises(ServiceError) as exc:
        ring_review.ring_appeal_create(user=voters[0], text="   ")
    assert exc.value.code == "text_required"
    with pytest.raises(ServiceError) as exc:
        ring_review.ring_appeal_create(user=voters[1], text="I did nothing wrong")
    assert exc.value.code == "nothing_to_appeal"  # their vote still counts


# --- pages: permissions ---------------------------------------------------------------------


@pytest.mark.parametrize("name, args", [
    ("moderation:rings", []), ("moderation:ring_case", [1]), ("moderation:ring_appeals", []),
])
def test_shoppers_and_brand_staff_cannot_see_ring_cases(client, shopper, brand_staff, name, args, ring):
    case, *_ = ring(members=3)
    url = reverse(name, args=[case.pk] if args else [])
    assert client.get(url).status_code == 302  # anonymous: to the log-in page
    for user in (shopper, brand_staff):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 403
        assert b"Shopper 0" not in response.content and case.evidence.encode() not in response.content


def test_brand_staff_cannot_decide(client, brand_staff, ring):
    case, _voters, entries, _events = ring(members=3)
    client.force_login(brand_staff)
    response = client.post(reverse("moderation:ring_decide", args=[case.pk]), {"decision": "invalidate_all"})
    assert response.status_code == 403
    assert votes(entries) == [3]


def test_decide_needs_csrf(moderator, ring):
    case, *_ = ring(members=3)
    client = Client(enforce_csrf_checks=True)
    client.force_login(moderator)
    response = client.post(reverse("moderation:ring_decide", args=[case.pk]), {"decision": "invalidate_all"})
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.status == "open"


# --- pages: the list and one case ------------------------------------------------------------


def test_list_empty_state_says_what_to_do(client, moderator):
    client.force_login(moderator)
    response = client.get(reverse("moderation:rings"))
    assert response.status_code == 200
    assert b'id="rings-empty"' in response.content
    assert b"The integrity scan opens a case" in response.content


def test_list_orders_by_score_or_newest(client, moderator, ring):
    weak, *_ = ring(members=3, score=0.55)
    strong, *_ = ring(members=5, score=0.8)
    client.force_login(moderator)
    body = client.get(reverse("moderation:rings")).content.decode()
    assert body.index(f'id="ring-{strong.pk}"') < body.index(f'id="ring-{weak.pk}"')
    assert "5 accounts" in body and "3 accounts" in body
    body = client.get(reverse("moderation:rings") + "?sort=new").content.decode()
    assert body.index(f'id="ring-{strong.pk}"') < body.index(f'id="ring-{weak.pk}"')  # created later


def test_case_page_shows_accounts_signals_targets_and_no_hashes(client, moderator, ring):
    case, voters, entries, events = ring(members=3, entries=2)
    client.force_login(moderator)
    body = client.get(reverse("moderation:ring_case", args=[case.pk])).content.decode()
    for voter in voters:
        assert voter.public_name in body
    assert "device A: 3 accounts" in body
    assert "d" * 32 not in body and events[0].ip_prefix_hash not in body
    for entry in entries:  # by name, linked to the public page (target_labels), not "entry #49"
        assert f'<a class="ring-target" data-kind="entry" href="/entries/{entry.pk}/">' in body
        assert f"entry #{entry.pk}" not in body
    assert f"Entry “{entries[0].text[:20]}" in body and f"in {entries[0].challenge.title}</a>" in body
    assert "6 of 6 interactions count" in body
    assert 'id="ring-decide-form"' in body


def test_deciding_on_the_page_shows_a_message_and_changes_counts(client, moderator, ring,
                                                                 django_capture_on_commit_callbacks):
    case, voters, entries, _events = ring(members=3)
    client.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("moderation:ring_decide", args=[case.pk]),
                               {"decision": "partial", "members": [voters[0].pk], "note": "one of them"}, follow=True)
    assert response.status_code == 200
    assert f"Ring case #{case.pk} decided: 1 interactions invalidated, 0 restored" in response.content.decode()
    assert votes(entries) == [2] and points(voters[0]) == 0
    # A second post (another tab) is refused with a message, not a 500.
    response = client.post(reverse("moderation:ring_decide", args=[case.pk]), {"decision": "clear_all"}, follow=True)
    assert "already decided" in response.content.decode()


def test_page_refuses_bad_input_with_a_message(client, moderator, ring):
    case, *_ = ring(members=3)
    client.force_login(moderator)
    response = client.post(reverse("moderation:ring_decide", args=[case.pk]), {"decision": "partial"}, follow=True)
    assert response.status_code == 200
    assert "Pick at least one member" in response.content.decode()
    response = client.post(reverse("moderation:ring_decide", args=[case.pk]), {"decision": "x"}, follow=True)
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.status == "open"
    assert client.get(reverse("moderation:ring_case", args=[999999])).status_code == 404


def test_queue_and_ops_pages_link_ring_cases_with_a_count(client, moderator, ring):
    ring(members=3)
    client.force_login(moderator)
    body = client.get(reverse("moderation:queue")).content.decode()
    assert 'id="rings-count">1<' in body
    body = client.get(reverse("moderation:ops")).content.decode()
    assert 'id="ops-rings"' in body


# Queries: user, groups (moderator check), the header's unread notifications, and the page's own
# (the session is cached). Fixed at any size.
BASE = 3
LIST_QUERIES = BASE + 3  # count, page (sizes as subqueries), pending appeals
# case, members (with users), signals, targets (grouped), totals, timeline (with actors and types);
# the members' levels come from gamification's cache here (the votes warmed it; +1 when cold).
CASE_QUERIES = BASE + 6


@pytest.mark.parametrize("members", [3, 30])
def test_list_query_count(client, moderator, ring, django_assert_num_queries, members):
    for _ in range(2):
        ring(members=members)
    client.force_login(moderator)
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(reverse("moderation:rings"))
    assert response.status_code == 200 and len(response.context["cases"]) == 2


@pytest.mark.parametrize("members, entries", [(3, 1), (30, 2)])
def test_case_query_count(client, moderator, ring, django_assert_num_queries, members, entries):
    case, *_ = ring(members=members, entries=entries)
    client.force_login(moderator)
    with django_assert_num_queries(CASE_QUERIES):
        response = client.get(reverse("moderation:ring_case", args=[case.pk]))
    assert response.status_code == 200
    assert len(response.context["members"]) == members
    expected_more = max(members * entries - ring_review.TIMELINE_CAP, 0)
    assert response.context["timeline_more"] == expected_more


def _add_review_votes(case, voters, product):
    """The ring's voters also vote a review helpful; their votes join the case."""
    from community import services as community_services
    from moderation.models import RingCaseEvent

    review = factories.review_with_words(author=factories.UserFactory(display_name="Rita Writer"), product=product)
    for voter in voters:
        community_services.review_vote_helpful(user=voter, review_id=review.pk, helpful=True)
    RingCaseEvent.objects.bulk_create([RingCaseEvent(case=case, event=e) for e in InteractionEvent.objects.filter(
        actor__in=voters, action="helpful_vote")])
    return review


@pytest.mark.parametrize("members, entries", [(3, 1), (30, 2)])
def test_case_page_names_reviews_and_entries_in_one_query(client, moderator, ring, product,
                                                          django_assert_num_queries, members, entries):
    """Reviews and entries together: their labels come in one query (a UNION), so the page
    stays at its budget whatever the case holds."""
    case, voters, targets, _events = ring(members=members, entries=entries)
    review = _add_review_votes(case, voters, product)
    client.force_login(moderator)
    with django_assert_num_queries(CASE_QUERIES):
        response = client.get(reverse("moderation:ring_case", args=[case.pk]))
    body = response.content.decode()
    assert (f'<a class="ring-target" data-kind="review" href="/products/{product.slug}/#review-{review.pk}">'
            f"Review of {product.name_en} by Rita Writer</a>") in body
    assert f"review #{review.pk}" not in body
    assert all(f'href="/entries/{entry.pk}/"' in body for entry in targets)
    labels = {t["target_ct__model"]: t["label"] for t in response.context["targets"]}
    assert labels["review"]["title"] == product.name_en and labels["entry"]["context"] == targets[0].challenge.title
    n = members * (entries + 1)
    assert f"{n} of {n} interactions count" in body


def test_target_labels_in_chinese_and_unknown_kinds(ring, product):
    from django.utils import translation

    case, voters, targets, _events = ring(members=2)
    review = _add_review_votes(case, voters, product)
    with translation.override("zh-hans"):
        labels = ring_review.target_labels({("review", review.pk), ("entry", targets[0].pk), ("polloption", 3),
                                            ("review", 999999), (None, None)})
    assert labels[("review", review.pk)]["title"] == product.name_zh
    assert labels[("entry", targets[0].pk)]["context"] == targets[0].challenge.title_zh
    assert set(labels) == {("review", review.pk), ("entry", targets[0].pk)}  # gone or other kinds: type and number
    assert ring_review.target_labels(set()) == {}


# --- pages: the shopper's notice and appeal, the moderators' appeals list -----------------------


def test_shopper_sees_the_notice_and_appeals_once(client, ring, django_capture_on_commit_callbacks):
    _case, voters, _entries, events = ring(members=3)
    with django_capture_on_commit_callbacks(execute=True):
        integrity_actions.invalidate([events[0].pk], detector="lockstep", score=0.95,
                                     evidence="3 accounts voted for the same entry within 5 minutes")
    shopper = voters[0]
    client.force_login(shopper)
    body = client.get(reverse("gamification:points")).content.decode()
    assert 'id="invalidated-notice"' in body and "See why and appeal" in body
    assert "Reversed: " in body and "the integrity checks did not count it; you can appeal" in body
    body = client.get(reverse("moderation:my_invalidations")).content.decode()
    assert "A group of accounts acting on the same items at the same time" in body
    assert "3 accounts voted for the same entry within 5 minutes" in body
    response = client.post(reverse("moderation:my_invalidations"), {"text": ""})
    assert response.status_code == 400
    response = client.post(reverse("moderation:my_invalidations"), {"text": "It was me, honestly"}, follow=True)
    assert "Your appeal was sent" in response.content.decode()
    assert 'id="appeal-form"' not in response.content.decode()
    assert RingAppeal.objects.filter(user=shopper).count() == 1
    # Others without invalidations see no notice.
    client.force_login(voters[1])
    assert 'id="invalidated-notice"' not in client.get(reverse("gamification:points")).content.decode()


def test_appeals_page_shows_why_the_decider_cannot_decide(client, moderator, second_moderator, ring,
                                                          django_capture_on_commit_callbacks):
    case, voters, entries, _events = ring(members=3)
    decide(case, moderator, django_capture_on_commit_callbacks, decision="invalidate_all")
    appeal = ring_review.ring_appeal_create(user=voters[0], text="Genuine")
    client.force_login(moderator)
    body = client.get(reverse("moderation:ring_appeals")).content.decode()
    assert f'id="appeal-{appeal.pk}-blocked"' in body
    assert "a different moderator decides the appeal" in body
    response = client.post(reverse("moderation:ring_appeal_decide", args=[appeal.pk]), {"decision": "uphold"},
                           follow=True)
    assert "a different moderator decides the appeal" in response.content.decode()
    assert RingAppeal.objects.get(pk=appeal.pk).status == "pending"
    client.force_login(second_moderator)
    body = client.get(reverse("moderation:ring_appeals")).content.decode()
    assert f'id="appeal-{appeal.pk}-uphold"' in body
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("moderation:ring_appeal_decide", args=[appeal.pk]),
                               {"decision": "uphold", "note": "ok"}, follow=True)
    assert f"Appeal #{appeal.pk} upheld" in response.content.decode()
    assert votes(entries) == [1] and points(voters[0]) == VOTE_POINTS
    ledger_ok()


APPEALS_QUERIES = BASE + 3  # count, page, the appeals' flags with their events and types


@pytest.mark.parametrize("n", [2, 6])
def test_appeals_list_query_count(client, second_moderator, ring, django_assert_num_queries,
                                  django_capture_on_commit_callbacks, n):
    _case, voters, _entries, events = ring(members=n, entries=2)
    with django_capture_on_commit_callbacks(execute=True):
        integrity_actions.invalidate([e.pk for e in events], detector="lockstep", score=0.95, evidence="x")
    for voter in voters:
        ring_review.ring_appeal_create(user=voter, text="Genuine")
    client.force_login(second_moderator)
    with django_assert_num_queries(APPEALS_QUERIES):
        response = client.get(reverse("moderation:ring_appeals"))
    assert len(response.context["appeals"]) == n
