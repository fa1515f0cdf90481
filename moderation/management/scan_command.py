"""``manage.py integrity scan [--since DATE] [--dry-run] [--json]``: the periodic integrity scan on
the live database (``moderation.integrity_scan``), with a progress display on standard error and
what it invalidated or queued on standard output. docs/integrity.md, "Actions, scan and replay"."""
import json
import sys
import time
from datetime import datetime
from datetime import time as dtime

from django.core.management.base import CommandError
from django.utils import timezone


def since_arg(value):
    """A date (YYYY-MM-DD, midnight in the site time zone) or an ISO datetime."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--since: not a date or ISO datetime: {value!r}") from None
    if len(value) <= 10:
        parsed = datetime.combine(parsed.date(), dtime.min)
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def add_arguments(sub):
    scan = sub.add_parser("scan", help="Run the detectors on the live database and act: invalidate, open ring "
                                       "cases, hold reviews.")
    scan.add_argument("--since", help="scan interactions from this date or ISO datetime "
                                      "(default: the last INTEGRITY_SCAN_DAYS days)")
    scan.add_argument("--dry-run", action="store_true", help="compute what it would do; change nothing")
    scan.add_argument("--json", action="store_true", dest="as_json", help="print the result as one JSON object")


def handle(command, *, since=None, dry_run=False, as_json=False, **_):
    from moderation.integrity_scan import scan

    since = since_arg(since) if since else None
    started = time.monotonic()
    last = [0.0]
    err = getattr(command, "stderr", sys.stderr)

    def progress(stage, **figures):
        now = time.monotonic()
        if stage in ("detect", "done") or now - last[0] >= 1.0:
            last[0] = now
            err.write(f"[{now - started:6.1f}s] {stage}: " + " ".join(f"{k}={v}" for k, v in figures.items()))

    result = scan(since=since, dry_run=dry_run, progress=progress)
    if as_json:
        command.stdout.write(json.dumps(result.as_dict(), default=str))
        return
    out = command.stdout.write
    c = result.counts
    verb = "would invalidate" if dry_run else "invalidated"
    out(f"Scanned {c.get('events', 0):,} interactions since {result.since:%Y-%m-%d %H:%M} "
        f"({c.get('findings', 0)} findings) and {c.get('reviews', 0):,} reviews"
        + (" - dry run, nothing changed" if dry_run else ""))
    out(f"{verb}: {c.get('invalidated', 0):,} interactions")
    if result.invalidated_event_ids:
        shown = result.invalidated_event_ids[:20]
        out("  event ids: " + ", ".join(map(str, shown)) + (" ..." if len(result.invalidated_event_ids) > 20 else ""))
    out(f"ring cases {'to open or extend' if dry_run else 'open'}: {len(result.ring_cases)} "
        f"({c.get('ring_cases_opened', 0)} new), {c.get('held', 0):,} interactions held for a moderator")
    for case in result.ring_cases[:20]:
        label = f"#{case['id']}" if case["id"] else "(new)"
        out(f"  {label} score {case['score']:.2f} {'+'.join(case['detectors'])}: {len(case['accounts'])} accounts, "
            f"{case['events']} interactions. {case['evidence']}")
    out(f"reviews {'to hold' if dry_run else 'held'} as fake or undisclosed incentive: {len(result.reviews_held)}"
        + (f" ({', '.join(map(str, result.reviews_held[:20]))})" if result.reviews_held else ""))
