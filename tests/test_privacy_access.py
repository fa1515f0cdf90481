"""Staff access audit and least privilege (issue 13): brand staff never see a shopper's e-mail
address anywhere they can reach (admin lists, change pages, searches, CSV exports, the API);
other staff see it masked and reveal it only with a reason, which writes an append-only
record the person can see."""
import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import RequestFactory
from django.urls import reverse

from community import services as community_services
from community.cocreation import services as cocreation_services
from community.privacy import selectors
from community.privacy.models import StaffAccessRecord
from community.trials import services as trial_services
from devtools.demodata import groups_ensure
from tests import factories
from tests.challenge_helpers import make_challenge, published_entry
from tests.test_trials import REASON, TrialProgramFactory

pytestmark = pytest.mark.django_db
SHIPPING = {"recipient_name": "Han Meimei", "phone": "139 0000 1111", "address": "8 Lake Street, Suzhou",
            "consent": True}


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def brand_scene(brand, product, brand_staff):
    """A shopper active everywhere the brand's staff can look: a review, an entry and a comment in
    the brand's challenge, and a selected trial application with shipping details."""
    _moderators, group = groups_ensure()
    brand_staff.groups.add(group)
    shopper, commenter, applicant = (factories.UserFactory() for _ in range(3))
    review, _ = community_services.review_post(author=shopper, product=product, rating=4, text="Sturdy and quiet.")
    review = community_services.review_moderate(review_id=review.pk, status="published")
    challenge = make_challenge(brand)
    entry = published_entry(challenge, author=shopper)
    cocreation_services.entry_comment_post(author=commenter, entry_id=entry.pk, text="Love this idea")
    program = TrialProgramFactory(product=product)
    tester = trial_services.trial_apply(user=applicant, program=program, reason=REASON, shipping=SHIPPING)
    waiting = trial_services.trial_apply(user=shopper, program=program, reason=REASON, shipping=SHIPPING)
    trial_services.trial_select(actor=None, program=program, application_ids=[tester.pk], close_selection=False)
    return {"shoppers": [shopper, commenter, applicant], "challenge": challenge, "entry": entry,
            "program": program, "tester": tester, "waiting": waiting, "review": review}


