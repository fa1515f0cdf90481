"""Trial pages, API and brand admin over HTTP, with exact query budgets."""
import datetime
import re

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from community.trials.models import TrialApplication, TrialProgram
from community.trials import services
from tests import factories
from tests.test_trials import REASON, TrialProgramFactory, selected_tester

pytestmark = pytest.mark.django_db
App = TrialApplication.Status


@pytest.fixture(autouse=True)
def _english_pages(settings):
    settings.LANGUAGE_CODE = "en"


# The apply form's parcel fields and the explicit per-trial consent (tests/test_privacy_trials.py).
SHIPPING_FORM = {"recipient_name": "Li Lei", "phone": "138 0013 8000", "address": "1 Garden Road, Hangzhou",
                 "shipping_consent": "on"}


@pytest.fixture
def program(product):
    return TrialProgramFactory(product=product, title_en="Quiet blender trial")


# --- pages ---------------------------------------------------------------------------------------

# programs page (product and brand joined) + its count for the paginator
TRIAL_LIST_QUERIES = 2


@pytest.mark.parametrize("n", [5, 50])
def test_trial_list_query_count(client, django_assert_num_queries, n):
    brand = factories.BrandFactory()
    for _ in range(n):
        TrialProgramFactory(product=factories.ProductFactory(brand=brand))
    TrialProgramFactory(state=TrialProgram.State.DRAFT, title_en="Secret draft")
    with django_assert_num_queries(TRIAL_LIST_QUERIES):
        resp = client.get("/trials/")
    assert resp.status_code == 200
    body = resp.content.decode()
    assert body.count('class="trial-card') == min(n, 12)
    assert "Secret draft" not in body


def test_home_features_open_trials(client, program, django_assert_num_queries):
    from tests.test_pages import HOME_QUERIES, add_bulk_reviews

    add_bulk_reviews(program.product, 5)  # the budget is for a page with reviews (tests/test_pages.py)
    for _ in range(5):
        TrialProgramFactory()
    TrialProgramFactory(state=TrialProgram.State.DRAFT, title_en="Secret draft")
    with django_assert_num_queries(HOME_QUERIES):
        resp = client.get("/")
    body = resp.content.decode()
    assert "Quiet blender trial" in body and "Secret draft" not in body
    assert body.count('class="trial-card') == 4
    assert f'href="/trials/{program.pk}/"' in body


def test_draft_trial_is_a_404(client):
    draft = TrialProgramFactory(state=TrialProgram.State.DRAFT)
    assert client.get(f"/trials/{draft.pk}/").status_code == 404
    assert client.get(f"/api/trials/{draft.pk}/").status_code == 404


def test_apply_on_the_page(client, program, shopper):
    resp = client.get(f"/trials/{program.pk}/")
    assert "Log in to apply" in resp.content.decode()
    assert client.post(f"/trials/{program.pk}/", {"reason": REASON}).status_code == 302
    assert not TrialApplication.objects.exists()

    client.force_login(shopper)
    resp = client.post(f"/trials/{program.pk}/", {"reason": "short", **SHIPPING_FORM})
    assert resp.status_code == 400
    assert "at least 10 characters" in resp.content.decode()
    resp = client.post(f"/trials/{program.pk}/", {"reason": REASON, **SHIPPING_FORM})
    assert resp.status_code == 302
    body = client.get(f"/trials/{program.pk}/").content.decode()
    assert "Your application" in body and "Applied" in body
    resp = client.post(f"/trials/{program.pk}/", {"reason": REASON, **SHIPPING_FORM})
    assert resp.status_code == 400 and "already applied" in resp.content.decode()
    assert TrialApplication.objects.filter(user=shopper).count() == 1


def test_report_page_and_my_trials(client, program, shopper, django_capture_on_commit_callbacks):
    client.force_login(shopper)
    services.trial_apply(user=shopper, program=program, reason=REASON)
    assert client.get(f"/trials/{program.pk}/report/").status_code == 404  # not selected yet
    app = TrialApplication.objects.get(user=shopper)
    services.trial_select(actor=None, program=program, application_ids=[app.pk])
    body = client.get("/me/trials/").content.decode()
    assert "Quiet blender trial" in body and "Write your trial report" in body
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(f"/trials/{program.pk}/report/", {"rating": "5", "text": "Blends ice in seconds."})
    assert resp.status_code == 302
    app.refresh_from_db()
    assert app.status == App.REPORTED and app.review.incentive == "free_sample"
    body = client.get("/me/trials/").content.decode()
    assert "Reported" in body


def test_my_trials_needs_login(client):
    assert client.get("/me/trials/").status_code == 302


# --- API -------------------------------------------------------------------------------------------


