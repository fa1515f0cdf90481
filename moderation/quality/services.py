"""Quality score writes: compute an item's score from what its registry adapter says
about it, store it (``QualityScore`` + the owning app's denormalised copy), rescore
(debounced) when votes or reports change, and hold low scores at screening.

Reads go through ``moderation.registry`` adapters (``quality_input``), writes to the
content through the adapter too (``set_quality`` -> ``community.services.review_set_quality``),
so a new kind of content is scored by adding two adapter methods.
"""
import logging
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from moderation import registry
from moderation.detectors.base import ScreenInput
from moderation.quality import scorer
from moderation.quality.bands import LOW, band_for_score, hold_below

log = logging.getLogger(__name__)

RESCORE_DEBOUNCE_SECONDS = 60
LEARNED_KIND = "quality"


def _debounce_seconds():
    return int(getattr(settings, "QUALITY_RESCORE_DEBOUNCE_SECONDS", RESCORE_DEBOUNCE_SECONDS))


# --- signals the score needs beyond the text ----------------------------------------------


def _duplicate_facts(data, content_type, object_id, outcome=None):
    """(similar_count, copies_description) from the screening outcome when there is one,
    else by asking the near-duplicate index (read-only, two indexed queries)."""
    result = None
    if outcome is not None:
        result = next((r for r in getattr(outcome, "results", []) if r.name == "duplicate"), None)
    if result is None:
        from moderation.detectors.duplicate import DuplicateDetector

        inp = ScreenInput(
            text=data.get("text") or "", language=data.get("lang") or "", content_type=content_type,
            object_id=object_id, author_id=data.get("author_id"), scope=data.get("scope") or "",
            reference_texts=list(data.get("reference_texts") or []),
        )
        try:
            result = DuplicateDetector().run(inp)
        except Exception:
            log.exception("quality: duplicate lookup failed for %s#%s", content_type, object_id)
            return 0, False
    labels = result.labels or []
    return int((result.data or {}).get("matches", 0)), "copies_description" in labels


def _original_photos(data, content_type, object_id, outcome=None):
    """How many of the item's photos are not found elsewhere (perceptual hashes)."""
    photos = int(data.get("photos") or 0)
    if not photos:
        return 0
    if outcome is not None:
        result = next((r for r in getattr(outcome, "results", []) if r.name == "image"), None)
        if result is not None:
            copied = {e.image for e in result.evidence if e.label == "duplicate_image"}
            return max(0, photos - len(copied))
    from django.db.models import Q

    from moderation.detectors.images import HAMMING_MAX, chunks, hamming
    from moderation.models import ImageFingerprint

    own = list(ImageFingerprint.objects.filter(content_type=content_type, object_id=object_id)
               .values_list("image_key", "phash"))
    if not own:
        return photos  # not hashed (yet): assume original
    q = Q()
    for _key, h in own:
        for i, c in enumerate(chunks(h)):
            q |= Q(**{f"c{i}": c})
    others = ImageFingerprint.objects.filter(q).exclude(content_type=content_type, object_id=object_id)
    if data.get("author_id") is not None:
        others = others.exclude(author_id=data["author_id"])
    hashes = list(others.values_list("phash", flat=True)[:500])
    copied = sum(1 for _key, h in own if any(hamming(h, o) <= HAMMING_MAX for o in hashes))
    return max(0, photos - copied)


def _upheld_reports(content_type, object_id):
    from moderation.models import Report

    return Report.objects.filter(content_type=content_type, object_id=object_id, status=Report.Status.UPHELD).count()


def learned_probability(text, *, rating=None, lang=None):
    """P(low) from the active "quality" model, or None (no model, or it failed)."""
    try:
        from moderation.learning import load_active

        loaded = load_active(LEARNED_KIND)
        if loaded is None:
            return None
        return loaded.predict_one({"text": text or "", "rating": rating, "lang": lang or ""})
    except Exception:
        log.exception("quality: learned component unavailable")
        return None


# --- compute and store ------------------------------------------------------------------------


def quality_compute(*, content_type, object_id, outcome=None, data=None, use_learned=True):
    """The item's ``QualityResult``, or None for content that is gone or has nothing to
    score (a rating alone). Reads only."""
    adapter = registry.get(content_type)
    if data is None:
        data = adapter.quality_input(object_id)
    if data is None:
        return None
    similar, copies = _duplicate_facts(data, content_type, object_id, outcome) if data.get("text") else (0, False)
    return scorer.score_text(
        data.get("text") or "",
        rating=data.get("rating"),
        lang=data.get("lang"),
        aspects=data.get("aspects") or (),
        tags=data.get("tags") or (),
        photos=data.get("photos") or 0,
        original_photos=_original_photos(data, content_type, object_id, outcome),
        similar_count=similar,
        copies_description=copies,
        helpful=data.get("helpful") or 0,
        not_helpful=data.get("not_helpful") or 0,
        upheld_reports=_upheld_reports(content_type, object_id),
        learned=learned_probability(data.get("text"), rating=data.get("rating"), lang=data.get("lang"))
        if use_learned and data.get("text") else None,
    )


