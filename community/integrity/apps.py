from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrityConfig(AppConfig):
    """The interaction log: who did which vote-like action or submission on what, with the
    privacy-preserving signals of the request (docs/integrity.md). Community base layer, so
    every app above can write to it; the detectors that read it live in moderation."""

    name = "community.integrity"
    label = "integrity"
    verbose_name = _("Integrity signals")

    def ready(self):
        from community.integrity import privacy

        privacy.register()
