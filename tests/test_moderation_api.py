"""The moderation API through HTTP: the queue (list, claim, item, decision, bulk) for
moderators, reports and appeals for shoppers, and notifications. Errors always have the
shape ``{"error": {"code", "message", "fields"}}``; personal data never leaves unmasked."""
import json
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from community import services as community_services
from community.models import Notification, Review
from moderation import services
from moderation.models import Appeal, Case, Event, Report
from tests import factories
from tests.test_moderation_pages import PHONE, bulk_queue, make_moderator, queued_review, screened_review

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def api():
    return APIClient()


def client_for(user):
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def mod_api(moderator):
    return client_for(moderator)


@pytest.fixture
def shopper_api(shopper):
    return client_for(shopper)


def _error(resp, status):
    assert resp.status_code == status, resp.content
    body = resp.json()
    assert set(body) == {"error"} and {"code", "message", "fields"} <= set(body["error"])
    return body["error"]


# --- access ---------------------------------------------------------------------------------------

MODERATOR_ENDPOINTS = [
    ("get", "/api/moderation/queue/"),
    ("post", "/api/moderation/queue/claim/"),
    ("get", "/api/moderation/cases/1/"),
    ("post", "/api/moderation/cases/1/decision/"),
    ("post", "/api/moderation/cases/bulk/"),
]


@pytest.mark.parametrize("method,path", MODERATOR_ENDPOINTS)
def test_queue_endpoints_are_for_moderators_only(api, shopper_api, method, path):
    body = {"decision": "approve", "ids": [1]}
    assert _error(getattr(api, method)(path, body, format="json"), 401)["code"] == "not_authenticated"
    assert _error(getattr(shopper_api, method)(path, body, format="json"), 403)["code"] == "permission_denied"


@pytest.mark.parametrize("method,path", [("post", "/api/reports/"), ("post", "/api/moderation/cases/1/appeal/"),
                                         ("get", "/api/notifications/"), ("post", "/api/notifications/read/")])
def test_shopper_endpoints_need_sign_in(api, method, path):
    _error(getattr(api, method)(path, {}, format="json"), 401)


# --- the queue ------------------------------------------------------------------------------------

# user, moderator check, count, page (holder joined), previews (reviews with their product, their
# photos); the session is cached
QUEUE_API_QUERIES = 6


@pytest.mark.parametrize("n", [5, 50])
def test_queue_list_query_count_and_masking(product, moderator, mod_api, django_assert_num_queries, n):
    cases = bulk_queue(product, n)
    with django_assert_num_queries(QUEUE_API_QUERIES):
        resp = mod_api.get("/api/moderation/queue/")
    assert resp.status_code == 200
    body = resp.json()
    assert body["count"] == n and len(body["results"]) == n
    assert [item["id"] for item in body["results"]] == [c.pk for c in cases]  # priority order
    assert PHONE not in resp.content.decode()
    first = body["results"][0]
    assert "•••••••5678" in first["preview"]["text"]
    assert first["reasons"] == [{"code": "contact", "label": "Contact details"},
                                {"code": "personal_data", "label": "Personal data"}]
    assert first["sla"] == "ok" and first["claimed_by"] is None and first["held_by_me"] is False


def test_queue_previews_carry_title_link_and_photos_in_the_authors_order(product, moderator, mod_api):
    from community.models import ReviewPhoto

    cases = bulk_queue(product, 2)
    first = cases[0].object_id
    ReviewPhoto.objects.create(review_id=first, image="reviews/b.jpg", thumbnail="reviews/thumbs/b.jpg", position=2)
    ReviewPhoto.objects.create(review_id=first, image="reviews/a.jpg", position=1)
    items = {i["object_id"]: i["preview"] for i in mod_api.get("/api/moderation/queue/").json()["results"]}
    assert items[first]["image_urls"] == ["/media/reviews/a.jpg", "/media/reviews/thumbs/b.jpg"]
    assert items[cases[1].object_id]["image_urls"] == []
    assert items[first]["title"] == str(product) and items[first]["url"] == f"/products/{product.slug}/"


