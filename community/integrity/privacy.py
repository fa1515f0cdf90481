"""How the interaction log's personal data is exported and erased (community/privacy/registry.py)."""
from django.utils.translation import gettext_noop

from community.integrity.models import InteractionEvent
from community.integrity.services import interaction_signals_expire
from community.privacy.registry import PersonalData, no_personal_data_register, personal_data_register
from community.privacy.retention import RetentionPolicy, retention_policy_register


def interaction_export(user):
    """The person's own interactions: what, on which kind of thing, when, from which browser
    family. The keyed hashes are left out: they identify nothing to the person."""
    rows = (InteractionEvent.objects.filter(actor=user).select_related("target_ct").order_by("at", "id")
            .only("action", "target_ct__app_label", "target_ct__model", "target_id", "at", "ua_family"))
    for row in rows.iterator(chunk_size=2000):
        yield {
            "action": row.action,
            "target_type": f"{row.target_ct.app_label}.{row.target_ct.model}" if row.target_ct_id else None,
            "target_id": row.target_id,
            "at": row.at.isoformat(),
            "browser": row.ua_family,
        }


def interaction_erase(user, keep_content) -> int:
    """Delete the person's interactions and forget them as the author acted on in others'."""
    deleted, _ = InteractionEvent.objects.filter(actor=user).delete()
    return deleted + InteractionEvent.objects.filter(target_author=user).update(target_author=None)


def register():
    personal_data_register(PersonalData(
        label="integrity.InteractionEvent",
        file="interactions.json",
        description=gettext_noop("Your votes, reports, check-ins, redemptions and submissions as logged "
                                 "for spam and fraud checks: action, what it was on, time and browser family."),
        export=interaction_export,
        erase=interaction_erase,
    ))
    # A flag belongs to its event: exported with nothing more to say, deleted with it (cascade)
    # when the person's interactions are erased; who decided is a moderator (kept, as decisions are).
    no_personal_data_register("integrity.InteractionFlag", "why an interaction of the person was invalidated; "
                                                           "deleted with the interaction when it is erased")
    # The hourly beat task strips signals as they age; the nightly retention run reports it too.
    retention_policy_register(RetentionPolicy(
        kind="integrity_signals", setting="RETENTION_INTEGRITY_SIGNALS_DAYS", default_days=90,
        purge=_signals_purge, description="interaction signals (hashes, browser family) past the window",
    ))


def _signals_purge(*, now, days, dry_run) -> int:
    return interaction_signals_expire(now=now)
