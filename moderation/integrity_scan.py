"""The periodic integrity scan (issue 11 sections 2 and 3): detectors on the interaction log, then
actions.

1. Load the vote rows of the interaction log since ``since`` (default: the last
   ``INTEGRITY_SCAN_DAYS`` days) in id-keyed batches, one query per batch (``values_list``),
   into ``votes.VoteEvents`` with dense codes for targets and the keyed IP-prefix and device
   hashes. Invalidated rows are loaded too: the detectors see the same graph on every run.
2. ``votes.detect`` (six detectors, one suspicion per row and per account).
3. Rows at ``INTEGRITY_INVALIDATE_AT`` or more are invalidated (``integrity_actions``): kept,
   flagged with their detectors and the strongest finding's evidence, out of every count, their
   points reversed. A row a human restored is never invalidated again by the scan.
4. Findings at ``INTEGRITY_REVIEW_AT`` or more whose rows stay under the invalidation level
   become ring cases (``ringcases.open_case``): one moderator decision for the cluster. A group
   finding's case also takes its members' other unclear rows (a ring member's camouflage).
5. Reviews: the behaviour-only review scoring (``integrity/scoring.py``) on the stored reviews;
   public reviews written since ``since`` at ``INTEGRITY_REVIEW_HOLD_AT`` or more are held in the
   moderation queue with the reason "fake or undisclosed incentive" (``case_hold_integrity``).

Every step is idempotent: a second scan over the same rows changes nothing. ``dry_run`` computes
the same result and writes nothing (``manage.py integrity_bench`` scores it).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
from django.conf import settings
from django.utils import timezone

from community.integrity.models import InteractionEvent, InteractionFlag
from moderation.integrity import votes

VOTE_ACTIONS = ("helpful_vote", "unhelpful_vote", "entry_vote", "poll_vote")
LOAD_FIELDS = ("id", "actor_id", "action", "target_ct_id", "target_id", "target_author_id", "at",
               "ip_prefix_hash", "device_hash", "account_age_days", "valid")
COUNT_KEYS = ("events", "findings", "suspicious", "invalidated", "ring_cases", "ring_cases_opened", "held", "reviews",
              "reviews_held")
GROUP_DETECTORS = ("lockstep", "dense_block")  # their cases take the members' other unclear rows
TARGET_SHIFT = 40  # target key = content type id << 40 | object id, made dense afterwards


def _setting(name, default):
    return getattr(settings, name, default)


@dataclass
class ScanResult:
    since: object
    dry_run: bool
    counts: dict = field(default_factory=dict)
    invalidated_event_ids: list = field(default_factory=list)  # newly (or, in a dry run, would be)
    held_event_ids: list = field(default_factory=list)  # in ring cases opened or extended by this scan
    ring_cases: list = field(default_factory=list)  # [{"id", "created", "accounts", "events", "score", "detectors", "evidence"}]
    reviews_held: list = field(default_factory=list)  # review ids held (or, in a dry run, would be)
    review_scores: dict | None = None  # {review id: (suspicion, reasons)} when asked (replay)
    # For replay: per loaded row (aligned with ``events``).
    events: votes.VoteEvents | None = None
    verdicts: votes.Verdicts | None = None

    def as_dict(self):
        return {"since": self.since.isoformat() if self.since else None, "dry_run": self.dry_run,
                "counts": self.counts, "invalidated_event_ids": self.invalidated_event_ids,
                "held_event_ids": self.held_event_ids, "ring_cases": self.ring_cases,
                "reviews_held": self.reviews_held}


class _Codes:
    """Dense integer codes for strings, stable across batches."""

    def __init__(self):
        self.codes = {}

    def encode(self, values):
        codes = self.codes
        return np.fromiter((-1 if v is None else codes.setdefault(v, len(codes)) for v in values),
                           dtype=np.int64, count=len(values))


def load_events(*, since=None, batch=None, progress=None, actions=VOTE_ACTIONS):
    """The vote rows since ``since`` as ``VoteEvents`` plus a parallel ``valid`` array. One query
    per ``batch`` rows (keyset on id); returns (events, valid)."""
    batch = batch or _setting("INTEGRITY_SCAN_BATCH", 50_000)
    qs = InteractionEvent.objects.filter(action__in=actions)
    if since is not None:
        qs = qs.filter(at__gte=since)
    ips, devices = _Codes(), _Codes()
    cols = {k: [] for k in ("id", "actor", "target", "author", "t", "kind", "ip", "device", "age", "valid")}
    last, loaded = 0, 0
    while True:
        rows = list(qs.filter(id__gt=last).order_by("id").values_list(*LOAD_FIELDS)[:batch])
        if not rows:
            break
        ids, actors, action, ct, tid, author, at, ip, dev, age, valid = zip(*rows, strict=True)
        n = len(rows)
        cols["id"].append(np.fromiter(ids, dtype=np.int64, count=n))
        cols["actor"].append(np.fromiter(actors, dtype=np.int64, count=n))
        ct_a = np.fromiter((-1 if c is None else c for c in ct), dtype=np.int64, count=n)
        id_a = np.fromiter((-1 if i is None else i for i in tid), dtype=np.int64, count=n)
        cols["target"].append(np.where((ct_a >= 0) & (id_a >= 0), (ct_a << TARGET_SHIFT) | id_a, -1))
        cols["author"].append(np.fromiter((-1 if a is None else a for a in author), dtype=np.int64, count=n))
        cols["t"].append(np.fromiter((x.timestamp() for x in at), dtype=float, count=n))
        cols["kind"].append(np.fromiter((votes.KIND_CODE[a] for a in action), dtype=np.int8, count=n))
        cols["ip"].append(ips.encode(ip))
        cols["device"].append(devices.encode(dev))
        cols["age"].append(np.fromiter((np.nan if a is None else a for a in age), dtype=float, count=n))
        cols["valid"].append(np.fromiter(valid, dtype=bool, count=n))
        last, loaded = ids[-1], loaded + n
        if progress:
            progress("load", rows=loaded)
        if n < batch:
            break
    arrays = {k: (np.concatenate(v) if v else np.zeros(0, dtype=float if k in ("t", "age") else np.int64))
              for k, v in cols.items()}
    target = arrays["target"]
    dense = np.full(target.size, -1, dtype=np.int64)
    has = target >= 0
    if has.any():
        _, dense[has] = np.unique(target[has], return_inverse=True)
    events = votes.VoteEvents(
        event_id=arrays["id"], actor=arrays["actor"], target=dense, author=arrays["author"], t=arrays["t"],
        kind=arrays["kind"].astype(np.int8), ip=arrays["ip"], device=arrays["device"], age_days=arrays["age"],
    )
    return events, arrays["valid"].astype(bool)


def _explain(verdicts, wanted):
    """The strongest finding naming each of the ``wanted`` event ids (sorted array), as
    {event id: finding}, and each account's strongest finding (for rows named by none: an
    account's other votes, raised by the account's suspicion). Array work per finding, so a
    finding naming millions of rows costs a search, not a dict entry per row."""
    owner = np.full(wanted.size, -1, dtype=np.int64)
    by_account = {}
    for k, f in enumerate(verdicts.findings):  # strongest first
        if wanted.size and f.event_ids.size:
            pos = np.minimum(np.searchsorted(wanted, f.event_ids), wanted.size - 1)
            pos = pos[(wanted[pos] == f.event_ids)]
            pos = pos[owner[pos] < 0]
            owner[pos] = k
        for a in f.accounts:
            by_account.setdefault(a, f)
    named = np.flatnonzero(owner >= 0)
    by_event = {int(wanted[i]): verdicts.findings[int(owner[i])] for i in named.tolist()}
    return by_event, by_account


def _detector_name(reasons, finding):
    if reasons:
        return "+".join(reasons)
    return f"account:{finding.detector}" if finding is not None else "account"


def scan(*, since=None, dry_run=False, progress=None, batch=None, params=None, review_scores=False) -> ScanResult:
    """Run the detectors on the live log and act on them (see the module docstring)."""
    from moderation import integrity_actions, ringcases

    if since is None:
        since = timezone.now() - timedelta(days=_setting("INTEGRITY_SCAN_DAYS", 30))
    invalidate_at = _setting("INTEGRITY_INVALIDATE_AT", 0.8)
    review_at = _setting("INTEGRITY_REVIEW_AT", 0.5)
    result = ScanResult(since=since, dry_run=dry_run, counts=dict.fromkeys(COUNT_KEYS, 0))
    events, valid = load_events(since=since, batch=batch, progress=progress)
    result.counts["events"] = len(events)
    if progress:
        progress("detect", events=len(events))
    verdicts = votes.detect(events, params=params)
    result.events, result.verdicts = events, verdicts
    result.counts["findings"] = len(verdicts.findings)
    if len(events):
        _act_on_votes(result, events, valid, verdicts, invalidate_at, review_at, dry_run, progress,
                      integrity_actions, ringcases)
    _act_on_reviews(result, since, dry_run, progress, keep_scores=review_scores)
    if progress:
        progress("done", **result.counts)
    return result


def _act_on_votes(result, events, valid, verdicts, invalidate_at, review_at, dry_run, progress,
                  integrity_actions, ringcases):
    eids = events.event_id
    s = verdicts.event_suspicion
    restored = set()
    clear_rows = np.flatnonzero((s >= invalidate_at) & valid)
    if clear_rows.size:
        restored = set(InteractionFlag.objects.filter(restored_at__isnull=False)
                       .filter(event_id__in=eids[clear_rows].tolist()).values_list("event_id", flat=True))
    by_event, by_account = _explain(verdicts, np.sort(eids[clear_rows]))
    per_event = {}
    for row in clear_rows.tolist():
        eid = int(eids[row])
        if eid in restored:
            continue
        finding = by_event.get(eid) or by_account.get(int(events.actor[row]))
        per_event[eid] = (_detector_name(verdicts.event_reasons[row], finding), float(round(s[row], 4)),
                          finding.evidence if finding is not None else "")
    result.counts["suspicious"] = int((s >= invalidate_at).sum())
    if dry_run:
        result.invalidated_event_ids = sorted(per_event)
        result.counts["invalidated"] = len(per_event)
    else:
        if progress:
            progress("invalidate", events=len(per_event))
        ids = sorted(per_event)
        newly = []
        step = 500
        for start in range(0, len(ids), step):
            chunk = ids[start:start + step]
            before = set(InteractionEvent.objects.filter(pk__in=chunk, valid=True).values_list("pk", flat=True))
            integrity_actions.invalidate(chunk, detector="scan", score=invalidate_at, evidence="",
                                         per_event={e: per_event[e] for e in chunk})
            after = set(InteractionEvent.objects.filter(pk__in=chunk, valid=False).values_list("pk", flat=True))
            newly.extend(sorted(before & after))
            if progress:
                progress("invalidate", done=min(start + step, len(ids)), of=len(ids))
        result.invalidated_event_ids = newly
        result.counts["invalidated"] = len(newly)
    # Unclear clusters: a finding at the review level whose valid rows stay under the clear level.
    # A group finding's case (lockstep, dense block: members passed the focus and lift gate) also
    # takes its members' other unclear rows (raised through the account: a ring member's
    # camouflage votes elsewhere), once, in the strongest finding naming the member; the
    # moderator decides them with the cluster. Not for shared signals: a pair on one device
    # names the real user the puppets vote for, whose own votes are not the ring's.
    unclear = (s >= review_at) & (s < invalidate_at) & valid
    spare = np.flatnonzero(unclear)
    held, cases = set(), []
    for f in verdicts.findings:
        if f.score < review_at or f.detector == "burst":
            continue
        pos = np.searchsorted(eids, f.event_ids) if _sorted(eids) else None
        rows = _rows_of(eids, f.event_ids, pos)
        rows = rows[unclear[rows]]
        if spare.size and f.accounts and f.detector in GROUP_DETECTORS:
            mine = np.isin(events.actor[spare], np.asarray(f.accounts, dtype=np.int64))
            rows = np.union1d(rows, spare[mine])
            spare = spare[~mine]
        if rows.size == 0:
            continue
        ev_ids = sorted(int(e) for e in eids[rows])
        accounts = sorted({int(a) for a in events.actor[rows]})
        entry = {"id": None, "created": None, "accounts": accounts, "events": len(ev_ids),
                 "score": round(float(f.score), 4), "detectors": [f.detector], "evidence": f.evidence}
        if not dry_run:
            case, created = ringcases.open_case(accounts=accounts, event_ids=ev_ids, score=f.score,
                                                detectors=[f.detector], evidence=f.evidence)
            if case.status != case.Status.OPEN:
                continue  # decided by a moderator: left as decided
            entry["id"], entry["created"] = case.pk, created
        cases.append(entry)
        held.update(ev_ids)
    result.ring_cases = cases
    result.held_event_ids = sorted(held)
    result.counts["ring_cases"] = len(cases)
    result.counts["ring_cases_opened"] = sum(1 for c in cases if c["created"])
    result.counts["held"] = len(held)


def _sorted(a):
    return a.size < 2 or bool(np.all(a[1:] >= a[:-1]))


def _rows_of(eids, wanted, pos=None):
    """Row indices of the ``wanted`` event ids in ``eids``."""
    if pos is not None:
        pos = np.minimum(pos, eids.size - 1)
        return pos[eids[pos] == wanted]
    order = np.argsort(eids, kind="stable")
    p = np.minimum(np.searchsorted(eids[order], wanted), eids.size - 1)
    hit = eids[order][p] == wanted
    return order[p[hit]]


# --- reviews ------------------------------------------------------------------------------------


def load_reviews(*, batch=None):
    """Every review with its author, product, rating and time, one query per batch (keyset on id).
    Returns (ids, status list, Events)."""
    from community.models import Review
    from moderation.integrity.reviews import Events

    batch = batch or _setting("INTEGRITY_SCAN_BATCH", 50_000)
    ids, users, products, ratings, times, statuses = [], [], [], [], [], []
    last = 0
    while True:
        rows = list(Review.objects.filter(id__gt=last).order_by("id")
                    .values_list("id", "author_id", "product_id", "rating", "created_at", "status")[:batch])
        if not rows:
            break
        for rid, author, product, rating, created, status in rows:
            ids.append(rid)
            users.append(author)
            products.append(product)
            ratings.append(rating)
            times.append(created.timestamp() / 86400.0)
            statuses.append(status)
        last = rows[-1][0]
        if len(rows) < batch:
            break
    return np.asarray(ids, dtype=np.int64), statuses, np.asarray(times), Events.build(users, products, ratings, times)


def _act_on_reviews(result, since, dry_run, progress, keep_scores=False):
    from community.models import Review
    from moderation import services
    from moderation.integrity import scoring

    hold_at = _setting("INTEGRITY_REVIEW_HOLD_AT", 0.7)
    min_reviews = _setting("INTEGRITY_REVIEW_MIN_REVIEWS", 200)
    ids, statuses, days, events = load_reviews()
    result.counts["reviews"] = int(ids.size)
    result.counts["reviews_held"] = 0
    if ids.size == 0:
        return
    if progress:
        progress("reviews", reviews=int(ids.size))
    scores = scoring.score(events)
    if keep_scores:
        result.review_scores = {int(r): (float(s), list(why)) for r, s, why in
                                zip(ids.tolist(), scores.suspicion.tolist(), scores.reasons, strict=True)}
    if ids.size < min_reviews:  # the scores are ranks against the rest: too few to act on
        return
    since_day = since.timestamp() / 86400.0 if since is not None else -np.inf
    rows = np.flatnonzero((scores.suspicion >= hold_at) & (days >= since_day))
    held = []
    authors = dict(Review.objects.filter(pk__in=ids[rows].tolist()).values_list("pk", "author_id")) if rows.size else {}
    for row in rows.tolist():
        if statuses[row] != Review.Status.PUBLISHED:
            continue
        rid = int(ids[row])
        if dry_run:
            if not services.Event.objects.filter(content_type="review", object_id=rid,
                                                 action=services.INTEGRITY_HOLD_ACTION.format(ct="review")).exists():
                held.append(rid)
            continue
        case = services.case_hold_integrity(
            content_type="review", object_id=rid, author_id=authors[rid], score=float(scores.suspicion[row]),
            reasons=scores.reasons[row], evidence="; ".join(scores.reasons[row]))
        if case is not None:
            held.append(rid)
    result.reviews_held = held
    result.counts["reviews_held"] = len(held)
