"""Train, evaluate and version a classifier for any registered label pair."""
import logging
import time
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from sklearn.model_selection import train_test_split

from .features import example_coerce, normalize
from .kinds import kind_get
from .metrics import binary_metrics, choose_threshold
from .model import DEFAULT_C, TextModel
from .store import NoActiveModel, artifact_save, load_active

log = logging.getLogger(__name__)

HOLDOUT = 0.2
SEED = 20240601
DEFAULT_TARGET_PRECISION = 0.9
MIN_PER_LABEL = 5  # below this a held-out split says nothing


class TrainingError(ValueError):
    pass


@dataclass
class TrainResult:
    kind: str
    version: int
    artifact_id: int
    path: str
    threshold: float
    metrics: dict  # held-out metrics at the threshold, with the curve summary
    trained_on: int
    seconds: float
    dropped: dict = field(default_factory=dict)  # duplicates, unusable rows

    def as_dict(self):
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _prepare(examples, kind):
    """Validate labels, drop empty texts and exact duplicates (the last one wins, so
    later decisions override the shipped sample). Duplicates must go before the split
    or copy-pasted spam lands on both sides and flatters the held-out metrics."""
    bad, good = kind_get(kind).labels
    by_text, dropped = {}, {"empty": 0, "duplicate": 0, "unknown_label": 0}
    for raw in examples:
        example = example_coerce(raw)
        if example.get("label") not in (bad, good):
            dropped["unknown_label"] += 1
            continue
        key = normalize(example["text"]).strip()
        if not key:
            dropped["empty"] += 1
            continue
        if key in by_text:
            dropped["duplicate"] += 1
            del by_text[key]  # re-insert at the end: keeps the order of last occurrence
        by_text[key] = example
    kept = list(by_text.values())
    y = np.array([1 if e["label"] == bad else 0 for e in kept], dtype=np.int8)
    return kept, y, dropped


def train(
    examples,
    *,
    kind="moderation",
    target_precision=None,
    c=DEFAULT_C,
    use_detectors=True,
) -> TrainResult:
    """Fit on 80% (stratified, fixed seed), measure on the held-out 20% and pick the
    decision threshold there (the lowest reaching ``target_precision``, else 0.5), refit
    on everything, save the artifact as the next version of ``kind`` and activate it.

    ``examples``: dicts {"text", "label", "lang"?, "reason"?, "rating"?, "detectors"?}.
    """
    started = time.perf_counter()
    spec = kind_get(kind)
    if target_precision is None:
        target_precision = float(getattr(settings, "COCREATE_CLASSIFIER_TARGET_PRECISION", DEFAULT_TARGET_PRECISION))
    kept, y, dropped = _prepare(examples, kind)
    if not spec.uses_rating:
        kept = [{k: v for k, v in e.items() if k != "rating"} for e in kept]
    n_bad = int(y.sum())
    n_good = len(y) - n_bad
    if min(n_bad, n_good) < MIN_PER_LABEL:
        raise TrainingError(
            f"need at least {MIN_PER_LABEL} examples of each label to train a {kind} model; "
            f"got {n_bad} {spec.bad!r} and {n_good} {spec.good!r}"
        )

    idx = np.arange(len(kept))
    train_idx, test_idx = train_test_split(idx, test_size=HOLDOUT, stratify=y, random_state=SEED)
    held_model = TextModel(labels=spec.labels, c=c, use_detectors=use_detectors)
    held_model.fit([kept[i] for i in train_idx], y[train_idx])
    scores = held_model.predict_proba([kept[i] for i in test_idx])
    threshold = choose_threshold(y[test_idx], scores, target_precision=target_precision)
    metrics = binary_metrics(y[test_idx], scores, threshold)
    metrics.update(
        {
            "target_precision": target_precision,
            "threshold_reached_target": metrics["precision"] >= target_precision,
            "n_train": int(len(train_idx)),
            "n_test": int(len(test_idx)),
            "labels": list(spec.labels),
            "label_counts": {spec.bad: n_bad, spec.good: n_good},
            "holdout_seed": SEED,
        }
    )

    # The threshold was chosen for the 80% model; the refit sees 25% more data and
    # scores shift slightly. Good enough for ranking and a precision-gated auto-action.
    final = TextModel(labels=spec.labels, c=c, use_detectors=use_detectors).fit(kept, y)
    metrics["train_seconds"] = round(time.perf_counter() - started, 3)
    artifact = artifact_save(kind=kind, model=final, threshold=float(threshold), metrics=metrics, trained_on=len(kept))
    log.info(
        "trained %s v%s on %s examples: accuracy %.3f precision %.3f recall %.3f at %.3f",
        kind, artifact.version, len(kept), metrics["accuracy"], metrics["precision"], metrics["recall"], threshold,
    )
    return TrainResult(
        kind=kind,
        version=artifact.version,
        artifact_id=artifact.pk,
        path=artifact.path,
        threshold=float(threshold),
        metrics=metrics,
        trained_on=len(kept),
        seconds=round(time.perf_counter() - started, 3),
        dropped={k: v for k, v in dropped.items() if v},
    )


def evaluate(examples, *, kind="moderation") -> dict:
    """Metrics of the ACTIVE model of ``kind`` on labelled examples, at its threshold."""
    spec = kind_get(kind)
    loaded = load_active(kind)
    if loaded is None:
        raise NoActiveModel(f"no active {kind} model")
    examples = [example_coerce(e) for e in examples]
    examples = [e for e in examples if e.get("label") in spec.labels]
    if not examples:
        raise TrainingError("no labelled examples to evaluate")
    y = np.array([1 if e["label"] == spec.bad else 0 for e in examples], dtype=np.int8)
    scores = np.asarray(loaded.predict_proba(examples))
    metrics = binary_metrics(y, scores, loaded.threshold)
    metrics.update({"kind": kind, "version": loaded.version, "labels": list(spec.labels)})
    return metrics
