"""The moderation pages through HTTP: the queue, one item, decisions, bulk, reports,
appeals, and the shopper's notifications page and header badge.

State is built through services (review_post runs real screening on commit); the
query-budget tests bulk-create queued items, as the page tests do for hundreds of reviews.
"""
import zoneinfo
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from community import services as community_services
from community.models import Notification, Review, User
from moderation import services
from moderation.models import Appeal, Case, Event, Report
from moderation.services import priority_for
from tests import factories
from tests.pagecache_helpers import assert_stored_matches_live, without_csrf

pytestmark = pytest.mark.django_db

PHONE = "13812345678"
CONTACT_TEXT = f"东西还行，有问题打电话 {PHONE} 找我便宜买"


@pytest.fixture(autouse=True)
def _english_pages(settings):
    settings.LANGUAGE_CODE = "en"


def make_moderator():
    user = factories.UserFactory()
    user.groups.add(Group.objects.get_or_create(name="moderators")[0])
    return user


def screened_review(capture, product, text=CONTACT_TEXT, *, author=None, rating=3):
    """A review posted and screened the way a shopper's is; returns (review, case)."""
    author = author or factories.UserFactory()
    with capture(execute=True):
        review, _ = community_services.review_post(author=author, product=product, rating=rating, text=text)
    return review, Case.objects.get(content_type="review", object_id=review.pk)


def queued_review(capture, product, text=None, **kwargs):
    """A review the screening sends to the queue (contact details are held for a human)."""
    n = Review.objects.count()
    text = text or f"第{n}次买了，颜色和图片一样。有问题打电话 138{n:08d} 找我"
    review, case = screened_review(capture, product, text, **kwargs)
    assert case.state == Case.State.QUEUED, (case.state, case.queue_reasons)
    return review, case


def bulk_queue(product, n, *, prefix="q"):
    """n queued reviews by n authors, with contact and personal-data evidence on a phone number."""
    User.objects.bulk_create([
        User(username=f"{prefix}{product.pk}-{i}@example.com", email=f"{prefix}{product.pk}-{i}@example.com",
             display_name=f"Queued {i}", password="!")
        for i in range(n)
    ])
    authors = list(User.objects.filter(username__startswith=f"{prefix}{product.pk}-").order_by("id"))
    Review.objects.bulk_create([
        Review(product=product, author=a, rating=2, text=f"Review {i}: call {PHONE} for a deal", language="en",
               status=Review.Status.PENDING)
        for i, a in enumerate(authors)
    ])
    reviews = list(Review.objects.filter(product=product, author__in=authors).order_by("id"))
    now = timezone.now()
    cases = []
    for i, review in enumerate(reviews):
        start = len(f"Review {i}: call ")
        span = {"start": start, "end": start + len(PHONE)}
        queued_at = now - timedelta(minutes=i)
        cases.append(Case(
            content_type="review", object_id=review.pk, author=review.author, language="en",
            state=Case.State.QUEUED, risk=0.6, queue_reasons=["contact", "personal_data"], queued_at=queued_at,
            priority=priority_for(risk=0.6, reach=0, report_weight=0, queued_at=queued_at),
            detectors=[
                {"name": "contact", "labels": ["phone"], "score": 0.85, "action": "hold",
                 "evidence": [{"label": "phone", **span, "text": PHONE}]},
                {"name": "personal_data", "labels": ["phone"], "score": 0.6, "action": "hold",
                 "evidence": [{"label": "phone", **span, "text": PHONE, "sensitive": True}]},
            ],
        ))
    Case.objects.bulk_create(cases)
    return list(Case.objects.filter(object_id__in=[r.pk for r in reviews]).order_by("-priority", "id"))


# --- query budgets --------------------------------------------------------------------------------

# user, moderator check, queue page (holder joined), previews (reviews with product names, their
# photos), queue counts (cached for a few seconds; cold here), own counts today, header badge (the
# session is cached)
QUEUE_PAGE_QUERIES = 9  # + open ring cases (the link badge; cached with the queue counts)


