from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = _("Community")

    def ready(self):
        from community.trials import receivers  # noqa: F401  a tester's published review is their trial report
        from community.challenges import moderation  # noqa: F401  registers the "entry" and "comment" adapters