def test_api_list_detail_and_apply(client, program, shopper):
    TrialProgramFactory(state=TrialProgram.State.DRAFT)
    data = client.get("/api/trials/").json()
    assert [row["id"] for row in data["results"]] == [program.pk]
    assert data["results"][0]["product"]["slug"] == program.product.slug

    url = f"/api/trials/{program.pk}/apply/"
    assert client.post(url, {"reason": REASON}, content_type="application/json").status_code in (401, 403)
    client.force_login(shopper)
    resp = client.post(url, {"reason": "short"}, content_type="application/json")
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "reason_too_short"
    resp = client.post(url, {"reason": REASON}, content_type="application/json")
    assert resp.status_code == 201 and resp.json()["status"] == "applied"
    resp = client.post(url, {"reason": REASON}, content_type="application/json")
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "already_applied"
    detail = client.get(f"/api/trials/{program.pk}/").json()
    assert detail["accepting_applications"] is True
    assert detail["my_application"]["status"] == "applied"


TRIAL_API_LIST_QUERIES = 2  # count + page (product and brand joined)


@pytest.mark.parametrize("n", [5, 50])
def test_api_list_query_count(client, django_assert_num_queries, n):
    for _ in range(n):
        TrialProgramFactory()
    with django_assert_num_queries(TRIAL_API_LIST_QUERIES):
        resp = client.get("/api/trials/")
    assert resp.status_code == 200 and resp.json()["count"] == n


# --- brand admin -------------------------------------------------------------------------------------


@pytest.fixture
def staff_client(client, brand_staff):
    perms = Permission.objects.filter(
        content_type__app_label__in=("community", "cocreation", "trials"),
        codename__in=[
            "view_trialprogram", "change_trialprogram", "add_trialprogram",
            "view_trialapplication", "change_trialapplication", "view_product", "view_brand",
        ],
    )
    brand_staff.user_permissions.add(*perms)
    client.force_login(brand_staff)
    return client


