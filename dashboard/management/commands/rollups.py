"""manage.py rollups run | rebuild [--since DATE] | bench (docs/dashboard.md)."""
import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from dashboard import rollups, runs


def _progress(stream):
    started = time.monotonic()

    def show(done, total, day):
        width = 30
        filled = int(width * done / total) if total else width
        elapsed = time.monotonic() - started
        eta = elapsed / done * (total - done) if done else 0
        stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} windows ({day})  "
                     f"{elapsed:.0f}s elapsed, ~{eta:.0f}s left ")
        stream.flush()
        if done == total:
            stream.write("\n")
    return show


class Command(BaseCommand):
    help = "Growth dashboard rollups: run (incremental), rebuild [--since DATE], bench."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["run", "rebuild", "bench"])
        parser.add_argument("--since", type=date.fromisoformat, help="rebuild from this site day (YYYY-MM-DD)")
        parser.add_argument("--users", type=int, default=10, help="bench: concurrent staff users")
        parser.add_argument("--requests", type=int, default=200, help="bench: page requests in all")
        parser.add_argument("--burst", type=int, default=0,
                            help="bench: add this many helpful votes stamped today first (e.g. 500000), deleted after")
        parser.add_argument("--skip-rebuild", action="store_true", help="bench: do not time a full rebuild")
        parser.add_argument("--http", type=int, default=0, metavar="SECONDS",
                            help="bench: also load the page and the API through gunicorn for SECONDS each "
                                 "(manage.py bench_web; PostgreSQL, a database name containing 'bench')")

    def handle(self, *args, action, since=None, **options):
        if action == "run":
            t = time.perf_counter()
            windows = runs.run(progress=_progress(self.stdout) if self.stdout.isatty() else None)
            self.stdout.write(f"recomputed {len(windows)} window(s) in {time.perf_counter() - t:.2f}s: "
                              f"{', '.join(rollups.window_label(w) for w in windows)}")
        elif action == "rebuild":
            if since and since > rollups.site_day(timezone.now()):
                raise CommandError("--since is in the future")
            t = time.perf_counter()
            windows = runs.rebuild(since=since, progress=_progress(self.stdout))
            self.stdout.write(f"rebuilt {len(windows)} window(s) (days, and today's hours) in "
                              f"{time.perf_counter() - t:.1f}s")
        else:
            self.bench(**options)

    def bench(self, *, users, requests, skip_rebuild, burst, http=0, **_):
        from dashboard.bench import run_bench
        if http and connection.vendor != "postgresql":
            raise CommandError("--http needs PostgreSQL (manage.py bench_web).")
        for line in run_bench(users=users, requests=requests, skip_rebuild=skip_rebuild, burst=burst, http=http):
            self.stdout.write(line)
            self.stdout.flush()


