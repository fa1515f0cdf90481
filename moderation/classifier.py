"""The learned moderation classifier: a ranking signal in screening, retrained from
moderators' decisions. The machinery (features, training, metrics, artifacts) is
generic and lives in ``moderation.learning``; this module is the moderation kind's
face: the detector, its training data and its retraining policy.

scikit-learn takes ~1 s to import, so it is imported on first use, not when the
screening pipeline (and with it every management command) imports this module.
"""
import logging
from collections.abc import Mapping

from django.conf import settings
from django.db.models import F, Q

from moderation.detectors.base import Detector, DetectorResult, ScreenInput

log = logging.getLogger(__name__)

KIND = "moderation"
NAME = "classifier"
DEFAULT_MAX_EXAMPLES = 100_000


# --- the API of moderation.learning with kind="moderation" -------------------------


def train(examples, *, kind=KIND, **options):
    """See ``moderation.learning.train``."""
    from moderation.learning import train as learning_train

    return learning_train(examples, kind=kind, **options)


def evaluate(examples, *, kind=KIND):
    from moderation.learning import evaluate as learning_evaluate

    return learning_evaluate(examples, kind=kind)


def load_active(kind=KIND):
    from moderation.learning import load_active as learning_load_active

    return learning_load_active(kind)


def predict_proba(texts_or_examples, *, kind=KIND) -> list:
    """Probability of "reject" for each text or example dict (raises NoActiveModel)."""
    from moderation.learning import predict_proba as learning_predict_proba

    return learning_predict_proba(texts_or_examples, kind=kind)


# --- screening ---------------------------------------------------------------------


def _detector_scores(value) -> dict:
    """{name: score} from a mapping or the Case.detectors list; never the classifier's
    own score (it would learn to agree with its previous version)."""
    if isinstance(value, Mapping):
        items = value.items()
    elif isinstance(value, list | tuple):
        items = [(d.get("name"), d.get("score")) for d in value if isinstance(d, Mapping)]
    else:
        return {}
    scores = {}
    for name, score in items:
        if isinstance(name, str) and name != NAME and isinstance(score, int | float):
            scores[name] = float(score)
    return scores


def example_from_input(inp: ScreenInput) -> dict:
    metadata = getattr(inp, "metadata", None)
    metadata = metadata if isinstance(metadata, Mapping) else {}
    return {
        "text": getattr(inp, "text", ""),
        "lang": getattr(inp, "language", "") or "",
        # No rating: the moderation model must not learn to reject negative reviews.
        "detectors": _detector_scores(metadata.get("detector_scores")),
    }


class ClassifierDetector(Detector):
    """Probability that a moderator would reject the text. Ranking only (action ""):
    the pipeline decides whether it may act, using the held-out precision in ``data``.
    Pass earlier detectors' scores as ``metadata["detector_scores"]`` = {name: score}
    when the model was trained with them."""

    name = NAME

    def __init__(self, kind=KIND):
        self.kind = kind

    def run(self, inp: ScreenInput) -> DetectorResult:
        try:
            loaded = load_active(self.kind)
        except Exception:
            log.exception("classifier: cannot read the active %s model", self.kind)
            loaded = None
        if loaded is None:
            return DetectorResult(name=self.name, data={"version": None})
        try:
            score = loaded.predict_one(example_from_input(inp))
        except Exception:
            log.exception("classifier: prediction failed (model %s v%s)", self.kind, loaded.version)
            return DetectorResult(name=self.name, data={"version": loaded.version, "error": "prediction failed"})
        return DetectorResult(
            name=self.name,
            labels=[NAME] if score >= loaded.threshold else [],
            score=score,
            action="",
            data={"version": loaded.version, "precision": loaded.precision, "threshold": loaded.threshold},
        )


# --- training data from moderators' decisions -----------------------------------------


def _decided_cases():
    from moderation.models import Case

    return Case.objects.filter(state__in=[Case.State.APPROVED, Case.State.REJECTED], decided_by__isnull=False)


def _default_text_for():
    try:
        from moderation.registry import get_text
    except ImportError:
        return None
    return lambda case: get_text(case.content_type, case.object_id)


def examples_from_decisions(*, text_for=None, since=None, limit=None) -> list:
    """Examples from cases decided by a human (approved / rejected with ``decided_by``)
    and cases with a known answer (operator-set or upheld on appeal, which wins over
    the state). Oldest first, so a later duplicate overrides an earlier one in training.

    ``text_for(case)`` returns the content's text, or a dict {"text", "rating"?, ...},
    or None for content that is gone. Default: ``moderation.registry.get_text``."""
    from moderation.models import Case

    text_for = text_for or _default_text_for()
    if text_for is None:
        log.warning("examples_from_decisions: no text source (moderation.registry.get_text is missing)")
        return []
    limit = limit or int(getattr(settings, "COCREATE_CLASSIFIER_MAX_EXAMPLES", DEFAULT_MAX_EXAMPLES))
    cases = Case.objects.filter(
        Q(state__in=[Case.State.APPROVED, Case.State.REJECTED], decided_by__isnull=False)
        | Q(known_answer__in=["approve", "reject"])
    )
    if since is not None:
        cases = cases.filter(decided_at__gt=since)
    cases = cases.only(
        "id", "content_type", "object_id", "language", "state", "reject_reason", "detectors", "known_answer",
        "decided_at",
    ).order_by(F("decided_at").desc(nulls_last=True), "-id")[:limit]

    examples, missing, failed = [], 0, 0
    for case in reversed(list(cases)):
        try:
            content = text_for(case)
        except Exception:
            failed += 1
            log.debug("examples_from_decisions: no text for case %s", case.pk, exc_info=True)
            continue
        example = dict(content) if isinstance(content, Mapping) else {"text": content}
        if not isinstance(example.get("text"), str) or not example["text"].strip():
            missing += 1
            continue
        if case.known_answer in ("approve", "reject"):
            label = case.known_answer
        else:
            label = "approve" if case.state == Case.State.APPROVED else "reject"
        example.setdefault("lang", case.language)
        example.update(
            {"label": label, "reason": case.reject_reason, "detectors": _detector_scores(case.detectors)}
        )
        example["case_id"] = case.pk
        examples.append(example)
    if missing or failed:
        log.warning("examples_from_decisions: skipped %s cases without text, %s with errors", missing, failed)
    return examples


def retrain_if_needed(min_new=200, *, text_for=None, use_sample=None):
    """For the periodic task: train a new moderation model when at least ``min_new``
    human decisions were made since the active one was trained, or when there is no
    active model yet. Base data: the shipped sample (unless
    ``COCREATE_CLASSIFIER_USE_SAMPLE`` is False) plus every human decision.
    Returns the TrainResult, or None when nothing was trained."""
    from moderation.learning import TrainingError, artifact_active, sample_examples

    if use_sample is None:
        use_sample = bool(getattr(settings, "COCREATE_CLASSIFIER_USE_SAMPLE", True))
    active = artifact_active(KIND)
    decided = _decided_cases()
    new = decided.filter(decided_at__gt=active.created_at).count() if active else decided.count()
    if new < min_new and (active is not None or not use_sample):
        return None
    decisions = examples_from_decisions(text_for=text_for) if new else []
    if active is not None and not decisions:
        log.warning("retrain_if_needed: %s new decisions but no readable texts; keeping v%s", new, active.version)
        return None
    examples = (sample_examples(KIND) if use_sample else []) + decisions
    try:
        return train(examples, kind=KIND)
    except TrainingError as exc:
        log.warning("retrain_if_needed: not trained: %s", exc)
        return None
