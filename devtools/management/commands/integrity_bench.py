"""Benchmark the live integrity scan on a large seeded database with injected vote fraud (issue 11).

    python manage.py integrity_bench                 # seed 1M users / 10M interactions with attacks, scan, score
    python manage.py integrity_bench --reuse         # scan the data already seeded (needs its --truth file)
    python manage.py integrity_bench --users 3000 --interactions 30000 --reviews 6000   # a quick small run

It runs ``manage.py seed --attacks --truth FILE`` in a child process (unless ``--reuse``), then
``moderation.integrity_scan.scan(dry_run=True)`` in this process, and prints: scan time, time per
scanned event, CPU time, peak memory (the process's peak RSS, and with ``--tracemalloc`` the peak of
Python allocations during the scan, numpy's included: slower), and precision / recall of the
scan's invalidated (and invalidated + held) events against the injected attacks, by attack type.
``dry_run`` leaves the database as it was, so ``--reuse`` can be repeated.

Point it at a database of its own: DATABASE_URL=postgres://.../cocreate_bench manage.py integrity_bench.
Seeding over earlier seed data deletes it first (slow at this size: a fresh database is quicker).
"""
import json
import os
import resource
import sys
import time
import tracemalloc

from django.core.management.base import BaseCommand, CommandError

from devtools import benchutil, integrity_bench

DEFAULT_TRUTH = "integrity-bench-truth.json"