@pytest.mark.parametrize("n", [5, 50])
def test_queue_page_query_count(client, product, moderator, django_assert_num_queries, n):
    bulk_queue(product, n)
    client.force_login(moderator)
    with django_assert_num_queries(QUEUE_PAGE_QUERIES):
        resp = client.get("/moderation/")
    assert resp.status_code == 200
    body = resp.content.decode()
    assert body.count('<li class="mod-item') == n
    assert PHONE not in body  # masked in the list
    assert "•••••••5678" in body
    assert f"<b>{n}</b> waiting" in body


@pytest.mark.parametrize("how", ["removed", "group cleared", "group deleted"])
def test_taking_someone_out_of_the_moderators_ends_their_access_at_once(client, product, moderator, how):
    bulk_queue(product, 2)
    client.force_login(moderator)
    for _ in range(2):  # the header's counts (with their moderation link) are cached now
        assert client.get("/moderation/").status_code == 200
    group = Group.objects.get(name="moderators")
    if how == "removed":
        moderator.groups.remove(group)
    elif how == "group cleared":
        group.user_set.clear()
    else:
        group.delete()
    assert client.get("/moderation/").status_code == 403
    assert client.post(f"/moderation/cases/{Case.objects.first().pk}/decide/", {"decision": "approve"}).status_code == 403


def test_the_queue_counts_the_moderators_own_decisions_of_today(client, product, moderator):
    cases = bulk_queue(product, 6)
    now = timezone.now()
    other = make_moderator()
    decided = [(moderator, Case.State.APPROVED, now), (moderator, Case.State.APPROVED, now),
               (moderator, Case.State.REJECTED, now),
               (moderator, Case.State.REJECTED, now - timedelta(days=2)),  # not today
               (other, Case.State.APPROVED, now)]  # someone else's
    for case, (who, state, when) in zip(cases, decided):
        Case.objects.filter(pk=case.pk).update(state=state, decided_by=who, decided_at=when)
    client.force_login(moderator)
    body = client.get("/moderation/").content.decode()
    assert "You today: 2 approved, 1 rejected" in body
    assert body.count('<li class="mod-item') == 1


def test_queue_rows_escape_content_link_items_and_show_who_holds_them(client, product, moderator, settings):
    """The rows are built by ``presentation.queue_rows_html``, not the template: escaping, links,
    the holder, and the viewer's time zone must survive that."""
    settings.MODERATION_QUEUE_COUNTS_SECONDS = 0
    cases = bulk_queue(product, 3)
    Review.objects.filter(pk=cases[0].object_id).update(text='<script>alert("x")</script> call me')
    other = make_moderator()
    other.display_name = "<b>Mod</b>"
    other.save(update_fields=["display_name"])
    lease = timezone.now() + timedelta(minutes=10)
    Case.objects.filter(pk=cases[1].pk).update(claimed_by=other, lease_expires_at=lease)
    Case.objects.filter(pk=cases[2].pk).update(claimed_by=moderator, lease_expires_at=lease)
    moderator.timezone = "America/New_York"
    moderator.save(update_fields=["timezone"])

    client.force_login(moderator)
    body = client.get("/moderation/").content.decode()
    assert "<script>alert" not in body and "· &lt;script&gt;alert(&quot;" in body
    assert "<b>Mod</b>" not in body and "held by &lt;b&gt;Mod&lt;/b&gt;" in body
    assert f'<li class="mod-item is-held" id="case-{cases[1].pk}">' in body
    assert f'<li class="mod-item" id="case-{cases[2].pk}">' in body and "tag-held tag-mine" in body
    for case in cases:
        assert f'<a href="/moderation/cases/{case.pk}/" class="mod-item-link">' in body
        assert f'value="{case.pk}" form="bulk-form"' in body
    shown = timezone.localtime(cases[0].queued_at, zoneinfo.ZoneInfo("America/New_York")).strftime("%Y-%m-%d %H:%M")
    assert f'title="{shown}"' in body
    assert body.count('<span class="tag-reason">Contact details</span>') == 3
    assert f"<b>{product}</b> · 2★ · " in body


def test_queue_counts_are_shared_for_a_few_seconds_and_the_rows_are_always_fresh(
    client, product, moderator, settings
):
    settings.MODERATION_QUEUE_COUNTS_SECONDS = 5
    cases = bulk_queue(product, 2)
    client.force_login(moderator)
    assert "<b>2</b> waiting" in client.get("/moderation/").content.decode()
    Case.objects.filter(pk=cases[0].pk).update(state=Case.State.APPROVED)
    body = client.get("/moderation/").content.decode()
    assert "<b>2</b> waiting" in body  # the counts, from the shared answer
    assert body.count('<li class="mod-item') == 1 and f'id="case-{cases[0].pk}"' not in body  # the rows: fresh
    settings.MODERATION_QUEUE_COUNTS_SECONDS = 0
    assert "<b>1</b> waiting" in client.get("/moderation/").content.decode()