def test_queue_list_paginates_and_filters(product, moderator, mod_api, django_capture_on_commit_callbacks):
    bulk_queue(product, 3)
    resp = mod_api.get("/api/moderation/queue/", {"page_size": 2})
    assert resp.json()["count"] == 3 and len(resp.json()["results"]) == 2 and resp.json()["next"]
    assert mod_api.get("/api/moderation/queue/", {"language": "zh"}).json()["count"] == 0
    assert mod_api.get("/api/moderation/queue/", {"language": "en", "content_type": "review"}).json()["count"] == 3

    reported_review, _ = screened_review(django_capture_on_commit_callbacks, product, "保温效果不错，用了一个月")
    for _ in range(3):
        services.report_create(reporter=factories.UserFactory(), content_type="review",
                               object_id=reported_review.pk, reason="spam")
    results = mod_api.get("/api/moderation/queue/", {"reason": "reported"}).json()["results"]
    assert [r["object_id"] for r in results] == [reported_review.pk]
    assert mod_api.get("/api/moderation/queue/", {"reason": "appeal"}).json()["count"] == 0

    error = _error(mod_api.get("/api/moderation/queue/", {"reason": "nope", "language": "xx"}), 400)
    assert set(error["fields"]) == {"reason", "language"}


def test_claim_gives_each_moderator_a_different_item_then_204(product, moderator, mod_api):
    cases = bulk_queue(product, 2)
    resp = mod_api.post("/api/moderation/queue/claim/")
    assert resp.status_code == 200
    item = resp.json()
    assert item["id"] == cases[0].pk and item["held_by_me"] is True and item["lease_expires_at"]
    assert mod_api.post("/api/moderation/queue/claim/").json()["id"] == cases[0].pk  # the one you hold
    other = client_for(make_moderator())
    assert other.post("/api/moderation/queue/claim/").json()["id"] == cases[1].pk
    third = client_for(make_moderator())
    resp = third.post("/api/moderation/queue/claim/")
    assert resp.status_code == 204 and resp.content == b""
    # The holder is visible in the list to the others.
    listed = {r["id"]: r for r in other.get("/api/moderation/queue/").json()["results"]}
    assert listed[cases[0].pk]["claimed_by"]["name"] == moderator.public_name


def test_case_detail_explains_with_masked_evidence(product, moderator, mod_api, django_capture_on_commit_callbacks):
    text = f"有问题打电话 {PHONE} 找我便宜买，质量还行"
    review, case = queued_review(django_capture_on_commit_callbacks, product, text)
    resp = mod_api.get(f"/api/moderation/cases/{case.pk}/")
    assert resp.status_code == 200
    raw = resp.content.decode()
    assert PHONE not in raw  # not in the text, the segments, nor any evidence
    item = resp.json()
    marked = [seg for seg in item["segments"] if seg["labels"]]
    assert any(seg["personal"] and seg["text"].endswith("5678") and "•" in seg["text"] for seg in marked)
    assert "".join(seg["text"] for seg in item["segments"]) == item["preview"]["text"]
    assert {d["name"] for d in item["detectors"]} >= {"contact", "personal_data"}
    assert item["author"] == {"id": review.author_id, "name": review.author.public_name,
                              "level": item["author"]["level"], "account_age_days": 0, "past_rejections": 0,
                              "past_approvals": 0, "reports_against": 0}
    assert "classifier_score" in item and item["risk"] == pytest.approx(case.risk)
    assert [e["new_state"] for e in item["history"]] == ["screening", "queued"][-len(item["history"]):]
    assert item["appeal"] is None and item["decision"]["decided_by"] is None
    _error(mod_api.get("/api/moderation/cases/999999/"), 404)
    _error(mod_api.get(f"/api/moderation/cases/{2**63}/"), 404)


def test_case_detail_lists_similar_items(product, moderator, mod_api, django_capture_on_commit_callbacks):
    first, _ = screened_review(django_capture_on_commit_callbacks, product,
                               "这个保温杯保温效果很好，早上装的热水到下午还是烫的，盖子也很严实不漏水，推荐购买")
    # A near-copy by another author: the duplicate detector points at the first one.
    _, copy = screened_review(django_capture_on_commit_callbacks, product,
                              "这个保温杯保温效果很好，早上装的热水到下午还是烫的，盖子也很严实不漏水，推荐购买！")
    similar = mod_api.get(f"/api/moderation/cases/{copy.pk}/").json()["similar"]
    assert any(s["object_id"] == first.pk and s["case_id"] for s in similar), similar


# --- decisions --------------------------------------------------------------------------------------


