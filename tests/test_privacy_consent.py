"""Consent (issue 13): the policy and its versions, sign-up acceptance, the banner, one-tap
toggles that are as easy to withdraw as to give, the e-mail purpose tied to the preference,
and /api/me/consents/."""
import datetime

import pytest
from django.utils import timezone

from community import services as community_services
from community.privacy import selectors, services
from community.privacy.models import ConsentRecord, PolicyVersion
from core.errors import ServiceError

pytestmark = pytest.mark.django_db
Purpose = ConsentRecord.Purpose


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def _policy_seed(db):
    """The version the data migration publishes (a transactional test's flush may have dropped it)."""
    from importlib import import_module

    from django.apps import apps

    import_module("community.privacy.migrations.0002_policy_seed").forwards(apps, None)
    selectors.policy_cache_forget()


def publish(version, days_ago=0):
    obj = PolicyVersion(version=version, text_en=f"Policy {version} text.", text_zh=f"政策 {version}",
                        changes_en=f"What changed in {version}.", published_at=timezone.now()
                        - datetime.timedelta(days=days_ago))
    return services.policy_publish(version=obj)


def test_seeded_policy_is_public_in_both_languages(client):
    current = selectors.policy_current()
    assert current is not None and current.version == "2026-12"
    body = client.get("/privacy/").content.decode()
    assert "Version 2026-12" in body and "Automated decisions" in body
    assert client.get("/privacy/?version=nope").status_code == 404
    client.cookies["django_language"] = "zh-hans"
    assert "自动化决策" in client.get("/privacy/").content.decode()


def test_signup_records_policy_and_email_default(client):
    resp = client.post("/accounts/signup/", {"email": "new@example.com", "display_name": "Mei", "password1": "A-strong-pass-1",
                                             "password2": "A-strong-pass-1"})
    assert resp.status_code == 302
    records = list(ConsentRecord.objects.filter(user__email="new@example.com").order_by("purpose"))
    assert [(r.purpose, r.granted, r.method) for r in records] == [
        ("email_notifications", True, "signup"), ("policy", True, "signup")]
    assert records[1].policy_version.version == "2026-12"
    # Signed in straight after sign-up: no banner, the current version is accepted.
    assert "policy-banner" not in client.get("/products/").content.decode()


def test_banner_asks_once_for_a_new_version_and_never_blocks(client, shopper):
    services.policy_accept(user=shopper, method="signup")
    client.force_login(shopper)
    assert "policy-banner" not in client.get("/products/").content.decode()

    publish("2027-01")
    resp = client.get("/products/")
    assert resp.status_code == 200  # the page itself is served
    body = resp.content.decode()
    assert "policy-banner" in body and "version 2027-01" in body
    assert client.get("/privacy/").status_code == 200  # reading it is never blocked

    resp = client.post("/me/privacy/consent/accept/", {"from": "banner", "next": "/products/"})
    assert resp.status_code == 302 and resp["Location"] == "/products/"
    assert "policy-banner" not in client.get("/products/").content.decode()
    latest = selectors.consent_latest(user=shopper, purpose=Purpose.POLICY)
    assert latest.policy_version.version == "2027-01" and latest.method == "banner"
    # A second acceptance of the same version adds nothing.
    client.post("/me/privacy/consent/accept/", {"next": "https://evil.example/"})
    assert ConsentRecord.objects.filter(user=shopper, purpose=Purpose.POLICY).count() == 2


def test_banner_costs_no_query_on_ordinary_pages(client, shopper, django_assert_num_queries):
    client.force_login(shopper)  # sign-in remembers the accepted version in the session
    client.get("/privacy/")
    publish("2027-02")
    client.get("/privacy/")  # the new version is cached by the first page that asks
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = shopper
    request.session = client.session
    assert request.session.get("privacy_policy_accepted") == ""  # loaded, as every signed-in page has it
    with django_assert_num_queries(0):
        html = render_to_string("privacy/_policy_banner.html", request=request)
    assert "2027-02" in html


def test_optional_purposes_toggle_in_one_tap_and_withdraw_as_easily(client, shopper):
    client.force_login(shopper)
    body = client.get("/me/privacy/consent/").content.decode()
    assert "Marketing from brands" in body and "What we need to run your account" in body
    assert body.count('name="purpose"') == 3  # the three optional purposes, each one form
    for purpose in ("brand_marketing", "public_profile"):
        assert client.post("/me/privacy/consent/", {"purpose": purpose, "granted": "1"}).status_code == 302
        assert selectors.consent_state(user=shopper)[purpose]["granted"] is True
        assert client.post("/me/privacy/consent/", {"purpose": purpose, "granted": "0"}).status_code == 302
        assert selectors.consent_state(user=shopper)[purpose]["granted"] is False
    records = ConsentRecord.objects.filter(user=shopper, purpose="brand_marketing").order_by("at", "id")
    assert [(r.granted, r.method, r.policy_version.version) for r in records] == [
        (True, "settings", "2026-12"), (False, "settings", "2026-12")]
    # The same state again adds nothing.
    client.post("/me/privacy/consent/", {"purpose": "brand_marketing", "granted": "0"})
    assert records.count() == 2


@pytest.mark.parametrize("data", [{"purpose": "policy", "granted": "0"}, {"purpose": "nope", "granted": "1"},
                                  {"purpose": "brand_marketing", "granted": "maybe"}, {}])