# user, moderator check, case (author, holder, decider joined), preview + photos, history,
# author's past cases, author's level (gamification; the cache is cold in tests), reports on the
# item, appeal, header badge (the session is cached)
CASE_PAGE_QUERIES = 11


def test_case_page_query_count(client, product, moderator, django_assert_num_queries):
    case = bulk_queue(product, 3)[0]
    client.force_login(moderator)
    with django_assert_num_queries(CASE_PAGE_QUERIES):
        resp = client.get(f"/moderation/cases/{case.pk}/")
    assert resp.status_code == 200


# --- access -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/moderation/", "/moderation/cases/1/"])
def test_queue_pages_are_for_moderators_only(client, shopper, path):
    resp = client.get(path)
    assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]
    client.force_login(shopper)
    resp = client.get(path)
    assert resp.status_code == 403
    assert "Moderators only" in resp.content.decode()
    for post in ("/moderation/claim/", "/moderation/bulk/", "/moderation/cases/1/decide/"):
        assert client.post(post, {"decision": "approve", "ids": "1"}).status_code == 403


def test_moderators_see_the_queue_link_and_shoppers_do_not(client, shopper, moderator):
    client.force_login(shopper)
    assert 'href="/moderation/"' not in client.get("/").content.decode()
    client.force_login(moderator)
    assert 'href="/moderation/"' in client.get("/").content.decode()


# --- the queue ----------------------------------------------------------------------------------


def test_queue_shows_masked_evidence_sla_and_own_counts(
    client, product, moderator, django_capture_on_commit_callbacks
):
    _, old = queued_review(django_capture_on_commit_callbacks, product)
    _, fresh = queued_review(django_capture_on_commit_callbacks, product)
    # Time travel: the first item has waited past the 24 h SLA.
    Case.objects.filter(pk=old.pk).update(queued_at=timezone.now() - timedelta(hours=25))
    _, done = queued_review(django_capture_on_commit_callbacks, product)
    services.case_decide(case_id=done.pk, moderator=moderator, approve=True)

    client.force_login(moderator)
    body = client.get("/moderation/").content.decode()
    assert body.count('<li class="mod-item') == 2
    assert '<b>1</b> past the 24 h SLA' in body
    assert 'class="age age-over"' in body and 'class="age age-ok"' in body
    assert "You today: 1 approved, 0 rejected" in body
    assert "Contact details" in body  # reasons in words, not codes
    for review in Review.objects.filter(pk__in=[old.object_id, fresh.object_id]):
        phone = review.text.split("打电话 ")[1][:11]
        assert phone not in body and "•••••••" + phone[-4:] in body


def test_reports_and_appeals_tabs_filter_the_queue(client, product, moderator, django_capture_on_commit_callbacks):
    plain_review, plain = queued_review(django_capture_on_commit_callbacks, product)
    # Reported: three reporters' weight hides a published review and queues it.
    reported_review, reported = screened_review(django_capture_on_commit_callbacks, product, "保温效果不错，用了一个月")
    assert reported.state == Case.State.APPROVED
    for _ in range(3):
        services.report_create(reporter=factories.UserFactory(), content_type="review",
                               object_id=reported_review.pk, reason="fake")
    # Appealed: rejected by another moderator, then appealed by the author.
    appealed_review, appealed = queued_review(django_capture_on_commit_callbacks, product)
    services.case_decide(case_id=appealed.pk, moderator=make_moderator(), approve=False, reason_code="spam")
    services.appeal_create(author=appealed_review.author, case_id=appealed.pk, message="It is a real review")

    client.force_login(moderator)
    body = client.get("/moderation/").content.decode()
    assert body.count('<li class="mod-item') == 3
    assert 'Reports <span class="count">1</span>' in body and 'Appeals <span class="count">1</span>' in body

    body = client.get("/moderation/", {"reason": "reported"}).content.decode()
    assert f'id="case-{reported.pk}"' in body and body.count('<li class="mod-item') == 1
    body = client.get("/moderation/", {"reason": "appeal"}).content.decode()
    assert f'id="case-{appealed.pk}"' in body and body.count('<li class="mod-item') == 1
    assert 'aria-current="page">Appeals' in body
    body = client.get("/moderation/", {"reason": "contact", "language": "zh", "content_type": "review"}).content.decode()
    assert f'id="case-{plain.pk}"' in body
    # Unknown filter values are ignored, never an error.
    assert client.get("/moderation/", {"reason": "%", "language": "xx"}).content.decode().count('<li class="mod-item') == 3


