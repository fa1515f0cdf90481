from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The shared kernel: errors, API plumbing, admin bases, i18n and stats helpers,
    the after-commit queue and the hooks higher layers fill. It has no models."""

    name = "core"
    verbose_name = "Core"

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save
        from rest_framework.authtoken.models import Token

        from core.api import authentication

        # Cached token lookups (core/api/authentication.py) are retired when either side changes.
        post_delete.connect(authentication.token_deleted, sender=Token, dispatch_uid="core.token_deleted")
        post_save.connect(authentication.user_saved, sender=get_user_model(), dispatch_uid="core.user_saved")
