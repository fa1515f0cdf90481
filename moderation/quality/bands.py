"""Quality bands: what the rest of the platform reads instead of raw scores.

``quality_band(content_type, object_id)`` is the function gamification calls to scale
points; ``band_for_score`` maps a score to a band with thresholds from settings::

    QUALITY_BANDS = {"ok": 30, "good": 55, "great": 75}   # lowest score of each band

Anything under ``ok`` is "low": never featured, and held for the queue on submission
when it is also under ``QUALITY_HOLD_BELOW`` (default 25).
"""
from django.conf import settings
from django.utils.translation import gettext_lazy as _

LOW, OK, GOOD, GREAT = "low", "ok", "good", "great"
BANDS = (LOW, OK, GOOD, GREAT)
DEFAULT_THRESHOLDS = {OK: 30, GOOD: 55, GREAT: 75}
LABELS = {LOW: _("Low"), OK: _("OK"), GOOD: _("Good"), GREAT: _("Great")}
DEFAULT_HOLD_BELOW = 25


def thresholds() -> dict:
    configured = getattr(settings, "QUALITY_BANDS", None) or {}
    return {**DEFAULT_THRESHOLDS, **{k: float(v) for k, v in configured.items() if k in DEFAULT_THRESHOLDS}}


def hold_below() -> float:
    return float(getattr(settings, "QUALITY_HOLD_BELOW", DEFAULT_HOLD_BELOW))


def band_for_score(score):
    if score is None:
        return None
    t = thresholds()
    if score >= t[GREAT]:
        return GREAT
    if score >= t[GOOD]:
        return GOOD
    if score >= t[OK]:
        return OK
    return LOW


def band_label(band):
    return LABELS.get(band, "")


def quality_band(content_type, object_id):
    """"low" | "ok" | "good" | "great" for a scored item, None when it has no score yet
    (rating-only reviews are never scored). One indexed query."""
    from moderation.models import QualityScore

    score = (
        QualityScore.objects.filter(content_type=content_type, object_id=object_id)
        .values_list("score", flat=True)
        .first()
    )
    return band_for_score(score)