# --- one item and decisions -----------------------------------------------------------------------


def test_case_page_explains_the_flag_with_personal_data_masked(
    client, product, moderator, django_capture_on_commit_callbacks
):
    review, case = queued_review(django_capture_on_commit_callbacks, product, CONTACT_TEXT)
    client.force_login(moderator)
    body = client.get(f"/moderation/cases/{case.pk}/").content.decode()
    assert PHONE not in body
    assert "•••••••5678</mark>" in body
    assert "Why the AI flagged it" in body and "phone number" in body
    assert "0 past rejections, 0 approvals" in body
    assert 'name="reason" value="spam" data-key="1"' in body  # keyboard 1..8 pick a reason
    # The author sees their own text in full on the appeal page only after a rejection; never here.
    assert review.author.public_name in body


def test_claim_then_decisions_load_the_next_item(client, product, moderator, django_capture_on_commit_callbacks):
    _, first = queued_review(django_capture_on_commit_callbacks, product)
    _, second = queued_review(django_capture_on_commit_callbacks, product)
    client.force_login(moderator)
    resp = client.post("/moderation/claim/")
    held = Case.objects.get(claimed_by=moderator)
    assert resp.status_code == 302 and resp["Location"] == f"/moderation/cases/{held.pk}/"
    assert "You hold this item" in client.get(resp["Location"]).content.decode()

    resp = client.post(f"/moderation/cases/{held.pk}/decide/", {"decision": "approve"})
    other = second if held.pk == first.pk else first
    assert resp["Location"] == f"/moderation/cases/{other.pk}/"  # the next item, already claimed
    held.refresh_from_db()
    assert held.state == Case.State.APPROVED and held.decided_by == moderator
    assert Review.objects.get(pk=held.object_id).status == Review.Status.PUBLISHED
    assert Case.objects.get(pk=other.pk).claimed_by == moderator

    # Rejecting needs a reason: the page says so and nothing changes.
    resp = client.post(f"/moderation/cases/{other.pk}/decide/", {"decision": "reject"}, follow=True)
    assert "Choose a reason for the rejection." in resp.content.decode()
    assert Case.objects.get(pk=other.pk).state == Case.State.QUEUED
    resp = client.post(f"/moderation/cases/{other.pk}/decide/",
                       {"decision": "reject", "reason": "spam", "note": "No phone numbers"}, follow=True)
    assert resp.redirect_chain[-1][0] == "/moderation/"
    assert 'id="queue-empty"' in resp.content.decode()
    other.refresh_from_db()
    assert (other.state, other.reject_reason, other.note) == (Case.State.REJECTED, "spam", "No phone numbers")
    event = Event.objects.get(case=other, action="moderation.review.rejected")
    assert (event.actor, event.old_state, event.new_state) == (moderator, "queued", "rejected")

    # Deciding again: refused with a message, state unchanged.
    resp = client.post(f"/moderation/cases/{other.pk}/decide/", {"decision": "approve"}, follow=True)
    assert "already decided" in resp.content.decode()
    assert Case.objects.get(pk=other.pk).state == Case.State.REJECTED


def test_decision_json_answers_and_respects_another_moderators_lease(
    client, product, moderator, django_capture_on_commit_callbacks
):
    _, case = queued_review(django_capture_on_commit_callbacks, product)
    services.case_claim_next(moderator=make_moderator())
    client.force_login(moderator)
    resp = client.post(f"/moderation/cases/{case.pk}/decide/", {"decision": "approve"},
                       HTTP_ACCEPT="application/json")
    assert resp.status_code == 403 and resp.json()["error"]["code"] == "claimed"
    resp = client.post(f"/moderation/cases/{case.pk}/decide/", {"decision": "reject"},
                       HTTP_ACCEPT="application/json")
    assert resp.status_code == 400 and "reason" in resp.json()["error"]["fields"]
    assert Case.objects.get(pk=case.pk).state == Case.State.QUEUED


