"""How the privacy app's own tables are exported and erased (registered from ``ready()``)."""
from django.utils.translation import gettext_noop

from community.privacy.models import ConsentRecord, LoginEvent, StaffAccessRecord
from community.privacy.registry import PersonalData, no_personal_data_register, personal_data_register
from community.privacy.retention import RetentionPolicy, retention_policy_register


def _consents(user):
    for r in ConsentRecord.objects.filter(user=user).select_related("policy_version").order_by("at", "id"):
        yield {"purpose": r.purpose, "granted": r.granted, "method": r.method, "at": r.at.isoformat(),
               "policy_version": r.policy_version.version if r.policy_version else None}


def _access(user):
    for r in StaffAccessRecord.objects.filter(subject=user).order_by("at", "id"):
        yield {"role": r.actor_role, "field": r.field, "reason": r.reason, "at": r.at.isoformat()}


def _logins(user):
    for r in LoginEvent.objects.filter(user=user).order_by("at", "id"):
        yield {"at": r.at.isoformat(), "browser": r.client_family}


def _delete(model, field):
    def erase(user, keep_content):
        return model.objects.filter(**{field: user}).delete()[0]

    return erase


def register():
    from community.privacy.services import data_exports_retention_purge, login_history_purge

    personal_data_register(PersonalData(
        label="privacy.ConsentRecord", file="consents.json",
        description=gettext_noop("Consents you gave or withdrew, and when."),
        export=_consents, erase=_delete(ConsentRecord, "user"),
    ))
    personal_data_register(PersonalData(
        label="privacy.StaffAccessRecord", file="staff_access.json",
        description=gettext_noop("Each time staff looked at your personal data, and why."),
        export=_access, erase=_delete(StaffAccessRecord, "subject"),
    ))
    personal_data_register(PersonalData(
        label="privacy.LoginEvent", file="sign_ins.json",
        description=gettext_noop("Your recent sign-ins (time and browser)."),
        export=_logins, erase=_delete(LoginEvent, "user"),
    ))
    no_personal_data_register("privacy.PolicyVersion", "The published policy texts; no user key.")
    retention_policy_register(RetentionPolicy(
        kind="login_history", setting="RETENTION_LOGIN_HISTORY_DAYS", default_days=180,
        purge=login_history_purge, description="sign-ins older than the window",
    ))
    retention_policy_register(RetentionPolicy(
        kind="exports", setting="RETENTION_EXPORTS_DAYS", default_days=7,
        purge=data_exports_retention_purge, description="data export files past their expiry",
    ))