def quality_store(*, content_type, object_id, result):
    """Upsert the item's ``QualityScore`` and hand the score to the owning app."""
    from moderation.models import QualityScore

    with transaction.atomic():
        row, _created = QualityScore.objects.update_or_create(
            content_type=content_type,
            object_id=object_id,
            defaults={
                "score": result.score,
                "band": result.band,
                "components": result.components,
                "explanation_zh": result.explanation_zh[:300],
                "explanation_en": result.explanation_en[:300],
                "version": scorer.VERSION,
                "computed_at": timezone.now(),
            },
        )
        registry.get(content_type).set_quality(object_id, result.score)
    return row


def quality_forget(*, content_type, object_id):
    """Drop the score of an item that no longer has anything to score."""
    from moderation.models import QualityScore

    with transaction.atomic():
        deleted, _ = QualityScore.objects.filter(content_type=content_type, object_id=object_id).delete()
        if deleted:
            registry.get(content_type).set_quality(object_id, None)
    return bool(deleted)


def quality_score_item(*, content_type, object_id):
    """Compute and store one item's score (Celery: ``moderation.quality_score_item``).
    Returns the ``QualityScore`` row, or None when there is nothing to score."""
    result = quality_compute(content_type=content_type, object_id=object_id)
    if result is None:
        quality_forget(content_type=content_type, object_id=object_id)
        return None
    return quality_store(content_type=content_type, object_id=object_id, result=result)


def _debounce_key(content_type, object_id):
    return f"moderation:quality:rescore:{content_type}:{object_id}"


def quality_rescore_soon(*, content_type, object_id):
    """Rescore after votes / reports, coalescing bursts: the first change in a window
    enqueues one task (after commit, delayed by the window); later ones in the window
    find the key and add nothing. The task clears the key before it reads."""
    from moderation import tasks

    seconds = _debounce_seconds()
    if not cache.add(_debounce_key(content_type, object_id), 1, seconds + 30):
        return False
    transaction.on_commit(partial(
        tasks.quality_rescore.apply_async,
        kwargs={"content_type": content_type, "object_id": object_id},
        countdown=seconds,
    ))
    return True


def quality_rescore(*, content_type, object_id):
    """The debounced task's body: clear the window, then rescore (only items already
    scored: votes on a rating-only review change nothing here)."""
    from moderation.models import QualityScore

    cache.delete(_debounce_key(content_type, object_id))
    if not QualityScore.objects.filter(content_type=content_type, object_id=object_id).exists():
        return None
    return quality_score_item(content_type=content_type, object_id=object_id)


# --- screening -------------------------------------------------------------------------------


@dataclass
class ScreenQuality:
    result: object  # QualityResult
    held: bool  # below QUALITY_HOLD_BELOW: queue with reason "low_quality" instead of publishing


def quality_screen(*, case, outcome=None):
    """Score an item at screening (reads only). Never raises: a scoring failure must not
    stop screening, it only means the item is published without a score for now."""
    try:
        result = quality_compute(content_type=case.content_type, object_id=case.object_id, outcome=outcome)
    except Exception:
        log.exception("quality: scoring failed for case %s", case.pk)
        return None
    if result is None:
        return None
    return ScreenQuality(result=result, held=result.score < hold_below())


def quality_after_screen(*, case, quality):
    """Inside case_screen's transaction: store the score, and tell the author of a held
    item why and how to improve it."""
    if quality is None:
        return
    try:
        with transaction.atomic():  # a savepoint: a failure here must not undo the screening decision
            quality_store(content_type=case.content_type, object_id=case.object_id, result=quality.result)
            if quality.held and case.state == case.State.QUEUED:
                _notify_held(case, quality.result)
    except Exception:
        log.exception("quality: could not store the score of case %s", case.pk)


def _notify_held(case, result):
    from community.services import notification_send

    kind = registry.get(case.content_type).label
    title = _("Your %(kind)s is waiting for a moderator: it looks low on detail") % {"kind": kind}
    lines = [_("Reviews that say what you found help other shoppers most. To improve yours:")]
    lines += [f"• {h['message']}" for h in result.hints]
    lines.append(_("Edit it any time; a moderator will look at it either way."))
    notification_send(
        user_id=case.author_id, kind=f"moderation.{case.content_type}.low_quality", title=title,
        body="\n".join(lines), url=registry.get(case.content_type).edit_url(case.object_id),
    )


def band_is_featured(score):
    return band_for_score(score) not in (None, LOW)