def test_release_returns_the_item_to_the_queue(client, product, moderator, django_capture_on_commit_callbacks):
    _, case = queued_review(django_capture_on_commit_callbacks, product)
    client.force_login(moderator)
    client.post("/moderation/claim/")
    assert Case.objects.get(pk=case.pk).claimed_by == moderator
    assert client.post(f"/moderation/cases/{case.pk}/release/")["Location"] == "/moderation/"
    assert Case.objects.get(pk=case.pk).claimed_by is None


def test_bulk_decisions_from_the_queue(client, product, moderator, django_capture_on_commit_callbacks):
    cases = [queued_review(django_capture_on_commit_callbacks, product)[1] for _ in range(3)]
    held = cases[2]
    Case.objects.filter(pk=held.pk).update(claimed_by=make_moderator(),
                                           lease_expires_at=timezone.now() + timedelta(minutes=5))
    client.force_login(moderator)
    ids = [c.pk for c in cases]
    resp = client.post("/moderation/bulk/", {"ids": ids, "decision": "reject"}, follow=True)
    assert "Choose a reason for the rejection." in resp.content.decode()
    assert not Case.objects.filter(pk__in=ids).exclude(state=Case.State.QUEUED).exists()

    resp = client.post("/moderation/bulk/", {"ids": ids, "decision": "reject", "reason": "spam"}, follow=True)
    assert "2 decided, 1 skipped" in resp.content.decode()
    assert set(Case.objects.filter(pk__in=ids).values_list("pk", "state")) == {
        (cases[0].pk, "rejected"), (cases[1].pk, "rejected"), (held.pk, "queued"),
    }
    assert Event.objects.filter(case__in=cases[:2], data__bulk=True).count() == 2
    # A comma-separated list works too (the no-checkbox fallback).
    Case.objects.filter(pk=held.pk).update(claimed_by=None, lease_expires_at=None)
    client.post("/moderation/bulk/", {"ids": f"{held.pk}", "decision": "approve"})
    assert Case.objects.get(pk=held.pk).state == Case.State.APPROVED


# --- reports from review cards ------------------------------------------------------------------------


def test_review_cards_offer_a_report_form_except_on_ones_own(
    client, product, shopper, other_shopper, django_capture_on_commit_callbacks
):
    theirs, _ = screened_review(django_capture_on_commit_callbacks, product, "保温效果很好，推荐", author=other_shopper)
    mine, _ = screened_review(django_capture_on_commit_callbacks, product, "盖子很紧，不漏水", author=shopper)
    url = f"/products/{product.slug}/"
    body = client.get(url).content.decode()
    assert f'href="/accounts/login/?next={url}%23review-{theirs.pk}"' in body  # anonymous: log in first
    client.force_login(shopper)
    body = client.get(url).content.decode()
    assert f'name="object_id" value="{theirs.pk}"' in body
    assert f'name="object_id" value="{mine.pk}"' not in body
    assert 'action="/moderation/report/"' in body and '<option value="fake">Fake review</option>' in body


def test_report_via_page(client, product, shopper, other_shopper, django_capture_on_commit_callbacks):
    theirs, _ = screened_review(django_capture_on_commit_callbacks, product, "保温效果很好，推荐", author=other_shopper)
    data = {"content_type": "review", "object_id": theirs.pk, "reason": "spam",
            "next": f"/products/{product.slug}/#review-{theirs.pk}"}
    resp = client.post("/moderation/report/", data)
    assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]
    client.force_login(shopper)
    resp = client.post("/moderation/report/", data, follow=True)
    assert resp.redirect_chain[0][0] == data["next"]
    assert "Thanks, moderators will look at it." in resp.content.decode()
    report = Report.objects.get()
    assert (report.reporter, report.object_id, report.reason) == (shopper, theirs.pk, "spam")
    assert "already reported" in client.post("/moderation/report/", data, follow=True).content.decode()
    # Off-site "next" is ignored.
    resp = client.post("/moderation/report/", {**data, "next": "https://evil.example/"})
    assert resp["Location"] == "/"
    client.force_login(other_shopper)
    assert "cannot report your own" in client.post("/moderation/report/", data, follow=True).content.decode()
    assert Report.objects.count() == 1


