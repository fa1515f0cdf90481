from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """Seed, demo and benchmark commands. The top layer: it may import every app, and
    writes their rows only through their services."""

    name = "devtools"
    verbose_name = "Developer tools"

    def ready(self):
        from devtools import integrity_command
        from moderation import integrity_commands

        integrity_commands.subcommand_register("bench", integrity_command.add_arguments, integrity_command.handle)
