"""Trial shipping consent and retention (issue 13): parcel details only with explicit consent,
only for selected testers, only until the deadline + window; the retention run deletes what is
past each window (sign-ins, shipping, rejected content) and says what it did."""
import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from community import services as community_services
from community.models import Review
from community.privacy.models import LoginEvent, StaffAccessRecord
from community.privacy.retention import retention_policies, retention_run
from community.trials import services as trial_services
from community.trials.models import TrialApplication, TrialShipping
from core.client_signals import ip_prefix_hash
from core.errors import PermissionDeniedError, ServiceError
from moderation import services as moderation_services
from moderation.models import Case
from tests import factories
from tests.test_trials import REASON, TrialProgramFactory
from tests.test_trials_pages import SHIPPING_FORM

pytestmark = pytest.mark.django_db
SHIPPING = {"recipient_name": "Han Meimei", "phone": "139 0000 1111", "address": "8 Lake Street, Suzhou",
            "consent": True}
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def program(product):
    return TrialProgramFactory(product=product)


def test_shipping_needs_explicit_consent_and_valid_fields(program, shopper):
    with pytest.raises(ServiceError) as err:
        trial_services.trial_apply(user=shopper, program=program, reason=REASON, shipping={**SHIPPING, "consent": False})
    assert "shipping_consent" in err.value.fields
    with pytest.raises(ServiceError) as err:
        trial_services.trial_apply(user=shopper, program=program, reason=REASON,
                                   shipping={**SHIPPING, "phone": "call me", "address": " "})
    assert set(err.value.fields) == {"phone", "address"}
    assert not TrialApplication.objects.exists()
    app = trial_services.trial_apply(user=shopper, program=program, reason=REASON, shipping=SHIPPING)
    shipping = app.shipping
    assert (shipping.recipient_name, shipping.phone) == ("Han Meimei", "139 0000 1111")
    assert shipping.purge_after == program.report_deadline + 30 * DAY


def test_apply_page_asks_for_consent_per_trial(client, program, shopper):
    client.force_login(shopper)
    body = client.get(f"/trials/{program.pk}/").content.decode()
    assert 'name="shipping_consent"' in body and "Share my name, phone and address with this brand" in body
    resp = client.post(f"/trials/{program.pk}/", {**SHIPPING_FORM, "reason": REASON, "shipping_consent": ""})
    assert resp.status_code == 400 and "Tick the box" in resp.content.decode()
    assert client.post(f"/trials/{program.pk}/", {**SHIPPING_FORM, "reason": REASON}).status_code == 302
    assert TrialShipping.objects.get().application.user == shopper
    # One tap on My trials stops sharing and deletes them.
    body = client.get("/me/trials/").content.decode()
    assert "Stop sharing and delete them" in body
    assert client.post(f"/trials/{program.pk}/shipping/withdraw/").status_code == 302
    assert not TrialShipping.objects.exists()


def test_api_apply_with_shipping(client, program, shopper):
    client.force_login(shopper)
    resp = client.post(f"/api/trials/{program.pk}/apply/", {"reason": REASON, "shipping": {**SHIPPING, "consent": False}},
                       content_type="application/json")
    assert resp.status_code == 400 and "shipping_consent" in resp.json()["error"]["fields"]
    resp = client.post(f"/api/trials/{program.pk}/apply/", {"reason": REASON, "shipping": SHIPPING},
                       content_type="application/json")
    assert resp.status_code == 201 and TrialShipping.objects.count() == 1


def test_brand_sees_parcel_only_for_selected_testers_while_kept(client, program, brand_staff, shopper, other_shopper):
    tester = trial_services.trial_apply(user=shopper, program=program, reason=REASON, shipping=SHIPPING)
    waiting = trial_services.trial_apply(user=other_shopper, program=program, reason=REASON, shipping=SHIPPING)
    with pytest.raises(ServiceError):  # not selected yet
        trial_services.trial_shipping_reveal(actor=brand_staff, application_id=tester.pk, reason="shipping")
    trial_services.trial_select(actor=brand_staff, program=program, application_ids=[tester.pk])
    # Closing the selection deleted the parcel details of the applicant who was not selected.
    assert not TrialShipping.objects.filter(application=waiting).exists()
    with pytest.raises(ServiceError):  # a reason is required
        trial_services.trial_shipping_reveal(actor=brand_staff, application_id=tester.pk, reason="")
    shipping = trial_services.trial_shipping_reveal(actor=brand_staff, application_id=tester.pk, reason="shipping")
    assert shipping.address == "8 Lake Street, Suzhou"
    record = StaffAccessRecord.objects.get()
    assert (record.subject_id, record.field, record.actor_role, record.object_ref) == (
        shopper.pk, "shipping_address", "brand_staff", f"trials.trialapplication:{tester.pk}")
    rival = factories.UserFactory(is_staff=True)
    factories.BrandMembershipFactory(user=rival)
    with pytest.raises(PermissionDeniedError):
        trial_services.trial_shipping_reveal(actor=rival, application_id=tester.pk, reason="shipping")
    TrialShipping.objects.filter(pk=shipping.pk).update(purge_after=timezone.now() - DAY)
    with pytest.raises(ServiceError):  # past its date: gone for the brand even before the run deletes it
        trial_services.trial_shipping_reveal(actor=brand_staff, application_id=tester.pk, reason="shipping")
    assert StaffAccessRecord.objects.count() == 1


