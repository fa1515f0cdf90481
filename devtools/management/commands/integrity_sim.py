"""``manage.py integrity_sim``: synthetic review events with injected spam, and the ROC-AUC
of ``integrity score`` against baselines on them.

    integrity_sim generate --n 100000 --seed 11 --out /tmp/sim.jsonl
    integrity_sim evaluate --reviews /tmp/sim.jsonl
    integrity_sim votes --n 1000000 --seed 11 [--params '{"swarm_age_days": 3}']

``evaluate`` needs the ``spam`` (0/1) and ``pattern`` keys the generator writes. ``votes``
simulates vote interactions with injected attacks (``simulate_votes``), runs the interaction
detectors (``moderation/integrity/votes.py``) and prints, per attack type, the share of its
votes with suspicion >= 0.5, the same for organic votes, and detect()'s time and peak memory.
"""
import json
import os
import threading
import time

import numpy as np
from django.core.management.base import BaseCommand, CommandError

from devtools.integrity_sim import (
    PATTERN_SHARE,
    VOTE_PATTERNS,
    simulate,
    simulate_votes,
)


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
        vo = sub.add_parser("votes", help="Simulated vote interactions: detection per attack, false positives, "
                                          "detect() time and peak memory.")
        vo.add_argument("--n", type=int, default=1_000_000)
        vo.add_argument("--seed", type=int, default=11)
        vo.add_argument("--params", default="{}", help="JSON object overriding votes.DEFAULT_PARAMS")

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

    def handle_votes(self, *, n, seed, params, **_):
        import psutil

        from moderation.integrity import votes

        if n < 1000:
            raise CommandError("--n must be at least 1000")
        try:
            overrides = json.loads(params)
        except ValueError as exc:
            raise CommandError(f"--params: not valid JSON ({exc})") from exc
        if not isinstance(overrides, dict):
            raise CommandError("--params must be a JSON object")
        unknown = set(overrides) - set(votes.DEFAULT_PARAMS)
        if unknown:
            raise CommandError(f"--params: unknown parameters {sorted(unknown)}")
        started = time.perf_counter()
        events, fake, pattern, camo = simulate_votes(n, seed=seed)
        sim_seconds = time.perf_counter() - started
        proc = psutil.Process()
        base_rss = proc.memory_info().rss
        peak = [base_rss]
        done = threading.Event()

        def sample():  # peak resident memory while detect() runs, sampled every 20 ms
            while not done.wait(0.02):
                peak[0] = max(peak[0], proc.memory_info().rss)

        sampler = threading.Thread(target=sample, daemon=True)
        load = os.getloadavg()
        sampler.start()
        wall0, cpu0 = time.perf_counter(), time.process_time()
        verdicts = votes.detect(events, params=overrides)
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        done.set()
        sampler.join()
        peak[0] = max(peak[0], proc.memory_info().rss)
        s = verdicts.event_suspicion
        n_acc = np.unique(events.actor).size
        w = self.stdout.write
        w(f"{len(events):,} interactions, {n_acc:,} accounts, {int(fake.sum()):,} fake ({fake.mean():.1%}); "
          f"seed {seed}; simulated in {sim_seconds:.1f} s")
        w(f"detect(): {wall:.1f} s wall, {cpu:.1f} s CPU; resident memory {base_rss / 2**20:,.0f} MiB before, "
          f"peak {peak[0] / 2**20:,.0f} MiB (+{(peak[0] - base_rss) / 2**20:,.0f} MiB); "
          f"load average at start {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} on {os.cpu_count()} CPUs")
        w("share of votes with suspicion >= 0.5 and >= 0.8; camouflage: the attack accounts' other votes")
        w(f"{'votes':<22}{'count':>11}{'>= 0.5':>9}{'>= 0.8':>9}{'camouflage':>12}{'>= 0.5':>9}{'>= 0.8':>9}")
        for code, name in enumerate(VOTE_PATTERNS):
            core = (pattern == code) & ~camo
            cam = (pattern == code) & camo
            if not core.any():
                continue
            digits = ".2%" if name in ("organic", "viral") else ".1%"
            cam_text = (f"{int(cam.sum()):>12,}{np.mean(s[cam] >= 0.5):>9.1%}{np.mean(s[cam] >= 0.8):>9.1%}"
                        if cam.any() else f"{'-':>12}{'-':>9}{'-':>9}")
            w(f"{name:<22}{int(core.sum()):>11,}{np.mean(s[core] >= 0.5):>9{digits}}"
              f"{np.mean(s[core] >= 0.8):>9{digits}}{cam_text}")
        w(f"{'all fake':<22}{int(fake.sum()):>11,}{np.mean(s[fake] >= 0.5):>9.1%}{np.mean(s[fake] >= 0.8):>9.1%}")
        w(f"{'all organic':<22}{int((~fake).sum()):>11,}{np.mean(s[~fake] >= 0.5):>9.2%}"
          f"{np.mean(s[~fake] >= 0.8):>9.2%}")
        acc_fake = np.unique(events.actor[fake & (pattern != VOTE_PATTERNS.index("serial"))])
        acc_org = np.setdiff1d(np.unique(events.actor[~fake]), np.unique(events.actor[fake]))
        sus = verdicts.account_suspicion
        w(f"accounts >= 0.5: attackers {np.mean([sus[a] >= 0.5 for a in acc_fake.tolist()]):.1%} of "
          f"{acc_fake.size:,} (serial voters left out: real members), organic "
          f"{np.mean([sus[a] >= 0.5 for a in acc_org.tolist()]):.2%} of {acc_org.size:,}")
        w("findings per detector (rows implicated; share of them fake):")
        order = np.argsort(events.event_id)
        for det in votes.DETECTORS:
            found = [f for f in verdicts.findings if f.detector == det]
            if not found:
                w(f"  {det:<14} 0")
                continue
            ids = np.unique(np.concatenate([f.event_ids for f in found]))
            rows = order[np.searchsorted(events.event_id[order], ids)]
            w(f"  {det:<14}{len(found):>7,} findings{rows.size:>11,} rows{np.mean(fake[rows]):>8.1%} fake")

    @staticmethod
    def _account_mean(values, events, per_account):
        return np.bincount(events.user, weights=values, minlength=events.n_users) / np.maximum(per_account, 1)
