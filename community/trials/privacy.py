"""Trials' personal data, declared in the privacy registry (community/privacy/registry.py)."""
from django.utils.translation import gettext_noop

from community.privacy.registry import PersonalData, no_personal_data_register, personal_data_register
from community.privacy.retention import RetentionPolicy, retention_policy_register
from community.trials import services
from community.trials.models import TrialApplication, TrialShipping


def _applications(user):
    for app in TrialApplication.objects.filter(user=user).select_related("program").order_by("id"):
        yield {
            "program": app.program.title, "reason": app.reason, "status": app.status,
            "applied_at": app.created_at, "selected_at": app.selected_at, "shipped_at": app.shipped_at,
            "report_review_id": app.review_id, "reported_at": app.reported_at, "overdue_at": app.overdue_at,
        }


def _erase_applications(user, keep_content):
    return services.trial_applications_erase(user_id=user.pk)


def _shipping(user):
    for s in TrialShipping.objects.filter(application__user=user).order_by("application_id"):
        yield {"application_id": s.application_id, "recipient_name": s.recipient_name, "phone": s.phone,
               "address": s.address, "shared_at": s.consented_at.isoformat(),
               "deleted_after": s.purge_after.isoformat()}


def _erase_shipping(user, keep_content):
    return TrialShipping.objects.filter(application__user=user).delete()[0]


def register():
    personal_data_register(PersonalData(
        "trials.TrialApplication", "trial_applications.json", gettext_noop(
            "Your trial applications and their reports: why you applied, whether you were selected, "
            "when the sample shipped and which review is your report (the review is in reviews.json)."),
        _applications, _erase_applications))
    no_personal_data_register("trials.TrialProgram", "program description written by brands")
    # Trial parcel details: exported and erased with the account, deleted after the trial.
    personal_data_register(PersonalData(
        label="trials.TrialShipping", file="trial_shipping.json",
        description=gettext_noop("Shipping details you shared with a brand for a free trial."),
        export=_shipping, erase=_erase_shipping, order=50,
    ))
    retention_policy_register(RetentionPolicy(
        kind="trial_shipping", setting="RETENTION_TRIAL_SHIPPING_DAYS", default_days=30,
        purge=services.trial_shipping_purge,
        description="trial shipping details past the report deadline + window, or of applicants not selected",
    ))
