"""Every write to consent, staff-access and sign-in rows (``<entity>_<verb>``). Consent and
access records are append-only: nothing here updates or deletes one (retention deletes old
sign-ins, account deletion removes a person's rows through the registry).

Every write to export and deletion rows (``data_export_*``, ``deletion_*``, ``account_erase``).

Export: a request makes a ``DataExport`` row (one per 24 hours) and enqueues the build after
commit; the build writes a ZIP into private storage, one JSON file per registered kind of
personal data plus the files they list and a README in the user's language, updating the
progress as it goes, then notifies the user. The beat task deletes files after 7 days.

Deletion: a request (password checked) is scheduled 7 days ahead; signing in cancels it; the
beat task runs due ones through every registered eraser in one transaction holding the
account's row lock (docs/privacy.md)."""
from __future__ import annotations

import io
import json
import logging
import zipfile
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.crypto import get_random_string
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from community.models import MODERATORS_GROUP, User
from community.pagecache import page_version_bump
from community.privacy import selectors
from community.privacy.models import (
    ConsentRecord,
    DataExport,
    DeletionRequest,
    LoginEvent,
    PolicyVersion,
    StaffAccessRecord,
)
from community.privacy.registry import personal_data_entries
from community.services import notification_send, user_profile_update
from core import client_signals
from core.api.authentication import user_tokens_forget
from core.errors import ServiceError
from core.queue import enqueue_on_commit

Purpose = ConsentRecord.Purpose
Method = ConsentRecord.Method
# The session remembers which policy version the signed-in person accepted ("" for none), so
# the banner costs no query on ordinary pages.
SESSION_POLICY_KEY = "privacy_policy_accepted"


def _clean_method(method):
    if method not in Method.values:
        msg = _("Unknown way of giving consent.")
        raise ServiceError(msg, code="method_invalid", fields={"method": [msg]})
    return method


def policy_publish(*, version: PolicyVersion) -> PolicyVersion:
    """Save a policy version (the admin's form) and make it the one the banner asks about."""
    version.save()
    selectors.policy_cache_forget()
    return version


def policy_accept(*, user: User, method: str, request=None) -> ConsentRecord | None:
    """Accept the current policy version; once (a second acceptance of the same version adds
    nothing). Returns the record, or None when no policy is published."""
    _clean_method(method)
    current = selectors.policy_current()
    if current is None:
        return None
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # one acceptance at a time
        record = selectors.consent_latest(user=user, purpose=Purpose.POLICY)
        if record is None or not (record.granted and record.policy_version_id == current.pk):
            record = ConsentRecord.objects.create(
                user=user, purpose=Purpose.POLICY, granted=True, policy_version=current, method=method
            )
    if request is not None:
        request.session[SESSION_POLICY_KEY] = current.version
    return record


def consent_set(*, user: User, purpose: str, granted: bool, method: str) -> dict:
    """Give or withdraw one optional purpose; asking for the state it is already in adds nothing.
    The e-mail purpose changes ``User.email_notifications`` (its single source of truth) and the
    record is written by the receiver of that change, in the same transaction."""
    _clean_method(method)
    if purpose not in selectors.OPTIONAL_PURPOSES:
        msg = _("This purpose cannot be switched here.")
        raise ServiceError(msg, code="purpose_invalid", fields={"purpose": [msg]})
    granted = bool(granted)
    if purpose == Purpose.EMAIL_NOTIFICATIONS:
        user_profile_update(user=user, email_notifications=granted, consent_method=method)
    else:
        with transaction.atomic():
            User.objects.select_for_update().filter(pk=user.pk).first()
            if selectors.consent_state(user=user)[purpose]["granted"] != granted:
                consent_record_add(user_id=user.pk, purpose=purpose, granted=granted, method=method)
    return selectors.consent_state(user=user)[purpose]


def consent_record_add(*, user_id: int, purpose: str, granted: bool, method: str) -> ConsentRecord:
    """Append one record under the current policy version (the receivers' and services' path).
    A public-profile record changes what review cards show of the person (level, badges): the
    anonymous page caches are told after commit (``public_profile_generation_bump``)."""
    record = ConsentRecord.objects.create(
        user_id=user_id, purpose=purpose, granted=granted, method=method, policy_version=selectors.policy_current()
    )
    if purpose == Purpose.PUBLIC_PROFILE:
        transaction.on_commit(public_profile_generation_bump)
    return record


def public_profile_generation_bump() -> None:
    """Retire every shared page built before now (community.pagecache.shared_page_get)."""
    key = selectors.PUBLIC_PROFILE_GENERATION_KEY
    if not cache.add(key, 1, timeout=None):
        try:
            cache.incr(key)
        except ValueError:  # evicted between the two calls
            cache.set(key, 1, timeout=None)


