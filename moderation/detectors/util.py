"""Small helpers shared by the detectors."""
import re

from moderation.detectors.base import Evidence

# NUL and lone surrogates can't be stored in PostgreSQL jsonb (or encoded as UTF-8).
_UNSTORABLE_RE = re.compile("[\x00\ud800-\udfff]")


def storable(text: str) -> str:
    """``text`` with NUL and lone surrogates replaced by U+FFFD (same length, so offsets hold)."""
    return _UNSTORABLE_RE.sub("\ufffd", text) if text else text


def evidence_at(norm, start, end, label, *, sensitive=False):
    """Evidence for ``norm.text[start:end]``, with offsets and text from the ORIGINAL."""
    o_start, o_end = norm.span(start, end)
    return Evidence(label=label, start=o_start, end=o_end, text=storable(norm.original[o_start:o_end]),
                    sensitive=sensitive)


def noisy_or(scores):
    """1 - prod(1 - s): independent signals add up without exceeding 1."""
    keep = 1.0
    for s in scores:
        s = float(s)
        if s != s:  # NaN
            continue
        keep *= 1.0 - min(max(s, 0.0), 1.0)
    return 1.0 - keep


def overlaps(a, b):
    return a[0] < b[1] and b[0] < a[1]
