"""Issue 13 (PIPL / GDPR): the personal-data registry and its completeness check, "download my
data" (page, API, expiry, once a day) and account deletion (cool-off, erasure through every
registered eraser, and nothing broken after it)."""
import io
import json
import zipfile
from datetime import timedelta

import pytest
from PIL import Image
from django.apps import apps
from django.apps.registry import Apps
from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from community import services as community_services
from community.counters import counters_rebuild
from community.models import Review, ReviewPhoto, User
from community.privacy import registry, services
from community.privacy.models import DataExport, DeletionRequest
from core.errors import ServiceError
from gamification.ledger import ledger_rebuild, ledger_verify
from gamification.models import PointsEntry, Redemption
from tests.privacy_helpers import IDENTIFYING, PASSWORD, PHONE, person_with_everything

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"  # the pages' assertions read English; Chinese is tested on the README


@pytest.fixture
def person(django_capture_on_commit_callbacks, moderator, brand):
    return person_with_everything(capture=django_capture_on_commit_callbacks, moderator=moderator, brand=brand)


# --- the registry: no table escapes ---------------------------------------------------------


def test_every_model_that_looks_personal_is_registered_one_way_or_the_other():
    assert registry.personal_data_unregistered() == {}


def test_a_new_model_with_a_user_key_contact_field_or_free_text_is_caught():
    scratch = Apps()
    if True:  # models in a registry of their own, so the project's stays as it is
        class Wish(models.Model):
            owner = models.ForeignKey(User, on_delete=models.CASCADE)
            contact_phone = models.CharField(max_length=20)
            client_ip = models.GenericIPAddressField()
            note = models.TextField()
            backup_email = models.EmailField()
            count = models.IntegerField()

            class Meta:
                app_label = "privacy"
                apps = scratch

        class Tally(models.Model):
            count = models.IntegerField()

            class Meta:
                app_label = "privacy"
                apps = scratch

        signs = registry.personal_data_signs(Wish)
        assert signs == ["owner: key to the user", "contact_phone: contact or network address",
                         "client_ip: contact or network address", "note: free text", "backup_email: e-mail"]
        assert registry.personal_data_signs(Tally) == []


def test_both_lists_name_real_models_and_the_no_personal_list_only_models_that_need_the_reason():
    labels = {m._meta.label for m in apps.get_models()}
    for entry in registry.personal_data_entries():
        assert entry.label in labels, entry.label
    for label in registry.no_personal_data_labels():
        assert label in labels, label
        assert registry.personal_data_signs(apps.get_model(label)), f"{label} needs no entry: nothing looks personal"


def test_a_model_cannot_be_registered_twice():
    with pytest.raises(ValueError):
        registry.no_personal_data_register("community.Review", "no")


# --- export ---------------------------------------------------------------------------------


