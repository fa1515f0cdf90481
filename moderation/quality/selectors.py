"""Reads of quality scores for pages."""
from django.utils.translation import get_language

from moderation.quality.bands import band_for_score, band_label
from moderation.quality.scorer import hints_for


def quality_summary(*, content_type, object_id):
    """What the author sees under their own item: score, band, explanation and hints
    in the active language. One query; None when the item has no score."""
    from moderation.models import QualityScore

    row = (
        QualityScore.objects.filter(content_type=content_type, object_id=object_id)
        .only("score", "components", "explanation_zh", "explanation_en")
        .first()
    )
    if row is None:
        return None
    band = band_for_score(row.score)
    english = (get_language() or "").lower().startswith("en")
    codes = (row.components or {}).get("hint_codes", [])
    return {
        "score": row.score,
        "band": band,
        "band_label": band_label(band),
        "explanation": row.explanation_en if english else row.explanation_zh,
        "hints": hints_for(codes, (row.components or {}).get("hint_params")),
    }
