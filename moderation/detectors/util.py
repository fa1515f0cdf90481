"""Small helpers shared by the detectors."""
from moderation.detectors.base import Evidence


def evidence_at(norm, start, end, label, *, sensitive=False):
    """Evidence for ``norm.text[start:end]``, with offsets and text from the ORIGINAL."""
    o_start, o_end = norm.span(start, end)
    return Evidence(label=label, start=o_start, end=o_end, text=norm.original[o_start:o_end], sensitive=sensitive)


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
