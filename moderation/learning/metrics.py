"""Binary metrics on held-out scores and the choice of a decision threshold."""
import numpy as np
from sklearn.metrics import roc_auc_score

CURVE_THRESHOLDS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
PRECISION_TARGETS = (0.8, 0.9, 0.95, 0.99)


def _at(y, scores, threshold):
    predicted = scores >= threshold
    tp = int(np.sum(predicted & (y == 1)))
    fp = int(np.sum(predicted & (y == 0)))
    fn = int(np.sum(~predicted & (y == 1)))
    tn = int(np.sum(~predicted & (y == 0)))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "tn": tn, "precision": precision, "recall": recall, "f1": f1}


def threshold_for_precision(y, scores, target):
    """The lowest threshold (i.e. the most recall) whose precision on these scores is
    at least ``target``; None if no threshold reaches it. A score counts as positive
    when ``score >= threshold``."""
    y, scores = np.asarray(y), np.asarray(scores, dtype=float)
    best = None
    for t in sorted(set(scores[y == 1].tolist())):  # only a positive's score can start a better cut
        m = _at(y, scores, t)
        if m["tp"] and m["precision"] >= target:
            best = (t, m)
            break
    if best is None:
        return None
    t, m = best
    below = scores[scores < t]
    if below.size:  # halfway to the next score down: same counts here, more margin on new data
        t = (t + float(below.max())) / 2
    return {"threshold": round(t, 6), "precision": round(m["precision"], 4), "recall": round(m["recall"], 4)}


def choose_threshold(y, scores, *, target_precision, default=0.5):
    found = threshold_for_precision(y, scores, target_precision)
    return found["threshold"] if found else default


def binary_metrics(y, scores, threshold) -> dict:
    """Accuracy, precision, recall, F1 of the bad label at ``threshold``; ROC-AUC; a
    precision/recall curve summary at fixed thresholds and at target precisions."""
    y = np.asarray(y, dtype=np.int8)
    scores = np.asarray(scores, dtype=float)
    m = _at(y, scores, threshold)
    n = int(len(y))
    try:
        auc = float(roc_auc_score(y, scores)) if 0 < y.sum() < n else None
    except ValueError:
        auc = None
    return {
        "n": n,
        "positives": int(y.sum()),
        "threshold": round(float(threshold), 6),
        "accuracy": round((m["tp"] + m["tn"]) / n, 4) if n else 0.0,
        "precision": round(m["precision"], 4),
        "recall": round(m["recall"], 4),
        "f1": round(m["f1"], 4),
        "roc_auc": round(auc, 4) if auc is not None else None,
        "confusion": {k: m[k] for k in ("tp", "fp", "fn", "tn")},
        "curve": [
            {"threshold": t, **{k: round(v, 4) for k, v in _at(y, scores, t).items() if k in ("precision", "recall")}}
            for t in CURVE_THRESHOLDS
        ],
        "at_precision": {str(p): threshold_for_precision(y, scores, p) for p in PRECISION_TARGETS},
    }
