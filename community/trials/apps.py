from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrialsConfig(AppConfig):
    name = "community.trials"
    label = "trials"
    verbose_name = _("Trials")

    def ready(self):
        from community import hooks
        from community.trials import (
            receivers,  # noqa: F401  a tester's published review is their trial report
            selectors,
        )

        hooks.home_section_register("trials", lambda: selectors.trial_list_open(limit=4))
        _privacy_register()


def _privacy_register():
    """Trial parcel details: exported and erased with the account, deleted after the trial."""
    from django.utils.translation import gettext_noop

    from community.privacy.registry import PersonalData, personal_data_register
    from community.privacy.retention import RetentionPolicy, retention_policy_register
    from community.trials import services
    from community.trials.models import TrialShipping

    def export(user):
        for s in TrialShipping.objects.filter(application__user=user).order_by("application_id"):
            yield {"application_id": s.application_id, "recipient_name": s.recipient_name, "phone": s.phone,
                   "address": s.address, "shared_at": s.consented_at.isoformat(),
                   "deleted_after": s.purge_after.isoformat()}

    def erase(user, keep_content):
        return TrialShipping.objects.filter(application__user=user).delete()[0]

    personal_data_register(PersonalData(
        label="trials.TrialShipping", file="trial_shipping.json",
        description=gettext_noop("Shipping details you shared with a brand for a free trial."),
        export=export, erase=erase, order=50,
    ))
    retention_policy_register(RetentionPolicy(
        kind="trial_shipping", setting="RETENTION_TRIAL_SHIPPING_DAYS", default_days=30,
        purge=services.trial_shipping_purge,
        description="trial shipping details past the report deadline + window, or of applicants not selected",
    ))
