"""``manage.py insights run`` (the incremental refresh the beat task runs) and
``manage.py insights rebuild`` (recompute every insights table, with progress)."""
import sys

from django.core.management.base import BaseCommand

from community.insights import services


class Command(BaseCommand):
    help = "Brand insights: 'run' refreshes what changed since the last run, 'rebuild' recomputes everything."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["run", "rebuild"])

    def handle(self, *args, action, **options):
        if action == "run":
            result = services.insights_run()
        else:
            def progress(done, total):
                if sys.stdout.isatty() or options.get("verbosity", 1) > 1:
                    self.stdout.write(f"\r  reviews {done}/{total}", ending="")
                    self.stdout.flush()

            result = services.insights_rebuild(progress=progress)
            self.stdout.write("")
        totals = services.aggregate_totals()
        self.stdout.write(self.style.SUCCESS(
            f"insights {action}: {result} | tables: {totals}"
        ))
