"""``manage.py integrity``: score, scan, replay, fakerate (and ``bench`` when devtools is installed).

    integrity score --reviews FILE.jsonl [--json]    # "-" reads standard input
    integrity scan [--since DATE] [--dry-run] [--json]     # scan_command.py
    integrity replay --events FILE.jsonl [--json]          # replay_command.py

Each input line is {"user": ..., "product": ..., "rating": 1-5, "date": "YYYY-MM-DD" or an
ISO datetime}; other keys are ignored. With ``--json`` it prints one JSON line per input
line, in order: {"suspicion": 0..1, "account_suspicion": 0..1, "reasons": [...]}. Without
it, a summary and the most suspicious lines. It works in a scratch state: nothing is
read from or written to the database. See docs/integrity.md.
"""
import json

import numpy as np
from django.core.management.base import BaseCommand, CommandError

from moderation import integrity_commands
from moderation.management import fakerate_command, replay_command, scan_command
from moderation.management.jsonl import read_json_lines


class Command(BaseCommand):
    help = "Integrity tools: score review events, scan the live database, replay an event stream, the fake rate."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        score = sub.add_parser("score", help="Zero-shot suspicion of review events (JSON lines in, scores out).")
        score.add_argument("--reviews", required=True, metavar="FILE",
                           help='JSON lines {"user", "product", "rating", "date"}; "-" for standard input')
        score.add_argument("--json", action="store_true", dest="as_json",
                           help="one JSON line per input line, in order: suspicion, account_suspicion, reasons")
        score.add_argument("--top", type=int, default=20, help="lines listed in the summary (without --json)")
        fakerate_command.add_arguments(sub)
        scan_command.add_arguments(sub)
        replay_command.add_arguments(sub)
        for add, _handle in integrity_commands.SUBCOMMANDS.values():
            add(sub)

    def handle(self, *args, action, **options):
        if action in integrity_commands.SUBCOMMANDS:
            return integrity_commands.SUBCOMMANDS[action][1](self, **options)
        getattr(self, f"handle_{action}")(**options)

    def handle_scan(self, **options):
        scan_command.handle(self, **options)

    def handle_replay(self, **options):
        replay_command.handle(self, **options)

    def handle_fakerate(self, **options):
        fakerate_command.handle(self, **options)

    # --- score ------------------------------------------------------------------------

    def handle_score(self, *, reviews, as_json=False, top=20, **_):
        from moderation.integrity import scoring
        from moderation.integrity.reviews import Events

        if top < 0:
            raise CommandError("--top must be 0 or more")
        records = self._read_reviews(reviews)
        users, products, ratings, times = zip(*records) if records else ((), (), (), ())
        events = Events.build(users, products, ratings, times)
        result = scoring.score(events)
        if as_json:
            self._write_json_lines(result)
        else:
            self._write_summary(records, events, result, top)

    def _read_reviews(self, path):
        from moderation.integrity.reviews import parse_event

        return read_json_lines(path, lambda text, _number: parse_event(json.loads(text)), nothing_done="scored")

    def _write_json_lines(self, result):
        chunk = []
        for s, a, r in zip(result.suspicion.tolist(), result.account_suspicion.tolist(), result.reasons, strict=True):
            chunk.append(json.dumps({"suspicion": round(s, 4), "account_suspicion": round(a, 4), "reasons": r},
                                    ensure_ascii=False))
            if len(chunk) == 5000:
                self.stdout.write("\n".join(chunk))
                chunk = []
        if chunk:
            self.stdout.write("\n".join(chunk))

    def _write_summary(self, records, events, result, top):
        w = self.stdout.write
        s = result.suspicion
        w(f"{len(records)} reviews, {events.n_users} accounts, {events.n_products} products")
        if not records:
            return
        w(f"suspicion >= 0.7: {int((s >= 0.7).sum())}   >= 0.5: {int((s >= 0.5).sum())}   "
          f"median {float(np.median(s)):.3f}")
        for block, days in zip(result.blocks.blocks, result.blocks.spread_days, strict=True):
            w(f"dense block: {block.rows.size} accounts x {block.cols.size} products, {block.edges} reviews "
              f"(density {block.density:.2f}), a product's reviews within {days:.0f} days (median IQR)")
        w(f"top {min(top, len(records))} lines (line  suspicion  account  user  product  rating  reasons):")
        for i in np.argsort(-s, kind="stable")[:top].tolist():
            user, product, rating, _ = records[i]
            w(f"{i + 1:>7}  {s[i]:.3f}  {result.account_suspicion[i]:.3f}  {user}  {product}  {rating}  "
              f"{'; '.join(result.reasons[i]) or '-'}")
