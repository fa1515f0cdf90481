"""Reads of consent, policy versions and staff access (``staff_access_count_for`` is what the
privacy page shows)."""
from __future__ import annotations

from django.core.cache import cache
from django.db.models import BooleanField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from community.privacy.models import ConsentRecord, DataExport, DeletionRequest, PolicyVersion, StaffAccessRecord
from core import localcache

Purpose = ConsentRecord.Purpose
# Purposes a person switches on or off; the policy itself (and what it makes necessary) is
# required and explained instead. Trial shipping is consented per trial on its application.
OPTIONAL_PURPOSES = (Purpose.EMAIL_NOTIFICATIONS, Purpose.BRAND_MARKETING, Purpose.PUBLIC_PROFILE)
# Before anyone chose: e-mail follows the account's default (on); the others are off until given.
DEFAULTS = {Purpose.BRAND_MARKETING: False, Purpose.PUBLIC_PROFILE: False}

_POLICY_CACHE_KEY = "privacy:policy:current"
_POLICY_CACHE_SECONDS = 300


def policy_current() -> PolicyVersion | None:
    """The newest published policy version (cached; the admin's save forgets the cache). Every
    signed-in page asks (the consent banner), so each process also keeps it a few seconds
    (``core.localcache``)."""
    return localcache.remember(_POLICY_CACHE_KEY, _policy_load)


def _policy_load() -> PolicyVersion | None:
    cached = cache.get(_POLICY_CACHE_KEY)
    if cached is not None:
        return cached or None  # False: none published
    current = PolicyVersion.objects.filter(published_at__lte=timezone.now()).order_by("-published_at", "-id").first()
    cache.set(_POLICY_CACHE_KEY, current or False, _POLICY_CACHE_SECONDS)
    return current


def policy_cache_forget() -> None:
    cache.delete(_POLICY_CACHE_KEY)
    localcache.forget(_POLICY_CACHE_KEY)


def policy_get(*, version: str) -> PolicyVersion | None:
    return PolicyVersion.objects.filter(version=version, published_at__lte=timezone.now()).first()


def policy_list():
    return PolicyVersion.objects.filter(published_at__lte=timezone.now()).only(
        "id", "version", "published_at", "changes_zh", "changes_en"
    )


def consent_latest(*, user, purpose) -> ConsentRecord | None:
    return (
        ConsentRecord.objects.filter(user=user, purpose=purpose)
        .select_related("policy_version")
        .order_by("-at", "-id")
        .first()
    )


def consent_state(*, user) -> dict:
    """{purpose: {"purpose", "granted", "at", "method", "policy_version"}} for the optional
    purposes and the policy; one query. The e-mail purpose is ``User.email_notifications``."""
    latest = {}
    rows = (
        ConsentRecord.objects.filter(user=user)
        .select_related("policy_version")
        .order_by("purpose", "-at", "-id")
    )
    for record in rows:
        latest.setdefault(record.purpose, record)
    state = {}
    for purpose in (Purpose.POLICY, *OPTIONAL_PURPOSES):
        record = latest.get(purpose)
        if purpose == Purpose.EMAIL_NOTIFICATIONS:
            granted = user.email_notifications
        elif record is not None:
            granted = record.granted
        else:
            granted = DEFAULTS.get(purpose, False)
        state[purpose] = {
            "purpose": purpose,
            "label": Purpose(purpose).label,
            "granted": granted,
            "at": record.at if record else None,
            "method": record.method if record else "",
            "policy_version": record.policy_version.version if record and record.policy_version else "",
        }
    return state


def public_profile_granted_expr(user_ref: str = "pk"):
    """For a queryset of users (or rows with a user): whether the person's latest public-profile
    record grants it, else the default (off). Annotate with it to decide in the same query."""
    latest = (
        ConsentRecord.objects.filter(user=OuterRef(user_ref), purpose=Purpose.PUBLIC_PROFILE)
        .order_by("-at", "-id")
        .values("granted")[:1]
    )
    return Coalesce(Subquery(latest, output_field=BooleanField()), Value(DEFAULTS[Purpose.PUBLIC_PROFILE]))