def signup_consents_record(*, user: User, request=None, public_profile: bool = False) -> None:
    """At sign-up: the policy accepted with the account, the e-mail default as given, and the
    public profile when its (unticked) box was ticked; left unticked, nothing is recorded and
    the default (private) holds."""
    with transaction.atomic():
        policy_accept(user=user, method=Method.SIGNUP, request=request)
        consent_record_add(
            user_id=user.pk, purpose=Purpose.EMAIL_NOTIFICATIONS, granted=user.email_notifications, method=Method.SIGNUP
        )
        if public_profile:
            consent_record_add(user_id=user.pk, purpose=Purpose.PUBLIC_PROFILE, granted=True, method=Method.SIGNUP)


# --- staff access --------------------------------------------------------------------------


def staff_role(user) -> str:
    if user.is_superuser:
        return StaffAccessRecord.Role.OPERATOR
    if user.groups.filter(name=MODERATORS_GROUP).exists():
        return StaffAccessRecord.Role.MODERATOR
    if user.brand_memberships.exists():
        return StaffAccessRecord.Role.BRAND_STAFF
    return StaffAccessRecord.Role.OPERATOR


def staff_access_record(*, actor: User, subject_id: int, field: str, reason: str, object_ref: str = "") -> StaffAccessRecord:
    """Write the access record before the data is shown; a missing or unknown reason shows nothing."""
    if field not in StaffAccessRecord.Field.values:
        raise ServiceError(_("Unknown personal-data field."), code="field_invalid")
    if reason not in StaffAccessRecord.Reason.values:
        msg = _("Pick why you need to see this.")
        raise ServiceError(msg, code="reason_required", fields={"reason": [msg]})
    return StaffAccessRecord.objects.create(
        actor=actor, actor_role=staff_role(actor), subject_id=subject_id, field=field, reason=reason,
        object_ref=object_ref[:80],
    )


# --- sign-ins ------------------------------------------------------------------------------


def login_event_record(*, user: User, request=None) -> LoginEvent:
    """A sign-in with the same signals the interaction log keeps (core.client_signals): the
    keyed hash of the client's /24 or /48 network and the browser family, never the address."""
    if request is None:
        return LoginEvent.objects.create(user=user)
    return LoginEvent.objects.create(
        user=user, network_hash=client_signals.ip_prefix_hash(client_signals.client_address(request)) or "",
        client_family=client_signals.ua_family(request.META.get("HTTP_USER_AGENT", "")),
    )


def login_history_purge(*, now, days, dry_run=False) -> int:
    old = LoginEvent.objects.filter(at__lt=now - timedelta(days=days))
    if dry_run:
        return old.count()
    return old.delete()[0]


def session_policy_remember(*, user: User, request) -> None:
    """At sign-in: remember in the session which version this person accepted (and warm the
    cached current version), so pages decide about the banner without a query."""
    record = selectors.consent_latest(user=user, purpose=Purpose.POLICY)
    accepted = record.policy_version.version if record and record.granted and record.policy_version else ""
    request.session[SESSION_POLICY_KEY] = accepted
    selectors.policy_current()


log = logging.getLogger(__name__)

EXPORT_EVERY = timedelta(hours=24)
COOL_OFF = timedelta(days=7)
PRIVACY_URL = "/me/privacy/"


def _tasks():
    from community.privacy import tasks  # tasks import services

    return tasks


# --- export --------------------------------------------------------------------------------


class ExportTooSoon(ServiceError):
    """One export per 24 hours; ``next_at`` says when the next one may start."""

    status_code = 429

    def __init__(self, next_at):
        local = timezone.localtime(next_at)
        super().__init__(
            _("You can download your data once a day. Your next download can start after %(when)s.")
            % {"when": date_format(local, "DATETIME_FORMAT")},
            code="export_too_soon",
        )
        self.next_at = next_at


def data_export_next_allowed(*, user_id, now=None):
    """When ``user_id`` may start an export (None: now). Failed jobs do not count."""
    last = (DataExport.objects.filter(user_id=user_id).exclude(status=DataExport.Status.FAILED)
            .order_by("-created_at").values_list("created_at", flat=True).first())
    if last is None:
        return None
    next_at = last + EXPORT_EVERY
    return next_at if next_at > (now or timezone.now()) else None


