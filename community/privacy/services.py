"""Every write to consent, staff-access and sign-in rows (``<entity>_<verb>``). Consent and
access records are append-only: nothing here updates or deletes one (retention deletes old
sign-ins, account deletion removes a person's rows through the registry)."""
from __future__ import annotations

import hashlib
import ipaddress
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from community.models import MODERATORS_GROUP, User
from community.privacy import selectors
from community.privacy.models import ConsentRecord, LoginEvent, PolicyVersion, StaffAccessRecord
from community.services import user_profile_update
from core.errors import ServiceError

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
    """Append one record under the current policy version (the receivers' and services' path)."""
    return ConsentRecord.objects.create(
        user_id=user_id, purpose=purpose, granted=granted, method=method, policy_version=selectors.policy_current()
    )


def signup_consents_record(*, user: User, request=None) -> None:
    """At sign-up: the policy accepted with the account, and the e-mail default as given."""
    with transaction.atomic():
        policy_accept(user=user, method=Method.SIGNUP, request=request)
        consent_record_add(
            user_id=user.pk, purpose=Purpose.EMAIL_NOTIFICATIONS, granted=user.email_notifications, method=Method.SIGNUP
        )


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


def _network_hash(address: str) -> str:
    """A salted hash of the address's network (/24 or /48): enough to tell "a new network"
    without keeping an address."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    prefix = 24 if ip.version == 4 else 48
    network = ipaddress.ip_network(f"{ip}/{prefix}", strict=False)
    return hashlib.sha256(f"{settings.SECRET_KEY}:{network}".encode()).hexdigest()[:16]


def _client_family(user_agent: str) -> str:
    ua = user_agent or ""
    for needle, family in (("MicroMessenger", "WeChat"), ("Edg/", "Edge"), ("Firefox/", "Firefox"),
                           ("Chrome/", "Chrome"), ("Safari/", "Safari")):
        if needle in ua:
            return family
    return "other" if ua else ""


def login_event_record(*, user: User, request=None) -> LoginEvent:
    meta = getattr(request, "META", {}) if request is not None else {}
    return LoginEvent.objects.create(
        user=user, network_hash=_network_hash(meta.get("REMOTE_ADDR", "")),
        client_family=_client_family(meta.get("HTTP_USER_AGENT", "")),
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
