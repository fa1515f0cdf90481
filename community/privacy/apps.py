from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """Personal data: the registry every app declares its personal data in, export, deletion,
    consent, staff-access records and retention (PIPL / GDPR). Sits in the community base
    layer; co-creation, trials, moderation and gamification register their models from their
    own ``ready()``."""

    name = "community.privacy"
    label = "privacy"
    verbose_name = _("Privacy")

    def ready(self):
        from community.privacy import (
            builtin,
            personal_data,
            receivers,  # noqa: F401  sign-up and sign-in (consents, login history, cancelling a deletion), e-mail preference
        )

        builtin.register()
        personal_data.register()