# --- the author's side: rejection, appeal, notifications -------------------------------------------------


def test_appeal_flow_via_pages(client, product, moderator, django_capture_on_commit_callbacks):
    review, case = queued_review(django_capture_on_commit_callbacks, product)
    author = review.author
    services.case_decide(case_id=case.pk, moderator=moderator, approve=False, reason_code="spam", note="No numbers")

    client.force_login(author)
    body = client.get(f"/products/{product.slug}/").content.decode()
    assert "Spam, ad or contact details" in body  # the reason in words
    assert f'href="/moderation/cases/{case.pk}/appeal/"' in body
    profile = client.get("/me/").content.decode()
    assert f'href="/moderation/cases/{case.pk}/appeal/"' in profile

    page = client.get(f"/moderation/cases/{case.pk}/appeal/").content.decode()
    assert review.text in page  # the author sees their own text in full
    assert "No numbers" in page
    resp = client.post(f"/moderation/cases/{case.pk}/appeal/", {"message": ""})
    assert resp.status_code == 400 and Appeal.objects.count() == 0
    resp = client.post(f"/moderation/cases/{case.pk}/appeal/", {"message": "The number is the shop's hotline"})
    assert resp["Location"] == f"/moderation/cases/{case.pk}/appeal/"
    page = client.get(resp["Location"]).content.decode()
    assert 'id="appeal-status">Waiting for a moderator' in page and 'id="appeal-form"' not in page
    case.refresh_from_db()
    assert case.state == Case.State.QUEUED and "appeal" in case.queue_reasons

    # Someone else can't see or appeal it.
    client.force_login(factories.UserFactory())
    assert client.get(f"/moderation/cases/{case.pk}/appeal/").status_code == 404

    # The original moderator can't decide the appeal; a different one can.
    client.force_login(moderator)
    resp = client.post(f"/moderation/cases/{case.pk}/decide/", {"decision": "approve"}, follow=True)
    assert "different moderator" in resp.content.decode()
    second = make_moderator()
    client.force_login(second)
    body = client.get("/moderation/", {"reason": "appeal"}).content.decode()
    assert f'id="case-{case.pk}"' in body
    assert "The number is the shop" in client.get(f"/moderation/cases/{case.pk}/").content.decode()
    client.post(f"/moderation/cases/{case.pk}/decide/", {"decision": "approve", "note": "Fair enough"})
    assert Appeal.objects.get().status == Appeal.Status.OVERTURNED
    assert Review.objects.get(pk=review.pk).status == Review.Status.PUBLISHED

    client.force_login(author)
    page = client.get(f"/moderation/cases/{case.pk}/appeal/").content.decode()
    assert "Rejection overturned" in page and "Fair enough" in page


def test_notifications_page_and_header_badge(client, product, moderator, django_capture_on_commit_callbacks):
    review, case = queued_review(django_capture_on_commit_callbacks, product)
    # Screening's hold notice ("waiting for a moderator") is tested in test_privacy_automated.py.
    Notification.objects.filter(user=review.author, kind="moderation.review.held").delete()
    author = review.author
    services.case_decide(case_id=case.pk, moderator=moderator, approve=False, reason_code="spam")
    client.force_login(author)
    home = client.get("/").content.decode()
    assert 'class="bell-count" data-unread="1"' in home

    body = client.get("/notifications/").content.decode()
    assert "was not published" in body and 'class="notification is-unread"' in body
    note = Notification.objects.get(user=author)
    assert f'href="/notifications/{note.pk}/open/">Appeal this decision' in body
    resp = client.post("/notifications/", follow=True)
    assert "1 notification marked as read." in resp.content.decode()
    assert Notification.objects.get(user=author).read_at is not None
    assert "bell-count" not in client.get("/").content.decode()
    assert 'id="mark-all-read"' not in client.get("/notifications/").content.decode()


def test_notifications_page_needs_login_and_shows_only_ones_own(client, shopper, other_shopper):
    assert "/accounts/login/" in client.get("/notifications/")["Location"]
    community_services.notification_send(user_id=other_shopper.pk, kind="test", title="Not for you", email=False)
    client.force_login(shopper)
    body = client.get("/notifications/").content.decode()
    assert "Not for you" not in body and "No notifications yet." in body


