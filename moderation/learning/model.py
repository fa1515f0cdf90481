"""The learned model: hashed TF-IDF features + logistic regression.

LR probabilities are used as they are (no separate calibration step): they are
well behaved for a linear model on L2-normalised TF-IDF, and the decision
threshold is chosen on held-out data anyway. Only the weights are kept, so an
artifact holds numpy arrays and this module's classes, nothing of scikit-learn.
"""
import numpy as np
from sklearn.linear_model import LogisticRegression

from .features import Featurizer, example_coerce

DEFAULT_C = 8.0


class TextModel:
    def __init__(self, *, labels, c=DEFAULT_C, use_detectors=True):
        self.labels = tuple(labels)  # (bad, good)
        self.c = c
        self.use_detectors = use_detectors
        self.featurizer = None
        self.coef = None
        self.intercept = 0.0

    def fit(self, examples, y_bad):
        """``y_bad``: 1 for the bad label, 0 for the good one."""
        examples = [example_coerce(e) for e in examples]
        names = set()
        if self.use_detectors:
            for e in examples:
                if isinstance(e.get("detectors"), dict):
                    names.update(k for k in e["detectors"] if isinstance(k, str))
        self.featurizer = Featurizer(detector_names=names)
        x = self.featurizer.fit_transform(examples)
        # Dual coordinate descent: far faster than the primal when features outnumber examples,
        # as they always do with hashed n-grams (0.03 s instead of 0.4 s on the sample).
        classifier = LogisticRegression(C=self.c, solver="liblinear", dual=True, max_iter=1000)
        classifier.fit(x, np.asarray(y_bad, dtype=np.int8))
        self.coef = classifier.coef_[0].astype(np.float64)
        self.intercept = float(classifier.intercept_[0])
        return self

    def decision(self, example) -> float:
        f = self.featurizer
        cc, cw, wc, ww, num = f.encode(example)
        coef = self.coef
        word_at = f.char_size
        num_at = f.char_size + f.word_size
        return float(
            cw @ coef[cc] + ww @ coef[wc + word_at] + num @ coef[num_at : num_at + len(num)] + self.intercept
        )

    def predict_proba(self, items) -> np.ndarray:
        """Probability of the bad label for each str / example dict."""
        z = np.fromiter((self.decision(example_coerce(e)) for e in items), dtype=np.float64)
        return 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))