def test_bad_consent_posts_are_400_with_a_message(client, shopper, data):
    client.force_login(shopper)
    resp = client.post("/me/privacy/consent/", data)
    assert resp.status_code == 400
    assert 'class="message message-error"' in resp.content.decode()
    assert not ConsentRecord.objects.filter(user=shopper).exists()


def test_email_purpose_and_preference_never_disagree(client, shopper):
    client.force_login(shopper)
    client.post("/me/privacy/consent/", {"purpose": "email_notifications", "granted": "0"})
    shopper.refresh_from_db()
    assert shopper.email_notifications is False
    # The profile form (and the API's PATCH /api/me/) change the same preference and record it.
    community_services.user_profile_update(user=shopper, email_notifications=True)
    state = selectors.consent_state(user=shopper)["email_notifications"]
    assert state["granted"] is True and state["method"] == "settings"
    client.patch("/api/me/", {"email_notifications": False}, content_type="application/json")
    shopper.refresh_from_db()
    state = selectors.consent_state(user=shopper)["email_notifications"]
    assert shopper.email_notifications is False and state["granted"] is False and state["method"] == "api"
    history = list(ConsentRecord.objects.filter(user=shopper, purpose="email_notifications").order_by("at", "id")
                   .values_list("granted", "method"))
    assert history == [(False, "settings"), (True, "settings"), (False, "api")]
    # Saving other fields records nothing.
    community_services.user_profile_update(user=shopper, display_name="Mei", email_notifications=False)
    assert ConsentRecord.objects.filter(user=shopper, purpose="email_notifications").count() == 3


def test_consent_service_refuses_unknown_method_and_required_purpose(shopper):
    with pytest.raises(ServiceError):
        services.consent_set(user=shopper, purpose="brand_marketing", granted=True, method="carrier-pigeon")
    with pytest.raises(ServiceError):
        services.consent_set(user=shopper, purpose="policy", granted=False, method="settings")


# consent records, history (the policy version, the session, the user and the header counts are cached)
CONSENT_PAGE_QUERIES = 2


@pytest.mark.parametrize("n", [1, 15])
def test_consent_page_query_count(client, shopper, django_assert_num_queries, n):
    for i in range(n):
        services.consent_set(user=shopper, purpose="brand_marketing", granted=i % 2 == 0, method="settings")
    client.force_login(shopper)
    client.get("/privacy/")  # warm the cached policy version
    with django_assert_num_queries(CONSENT_PAGE_QUERIES):
        resp = client.get("/me/privacy/consent/")
    assert resp.status_code == 200


def test_consents_api(client, shopper):
    assert client.get("/api/me/consents/").status_code in (401, 403)
    client.force_login(shopper)
    body = client.get("/api/me/consents/").json()
    assert body["policy"] == {"current_version": "2026-12", "accepted": False, "accepted_version": ""}
    assert [c["purpose"] for c in body["consents"]] == ["email_notifications", "brand_marketing", "public_profile"]
    body = client.post("/api/me/consents/", {"purpose": "policy", "granted": True}, content_type="application/json").json()
    assert body["policy"]["accepted"] is True and body["policy"]["accepted_version"] == "2026-12"
    body = client.post("/api/me/consents/", {"purpose": "public_profile", "granted": True},
                       content_type="application/json").json()
    assert {c["purpose"]: c["granted"] for c in body["consents"]}["public_profile"] is True
    assert ConsentRecord.objects.get(user=shopper, purpose="public_profile").method == "api"
    resp = client.post("/api/me/consents/", {"purpose": "policy", "granted": False}, content_type="application/json")
    assert resp.status_code == 400 and "granted" in resp.json()["error"]["fields"]
    resp = client.post("/api/me/consents/", {"purpose": "sell_my_soul", "granted": True}, content_type="application/json")
    assert resp.status_code == 400 and "purpose" in resp.json()["error"]["fields"]


def test_consents_api_is_in_the_schema(client):
    schema = client.get("/api/schema/").content.decode()
    assert "/api/me/consents/" in schema and "me_consents_update" in schema


POLICY_PAGE_QUERIES = 2  # the current version (then cached) and the list of versions


def test_policy_page_query_count(client, django_assert_num_queries):
    for i in range(5):
        publish(f"2027-0{i + 1}", days_ago=10 - i)
    with django_assert_num_queries(POLICY_PAGE_QUERIES):
        body = client.get("/privacy/").content.decode()
    assert body.count("?version=") == 6


def test_operators_publish_versions_but_never_edit_a_published_one(admin_client, client, moderator):
    from community.privacy.models import PolicyVersion

    PolicyVersion.objects.update(published_at=timezone.now() - datetime.timedelta(days=400))
    assert selectors.policy_current().version == "2026-12"  # cached now
    month_ago = (timezone.now() - datetime.timedelta(days=30)).strftime("%Y-%m-%d")
    data = {"version": "2027-05", "published_at_0": month_ago, "published_at_1": "00:00:00",
            "text_zh": "新文本", "text_en": "New text", "changes_zh": "", "changes_en": "Clearer retention."}
    assert admin_client.post("/admin/privacy/policyversion/add/", data).status_code == 302
    assert selectors.policy_current().version == "2027-05"  # the cache was cleared on save
    published = PolicyVersion.objects.get(version="2027-05")
    admin_client.post(f"/admin/privacy/policyversion/{published.pk}/change/", {**data, "text_en": "Rewritten"})
    published.refresh_from_db()
    assert published.text_en == "New text"
    client.force_login(moderator)
    assert client.get("/admin/privacy/policyversion/").status_code in (302, 403)