@transaction.atomic
def data_export_request(*, user, language="zh-hans", now=None) -> DataExport:
    """Start "download my data". Raises ``ExportTooSoon`` (429) within 24 hours of the last one."""
    now = now or timezone.now()
    # The account row serialises two taps on the button, so the 24-hour rule holds.
    User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True).first()
    next_at = data_export_next_allowed(user_id=user.pk, now=now)
    if next_at is not None:
        raise ExportTooSoon(next_at)
    export = DataExport.objects.create(user=user, language=language or "zh-hans", created_at=now)
    enqueue_on_commit(_tasks().data_export_build, export_id=export.pk)
    return export


def _progress(export_id, percent):
    DataExport.objects.filter(pk=export_id).update(progress=percent)


def _readme(entries, user) -> str:
    lines = [
        _("Your data from Cocreate"),
        "",
        _("Prepared on %(date)s for the account %(email)s.")
        % {"date": date_format(timezone.localtime(), "DATETIME_FORMAT"), "email": user.email},
        _("Each file below is JSON (UTF-8). Times are in UTC. "
          "People who moderated your content are shown as “a moderator”."),
        "",
    ]
    for entry in entries:
        lines.append(f"{entry.file}: {_(entry.description)}")
    lines += ["", _("Questions or corrections: use the privacy page, %(url)s.") % {"url": PRIVACY_URL}, ""]
    return "\n".join(lines)


