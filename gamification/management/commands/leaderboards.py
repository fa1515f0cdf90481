"""``manage.py leaderboards rebuild``: recompute the Redis boards from the ledger."""
from django.core.management.base import BaseCommand, CommandError

from gamification import leaderboards


class Command(BaseCommand):
    help = "Leaderboards: `rebuild` recomputes this week's, this month's and all-time boards from the ledger."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["rebuild"])
        parser.add_argument("--scope", action="append", default=None, help="overall or challenge:<id> (repeatable).")

    def handle(self, *args, action, scope=None, **options):
        if leaderboards.backend() != "redis":
            self.stdout.write("Leaderboards are read from the database here (no REDIS_URL): nothing to rebuild.")
            return
        try:
            result = leaderboards.leaderboards_rebuild(scopes=scope)
        except Exception as exc:  # noqa: BLE001
            raise CommandError(str(exc)) from exc
        for key, n in result.items():
            self.stdout.write(f"{key}: {n} members")
