"""Grant every active badge to everyone who meets it (the nightly task runs the same service)."""
import time

from django.core.management.base import BaseCommand

from gamification.badges import badges_backfill


class Command(BaseCommand):
    help = "Grant badges to every user who meets their criteria (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--badge", action="append", default=None, help="Only this badge slug (repeatable).")
        parser.add_argument("--no-notify", action="store_true", help="Do not send on-site notifications.")

    def handle(self, *args, badge=None, no_notify=False, **options):
        from gamification.models import Badge

        ids = list(Badge.objects.filter(slug__in=badge).values_list("pk", flat=True)) if badge else None
        started = time.perf_counter()
        result = badges_backfill(badge_ids=ids, notify=not no_notify)
        for slug, n in result.items():
            self.stdout.write(f"{slug}: {n} new holder(s)")
        self.stdout.write(f"done in {time.perf_counter() - started:.2f}s")
