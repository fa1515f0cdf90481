from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """Seed, demo and benchmark commands. The top layer: it may import every app, and
    writes their rows only through their services."""

    name = "devtools"
    verbose_name = "Developer tools"