def test_shipping_reveal_page_in_the_admin(client, program, brand_staff, shopper):
    from devtools.demodata import groups_ensure

    brand_staff.groups.add(groups_ensure()[1])
    app = trial_services.trial_apply(user=shopper, program=program, reason=REASON, shipping=SHIPPING)
    client.force_login(brand_staff)
    change = client.get(f"/admin/trials/trialapplication/{app.pk}/change/").content.decode()
    assert "visible only once they are selected" in change and "8 Lake Street" not in change
    trial_services.trial_select(actor=brand_staff, program=program, application_ids=[app.pk])
    change = client.get(f"/admin/trials/trialapplication/{app.pk}/change/").content.decode()
    assert f"/admin/trials/trialapplication/{app.pk}/shipping/" in change and "8 Lake Street" not in change
    page = client.get(f"/admin/trials/trialapplication/{app.pk}/shipping/").content.decode()
    assert "8 Lake Street" not in page and 'name="reason"' in page
    page = client.post(f"/admin/trials/trialapplication/{app.pk}/shipping/", {"reason": "shipping"}).content.decode()
    assert "8 Lake Street" in page and StaffAccessRecord.objects.count() == 1


def _rejected_review(product, moderator, days_ago):
    author = factories.UserFactory()
    review, _ = community_services.review_post(author=author, product=product, rating=2, text="Call 13800138000 now")
    Case.objects.update_or_create(
        content_type="review", object_id=review.pk,
        defaults={"author": author, "state": Case.State.QUEUED,
                  "detectors": [{"name": "contact", "labels": ["phone"], "score": 0.9,
                                 "evidence": [{"label": "phone", "start": 5, "end": 16, "text": "13800138000"}]}]},
    )
    case = Case.objects.get(content_type="review", object_id=review.pk)
    moderation_services.case_decide(case_id=case.pk, moderator=moderator, approve=False, reason_code="spam")
    Case.objects.filter(pk=case.pk).update(decided_at=timezone.now() - days_ago * DAY)
    return review, case


def test_retention_run_deletes_what_is_past_each_window(product, moderator, shopper, other_shopper):
    now = timezone.now()
    LoginEvent.objects.create(user=shopper, at=now - 181 * DAY)
    recent_login = LoginEvent.objects.create(user=shopper, at=now - 179 * DAY)
    ended = TrialProgramFactory(product=product)
    kept = TrialProgramFactory(product=product)
    old_ship = trial_services.trial_apply(user=shopper, program=ended, reason=REASON, shipping=SHIPPING)
    new_ship = trial_services.trial_apply(user=other_shopper, program=kept, reason=REASON, shipping=SHIPPING)
    from community.trials.models import TrialProgram

    TrialProgram.objects.filter(pk=ended.pk).update(
        applications_open_at=now - 90 * DAY, applications_close_at=now - 80 * DAY, report_deadline=now - 31 * DAY)
    old_review, old_case = _rejected_review(product, moderator, days_ago=181)
    new_review, _ = _rejected_review(product, moderator, days_ago=10)

    assert {p.kind for p in retention_policies()} >= {"login_history", "trial_shipping", "rejected_content", "exports"}
    dry = {r["kind"]: r["count"] for r in retention_run(dry_run=True)}
    assert dry["login_history"] == 1 and dry["trial_shipping"] == 1 and dry["rejected_content"] == 1
    assert LoginEvent.objects.count() == 2 and TrialShipping.objects.count() == 2  # nothing deleted
    assert Review.objects.get(pk=old_review.pk).text

    out = StringIO()
    call_command("retention", "run", stdout=out)
    text = out.getvalue()
    assert "login_history: deleted 1" in text and "trial_shipping: deleted 1" in text
    assert "rejected_content: deleted 1" in text
    assert list(LoginEvent.objects.all()) == [recent_login]
    assert list(TrialShipping.objects.values_list("application_id", flat=True)) == [new_ship.pk]
    assert not TrialShipping.objects.filter(application=old_ship).exists()
    old_review.refresh_from_db()
    old_case.refresh_from_db()
    # The content is gone, the decision stays explained.
    assert old_review.text == "" and old_review.status == Review.Status.REJECTED and old_review.rating == 2
    assert old_case.state == Case.State.REJECTED and old_case.reject_reason == "spam"
    assert old_case.detectors == [{"name": "contact", "labels": ["phone"], "score": 0.9}]
    assert Review.objects.get(pk=new_review.pk).text == "Call 13800138000 now"
    # A second run finds nothing more.
    assert {r["kind"]: r["count"] for r in retention_run()} == {
        "login_history": 0, "trial_shipping": 0, "rejected_content": 0, "exports": 0, "integrity_signals": 0,
    }


def test_retention_windows_come_from_settings(settings, shopper):
    settings.RETENTION_LOGIN_HISTORY_DAYS = 7
    LoginEvent.objects.create(user=shopper, at=timezone.now() - 8 * DAY)
    assert {r["kind"]: r for r in retention_run()}["login_history"]["count"] == 1


def test_sign_in_records_a_login_event_without_an_address(client, shopper):
    client.post("/accounts/login/", {"login": shopper.email, "password": "pass12345!"},
                HTTP_USER_AGENT="Mozilla/5.0 Chrome/120.0 Safari/537.36", REMOTE_ADDR="203.0.113.7")
    event = LoginEvent.objects.get(user=shopper)
    assert event.client_family == "chrome-desktop" and event.network_hash == ip_prefix_hash("203.0.113.200")
    assert "203.0.113" not in event.network_hash


def test_retention_task_is_on_the_beat_schedule(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "privacy.retention_run" in tasks
    from community.privacy.tasks import retention_run_task

    assert retention_run_task.name == "privacy.retention_run"
