"""Trials' personal data, declared in the privacy registry (community/privacy/registry.py)."""
from django.utils.translation import gettext_noop

from community.privacy.registry import PersonalData, no_personal_data_register, personal_data_register
from community.trials import services
from community.trials.models import TrialApplication


def _applications(user):
    for app in TrialApplication.objects.filter(user=user).select_related("program").order_by("id"):
        yield {
            "program": app.program.title, "reason": app.reason, "status": app.status,
            "applied_at": app.created_at, "selected_at": app.selected_at, "shipped_at": app.shipped_at,
            "report_review_id": app.review_id, "reported_at": app.reported_at, "overdue_at": app.overdue_at,
        }


def _erase_applications(user, keep_content):
    return services.trial_applications_erase(user_id=user.pk)


def register():
    personal_data_register(PersonalData(
        "trials.TrialApplication", "trial_applications.json", gettext_noop(
            "Your trial applications and their reports: why you applied, whether you were selected, "
            "when the sample shipped and which review is your report (the review is in reviews.json)."),
        _applications, _erase_applications))
    no_personal_data_register("trials.TrialProgram", "program description written by brands")
