from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrialsConfig(AppConfig):
    name = "community.trials"
    label = "trials"
    verbose_name = _("Trials")

    def ready(self):
        from community import hooks
        from community.trials import (
            privacy,
            receivers,  # noqa: F401  a tester's published review is their trial report
            selectors,
        )

        hooks.home_section_register("trials", lambda: selectors.trial_list_open(limit=4))
        privacy.register()
