from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GamificationConfig(AppConfig):
    name = "gamification"
    verbose_name = _("Gamification")

    def ready(self):
        from gamification import receivers  # noqa: F401  community signals -> ledger tasks
        from gamification import receivers_badges  # noqa: F401  badges and leaderboards
