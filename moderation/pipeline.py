"""The screening pipeline: run every detector on a ``ScreenInput`` and decide.

Pure screening: ``screen`` reads (word lists, fingerprints, recent cases) and
writes nothing; the queue service stores the ``Outcome`` and, after commit, calls
``remember_all`` so later items are compared against this one.

Policy (see docs/moderation.md):

* risk = noisy-OR of the detector scores, 1 - prod(1 - s);
* any BLOCK action -> reject;
* personal data (a HOLD from ``personal_data``) -> always queued for a human;
* a detector that raised -> queue with reason "screening_failed" (never published
  unscreened);
* risk >= reject_at -> reject (also with other HOLDs: a phone number plus spam words);
* any other HOLD -> queue;
* otherwise risk < publish_below -> publish, else queue.

The learned classifier counts toward rejection only while its artifact's held-out
precision meets ``classifier_min_precision``; until then its score raises the risk
(ranking, and publish -> queue) but the reject test uses the risk without it.
"""
import logging
import math
import time
from dataclasses import dataclass, field, replace

from django.db import transaction

from moderation.detectors.base import (
    ACTION_RANK,
    BLOCK,
    HOLD,
    Detector,
    DetectorResult,
    ScreenInput,
)
from moderation.detectors.claims import AbsoluteClaimDetector
from moderation.detectors.contact import ContactDetector
from moderation.detectors.duplicate import DuplicateDetector
from moderation.detectors.images import ImageDetector
from moderation.detectors.lexicon import WordListDetector
from moderation.detectors.personal import PersonalDataDetector
from moderation.detectors.util import noisy_or, storable
from moderation.detectors.velocity import VelocityDetector
from moderation.text import normalized_for

log = logging.getLogger(__name__)

PUBLISH, QUEUE, REJECT = "publish", "queue", "reject"
SCREENING_FAILED = "screening_failed"
CLASSIFIER = "classifier"

# Queue reason code per detector name (a detector not listed uses its own name).
REASONS = {
    "contact": "contact",
    "personal_data": "personal_data",
    "wordlist": "wordlist",
    "absolute_claim": "absolute_claim",
    "duplicate": "duplicate",
    "image": "image",
    "velocity": "burst",
    CLASSIFIER: "classifier",
}


def _classifier_detector():
    try:
        from moderation.classifier import ClassifierDetector
    except Exception:  # not installed / broken: screening works without it
        log.warning("classifier unavailable; screening without it", exc_info=True)
        return None
    return ClassifierDetector()


def default_detectors():
    """Text detectors first (cheap, no I/O), then the ones that query the database;
    the classifier last, so it sees the others' scores (``metadata["detector_scores"]``)."""
    detectors = [
        ContactDetector(),
        PersonalDataDetector(),
        WordListDetector(),
        AbsoluteClaimDetector(),
        DuplicateDetector(),
        ImageDetector(),
        VelocityDetector(),
    ]
    classifier = _classifier_detector()
    if classifier is not None:
        detectors.append(classifier)
    return detectors


DETECTORS = default_detectors()


@dataclass
class Thresholds:
    publish_below: float = 0.3
    reject_at: float = 0.9
    classifier_min_precision: float = 0.95

    @classmethod
    def coerce(cls, value):
        if value is None or isinstance(value, cls):
            return value or cls()
        if isinstance(value, dict):
            return cls(**{k: float(v) for k, v in value.items() if k in cls.__dataclass_fields__})
        return cls(**{k: float(getattr(value, k)) for k in cls.__dataclass_fields__ if hasattr(value, k)})


THRESHOLDS_MAX_AGE = 10.0  # seconds another process may keep using thresholds an operator changed
_thresholds = {}  # content_type -> (read at, monotonic; Thresholds)


def thresholds_invalidate():
    """Thresholds changed (``moderation.receivers``, on save/delete): read them again."""
    _thresholds.clear()


def thresholds_for(content_type) -> Thresholds:
    """The ``Threshold`` row for this content type, else the defaults (0.3 / 0.9 / 0.95).
    Kept per process for ``THRESHOLDS_MAX_AGE`` seconds (one query less per screened item);
    a change in this process is seen at once, in other worker processes within 10 s."""
    from moderation.models import Threshold

    now = time.monotonic()
    cached = _thresholds.get(content_type)
    if cached is not None and now - cached[0] < THRESHOLDS_MAX_AGE:
        return replace(cached[1])
    row = Threshold.objects.filter(content_type=content_type).first()
    value = Thresholds.coerce(row) if row is not None else Thresholds()
    _thresholds[content_type] = (now, value)
    return replace(value)


@dataclass
class Outcome:
    decision: str  # publish / queue / reject
    risk: float
    reasons: list  # queue reason codes, the ones that drove the decision first
    detectors: list  # DetectorResult.as_dict() per detector
    classifier_score: float | None = None
    classifier_trusted: bool = False
    results: list = field(default_factory=list, repr=False)  # the DetectorResult objects
    timings: dict = field(default_factory=dict, repr=False)  # detector name -> seconds

    def as_dict(self):
        return {
            "decision": self.decision,
            "risk": round(self.risk, 4),
            "reasons": list(self.reasons),
            "detectors": self.detectors,
            "classifier_score": None if self.classifier_score is None else round(self.classifier_score, 4),
        }