def test_decision_approve_reject_and_errors(product, moderator, mod_api, django_capture_on_commit_callbacks):
    review, case = queued_review(django_capture_on_commit_callbacks, product)
    url = f"/api/moderation/cases/{case.pk}/decision/"
    assert set(_error(mod_api.post(url, {}, format="json"), 400)["fields"]) == {"decision"}
    assert set(_error(mod_api.post(url, {"decision": "reject"}, format="json"), 400)["fields"]) == {"reason"}
    assert set(_error(mod_api.post(url, {"decision": "reject", "reason": "bogus"}, format="json"),
                      400)["fields"]) == {"reason"}
    assert Case.objects.get(pk=case.pk).state == Case.State.QUEUED

    # Held by another moderator: 403, nothing changes.
    holder = make_moderator()
    services.case_claim_next(moderator=holder)
    assert _error(mod_api.post(url, {"decision": "approve"}, format="json"), 403)["code"] == "claimed"
    services.case_release(case_id=case.pk, moderator=holder)

    resp = mod_api.post(url, {"decision": "reject", "reason": "spam", "note": "No phone numbers"}, format="json")
    assert resp.status_code == 200
    assert resp.json()["state"] == "rejected" and resp.json()["reject_reason"] == "spam"
    assert Review.objects.get(pk=review.pk).status == Review.Status.REJECTED
    event = Event.objects.get(case=case, action="moderation.review.rejected")
    assert (event.actor, event.reason) == (moderator, "spam")
    assert Notification.objects.filter(user=review.author, kind="moderation.review.rejected").exists()

    assert _error(mod_api.post(url, {"decision": "approve"}, format="json"), 409)["code"] == "already_decided"
    assert _error(mod_api.post("/api/moderation/cases/999999/decision/", {"decision": "approve"},
                               format="json"), 404)["code"] == "not_found"


def test_bulk_decision(product, moderator, mod_api, django_capture_on_commit_callbacks):
    cases = [queued_review(django_capture_on_commit_callbacks, product)[1] for _ in range(3)]
    Case.objects.filter(pk=cases[2].pk).update(claimed_by=make_moderator(),
                                               lease_expires_at=timezone.now() + timedelta(minutes=5))
    ids = [c.pk for c in cases] + [999999]
    error = _error(mod_api.post("/api/moderation/cases/bulk/", {"ids": ids, "decision": "reject"}, format="json"),
                   400)
    assert set(error["fields"]) == {"reason"}
    assert set(_error(mod_api.post("/api/moderation/cases/bulk/", {"ids": [], "decision": "approve"},
                                   format="json"), 400)["fields"]) == {"ids"}
    resp = mod_api.post("/api/moderation/cases/bulk/", {"ids": ids, "decision": "reject", "reason": "spam"},
                        format="json")
    assert resp.status_code == 200
    assert resp.json() == {"decided": [cases[0].pk, cases[1].pk], "skipped": [cases[2].pk, 999999]}
    assert Event.objects.filter(data__bulk=True, case__in=cases[:2]).count() == 2
    assert Case.objects.get(pk=cases[2].pk).state == Case.State.QUEUED


# --- reports ------------------------------------------------------------------------------------------


def test_report_create(product, shopper, shopper_api, other_shopper, django_capture_on_commit_callbacks):
    theirs, _ = screened_review(django_capture_on_commit_callbacks, product, "保温效果很好，推荐", author=other_shopper)
    data = {"content_type": "review", "object_id": theirs.pk, "reason": "fake", "message": "Same text everywhere"}
    resp = shopper_api.post("/api/reports/", data, format="json")
    assert resp.status_code == 201
    body = resp.json()
    assert body["reason"] == "fake" and body["status"] == "open" and body["object_id"] == theirs.pk
    report = Report.objects.get()
    assert (report.reporter, report.message) == (shopper, "Same text everywhere")
    assert _error(shopper_api.post("/api/reports/", data, format="json"), 409)["code"] == "duplicate_report"
    assert _error(client_for(other_shopper).post("/api/reports/", data, format="json"), 403)["code"] == "own_content"
    assert set(_error(shopper_api.post("/api/reports/", {**data, "reason": "meh", "content_type": "film"},
                                       format="json"), 400)["fields"]) == {"reason", "content_type"}
    assert _error(shopper_api.post("/api/reports/", {**data, "object_id": 999999}, format="json"), 404)


