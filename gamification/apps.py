from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GamificationConfig(AppConfig):
    name = "gamification"
    verbose_name = _("Gamification")

    def ready(self):
        from community import hooks
        from core import hooks as core_hooks
        from core import userprime
        from gamification import (
            badges,
            leaderboards,
            privacy,
            privileges,
            receivers,  # noqa: F401  domain events -> ledger, badges and leaderboards
            selectors,
        )

        # The questions lower layers ask, answered here (see core/hooks.py).
        core_hooks.user_can.provide(privileges.user_can)
        core_hooks.privilege_value.provide(privileges.privilege_value)
        hooks.user_level.provide(selectors.user_level)
        hooks.user_levels.provide(selectors.user_levels)
        # The signed-in user's level is read with the user (one round trip fewer per page).
        userprime.register(selectors.user_level_prime_keys, selectors.user_level_prime)
        hooks.badges_for_users.provide(badges.badges_for_users)
        hooks.leaderboard_get.provide(leaderboards.leaderboard_get)
        privacy.register()
