"""Detectors over stored interactions (votes, reports, check-ins, submissions): issue 11, section 2.

Pure numpy, like the rest of ``moderation/integrity``: no Django, no database. The live scan
(``moderation/integrity_scan.py``) and ``manage.py integrity replay`` load ``VoteEvents`` from the
interaction log and act on the ``Verdicts``; ``detect`` is the one entry point.

This module fixes the interface both sides build against. ``detect`` is implemented by the
detectors below it (serial voting, lockstep groups, dense blocks, bursts and new-account swarms,
shared signals).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# Interaction kinds, as integer codes in ``VoteEvents.kind`` (InteractionEvent.Action values).
KINDS = ("helpful_vote", "unhelpful_vote", "entry_vote", "poll_vote", "review_submit", "entry_submit",
         "report", "checkin", "redemption")
KIND_CODE = {name: code for code, name in enumerate(KINDS)}
VOTE_KINDS = tuple(KIND_CODE[k] for k in ("helpful_vote", "unhelpful_vote", "entry_vote", "poll_vote"))


@dataclass(frozen=True)
class VoteEvents:
    """One row per interaction, all arrays of the same length, ordered by ``t``.

    Codes are dense integers made by the loader (``-1`` means unknown / none)."""

    event_id: np.ndarray   # int64: InteractionEvent id (replay: the input line number)
    actor: np.ndarray      # int64: account id
    target: np.ndarray     # int64: dense code of (target type, target id); -1 for a check-in
    author: np.ndarray     # int64: the target's author account id, -1 unknown
    t: np.ndarray          # float64: seconds since the epoch, UTC
    kind: np.ndarray       # int8: KIND_CODE
    ip: np.ndarray         # int64: dense code of the keyed /24 or /48 prefix hash, -1 none
    device: np.ndarray     # int64: dense code of the keyed device-cookie hash, -1 none
    age_days: np.ndarray   # float64: the account's age at the event, nan unknown

    def __len__(self):
        return len(self.event_id)


@dataclass
class Finding:
    """What one detector found: a suspicion, the interactions it implicates and why."""

    detector: str               # stable code: serial, lockstep, dense_block, burst, swarm, shared_signal
    score: float                # suspicion in [0, 1]
    event_ids: np.ndarray       # int64: implicated interactions (values of VoteEvents.event_id)
    accounts: tuple             # account ids involved
    targets: tuple              # target codes involved
    evidence: str               # one plain English sentence for moderators ("12 accounts voted for the same 5 entries within 40 minutes")
    data: dict = field(default_factory=dict)  # the numbers behind the evidence; JSON-serialisable


@dataclass
class Verdicts:
    """The detectors' outputs combined: one suspicion per interaction and per account."""

    event_suspicion: np.ndarray            # float64 in [0, 1], aligned with the VoteEvents rows
    event_reasons: list                    # per row: list of detector codes that implicated it
    account_suspicion: dict                # account id -> float in [0, 1]
    findings: list                         # every Finding, strongest first


def detect(events: VoteEvents, *, now: float | None = None, params: dict | None = None) -> Verdicts:
    """Run every detector on ``events`` and combine them. ``params`` overrides the defaults
    (windows, minimum group sizes); ``now`` is the scan time (defaults to the last event)."""
    raise NotImplementedError("detectors not built yet")
