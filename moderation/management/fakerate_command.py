"""``manage.py integrity fakerate <draw|rate>``: the fake-interaction audit from the command line
(docs/integrity.md, "The fake-interaction rate"). Kept apart from ``integrity.py`` so the command's
other subcommands grow without touching it.

    integrity fakerate draw [--day YYYY-MM-DD] [--size N] [--seed S]   # default: yesterday; idempotent
    integrity fakerate rate [--days 30 | --start D --end D] [--brand ID] [--json]
"""
import json
from datetime import date, timedelta

from django.core.management.base import CommandError


def _day(value):
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"not a date (YYYY-MM-DD): {value!r}") from exc


def add_arguments(sub):
    fake = sub.add_parser("fakerate", help="The fake-interaction audit: draw a day's sample, print the rate.")
    actions = fake.add_subparsers(dest="fakerate_action", required=True)
    draw = actions.add_parser("draw", help="Draw a day's sample of counted interactions (idempotent).")
    draw.add_argument("--day", help="YYYY-MM-DD in the site time zone (default: yesterday)")
    draw.add_argument("--size", type=int, help="interactions to draw (default INTEGRITY_FAKE_AUDIT_SAMPLE_SIZE)")
    draw.add_argument("--seed", type=int, help="default: derived from the day and the secret key")
    rate = actions.add_parser("rate", help="The fake-interaction rate over a window.")
    rate.add_argument("--days", type=int, default=30, help="the last N complete days (default 30)")
    rate.add_argument("--start", help="first day, YYYY-MM-DD (with --end)")
    rate.add_argument("--end", help="day after the last, YYYY-MM-DD (exclusive)")
    rate.add_argument("--brand", type=int, help="only interactions on this brand's content")
    rate.add_argument("--json", action="store_true", dest="as_json")


def handle(command, *, fakerate_action, **options):
    from moderation import audit, fakerate

    out = command.stdout.write
    if fakerate_action == "draw":
        day = _day(options["day"]) if options.get("day") else audit.site_today() - timedelta(days=1)
        size = options.get("size")
        if size is not None and size < 0:
            raise CommandError("--size must be 0 or more")
        before = fakerate.InteractionAuditSample.objects.filter(date=day).count()
        rows = fakerate.fakerate_draw(day=day, size=size, seed=options.get("seed"))
        seed = rows[0].seed if rows else "-"
        out(f"{day}: {len(rows)} sampled interactions ({len(rows) - before} new), seed {seed}")
        return
    if options.get("start") or options.get("end"):
        if not (options.get("start") and options.get("end")):
            raise CommandError("give both --start and --end")
        start, end = _day(options["start"]), _day(options["end"])
    else:
        if options["days"] < 1:
            raise CommandError("--days must be 1 or more")
        end = audit.site_today()
        start = end - timedelta(days=options["days"])
    if end <= start:
        raise CommandError("--end must be after --start")
    result = fakerate.fake_interaction_rate(start=start, end=end, brand_id=options.get("brand"))
    if options.get("as_json"):
        out(json.dumps(result, sort_keys=True))
        return

    def pct(v):
        return "-" if v is None else f"{v * 100:.2f}%"

    out(f"{start} to {end} (exclusive){' brand ' + str(options['brand']) if options.get('brand') else ''}")
    out(f"interactions {result['interactions']}, invalidated {result['invalidated']} "
        f"({pct(result['invalidated_share'])})")
    for kind, row in result["invalidated_by_kind"].items():
        out(f"  {kind:<13} {row['invalidated']:>7} of {row['total']:<8} {pct(row['share'])}")
    out(f"audited prevalence {pct(result['audited_prevalence'])} "
        f"[{pct(result['ci_low'])}, {pct(result['ci_high'])}] from {result['sample_size']} labels "
        f"({result['fake_labels']} fake, {result['cant_tell']} can't tell left out)")
    out(f"combined {pct(result['combined'])} [{pct(result['combined_low'])}, {pct(result['combined_high'])}]: "
        f"{result['status']} (target {pct(result['target'])}, red line {pct(result['red_line'])})")