def _clean(result, detector):
    """Clamp a detector's output so one bad value cannot poison the decision."""
    if not isinstance(result, DetectorResult):
        raise TypeError(f"{detector.name}.run returned {type(result).__name__}, not DetectorResult")
    try:
        score = float(result.score)
    except (TypeError, ValueError):
        score = 0.0
    result.score = 0.0 if math.isnan(score) else min(max(score, 0.0), 1.0)
    if result.action not in ACTION_RANK:
        result.action = ""
    result.name = result.name or detector.name
    return result


def _run_all(inp, detectors):
    results, failed, timings = [], [], {}
    scores = {}
    metadata = inp.metadata if isinstance(inp.metadata, dict) else {}
    inp.metadata = metadata
    for detector in detectors:
        name = getattr(detector, "name", type(detector).__name__)
        if name == CLASSIFIER:
            metadata["detector_scores"] = dict(scores)
        started = time.perf_counter()
        try:
            result = _clean(detector.run(inp), detector)
        except Exception as exc:
            log.exception("detector %s failed", name)
            error = storable(f"{type(exc).__name__}: {exc}"[:300])
            result = DetectorResult(name=name, labels=["error"], data={"error": error})
            failed.append(name)
        timings[name] = time.perf_counter() - started
        results.append(result)
        if name not in failed and name != CLASSIFIER:
            scores[name] = result.score
    return results, failed, timings


def screen(inp: ScreenInput, *, thresholds=None, detectors=None) -> Outcome:
    """Screen one item. Never writes; never raises for a detector's failure."""
    t = Thresholds.coerce(thresholds) if thresholds is not None else thresholds_for(inp.content_type)
    normalized_for(inp)
    results, failed, timings = _run_all(inp, DETECTORS if detectors is None else detectors)

    ok = [r for r in results if r.name not in failed]
    classifier = next((r for r in ok if r.name == CLASSIFIER), None)
    rules = [r for r in ok if r.name != CLASSIFIER]

    classifier_score = None
    trusted = cls_rejects = False
    if classifier is not None and classifier.data.get("version") is not None:
        classifier_score = classifier.score
        precision = classifier.data.get("precision")
        trusted = isinstance(precision, int | float) and precision >= t.classifier_min_precision
        threshold = classifier.data.get("threshold")
        cls_rejects = trusted and isinstance(threshold, int | float) and classifier.score >= threshold

    rules_risk = noisy_or(r.score for r in rules)
    risk = noisy_or([r.score for r in rules] + ([classifier.score] if classifier is not None else []))
    decision_risk = risk if trusted else rules_risk

    actions = {r.action for r in rules}
    personal_hold = any(r.name == "personal_data" and r.action == HOLD for r in rules)
    if BLOCK in actions:
        decision = REJECT
    elif personal_hold or failed:
        decision = QUEUE
    elif decision_risk >= t.reject_at or cls_rejects:
        decision = REJECT
    elif HOLD in actions:
        decision = QUEUE
    elif risk < t.publish_below:
        decision = PUBLISH
    else:
        decision = QUEUE

    return Outcome(
        decision=decision,
        risk=risk,
        reasons=_reasons(results, failed),
        detectors=[r.as_dict() for r in results],
        classifier_score=classifier_score,
        classifier_trusted=trusted,
        results=results,
        timings=timings,
    )


def _reasons(results, failed):
    ranked = []
    for r in results:
        if r.name in failed:
            continue
        if r.name == CLASSIFIER:
            if r.labels:
                ranked.append((0, r.score, REASONS[CLASSIFIER]))
        elif r.labels and (r.score > 0 or r.action):
            ranked.append((ACTION_RANK.get(r.action, 0), r.score, REASONS.get(r.name, r.name)))
    ranked.sort(key=lambda x: (-x[0], -x[1]))
    reasons = [SCREENING_FAILED] if failed else []
    for _, _, code in ranked:
        if code not in reasons:
            reasons.append(code)
    return reasons


def _remembers_nothing(detector):
    return getattr(type(detector), "remember", None) is Detector.remember


def remember_all(inp: ScreenInput, *, detectors=None, together=False):
    """Let each detector index this item (fingerprints), each in its own savepoint so one
    failure neither stops the others nor breaks the caller's transaction. ``together``: all in
    one savepoint (two statements fewer per detector past the first; a failure loses this item's
    fingerprints of every detector, not only its own), as a screening batch does per item.
    Returns the names of detectors whose ``remember`` failed (with ``together``, all of them)."""
    normalized_for(inp)
    active = [d for d in (DETECTORS if detectors is None else detectors) if not _remembers_nothing(d)]
    groups = [active] if together and active else [[d] for d in active]
    failures = []
    for group in groups:
        try:
            with transaction.atomic():
                for detector in group:
                    detector.remember(inp)
        except Exception:
            log.exception("detectors %s could not remember %s#%s", [d.name for d in group], inp.content_type,
                          inp.object_id)
            failures.extend(d.name for d in group)
    return failures
