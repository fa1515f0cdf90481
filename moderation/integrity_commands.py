"""Subcommands of ``manage.py integrity`` that apps above moderation add (devtools adds ``bench``)
at ``AppConfig.ready``: moderation never imports them.

``subcommand_register(name, add_arguments, handle)``: ``add_arguments(subparsers)`` adds the
parser named ``name``; ``handle(command, **options)`` runs it."""

SUBCOMMANDS = {}


def subcommand_register(name, add_arguments, handle):
    SUBCOMMANDS[name] = (add_arguments, handle)