def program_form(for_product, **overrides):
    now = timezone.localtime()
    data = {
        "brand": for_product.brand_id,
        "product": for_product.pk,
        "title_zh": "新品试用",
        "title_en": "New trial",
        "description_zh": "",
        "description_en": "",
        "samples": "5",
        "state": "open",
        "applications_open_at_0": now.strftime("%Y-%m-%d"),
        "applications_open_at_1": "00:00:00",
        "applications_close_at_0": (now + datetime.timedelta(days=7)).strftime("%Y-%m-%d"),
        "applications_close_at_1": "00:00:00",
        "report_deadline_0": (now + datetime.timedelta(days=30)).strftime("%Y-%m-%d"),
        "report_deadline_1": "00:00:00",
        "selection_criteria_zh": "",
        "selection_criteria_en": "Active reviewers",
        "applications-TOTAL_FORMS": "0",
        "applications-INITIAL_FORMS": "0",
        "applications-MIN_NUM_FORMS": "0",
        "applications-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def test_admin_shows_only_own_brand_programs_with_funnel(staff_client, program):
    other = TrialProgramFactory(title_zh="别家的试用")
    applicants = [factories.UserFactory() for _ in range(2)]
    for user in applicants:
        services.trial_apply(user=user, program=program, reason=REASON)
    body = staff_client.get("/admin/trials/trialprogram/").content.decode()
    assert program.title_zh in body and other.title_zh not in body
    assert 'class="field-funnel_applied">2<' in body

    resp = staff_client.get(f"/admin/trials/trialprogram/{program.pk}/change/")
    body = resp.content.decode()
    assert resp.status_code == 200
    assert "trial-suggestions" in body and applicants[0].public_name in body
    assert applicants[0].email not in body  # brand staff see display names, never e-mail addresses
    assert re.search(r'<ol class="funnel-steps">\s*<li>\s*<span class="step">[^<]+</span>\s*<span class="count">2</span>', body)
    assert f'href="/admin/trials/trialprogram/{program.pk}/funnel/"' in body


def test_admin_other_brand_program_unreachable_by_url(staff_client):
    other = TrialProgramFactory()
    services.trial_apply(user=factories.UserFactory(), program=other, reason=REASON)
    app = TrialApplication.objects.get(program=other)
    for url in (f"/admin/trials/trialprogram/{other.pk}/change/",
                f"/admin/trials/trialapplication/{app.pk}/change/"):
        resp = staff_client.get(url)
        assert resp.status_code in (302, 404)
        if resp.status_code == 302:
            assert f"/{other.pk}/" not in resp["Location"]
    staff_client.post(f"/admin/trials/trialprogram/{other.pk}/change/", program_form(other.product, title_zh="劫持"))
    other.refresh_from_db()
    assert other.title_zh != "劫持"


def test_admin_forged_product_or_brand_is_rejected(staff_client, product):
    rival_product = factories.ProductFactory()
    resp = staff_client.post("/admin/trials/trialprogram/add/", program_form(rival_product))
    assert resp.status_code == 200  # redisplayed with errors
    resp = staff_client.post("/admin/trials/trialprogram/add/", program_form(product, product=rival_product.pk))
    assert resp.status_code == 200
    assert not TrialProgram.objects.exists()
    resp = staff_client.post("/admin/trials/trialprogram/add/", program_form(product))
    assert resp.status_code == 302
    assert TrialProgram.objects.get().brand_id == product.brand_id


def test_admin_actions_select_suggested_and_mark_shipped(staff_client, program):
    for _ in range(4):  # 3 samples
        services.trial_apply(user=factories.UserFactory(), program=program, reason=REASON)
    resp = staff_client.post(
        "/admin/trials/trialprogram/",
        {"action": "select_suggested_testers", "_selected_action": [program.pk]},
    )
    assert resp.status_code == 302
    selected = list(TrialApplication.objects.filter(program=program, status=App.SELECTED).values_list("pk", flat=True))
    assert len(selected) == 3
    assert TrialApplication.objects.filter(program=program, status=App.NOT_SELECTED).count() == 1

    resp = staff_client.post(
        "/admin/trials/trialapplication/", {"action": "mark_shipped", "_selected_action": selected}
    )
    assert resp.status_code == 302
    assert TrialApplication.objects.filter(program=program, status=App.SHIPPED).count() == 3


def test_admin_action_cannot_reach_another_brands_applications(staff_client, program):
    other = TrialProgramFactory()
    rival = selected_tester(other, factories.UserFactory())
    TrialApplication.objects.filter(pk=rival.pk).update(status=App.SELECTED, shipped_at=None)
    staff_client.post("/admin/trials/trialapplication/", {"action": "mark_shipped", "_selected_action": [rival.pk]})
    rival.refresh_from_db()
    assert rival.status == App.SELECTED  # the action's queryset is the brand-scoped changelist


# --- brand page: its trials and "you said, we did" -----------------------------------------------------

BRAND_PAGE_QUERIES = 3  # brand, its trials (product joined), its adopted ideas (challenge and author joined)


@pytest.mark.parametrize("n", [1, 8])
def test_brand_page_lists_trials_and_adopted_ideas(client, program, django_assert_num_queries, n):
    helpers = pytest.importorskip("tests.challenge_helpers")
    from community.cocreation.services import entry_adopt

    challenge = helpers.make_challenge(program.brand)
    for i in range(n):
        entry = helpers.published_entry(challenge, text=f"请出一个小号的版本，方便带出门。想法 {i}")
        entry_adopt(entry_id=entry.pk, note=f"We will launch a travel size {i}.")
    helpers.published_entry(challenge, text="这个想法没有被采纳。")
    rival = helpers.make_challenge()
    entry_adopt(entry_id=helpers.published_entry(rival, text="别的品牌的想法").pk, note="Other brand's plan")
    with django_assert_num_queries(BRAND_PAGE_QUERIES):
        resp = client.get(f"/brands/{program.brand.slug}/")
    body = resp.content.decode()
    assert resp.status_code == 200
    assert "You said, we did" in body and body.count('class="card adopted-idea"') == n
    assert f"We will launch a travel size {n - 1}." in body
    assert "没有被采纳" not in body and "Other brand's plan" not in body
    assert "Quiet blender trial" in body


def test_unknown_brand_is_a_404(client, db):
    assert client.get("/brands/no-such-brand/").status_code == 404


def test_pages_speak_chinese_by_default(client, program, settings, shopper, django_capture_on_commit_callbacks):
    settings.LANGUAGE_CODE = "zh-hans"
    app = selected_tester(program, shopper)
    with django_capture_on_commit_callbacks(execute=True):
        services.trial_report_post(user=shopper, application=app, rating=5, text="很好用，噪音小。")
    assert "免费试用" in client.get("/trials/").content.decode()
    body = client.get(f"/products/{program.product.slug}/").content.decode()
    assert "激励评价 · 获赠免费样品" in body


def test_api_review_says_trial_sample(client, program, shopper, django_capture_on_commit_callbacks):
    app = selected_tester(program, shopper)
    with django_capture_on_commit_callbacks(execute=True):
        review = services.trial_report_post(user=shopper, application=app, rating=4, text="Works well, quiet.")
    rows = client.get(f"/api/products/{program.product.slug}/reviews/").json()["results"]
    assert [(r["id"], r["incentivized"], r["incentive"], r["trial_sample"]) for r in rows] == [
        (review.pk, True, "free_sample", True)
    ]


# user, the header's unread badge, count, the page (program, product, brand and review joined);
# the session is cached
MY_TRIALS_QUERIES = 4


@pytest.mark.parametrize("n", [2, 20])
def test_my_trials_query_count(client, shopper, django_assert_num_queries, n):
    for _ in range(n):
        services.trial_apply(user=shopper, program=TrialProgramFactory(), reason=REASON)
    client.force_login(shopper)
    with django_assert_num_queries(MY_TRIALS_QUERIES):
        resp = client.get("/me/trials/")
    assert resp.content.decode().count('class="card trial-application"') == min(n, 12)


def test_admin_product_must_be_the_programs_brand(client, db):
    superuser = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(superuser)
    product = factories.ProductFactory()
    resp = client.post("/admin/trials/trialprogram/add/",
                       program_form(product, brand=factories.BrandFactory().pk))
    assert resp.status_code == 200 and "must belong to the program" in resp.content.decode()
    assert not TrialProgram.objects.exists()