# Bumped whenever someone gives or withdraws public-profile consent. Whole pages shared by
# anonymous visitors (the product page and review list microcaches, community.pagecache) are
# stored with the generation they were built at and not served after it changed, so a card
# drops (or shows) the author's level and badges on the next request.
PUBLIC_PROFILE_GENERATION_KEY = "privacy:public-profile:generation"


def public_profile_generation() -> int:
    return int(cache.get(PUBLIC_PROFILE_GENERATION_KEY) or 0)


def public_profile_allowed(user) -> bool:
    """Whether others may see this person's full public profile (PIPL Art. 25: separate consent
    before personal information is disclosed publicly). Free when ``user`` was annotated with
    ``public_profile_granted`` (``public_profile_granted_expr``); otherwise one small query on
    the (user, purpose, -at) index."""
    granted = getattr(user, "public_profile_granted", None)
    if granted is None:
        granted = (
            ConsentRecord.objects.filter(user=user, purpose=Purpose.PUBLIC_PROFILE)
            .order_by("-at", "-id")
            .values_list("granted", flat=True)
            .first()
        )
    return DEFAULTS[Purpose.PUBLIC_PROFILE] if granted is None else bool(granted)


def public_profile_full_for(*, member, viewer) -> bool:
    """The full profile is shown to everyone once the person consented; before that only to the
    person themself, operators (superusers) and moderators; not to brand staff."""
    if public_profile_allowed(member):
        return True
    if viewer is None or not viewer.is_authenticated:
        return False
    return viewer.pk == member.pk or viewer.is_superuser or viewer.is_moderator


def policy_state_accepts_current(policy_state: dict) -> bool:
    """Whether the policy entry of ``consent_state`` is an acceptance of the current version."""
    current = policy_current()
    return current is None or (policy_state["granted"] and policy_state["policy_version"] == current.version)


def consent_history(*, user, limit=50):
    return ConsentRecord.objects.filter(user=user).select_related("policy_version").order_by("-at", "-id")[:limit]


def policy_accepted_current(*, user) -> bool:
    current = policy_current()
    if current is None:
        return True
    record = consent_latest(user=user, purpose=Purpose.POLICY)
    return bool(record and record.granted and record.policy_version_id == current.pk)


def staff_access_count_for(user) -> int:
    """How many times staff revealed this person's personal data (the privacy page's line)."""
    return StaffAccessRecord.objects.filter(subject=user).count()


def staff_access_list_for(*, user):
    """The person's own view of the log: role, field, when, why; never the staff member's name."""
    return StaffAccessRecord.objects.filter(subject=user).only(
        "id", "actor_role", "field", "reason", "at", "subject_id"
    ).order_by("-at", "-id")


def email_masked(email: str) -> str:
    """``a***@e***.com``: enough to tell two accounts apart in a list, not to write to them."""
    local, _, domain = (email or "").partition("@")
    if not domain:
        return "***"
    name, dot, tld = domain.rpartition(".")
    return f"{local[:1]}***@{(name or tld)[:1]}***{dot}{tld if name else ''}"


def data_export_latest(*, user_id) -> DataExport | None:
    return DataExport.objects.filter(user_id=user_id).order_by("-created_at", "-id").first()


def data_export_get_for_owner(*, user_id, export_id) -> DataExport | None:
    """An export only its owner can reach (someone else's id is "not found")."""
    return DataExport.objects.filter(user_id=user_id, pk=export_id).first()


def data_export_state(export, *, now=None) -> dict:
    """What the page and its polling script show about one export."""
    now = now or timezone.now()
    return {
        "id": export.pk,
        "status": export.status,
        "status_label": str(export.get_status_display()),
        "progress": export.progress,
        "created_at": export.created_at,
        "expires_at": export.expires_at,
        "downloadable": export.is_downloadable(now),
    }


def deletion_scheduled(*, user_id) -> DeletionRequest | None:
    return DeletionRequest.objects.filter(user_id=user_id, status=DeletionRequest.Status.SCHEDULED).first()
