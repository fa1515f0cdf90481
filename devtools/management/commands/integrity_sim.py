"""``manage.py integrity_sim``: synthetic review events with injected spam, and the ROC-AUC
of ``integrity score`` against baselines on them.

    integrity_sim generate --n 100000 --seed 11 --out /tmp/sim.jsonl
    integrity_sim evaluate --reviews /tmp/sim.jsonl

``evaluate`` needs the ``spam`` (0/1) and ``pattern`` keys the generator writes.
"""
import json
import time

import numpy as np
from django.core.management.base import BaseCommand, CommandError

from devtools.integrity_sim import PATTERN_SHARE, simulate


class Command(BaseCommand):
    help = "Generate synthetic review events with injected spam; evaluate integrity scoring on them."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        gen = sub.add_parser("generate", help="Write synthetic review events as JSON lines.")
        gen.add_argument("--n", type=int, default=100_000)
        gen.add_argument("--seed", type=int, default=11)
        gen.add_argument("--out", required=True)
        ev = sub.add_parser("evaluate", help="ROC-AUC of the combined score and of the baselines.")
        ev.add_argument("--reviews", required=True, help="a file written by generate")

    def handle(self, *args, action, **options):
        getattr(self, f"handle_{action}")(**options)

    def handle_generate(self, *, n, seed, out, **_):
        rows = simulate(n, seed=seed)
        with open(out, "w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row) + "\n")
        spam = sum(row["spam"] for row in rows)
        self.stdout.write(f"{len(rows)} reviews ({spam} by spam accounts) written to {out}")

    def handle_evaluate(self, *, reviews, **_):
        from sklearn.metrics import roc_auc_score

        from moderation.integrity import scoring
        from moderation.integrity.reviews import Events, parse_event

        try:
            with open(reviews, encoding="utf-8") as fh:
                rows = [json.loads(line) for line in fh]
            events = Events.build(*zip(*(parse_event(row) for row in rows), strict=True))
            label = np.array([int(row["spam"]) for row in rows])
            pattern = np.array([row.get("pattern", "") for row in rows])
        except (OSError, ValueError, KeyError) as exc:
            raise CommandError(f"cannot evaluate {reviews}: {exc}") from exc
        if label.min() == label.max():
            raise CommandError("the file needs both spam and organic reviews")
        started = time.perf_counter()
        result = scoring.score(events)
        seconds = time.perf_counter() - started
        account_label = np.zeros(events.n_users, dtype=int)
        account_label[events.user[label == 1]] = 1
        per_account = np.bincount(events.user, minlength=events.n_users)
        methods = {
            "combined (integrity score)": result.suspicion,
            "combined, account level": result.account_suspicion,
            "SpEagle prior only (mean of feature CDFs)": scoring.baseline_feature_mean(events),
            "FRAUDAR only (author in a block)": scoring.baseline_fraudar(events),
        }
        self.stdout.write(f"{len(rows)} reviews, {int(label.sum())} by spam accounts, {events.n_users} accounts "
                          f"({int(account_label.sum())} spam); scoring took {seconds:.1f} s in-process")
        patterns = [p for p in PATTERN_SHARE if (pattern == p).any()]
        self.stdout.write("ROC-AUC on reviews (label: written by a spam account), on accounts (mean score of "
                          "their reviews), and per injected pattern against all organic reviews")
        self.stdout.write(f"{'':<44}{'reviews':>9}{'accounts':>10}" + "".join(f"{p:>17}" for p in patterns))
        for name, values in methods.items():
            per_pattern = "".join(
                f"{roc_auc_score(label[(pattern == p) | (label == 0)], values[(pattern == p) | (label == 0)]):>17.3f}"
                for p in patterns)
            self.stdout.write(f"{name:<44}{roc_auc_score(label, values):>9.3f}"
                              f"{roc_auc_score(account_label, self._account_mean(values, events, per_account)):>10.3f}"
                              f"{per_pattern}")

    @staticmethod
    def _account_mean(values, events, per_account):
        return np.bincount(events.user, weights=values, minlength=events.n_users) / np.maximum(per_account, 1)