# user, header badge, count, page (the session is cached)
NOTIFICATIONS_PAGE_QUERIES = 4


@pytest.mark.parametrize("n", [5, 50])
def test_notifications_page_query_count(client, shopper, django_assert_num_queries, n):
    Notification.objects.bulk_create([
        Notification(user=shopper, kind="test", title=f"Note {i}", url="/moderation/cases/1/appeal/") for i in range(n)
    ])
    client.force_login(shopper)
    with django_assert_num_queries(NOTIFICATIONS_PAGE_QUERIES):
        resp = client.get("/notifications/")
    assert resp.content.decode().count('class="notification is-unread"') == min(n, 20)


def test_own_rejected_review_costs_one_query_for_its_appeal_link(
    client, product, moderator, django_assert_num_queries, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    review, case = queued_review(django_capture_on_commit_callbacks, product)
    client.force_login(review.author)
    client.get(f"/products/{product.slug}/")  # warm the caches (levels) so both counts compare like with like
    client.get(f"/products/{product.slug}/")  # ... and the product row (community.pagecache.product_light)
    with CaptureQueriesContext(connection) as pending:
        client.get(f"/products/{product.slug}/")
    pending = len(pending)  # the next request resets the connection's query log
    services.case_decide(case_id=case.pk, moderator=moderator, approve=False, reason_code="spam")
    client.get(f"/products/{product.slug}/")  # the decision retired the stored page body: built again
    with django_assert_num_queries(pending + 1):  # + the case id for the appeal link
        body = client.get(f"/products/{product.slug}/").content.decode()
    assert f"/moderation/cases/{case.pk}/appeal/" in body


def test_opening_a_notification_marks_it_read_and_follows_its_link(client, shopper, other_shopper):
    note = community_services.notification_send(user_id=shopper.pk, kind="test", title="Look", url="/challenges/",
                                                email=False)
    outside = community_services.notification_send(user_id=shopper.pk, kind="test", title="Odd",
                                                   url="//evil.example/", email=False)
    theirs = community_services.notification_send(user_id=other_shopper.pk, kind="test", title="Theirs",
                                                  url="/", email=False)
    client.force_login(shopper)
    resp = client.get(f"/notifications/{note.pk}/open/")
    assert resp.status_code == 302 and resp["Location"] == "/challenges/"
    note.refresh_from_db()
    assert note.read_at is not None
    assert client.get(f"/notifications/{outside.pk}/open/")["Location"] == "/notifications/"  # never off-site
    assert client.get(f"/notifications/{theirs.pk}/open/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_stored_layout_of_the_queue_matches_the_live_page(client, product, moderator, settings):
    """The queue from its stored layout and body (``pagecache.shell_page``, ``stored_body``) is the
    page rendered live, byte for byte but for the CSRF tokens, on every load, filtered or not; the
    rows stay fresh, and so do the counts around them; a page with a message to show is rendered
    whole."""
    settings.MODERATION_QUEUE_COUNTS_SECONDS = 0
    bulk_queue(product, 4)
    moderator.timezone = "America/New_York"
    moderator.save()
    client.force_login(moderator)

    def page(query=""):
        return without_csrf(client.get("/moderation/" + query).content.decode())

    live = assert_stored_matches_live(settings, page)
    assert live.count('<li class="mod-item') == 4 and "moderation.css" in live and "moderation.js" in live
    filtered = assert_stored_matches_live(settings, lambda: page("?content_type=review"))
    assert filtered.count('<li class="mod-item') == 4 and '<option value="review" selected>' in filtered
    bulk_queue(product, 1, prefix="later")  # the rows are read fresh under the stored layout
    later = page()
    assert later.count('<li class="mod-item') == 5 and "<b>5</b> waiting" in later

    Case.objects.filter(state=Case.State.QUEUED).update(state=Case.State.APPROVED)
    resp = client.post("/moderation/claim/", follow=True, HTTP_ACCEPT_LANGUAGE="en")  # nothing to claim
    body = resp.content.decode()
    assert "The queue is empty. Nice work!" in body and 'class="wrap messages"' in body