def _reachable_admins(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    for model, model_admin in admin.site._registry.items():
        if model_admin.has_module_permission(request) and model_admin.has_view_permission(request):
            yield model, model_admin, model_admin.get_queryset(request)


def test_brand_staff_never_see_shopper_emails(client, brand_staff, brand_scene):
    emails = [u.email for u in brand_scene["shoppers"]]
    client.force_login(brand_staff)
    bodies, pages = [], 0
    reachable = {m._meta.label for m, _a, _q in _reachable_admins(brand_staff)}
    # The scene reaches every admin page the brand-staff group has (so the walk below is not empty).
    assert {"community.Review", "cocreation.Entry", "cocreation.Challenge", "trials.TrialProgram",
            "trials.TrialApplication", "community.Product"} <= reachable
    for model, _model_admin, queryset in _reachable_admins(brand_staff):
        info = (model._meta.app_label, model._meta.model_name)
        changelist = reverse("admin:%s_%s_changelist" % info)
        for url in (changelist, f"{changelist}?q=example.com"):
            resp = client.get(url)
            assert resp.status_code == 200, url
            bodies.append((url, resp.content.decode()))
        # Searching by e-mail finds nobody (the page only echoes the typed query back):
        # staff cannot probe whether an address has an account.
        probe = client.get(f"{changelist}?q={emails[0]}").content.decode()
        assert brand_scene["shoppers"][0].public_name not in probe, changelist
        for obj in queryset[:10]:
            url = reverse("admin:%s_%s_change" % info, args=[obj.pk])
            resp = client.get(url)
            assert resp.status_code == 200
            bodies.append((url, resp.content.decode()))
            pages += 1
    assert pages >= 6
    # CSV exports.
    for url, action in (("/admin/cocreation/entry/", "export_csv"), ("/admin/cocreation/challenge/",
                                                                       "export_entries_csv")):
        pk = brand_scene["entry"].pk if "entry" in url else brand_scene["challenge"].pk
        resp = client.post(url, {"action": action, "_selected_action": [pk]})
        assert resp["Content-Type"].startswith("text/csv")
        body = resp.content.decode()
        assert brand_scene["shoppers"][0].public_name in body  # the export has its rows
        bodies.append((url + action, body))
    # The parcel reveal shows the parcel, not the account's address.
    resp = client.post(f"/admin/trials/trialapplication/{brand_scene['tester'].pk}/shipping/", {"reason": "shipping"})
    assert "8 Lake Street" in resp.content.decode()
    bodies.append(("shipping reveal", resp.content.decode()))
    # The API, as the brand's staff member.
    challenge, entry, program = brand_scene["challenge"], brand_scene["entry"], brand_scene["program"]
    product = brand_scene["review"].product
    for url in ("/api/products/", f"/api/products/{product.slug}/", f"/api/products/{product.slug}/reviews/",
                f"/api/reviews/{brand_scene['review'].pk}/", "/api/trials/", f"/api/trials/{program.pk}/",
                "/api/challenges/", f"/api/challenges/{challenge.pk}/", f"/api/challenges/{challenge.pk}/entries/",
                f"/api/entries/{entry.pk}/", f"/api/entries/{entry.pk}/comments/", "/api/leaderboards/",
                "/api/badges/", "/api/rewards/"):
        resp = client.get(url)
        assert resp.status_code == 200, url
        bodies.append((url, resp.content.decode()))
    leaks = [(email, url) for url, body in bodies for email in emails if email in body]
    assert leaks == []


def test_suggested_testers_show_display_names(client, brand_staff, brand_scene):
    client.force_login(brand_staff)
    body = client.get(f"/admin/trials/trialprogram/{brand_scene['program'].pk}/change/").content.decode()
    assert "trial-suggestions" in body
    assert brand_scene["shoppers"][0].public_name in body and brand_scene["shoppers"][0].email not in body


def test_user_str_is_never_the_email(shopper):
    assert shopper.email not in str(shopper) and shopper.public_name in str(shopper)


@pytest.fixture
def support_staff(db):
    """Staff who may view accounts in the admin but are not superusers (an operator's helper)."""
    user = factories.UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_user"))
    return user


def test_user_admin_masks_email_and_records_each_reveal(client, support_staff, shopper):
    client.force_login(support_staff)
    listing = client.get("/admin/community/user/").content.decode()
    change = client.get(f"/admin/community/user/{shopper.pk}/change/").content.decode()
    assert shopper.email not in listing and shopper.email not in change
    assert selectors.email_masked(shopper.email) in listing
    assert client.get(f"/admin/community/user/?q={shopper.email}").content.decode().count(shopper.public_name) == 0

    url = f"/admin/community/user/{shopper.pk}/email/"
    page = client.get(url).content.decode()
    assert shopper.email not in page and 'name="reason"' in page
    resp = client.post(url, {"reason": ""})
    assert shopper.email not in resp.content.decode() and not StaffAccessRecord.objects.exists()
    resp = client.post(url, {"reason": "support"})
    assert shopper.email in resp.content.decode()
    record = StaffAccessRecord.objects.get()
    assert (record.actor_id, record.subject_id, record.field, record.reason, record.actor_role) == (
        support_staff.pk, shopper.pk, "email", "support", "operator")


def test_superusers_see_the_email_column(admin_client, shopper):
    assert shopper.email in admin_client.get("/admin/community/user/").content.decode()


def test_the_person_sees_the_count_and_the_log_without_names(client, support_staff, shopper, brand_staff, brand_scene):
    client.force_login(support_staff)
    client.post(f"/admin/community/user/{shopper.pk}/email/", {"reason": "support"})
    applicant = brand_scene["tester"].user
    client.force_login(brand_staff)
    client.post(f"/admin/trials/trialapplication/{brand_scene['tester'].pk}/shipping/", {"reason": "shipping"})
    assert selectors.staff_access_count_for(shopper) == 1 and selectors.staff_access_count_for(applicant) == 1

    client.force_login(applicant)
    body = client.get("/me/privacy/access/").content.decode()
    assert "Brand staff" in body and "shipping name, phone and address" in body and "Shipping a trial sample" in body
    assert brand_staff.public_name not in body and brand_staff.email not in body
    from django.template.loader import render_to_string

    summary = render_to_string("privacy/_access_summary.html", {"staff_access_count": 1})
    assert "Staff accessed your personal data 1 time." in summary and reverse("privacy:access") in summary


# the page of records (a single page: no count query); the session, user and header counts are cached
ACCESS_PAGE_QUERIES = 1


@pytest.mark.parametrize("n", [1, 15])
def test_access_page_query_count(client, shopper, support_staff, django_assert_num_queries, n):
    from community.privacy.services import staff_access_record

    for _ in range(n):
        staff_access_record(actor=support_staff, subject_id=shopper.pk, field="email", reason="support")
    client.force_login(shopper)
    client.get("/privacy/")
    with django_assert_num_queries(ACCESS_PAGE_QUERIES + 1):  # + the paginator's count
        resp = client.get("/me/privacy/access/")
    assert resp.content.decode().count('class="access-item"') == n


def test_access_log_is_read_only_for_operators_and_hidden_from_others(admin_client, client, support_staff, shopper):
    from community.privacy.services import staff_access_record

    record = staff_access_record(actor=support_staff, subject_id=shopper.pk, field="email", reason="abuse")
    assert admin_client.get("/admin/privacy/staffaccessrecord/?reason__exact=abuse").status_code == 200
    assert admin_client.get(f"/admin/privacy/staffaccessrecord/{record.pk}/change/").status_code == 200
    assert admin_client.post(f"/admin/privacy/staffaccessrecord/{record.pk}/delete/", {"post": "yes"}).status_code == 403
    assert StaffAccessRecord.objects.filter(pk=record.pk).exists()
    client.force_login(support_staff)
    assert client.get("/admin/privacy/staffaccessrecord/").status_code == 403