def data_export_build(*, export_id) -> DataExport | None:
    """Build the ZIP of one export. Re-reads the row; does nothing for a finished one."""
    export = DataExport.objects.select_related("user").filter(pk=export_id).first()
    if export is None or export.status not in (DataExport.Status.PENDING, DataExport.Status.RUNNING):
        return export
    DataExport.objects.filter(pk=export.pk).update(status=DataExport.Status.RUNNING, progress=0)
    user = export.user
    entries = sorted(personal_data_entries(), key=lambda e: e.file)  # the README lists files A to Z
    try:
        with translation.override(export.language):
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for i, entry in enumerate(entries, 1):
                    rows = list(entry.export(user))
                    archive.writestr(entry.file, json.dumps(rows, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2))
                    for name, field_file in (entry.files(user) if entry.files else ()):
                        try:
                            with field_file.open("rb") as fh:
                                archive.writestr(name, fh.read())
                        except OSError:  # a file missing from storage: the JSON still lists it
                            log.warning("export %s: file %s is missing", export.pk, name)
                    _progress(export.pk, min(95, 95 * i // len(entries)))
                archive.writestr("README.txt", _readme(entries, user))
    except Exception as exc:  # recorded for the user and the operator; they may start again
        log.exception("data export %s failed", export.pk)
        DataExport.objects.filter(pk=export.pk).update(status=DataExport.Status.FAILED, error=str(exc)[:200])
        return DataExport.objects.get(pk=export.pk)
    now = timezone.now()
    name = f"{user.pk}/cocreate-data-{now:%Y%m%d}-{get_random_string(20)}.zip"
    with transaction.atomic():
        export = DataExport.objects.select_for_update().get(pk=export.pk)
        export.file.save(name, ContentFile(buffer.getvalue()), save=False)
        export.size = export.file.size
        export.status, export.progress = DataExport.Status.READY, 100
        export.finished_at, export.expires_at = now, now + timedelta(days=settings.RETENTION_EXPORTS_DAYS)
        export.save(update_fields=["file", "size", "status", "progress", "finished_at", "expires_at"])
        notification_send(
            user_id=user.pk, kind="privacy.export.ready", title=gettext_noop("Your data download is ready"),
            body=_("Download it from your privacy page within 7 days; after that the file is deleted."),
            url=PRIVACY_URL,
        )
    return export


def _delete_file(export):
    if export.file:
        export.file.storage.delete(export.file.name)


def data_exports_expire(*, now=None) -> int:
    """Delete the files of exports past their RETENTION_EXPORTS_DAYS (7; the hourly beat task
    and the nightly retention run). Idempotent."""
    now = now or timezone.now()
    done = 0
    for export in DataExport.objects.filter(status=DataExport.Status.READY, expires_at__lte=now):
        _delete_file(export)
        done += DataExport.objects.filter(pk=export.pk, status=DataExport.Status.READY).update(
            status=DataExport.Status.EXPIRED, file="")
    return done


def data_exports_delete_for_user(*, user_id) -> int:
    """Account deletion: every export file and row of the user."""
    exports = list(DataExport.objects.filter(user_id=user_id))
    names = [e.file.name for e in exports if e.file]
    if names:
        storage = DataExport._meta.get_field("file").storage
        transaction.on_commit(lambda: [storage.delete(name) for name in names])
    return DataExport.objects.filter(user_id=user_id).delete()[0]


# --- deletion ------------------------------------------------------------------------------


def deletion_pending(*, user_id) -> DeletionRequest | None:
    return DeletionRequest.objects.filter(user_id=user_id, status=DeletionRequest.Status.SCHEDULED).first()


@transaction.atomic
def deletion_request(*, user, password, keep_content, now=None) -> DeletionRequest:
    """Schedule the account's deletion 7 days ahead, after checking the password. Asking
    again while one is scheduled returns it (with the new choice of what to keep)."""
    if not password or not user.check_password(password):
        msg = _("That is not your password.")
        raise ServiceError(msg, code="password_wrong", fields={"password": [msg]})
    now = now or timezone.now()
    User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True).first()
    pending = deletion_pending(user_id=user.pk)
    if pending is not None:
        if pending.keep_content != bool(keep_content):
            pending.keep_content = bool(keep_content)
            pending.save(update_fields=["keep_content"])
        return pending
    try:
        with transaction.atomic():
            request = DeletionRequest.objects.create(
                user=user, keep_content=bool(keep_content), requested_at=now, scheduled_for=now + COOL_OFF)
    except IntegrityError:  # pragma: no cover - the account lock makes the check above final
        return deletion_pending(user_id=user.pk)
    notification_send(
        user_id=user.pk, kind="privacy.deletion.scheduled",
        title=gettext_noop("Your account will be deleted on %(date)s"),
        title_params={"date": date_format(timezone.localtime(request.scheduled_for), "DATE_FORMAT")},
        body=_("Changed your mind? Sign in before then and the deletion is cancelled."),
        url=PRIVACY_URL,
    )
    return request


@transaction.atomic
def deletion_cancel(*, user, now=None) -> DeletionRequest | None:
    """Cancel a scheduled deletion (the user signed in, or pressed cancel). Idempotent."""
    request = DeletionRequest.objects.select_for_update().filter(
        user_id=user.pk, status=DeletionRequest.Status.SCHEDULED).first()
    if request is None:
        return None
    request.status, request.cancelled_at = DeletionRequest.Status.CANCELLED, now or timezone.now()
    request.save(update_fields=["status", "cancelled_at"])
    notification_send(user_id=user.pk, kind="privacy.deletion.cancelled",
                      title=gettext_noop("Your account deletion is cancelled"), url=PRIVACY_URL)
    return request


@transaction.atomic
def account_erase(*, request_id, now=None) -> int:
    """Carry out one due deletion: every registered eraser in order, the account row last.

    One transaction holding the account's row lock: a review or vote racing it either
    commits first (and is erased here) or finds the account closed
    (``community.services.account_lock_active``). A failure rolls everything back and the
    next beat run starts again; a finished request is skipped. Returns rows touched."""
    now = now or timezone.now()
    request = DeletionRequest.objects.select_for_update().filter(pk=request_id).first()
    if request is None or request.status != DeletionRequest.Status.SCHEDULED or request.scheduled_for > now:
        return 0
    # FOR NO KEY UPDATE: it excludes the review and vote paths (account_lock_active takes the
    # same lock) but not a row being inserted that points at the account (a notification from a
    # screening run already holding its case lock), which a plain FOR UPDATE would deadlock with.
    user = User.objects.select_for_update(no_key=True).get(pk=request.user_id)
    User.objects.filter(pk=user.pk).update(is_active=False)  # from here on nothing new is accepted
    # update() sends no post_save: stored product pages show the name, cached API tokens the account
    page_version_bump(None)
    user_tokens_forget(user.pk)
    user.is_active = False
    touched = 0
    for entry in personal_data_entries():
        touched += entry.erase(user, request.keep_content) or 0
    request.status, request.completed_at, request.rows_erased = DeletionRequest.Status.DONE, now, touched
    request.save(update_fields=["status", "completed_at", "rows_erased"])
    log.info("account %s erased (%s rows, keep_content=%s)", user.pk, touched, request.keep_content)
    return touched


def deletions_run_due(*, now=None) -> int:
    """The beat task: carry out every deletion whose cool-off is over, each in its own
    transaction. Returns how many were done."""
    now = now or timezone.now()
    ids = list(DeletionRequest.objects.filter(status=DeletionRequest.Status.SCHEDULED, scheduled_for__lte=now)
               .order_by("scheduled_for").values_list("pk", flat=True))
    done = 0
    for request_id in ids:
        try:
            account_erase(request_id=request_id, now=now)
        except Exception:  # one failing account must not stop the others; retried next run
            log.exception("account deletion %s failed; retried on the next run", request_id)
        else:
            done += 1
    return done


def data_exports_retention_purge(*, now, days, dry_run) -> int:
    """The retention run's "exports" kind (each file's expiry was set from ``days`` when built)."""
    due = DataExport.objects.filter(status=DataExport.Status.READY, expires_at__lte=now)
    return due.count() if dry_run else data_exports_expire(now=now)
