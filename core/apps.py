from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The shared kernel: errors, API plumbing, admin bases, i18n and stats helpers,
    the after-commit queue and the hooks higher layers fill. It has no models."""

    name = "core"
    verbose_name = "Core"