class Command(BaseCommand):
    help = "Seed (or reuse) a large database with injected attacks, run the integrity scan, report cost and accuracy."

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=1_000_000)
        parser.add_argument("--interactions", type=int, default=10_000_000)
        parser.add_argument("--reviews", type=int, default=None, help="default: a fifth of --interactions")
        parser.add_argument("--products", type=int, default=2_000)
        parser.add_argument("--hot-product-reviews", type=int, default=None, help="default: 1%% of --reviews")
        parser.add_argument("--attack-scale", type=float, default=1.0)
        parser.add_argument("--random-seed", type=int, default=1)
        parser.add_argument("--truth", default=DEFAULT_TRUTH, help="the ground-truth JSON file (written by the seed)")
        parser.add_argument("--reuse", action="store_true", help="do not seed: scan the data already there")
        parser.add_argument("--tracemalloc", action="store_true",
                            help="also trace Python allocations during the scan (peak; makes the scan slower)")
        parser.add_argument("--json", dest="json_out", default="", help="also write the figures to this JSON file")
        parser.add_argument("--scan-days", type=int, default=None,
                            help="scan the last N days only (default: every seeded interaction, as the truth covers them)")

    def handle(self, *args, users, interactions, reviews, products, hot_product_reviews, attack_scale, random_seed,
               truth, reuse, tracemalloc=False, json_out="", scan_days=None, **options):
        figures = {"load_average_before": os.getloadavg(), "cpus": os.cpu_count()}
        if not reuse:
            reviews = interactions // 5 if reviews is None else reviews
            hot = max(1, reviews // 100) if hot_product_reviews is None else hot_product_reviews
            args = ["seed", "--users", str(users), "--reviews", str(reviews), "--hot-product-reviews", str(hot),
                    "--products", str(products), "--interactions", str(interactions), "--attacks",
                    "--attack-scale", str(attack_scale), "--truth", truth, "--random-seed", str(random_seed)]
            if self._seeded():
                args.append("--reset")
            self.stdout.write("$ manage.py " + " ".join(args))
            t = time.monotonic()
            try:
                benchutil.manage(args, os.environ.copy())
            except Exception as exc:  # the child printed its own error
                raise CommandError(f"seed failed: {exc}") from exc
            figures["seed_seconds"] = round(time.monotonic() - t, 1)
        try:
            truth_data = integrity_bench.load_truth(truth)
        except ValueError as exc:
            raise CommandError(f"{exc}. Run without --reuse to seed it.") from exc

        result, scan = self._scan(tracemalloc, scan_days)
        figures.update(scan)
        events = self._scanned_events(result)
        figures["events_scanned"] = events
        figures["us_per_event"] = round(scan["scan_seconds"] * 1e6 / events, 2) if events else None
        invalidated = list(getattr(result, "invalidated_event_ids", ()) or ())
        held = list(getattr(result, "held_event_ids", ()) or ())
        scores = {
            "invalidated": integrity_bench.score(invalidated, truth_data),
            "invalidated_or_held": integrity_bench.score(invalidated + held, truth_data),
        }
        figures["ring_cases"] = len(getattr(result, "ring_cases", ()) or ())
        figures["counts"] = _jsonable(getattr(result, "counts", {}) or {})
        figures["scores"] = {name: s.as_dict() for name, s in scores.items()}
        figures["load_average_after"] = os.getloadavg()
        self._print(figures, scores, truth_data)
        if json_out:
            with open(json_out, "w") as fh:
                json.dump(figures, fh, indent=2, default=str)

    # --- steps -------------------------------------------------------------------------------
    def _seeded(self):
        from community.models import User
        from devtools.management.commands.seed import SEED_EMAIL_DOMAIN

        return User.objects.filter(email__endswith=f"@{SEED_EMAIL_DOMAIN}").exists()

    def _scan(self, trace, scan_days=None):
        from datetime import timedelta

        from django.db.models import Min
        from django.utils import timezone

        from community.integrity.models import InteractionEvent
        from moderation.integrity_scan import scan

        # The seed spreads interactions over months and the truth file labels all of them, so the
        # scan looks at all of them (the beat task's window is INTEGRITY_SCAN_DAYS).
        if scan_days is not None:
            since = timezone.now() - timedelta(days=scan_days)
        else:
            since = InteractionEvent.objects.aggregate(m=Min("at"))["m"]

        last = [0.0]

        def progress(*args, **kwargs):
            now = time.monotonic()
            if now - last[0] >= 2.0:
                last[0] = now
                self.stdout.write("  scan: " + " ".join([*map(str, args), *(f"{k}={v}" for k, v in kwargs.items())]))

        rss_before = _peak_rss_mb()
        usage0 = resource.getrusage(resource.RUSAGE_SELF)
        if trace:
            tracemalloc.start()
        t = time.monotonic()
        try:
            result = scan(since=since, dry_run=True, progress=progress)
        finally:
            seconds = time.monotonic() - t
            traced = tracemalloc.get_traced_memory()[1] if trace else None
            if trace:
                tracemalloc.stop()
        usage1 = resource.getrusage(resource.RUSAGE_SELF)
        cpu = (usage1.ru_utime + usage1.ru_stime) - (usage0.ru_utime + usage0.ru_stime)
        return result, {
            "scan_seconds": round(seconds, 2),
            "scan_cpu_seconds": round(cpu, 2),
            "peak_rss_mb_before_scan": rss_before,
            "peak_rss_mb": _peak_rss_mb(),
            "tracemalloc_peak_mb": round(traced / 2**20, 1) if traced is not None else None,
        }

    def _scanned_events(self, result):
        counts = getattr(result, "counts", None) or {}
        for key in ("events", "events_scanned", "scanned"):
            if isinstance(counts.get(key), int):
                return counts[key]
        from community.integrity.models import InteractionEvent

        return InteractionEvent.objects.count()

    def _print(self, f, scores, truth):
        w = self.stdout.write
        w("")
        w(f"machine: {f['cpus']} CPUs, load average before {_load(f['load_average_before'])}, "
          f"after {_load(f['load_average_after'])}")
        if "seed_seconds" in f:
            w(f"seed: {f['seed_seconds']:.1f}s")
        w(f"truth: {truth.get('events', 0):,} events, {truth.get('fake_events', 0):,} fake in "
          f"{len(truth['attacks'])} attacks")
        per = f"{f['us_per_event']:.2f} µs/event" if f["us_per_event"] is not None else "-"
        w(f"scan: {f['scan_seconds']:.1f}s wall, {f['scan_cpu_seconds']:.1f}s CPU, {f['events_scanned']:,} events "
          f"({per}); ring cases: {f['ring_cases']}; counts: {f['counts']}")
        traced = f"; tracemalloc peak {f['tracemalloc_peak_mb']} MB" if f["tracemalloc_peak_mb"] is not None else ""
        w(f"memory: peak RSS {f['peak_rss_mb']:.0f} MB (before the scan {f['peak_rss_mb_before_scan']:.0f} MB){traced}")
        for name, result in scores.items():
            for line in integrity_bench.report_lines(name, result):
                w(line)


def _peak_rss_mb():
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return round(peak / (2**20 if sys.platform == "darwin" else 2**10), 1)


def _load(triple):
    return " ".join(f"{x:.2f}" for x in triple)


def _jsonable(value):
    try:
        json.dumps(value)
        return value
    except TypeError:
        return {str(k): str(v) for k, v in dict(value).items()} if hasattr(value, "items") else str(value)