def _export_zip(client, user, capture, language="en"):
    client.force_login(user)
    client.cookies["django_language"] = language
    with capture(execute=True):
        response = client.post(reverse("privacy:export_start"))
    assert response.status_code == 302
    export = DataExport.objects.get(user=user)
    assert export.status == DataExport.Status.READY and export.progress == 100
    download = client.get(reverse("privacy:export_download", args=[export.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    assert "no-store" in download["Cache-Control"]
    return export, zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))


def test_export_holds_every_registered_kind_with_the_files_and_a_readme(
        client, person, moderator, django_capture_on_commit_callbacks):
    user = person["user"]
    export, archive = _export_zip(client, user, django_capture_on_commit_callbacks)
    names = set(archive.namelist())
    readme = archive.read("README.txt").decode()
    attempt_rows = settings.AXES_HANDLER.endswith("AxesDatabaseHandler")  # with Redis they are cache keys
    for entry in registry.personal_data_entries():
        assert entry.file in names
        rows = json.loads(archive.read(entry.file))
        assert rows or (entry.label == "axes.AccessAttempt" and not attempt_rows), f"{entry.file} is empty"
        assert entry.file in readme
    profile = json.loads(archive.read("profile.json"))[0]
    assert profile["email"] == user.email and profile["display_name"] == user.display_name
    # Photos, entry images and the avatar as files.
    photo = json.loads(archive.read("photos.json"))[0]
    assert archive.read(photo["file"])[:3] == b"\xff\xd8\xff"  # a JPEG
    assert Image.open(io.BytesIO(archive.read(profile["avatar"]))).size == (64, 48)
    image = json.loads(archive.read("challenge_entry_images.json"))[0]
    assert Image.open(io.BytesIO(archive.read(image["file"]))).size == (64, 48)
    # Content and records are the person's own.
    reviews = json.loads(archive.read("reviews.json"))
    assert {r["id"] for r in reviews} == {person["review"].pk, person["bad_review"].pk}
    assert all("created_at" in r and "edited_at" in r for r in reviews)
    assert json.loads(archive.read("rewards.json"))[0]["code"] == "SAVE-ALICE-1"
    ledger = json.loads(archive.read("points_ledger.json"))
    assert sum(r["amount"] for r in ledger) == sum(PointsEntry.objects.filter(user=user).values_list("amount", flat=True))
    # Moderators appear as "a moderator", never by name or e-mail.
    everything = b"".join(archive.read(n) for n in names if n.endswith(".json")).decode()
    assert moderator.email not in everything and f'"{moderator.display_name}"' not in everything
    cases = json.loads(archive.read("moderation_cases.json"))
    assert "a moderator" in {c["decided_by"] for c in cases}
    appeal = json.loads(archive.read("appeals.json"))[0]
    assert appeal["decided_by"] in (None, "a moderator")
    # The API token itself is never written into the file.
    assert user.auth_token.key not in everything
    # The owner is told.
    assert user.notifications.filter(kind="privacy.export.ready").exists()


def test_export_readme_and_labels_follow_the_language_asked_for(client, shopper, django_capture_on_commit_callbacks):
    _export, archive = _export_zip(client, shopper, django_capture_on_commit_callbacks, language="en")
    assert archive.read("README.txt").decode().startswith("Your data from Cocreate")
    assert DataExport.objects.get(user=shopper).language == "en"


def test_export_file_is_private_and_only_its_owners_session_downloads_it(
        client, shopper, other_shopper, settings, django_capture_on_commit_callbacks):
    export, _archive = _export_zip(client, shopper, django_capture_on_commit_callbacks)
    path = export.file.path
    assert not path.startswith(str(settings.MEDIA_ROOT)) and path.startswith(str(settings.PRIVACY_EXPORT_ROOT))
    url = reverse("privacy:export_download", args=[export.pk])
    client.force_login(other_shopper)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the log-in page
    # An API token alone does not open it: the link needs the web session.
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=shopper)
    assert client.get(url, HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 302


def test_one_export_a_day_with_a_clear_message(client, shopper, django_capture_on_commit_callbacks):
    _export_zip(client, shopper, django_capture_on_commit_callbacks)
    response = client.post(reverse("privacy:export_start"), follow=True)
    assert DataExport.objects.filter(user=shopper).count() == 1
    assert "once a day" in response.content.decode()
    with pytest.raises(services.ExportTooSoon) as raised:
        services.data_export_request(user=shopper)
    assert timedelta(hours=23) < raised.value.next_at - timezone.now() <= timedelta(hours=24)
    # A day later it is allowed again.
    later = timezone.now() + timedelta(hours=24, seconds=1)
    with django_capture_on_commit_callbacks(execute=False):
        assert services.data_export_request(user=shopper, now=later).pk


def test_a_failed_export_does_not_count_toward_the_daily_limit(shopper, monkeypatch, django_capture_on_commit_callbacks):
    def broken(user):
        raise RuntimeError("disk full")

    entry = next(e for e in registry.personal_data_entries() if e.file == "reviews.json")
    monkeypatch.setitem(registry._PERSONAL, entry.label, registry.PersonalData(
        entry.label, entry.file, entry.description, broken, entry.erase, entry.order))
    with django_capture_on_commit_callbacks(execute=True):
        export = services.data_export_request(user=shopper)
    export.refresh_from_db()
    assert export.status == DataExport.Status.FAILED and export.error == "disk full"
    assert services.data_export_next_allowed(user_id=shopper.pk) is None


def test_export_expires_after_seven_days_and_its_file_is_deleted(client, shopper, django_capture_on_commit_callbacks):
    export, _archive = _export_zip(client, shopper, django_capture_on_commit_callbacks)
    storage, name = export.file.storage, export.file.name
    assert services.data_exports_expire(now=timezone.now() + timedelta(days=6)) == 0
    assert services.data_exports_expire(now=timezone.now() + timedelta(days=7, seconds=1)) == 1
    assert not storage.exists(name)
    export.refresh_from_db()
    assert export.status == DataExport.Status.EXPIRED and not export.file
    response = client.get(reverse("privacy:export_download", args=[export.pk]), follow=True)
    assert "expired" in response.content.decode()
    assert services.data_exports_expire(now=timezone.now() + timedelta(days=8)) == 0  # idempotent


def test_progress_endpoint_and_page_show_the_job(client, shopper, django_capture_on_commit_callbacks):
    client.force_login(shopper)
    assert client.get(reverse("privacy:export_status")).json() == {"export": None}
    with django_capture_on_commit_callbacks(execute=False):  # the job has not run yet
        client.post(reverse("privacy:export_start"))
    state = client.get(reverse("privacy:export_status")).json()["export"]
    assert state["status"] == "pending" and state["progress"] == 0 and state["download_url"] is None
    page = client.get(reverse("privacy:page")).content.decode()
    assert "data-export-active" in page and 'http-equiv="refresh"' in page and "<progress" in page
    services.data_export_build(export_id=state["id"])
    state = client.get(reverse("privacy:export_status")).json()["export"]
    assert state["status"] == "ready" and state["progress"] == 100
    assert state["download_url"] == reverse("privacy:export_download", args=[state["id"]])
    page = client.get(reverse("privacy:page")).content.decode()
    assert state["download_url"] in page and "data-export-active" not in page


def test_privacy_page_needs_sign_in_and_is_linked_from_my_account(client, shopper, django_assert_num_queries):
    assert client.get(reverse("privacy:page")).status_code == 302
    client.force_login(shopper)
    assert reverse("privacy:page") in client.get(reverse("community:profile")).content.decode()
    client.get(reverse("privacy:page"))  # warm the per-process caches
    # latest export, next allowed, scheduled deletion; the session, user and header counts are cached
    with django_assert_num_queries(4):  # ... and the count of staff accesses to the person's data
        assert client.get(reverse("privacy:page")).status_code == 200


# --- the API ----------------------------------------------------------------------------------


def test_api_export_start_status_and_limit(client, shopper, django_capture_on_commit_callbacks):
    url = reverse("api:me_export")
    assert client.post(url).status_code in (401, 403)
    client.force_login(shopper)
    missing = client.get(url)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    bad = client.post(url, {"language": "fr"}, content_type="application/json")
    assert bad.status_code == 400 and "language" in bad.json()["error"]["fields"]
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(url, {"language": "en"}, content_type="application/json")
    assert started.status_code == 202
    body = client.get(url).json()
    assert body["status"] == "ready" and body["progress"] == 100
    assert body["download_url"].endswith(reverse("privacy:export_download", args=[body["id"]]))
    again = client.post(url, {}, content_type="application/json")
    assert again.status_code == 429
    error = again.json()["error"]
    assert error["code"] == "export_too_soon" and 0 < error["retry_after"] <= 24 * 3600
    assert again["Retry-After"] == str(error["retry_after"])


def test_api_export_is_in_the_openapi_schema(client):
    schema = client.get(reverse("api-schema"), HTTP_ACCEPT="application/json").content.decode()
    assert "/api/me/export/" in schema and "me_export_create" in schema


def test_api_deletion_schedule_status_and_cancel_with_a_token(client, shopper):
    url = reverse("api:me_deletion")
    assert client.post(url, {"password": PASSWORD}, content_type="application/json").status_code in (401, 403)
    token = client.post(reverse("api:auth-token"), {"email": shopper.email, "password": PASSWORD},
                        content_type="application/json").json()["token"]
    auth = {"HTTP_AUTHORIZATION": f"Token {token}"}
    missing = client.get(url, **auth)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    wrong = client.post(url, {"password": "wrong"}, content_type="application/json", **auth)
    assert wrong.status_code == 400 and "password" in wrong.json()["error"]["fields"]
    bad = client.post(url, {"password": PASSWORD, "keep_content": "perhaps"}, content_type="application/json", **auth)
    assert bad.status_code == 400 and "keep_content" in bad.json()["error"]["fields"]
    assert not DeletionRequest.objects.exists()

    scheduled = client.post(url, {"password": PASSWORD, "keep_content": False}, content_type="application/json", **auth)
    assert scheduled.status_code == 202
    body = scheduled.json()
    assert body["status"] == "scheduled" and body["keep_content"] is False and "password" not in body
    request = DeletionRequest.objects.get(user=shopper, status="scheduled")
    assert not request.keep_content
    # Signed out: the token is revoked, so a stolen device cannot cancel with it.
    assert client.get(url, **auth).status_code == 401
    # Signing in again (a new token) cancels, as on the web.
    token = client.post(reverse("api:auth-token"), {"email": shopper.email, "password": PASSWORD},
                        content_type="application/json").json()["token"]
    request.refresh_from_db()
    assert request.status == "cancelled"

    auth = {"HTTP_AUTHORIZATION": f"Token {token}"}
    client.post(url, {"password": PASSWORD}, content_type="application/json", **auth)
    client.force_login(shopper)  # (a web sign-in cancels too; schedule again to test DELETE)
    services.deletion_request(user=shopper, password=PASSWORD, keep_content=True)
    shown = client.get(url)
    assert shown.status_code == 200 and shown.json()["keep_content"] is True
    cancelled = client.delete(url)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert client.delete(url).status_code == 404
    assert not DeletionRequest.objects.filter(user=shopper, status="scheduled").exists()


def test_api_deletion_is_in_the_openapi_schema(client):
    schema = client.get(reverse("api-schema"), HTTP_ACCEPT="application/json").content.decode()
    assert "/api/me/deletion/" in schema and "me_deletion_create" in schema and "me_deletion_destroy" in schema


# --- deletion: request, cool-off, cancel ------------------------------------------------------------


def test_deletion_needs_the_password(client, shopper):
    client.force_login(shopper)
    response = client.post(reverse("privacy:deletion_start"), {"content": "keep", "password": "wrong"})
    assert response.status_code == 400
    assert "not your password" in response.content.decode()
    assert not DeletionRequest.objects.exists()
    response = client.post(reverse("privacy:deletion_start"), {"content": "maybe", "password": PASSWORD})
    assert response.status_code == 400 and not DeletionRequest.objects.exists()


def test_deletion_is_scheduled_seven_days_ahead_signs_out_and_signing_in_cancels(client, shopper):
    client.force_login(shopper)
    response = client.post(reverse("privacy:deletion_start"), {"content": "remove", "password": PASSWORD}, follow=True)
    request = DeletionRequest.objects.get(user=shopper)
    assert request.status == "scheduled" and not request.keep_content
    assert timedelta(days=6, hours=23) < request.scheduled_for - timezone.now() <= timedelta(days=7)
    assert "_auth_user_id" not in client.session  # signed out
    assert "Sign in before then" in response.content.decode()
    assert shopper.notifications.filter(kind="privacy.deletion.scheduled").exists()

    response = client.post(reverse("account_login"), {"login": shopper.email, "password": PASSWORD}, follow=True)
    request.refresh_from_db()
    assert request.status == "cancelled" and request.cancelled_at
    assert "deletion is cancelled" in response.content.decode()
    assert services.deletions_run_due(now=timezone.now() + timedelta(days=8)) == 0
    shopper.refresh_from_db()
    assert shopper.is_active


def test_getting_an_api_token_with_the_password_is_a_sign_in_and_cancels(client, shopper):
    request = services.deletion_request(user=shopper, password=PASSWORD, keep_content=True)
    response = client.post(reverse("api:auth-token"), {"email": shopper.email, "password": PASSWORD},
                           content_type="application/json")
    assert response.status_code == 200 and response.json()["token"]
    request.refresh_from_db()
    assert request.status == "cancelled"


def test_cancel_button_and_status_on_the_page(client, shopper):
    services.deletion_request(user=shopper, password=PASSWORD, keep_content=True)
    client.force_login(shopper)  # (a sign-in cancels; put it back to see the page in the cool-off)
    services.deletion_request(user=shopper, password=PASSWORD, keep_content=True)
    page = client.get(reverse("privacy:page")).content.decode()
    assert "data-deletion-cancel" in page and "will be deleted on" in page
    client.post(reverse("privacy:deletion_cancel"))
    assert not DeletionRequest.objects.filter(user=shopper, status="scheduled").exists()


def test_operators_see_deletions_and_exports_read_only_without_e_mails(client, shopper, admin_user,
                                                                       django_capture_on_commit_callbacks):
    request = services.deletion_request(user=shopper, password=PASSWORD, keep_content=True)
    with django_capture_on_commit_callbacks(execute=True):
        export = services.data_export_request(user=shopper)
    client.force_login(admin_user)
    for model, row in (("deletionrequest", request), ("dataexport", export)):
        listing = client.get(reverse(f"admin:privacy_{model}_changelist"))
        detail = client.get(reverse(f"admin:privacy_{model}_change", args=[row.pk]))
        assert listing.status_code == detail.status_code == 200
        assert shopper.email not in listing.content.decode() + detail.content.decode()
        assert client.post(reverse(f"admin:privacy_{model}_delete", args=[row.pk])).status_code == 403


def test_nothing_happens_before_the_cool_off_is_over(shopper):
    request = services.deletion_request(user=shopper, password=PASSWORD, keep_content=False)
    assert services.deletions_run_due(now=timezone.now() + timedelta(days=6)) == 0
    assert services.account_erase(request_id=request.pk) == 0
    shopper.refresh_from_db()
    assert shopper.is_active and shopper.email.endswith("@example.com")


# --- deletion: what is left afterwards ----------------------------------------------------------------


def _strings(value):
    if isinstance(value, dict):
        return " ".join(_strings(v) for v in [*value.keys(), *value.values()])
    if isinstance(value, (list, tuple)):
        return " ".join(_strings(v) for v in value)
    return str(value)


def rows_naming(needles):
    """Every row in every installed table whose text, JSON or file fields hold one of ``needles``."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy:
            continue
        fields = [f for f in model._meta.concrete_fields if isinstance(
            f, (models.CharField, models.TextField, models.JSONField, models.FileField))]
        if not fields:
            continue
        for row in model.objects.values_list("pk", *[f.attname for f in fields]).iterator():
            text = _strings(row[1:]).lower()
            if model._meta.label == "sessions.Session":
                from django.contrib.sessions.models import Session

                text += _strings(Session(session_data=row[1]).get_decoded()).lower()
            for needle in needles:
                if needle.lower() in text:
                    found.append((model._meta.label, row[0], needle))
    return found


def _erase(person, keep, capture):
    user = person["user"]
    with capture(execute=True):
        request = services.deletion_request(user=user, password=PASSWORD, keep_content=keep)
    with capture(execute=True):
        assert services.deletions_run_due(now=timezone.now() + timedelta(days=7, minutes=1)) == 1
    request.refresh_from_db()
    assert request.status == "done" and request.completed_at and request.rows_erased > 0
    user.refresh_from_db()
    return user


@pytest.mark.parametrize("keep", [True, False], ids=["keep-content", "remove-content"])
def test_deletion_leaves_no_row_that_names_or_contacts_the_person_and_nothing_breaks(
        client, person, keep, django_capture_on_commit_callbacks):
    avatar = person["user"].avatar
    photo = ReviewPhoto.objects.get(review=person["review"]).image
    assert avatar.storage.exists(avatar.name) and photo.storage.exists(photo.name)
    user = _erase(person, keep, django_capture_on_commit_callbacks)

    # The account row is a tombstone.
    assert user.is_erased and not user.is_active and not user.has_usable_password()
    assert user.email.endswith("@deleted.invalid") and user.display_name == "" and not user.avatar
    assert user.public_name == "deleted user"
    assert not avatar.storage.exists(avatar.name)
    # No row anywhere holds the e-mail, the name, the phone number in the content.
    assert rows_naming(IDENTIFYING) == []
    # Sign-in records, sessions, tokens, e-mail addresses are gone; coupons voided.
    from allauth.account.models import EmailAddress
    from axes.models import AccessAttempt
    from django.contrib.sessions.models import Session
    from rest_framework.authtoken.models import Token

    assert not EmailAddress.objects.filter(user=user).exists()
    assert not AccessAttempt.objects.exists()
    assert not Session.objects.filter(session_key=person["session_key"]).exists()
    # ... and not in the session cache either: the session no longer opens.
    from django.contrib.sessions.backends.cached_db import SessionStore

    assert SessionStore(session_key=person["session_key"]).load() == {}
    assert not Token.objects.filter(user=user).exists()
    assert Redemption.objects.get(pk=person["redemption"].pk).voided_at is not None
    assert not user.notifications.exists()

    # The ledger keeps its rows, detached from the person, and still verifies; caches are right.
    assert PointsEntry.objects.filter(user=user).exists()
    report = ledger_verify()
    assert report["broken"] == [] and report["totals"] == []
    assert ledger_rebuild() == []
    assert counters_rebuild() == 0

    review = Review.objects.get(pk=person["review"].pk)
    product_page = client.get(reverse("community:product_detail", args=[person["product"].slug]))
    assert product_page.status_code == 200
    challenge_page = client.get(reverse("community:challenge_detail", args=[person["challenge"].pk]))
    assert challenge_page.status_code == 200
    html = product_page.content.decode()
    commented = client.get(reverse("community:entry_detail", args=[person["theirs_entry"].pk]))
    assert commented.status_code == 200
    assert client.get(reverse("community:trial_detail", args=[person["program"].pk])).status_code == 200
    own_entry = client.get(reverse("community:entry_detail", args=[person["entry"].pk]))
    if keep:
        assert own_entry.status_code == 200 and "deleted user" in own_entry.content.decode()
        assert "Love this idea" in commented.content.decode()
    else:
        assert own_entry.status_code == 404
        assert "Love this idea" not in commented.content.decode()
    if keep:
        assert review.status == "published" and review.text and review.helpful_count == 2
        assert ReviewPhoto.objects.filter(review=review).count() == 1  # EXIF stripped on upload
        assert photo.storage.exists(photo.name)
        assert "deleted user" in html and review.text in html
    else:
        assert review.status == "removed" and review.text == "" and not review.photos.exists()
        assert "Sturdy and quiet" not in html
        assert not photo.storage.exists(photo.name)
        product = person["product"]
        product.refresh_from_db()
        assert product.rating_count == Review.objects.filter(product=product, status="published").count() == 1
        assert "osmanthus" not in challenge_page.content.decode()
    # Other people's votes on the review are kept (their own data), and the person's votes still count.
    assert review.votes.count() == 2
    theirs = Review.objects.get(pk=person["theirs"].pk)
    assert theirs.helpful_count == 1


def test_deletion_runs_once_and_a_second_run_changes_nothing(person, django_capture_on_commit_callbacks):
    user = _erase(person, False, django_capture_on_commit_callbacks)
    email = user.email
    with django_capture_on_commit_callbacks(execute=True):
        assert services.deletions_run_due(now=timezone.now() + timedelta(days=30)) == 0
    user.refresh_from_db()
    assert user.email == email


def test_a_closed_account_cannot_post_or_vote(person, django_capture_on_commit_callbacks):
    user = _erase(person, True, django_capture_on_commit_callbacks)
    with pytest.raises(ServiceError) as raised:
        community_services.review_post(author=user, product=person["other_product"], rating=5)
    assert raised.value.code == "account_closed"
    with pytest.raises(ServiceError):
        community_services.review_vote_helpful(user=user, review_id=person["theirs"].pk, helpful=False)


def test_moderation_keeps_decisions_without_contact_data(person, moderator, django_capture_on_commit_callbacks):
    from moderation.models import Appeal, Case, Event

    case = Case.objects.get(content_type="review", object_id=person["bad_review"].pk)
    assert PHONE in json.dumps(case.detectors, ensure_ascii=False)  # the evidence before
    events_before = Event.objects.filter(case=case).count()
    _erase(person, True, django_capture_on_commit_callbacks)
    case.refresh_from_db()
    # (the appeal put the case back in the queue; the first decision stays on record)
    assert case.decided_by_id == moderator.pk and case.reject_reason == "personal_data"
    assert Event.objects.filter(case=case, action="moderation.review.rejected", actor=moderator).exists()
    assert PHONE not in json.dumps(case.detectors, ensure_ascii=False) and case.note == ""
    assert Event.objects.filter(case=case).count() == events_before
    appeal = Appeal.objects.get(case=case)
    assert appeal.message == "" and appeal.status
