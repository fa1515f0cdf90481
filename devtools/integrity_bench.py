"""Scoring for ``manage.py integrity_bench``: the live scan's verdicts against the seed's ground truth.

The truth file is what ``manage.py seed --attacks --truth FILE`` writes (devtools/seed_interactions.py):
``{"events": N, "attacks": [{"type", "accounts", "fake_event_ids", "camouflage_event_ids", ...}],
"by_type": {type: [event ids]}}``. Every vote an attack account casts counts as fake, camouflage
too; the target reviews ring members write (``review_submit``) are not labelled.

Precision is over everything the scan flagged: a false positive belongs to no attack type, so
per type there is recall (events and accounts caught) and the overall precision.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field


def load_truth(path) -> dict:
    try:
        with open(path) as fh:
            truth = json.load(fh)
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read the ground truth {path}: {exc}") from exc
    if not isinstance(truth, dict) or not isinstance(truth.get("attacks"), list):
        raise ValueError(f"{path} is not a seed ground-truth file (no 'attacks' list)")  # noqa: TRY004 (bad content)
    return truth


@dataclass
class Score:
    flagged: int = 0
    true_positives: int = 0
    false_positives: int = 0
    fake: int = 0
    by_type: dict = field(default_factory=dict)  # type -> {"fake", "caught", "recall", "accounts", "accounts_caught", ...}

    @property
    def precision(self) -> float | None:
        return self.true_positives / self.flagged if self.flagged else None

    @property
    def recall(self) -> float | None:
        return self.true_positives / self.fake if self.fake else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if not p or not r:
            return 0.0 if p is not None and r is not None else None
        return 2 * p * r / (p + r)

    def as_dict(self) -> dict:
        return {"flagged": self.flagged, "true_positives": self.true_positives, "false_positives": self.false_positives,
                "fake": self.fake, "precision": self.precision, "recall": self.recall, "f1": self.f1,
                "by_type": self.by_type}


def score(flagged_event_ids, truth: dict, *, flagged_accounts=None) -> Score:
    """Compare the event ids a scan flagged with the truth. ``flagged_accounts`` (optional): the
    accounts the scan implicated, for account recall per type; without it an account counts as
    caught when any of its fake events was flagged."""
    flagged = {int(i) for i in flagged_event_ids}
    fake_all = set()
    by_type = {}
    for attack in truth["attacks"]:
        ids = set(attack.get("fake_event_ids", ())) | set(attack.get("camouflage_event_ids", ()))
        fake_all |= ids
        row = by_type.setdefault(attack["type"], {"attacks": 0, "fake": 0, "caught": 0, "accounts": 0,
                                                  "accounts_caught": 0, "camouflage": 0, "camouflage_caught": 0})
        row["attacks"] += 1
        row["fake"] += len(ids)
        row["caught"] += len(ids & flagged)
        camo = set(attack.get("camouflage_event_ids", ()))
        row["camouflage"] += len(camo)
        row["camouflage_caught"] += len(camo & flagged)
        accounts = set(attack.get("accounts", ()))
        row["accounts"] += len(accounts)
        if flagged_accounts is not None:
            row["accounts_caught"] += len(accounts & {int(a) for a in flagged_accounts})
        elif ids & flagged:
            row["accounts_caught"] += len(accounts) if accounts else 0
    for row in by_type.values():
        row["recall"] = row["caught"] / row["fake"] if row["fake"] else None
        row["account_recall"] = row["accounts_caught"] / row["accounts"] if row["accounts"] else None
    tp = len(flagged & fake_all)
    return Score(flagged=len(flagged), true_positives=tp, false_positives=len(flagged) - tp, fake=len(fake_all),
                 by_type=by_type)


def fmt(value, digits=3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def report_lines(name: str, result: Score) -> list[str]:
    lines = [
        (f"{name}: flagged {result.flagged:,}, true positives {result.true_positives:,}, false positives "
        f"{result.false_positives:,} of {result.fake:,} fake events: precision {fmt(result.precision)}, "
        f"recall {fmt(result.recall)}, F1 {fmt(result.f1)}"),
        f"  {'attack type':<20} {'attacks':>7} {'fake':>8} {'caught':>8} {'recall':>7} {'accounts':>9} {'acct rec':>8}",
    ]
    for attack_type, row in sorted(result.by_type.items()):
        lines.append(
            f"  {attack_type:<20} {row['attacks']:>7} {row['fake']:>8,} {row['caught']:>8,} {fmt(row['recall']):>7} "
            f"{row['accounts']:>9,} {fmt(row['account_recall']):>8}"
        )
    return lines