def test_reports_are_rate_limited_with_a_json_429(product, shopper_api, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(services, "REPORTS_PER_HOUR", 2)
    reviews = [screened_review(django_capture_on_commit_callbacks, product, f"味道不错，第{i}次回购")[0]
               for i in range(3)]
    for review in reviews[:2]:
        assert shopper_api.post("/api/reports/", {"content_type": "review", "object_id": review.pk,
                                                  "reason": "spam"}, format="json").status_code == 201
    resp = shopper_api.post("/api/reports/", {"content_type": "review", "object_id": reviews[2].pk,
                                              "reason": "spam"}, format="json")
    assert _error(resp, 429)["code"] == "throttled"
    assert Report.objects.count() == 2


# --- appeals -------------------------------------------------------------------------------------------


def test_appeal_by_the_author_only_once(product, moderator, django_capture_on_commit_callbacks):
    review, case = queued_review(django_capture_on_commit_callbacks, product)
    author_api = client_for(review.author)
    url = f"/api/moderation/cases/{case.pk}/appeal/"
    assert _error(author_api.post(url, {"message": "Please"}, format="json"), 400)["code"] == "not_rejected"
    services.case_decide(case_id=case.pk, moderator=moderator, approve=False, reason_code="spam")

    assert _error(client_for(factories.UserFactory()).post(url, {"message": "Me too"}, format="json"), 404)
    assert set(_error(author_api.post(url, {"message": ""}, format="json"), 400)["fields"]) == {"message"}
    resp = author_api.post(url, {"message": "The number is the shop's hotline"}, format="json")
    assert resp.status_code == 201
    assert resp.json()["status"] == "open" and resp.json()["case_id"] == case.pk
    assert Appeal.objects.get().original_moderator == moderator
    assert _error(author_api.post(url, {"message": "Again"}, format="json"), 400)["code"] == "not_rejected"
    # Queued for a different moderator, with the appeal visible in the item.
    assert client_for(moderator).post("/api/moderation/queue/claim/").status_code == 204
    second = client_for(make_moderator())
    item = second.post("/api/moderation/queue/claim/").json()
    assert item["id"] == case.pk and item["appeal"]["message"] == "The number is the shop's hotline"
    assert "appeal" in [r["code"] for r in item["reasons"]]
    resp = second.post(f"/api/moderation/cases/{case.pk}/decision/", {"decision": "reject", "reason": "spam"},
                       format="json")
    assert resp.json()["state"] == "rejected"
    assert Appeal.objects.get().status == Appeal.Status.UPHELD
    # The outcome of an appeal is final.
    assert _error(author_api.post(url, {"message": "Again"}, format="json"), 400)["code"] == "appeal_exists"


# --- notifications ----------------------------------------------------------------------------------------

# user, count, page, unread count (the session is cached)
NOTIFICATIONS_API_QUERIES = 4


@pytest.mark.parametrize("n", [5, 50])
def test_notifications_list_query_count(shopper, shopper_api, django_assert_num_queries, n):
    Notification.objects.bulk_create([Notification(user=shopper, kind="test", title=f"Note {i}") for i in range(n)])
    with django_assert_num_queries(NOTIFICATIONS_API_QUERIES):
        resp = shopper_api.get("/api/notifications/")
    body = resp.json()
    assert body["count"] == n and body["unread_count"] == n and len(body["results"]) == min(n, 20)


def test_notifications_list_and_mark_read(product, moderator, django_capture_on_commit_callbacks):
    review, case = queued_review(django_capture_on_commit_callbacks, product)
    # Screening's hold notice ("waiting for a moderator") is tested in test_privacy_automated.py.
    Notification.objects.filter(user=review.author, kind="moderation.review.held").delete()
    services.case_decide(case_id=case.pk, moderator=moderator, approve=False, reason_code="spam")
    community_services.notification_send(user_id=review.author_id, kind="test", title="Second", email=False)
    community_services.notification_send(user_id=moderator.pk, kind="test", title="Not yours", email=False)
    author_api = client_for(review.author)
    body = author_api.get("/api/notifications/").json()
    assert body["unread_count"] == 2 and "was not published" in body["results"][1]["title"]
    rejected = body["results"][1]
    assert rejected["url"] == f"/moderation/cases/{case.pk}/appeal/" and rejected["read"] is False

    resp = author_api.post("/api/notifications/read/", {"ids": [rejected["id"]]}, format="json")
    assert resp.json() == {"marked": 1, "unread_count": 1}
    # Someone else's id marks nothing.
    other_id = Notification.objects.get(user=moderator).pk
    assert author_api.post("/api/notifications/read/", {"ids": [other_id]}, format="json").json()["marked"] == 0
    assert author_api.post("/api/notifications/read/", {}, format="json").json() == {"marked": 1, "unread_count": 0}
    assert Notification.objects.get(user=moderator).read_at is None
    assert set(_error(author_api.post("/api/notifications/read/", {"ids": ["x"]}, format="json"), 400)["fields"]) \
        == {"ids"}


# --- schema --------------------------------------------------------------------------------------------------


def test_schema_documents_the_moderation_api(api):
    resp = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert resp.status_code == 200
    paths = json.loads(resp.content)["paths"]
    for path in ("/api/moderation/queue/", "/api/moderation/queue/claim/", "/api/moderation/cases/{case_id}/",
                 "/api/moderation/cases/{case_id}/decision/", "/api/moderation/cases/bulk/", "/api/reports/",
                 "/api/moderation/cases/{case_id}/appeal/", "/api/notifications/", "/api/notifications/read/"):
        assert path in paths, path
