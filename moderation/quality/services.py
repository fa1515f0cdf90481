"""Quality score writes: compute an item's score from what its registry adapter says
about it, store it (``QualityScore`` + the owning app's denormalised copy), rescore
(debounced) when votes or reports change, and hold low scores at screening.

Reads go through ``moderation.registry`` adapters (``quality_input``), writes to the
content through the adapter too (``set_quality`` -> ``community.services.review_set_quality``),
so a new kind of content is scored by adding two adapter methods.
"""
import logging
import time
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from community.services import notification_send
from core import localcache
from core.i18n import source_text
from moderation import registry
from moderation.quality import batch, scorer
from moderation.quality.bands import LOW, band_for_score, hold_below

log = logging.getLogger(__name__)

RESCORE_DEBOUNCE_SECONDS = 60
LEARNED_KIND = "quality"


def _debounce_seconds():
    return int(getattr(settings, "QUALITY_RESCORE_DEBOUNCE_SECONDS", RESCORE_DEBOUNCE_SECONDS))


# --- compute and store ------------------------------------------------------------------------


def _load_learned():
    try:
        from moderation.learning import load_active

        return load_active(LEARNED_KIND)
    except Exception:
        log.exception("quality: learned component unavailable")
        return None


def learned_probability(text, *, rating=None, lang=None):
    """P(low) from the active "quality" model, or None (no model, or it failed)."""
    return batch.learned_many({0: {"text": text or "", "rating": rating, "lang": lang}}, _load_learned()).get(0)


def quality_compute_many(*, content_type, object_ids, outcomes=None, inputs=None, use_learned=True):
    """{object_id: QualityResult or None} for many items of one kind, in a fixed number of
    queries whatever the batch size (see moderation/quality/batch.py). None: the item is
    gone or has nothing to score (a rating alone). Reads only. ``outcomes`` maps ids to
    their screening outcome, whose detector results are reused."""
    adapter = registry.get(content_type)
    object_ids = list(object_ids)
    if inputs is None:
        inputs = adapter.quality_inputs(object_ids)
    inputs = {i: d for i, d in inputs.items() if d is not None}
    try:
        dups = batch.duplicate_facts_many(content_type, inputs, outcomes)
    except Exception:
        log.exception("quality: duplicate lookup failed for %d %s items", len(inputs), content_type)
        dups = {}
    originals = batch.original_photos_many(content_type, inputs, outcomes)
    reports = batch.upheld_reports_many(content_type, inputs)
    learned = batch.learned_many(inputs, _load_learned()) if use_learned else {}
    out = dict.fromkeys(object_ids)
    for object_id, data in inputs.items():
        similar, copies = dups.get(object_id, (0, False))
        out[object_id] = scorer.score_text(
            data.get("text") or "",
            rating=data.get("rating"),
            lang=data.get("lang"),
            kind=data.get("kind", "review"),
            aspects=data.get("aspects") or (),
            tags=data.get("tags") or (),
            photos=data.get("photos") or 0,
            original_photos=originals.get(object_id, 0),
            similar_count=similar,
            copies_description=copies,
            helpful=data.get("helpful") or 0,
            not_helpful=data.get("not_helpful") or 0,
            upheld_reports=reports.get(object_id, 0),
            learned=learned.get(object_id),
        )
    return out


def quality_compute(*, content_type, object_id, outcome=None, data=None, use_learned=True):
    """The item's ``QualityResult``, or None for content that is gone or has nothing to
    score (a rating alone). Reads only."""
    return quality_compute_many(
        content_type=content_type, object_ids=[object_id],
        outcomes={object_id: outcome} if outcome is not None else None,
        inputs={object_id: data} if data is not None else None, use_learned=use_learned,
    )[object_id]


def quality_store_many(*, content_type, results):
    """Store {object_id: QualityResult or None}: upsert the ``QualityScore`` rows (one
    statement), drop the rows of items left with nothing to score, and hand every score
    to the owning app (``set_quality_many``). Returns (stored, forgotten)."""
    from moderation.models import QualityScore

    now = timezone.now()
    rows = [
        QualityScore(
            content_type=content_type, object_id=object_id, score=r.score, band=r.band, components=r.components,
            explanation_zh=r.explanation_zh[:300], explanation_en=r.explanation_en[:300], version=scorer.VERSION,
            computed_at=now,
        )
        for object_id, r in results.items() if r is not None
    ]
    gone = [object_id for object_id, r in results.items() if r is None]
    adapter = registry.get(content_type)
    # All or nothing; no savepoint of its own inside a caller's block (screening wraps it in one).
    with transaction.atomic(savepoint=False):
        if rows:
            QualityScore.objects.bulk_create(
                rows, batch_size=500, update_conflicts=True, unique_fields=["content_type", "object_id"],
                update_fields=["score", "band", "components", "explanation_zh", "explanation_en", "version",
                               "computed_at"],
            )
        forgotten = 0
        if gone:
            forgotten, _ = QualityScore.objects.filter(content_type=content_type, object_id__in=gone).delete()
        adapter.set_quality_many({
            **{row.object_id: row.score for row in rows},
            **dict.fromkeys(gone),
        })
    return len(rows), forgotten


def quality_store(*, content_type, object_id, result):
    """Upsert the item's ``QualityScore`` and hand the score to the owning app."""
    from moderation.models import QualityScore

    quality_store_many(content_type=content_type, results={object_id: result})
    return QualityScore.objects.get(content_type=content_type, object_id=object_id)


def quality_forget(*, content_type, object_id):
    """Drop the score of an item that no longer has anything to score."""
    _stored, forgotten = quality_store_many(content_type=content_type, results={object_id: None})
    return bool(forgotten)


def quality_score_item(*, content_type, object_id):
    """Compute and store one item's score (Celery: ``moderation.quality_score_item``).
    Returns the ``QualityScore`` row, or None when there is nothing to score."""
    result = quality_compute(content_type=content_type, object_id=object_id)
    if result is None:
        quality_forget(content_type=content_type, object_id=object_id)
        return None
    return quality_store(content_type=content_type, object_id=object_id, result=result)


def quality_rescore_batch(*, content_type, object_ids, use_learned=True):
    """Recompute and store the scores of a batch of items (``quality rescore`` and the
    Celery task ``moderation.quality_rescore_batch``). Returns (scored, forgotten)."""
    results = quality_compute_many(content_type=content_type, object_ids=object_ids, use_learned=use_learned)
    return quality_store_many(content_type=content_type, results=results)


def rescore_debounce_key(content_type, object_id):
    return f"moderation:quality:rescore:{content_type}:{object_id}"


def quality_rescore_soon(*, content_type, object_id):
    """Rescore after votes / reports, coalescing bursts: the first change in a window
    enqueues one task (after commit, delayed by the window); later ones in the window
    find the key and add nothing. The task clears the key before it reads."""
    from moderation import tasks

    seconds = _debounce_seconds()
    key = rescore_debounce_key(content_type, object_id)
    # This process rang for the item less than a window ago: that task waits out the window before
    # it clears the key, so the key is still there and adding it would fail (one Redis round trip
    # fewer on most votes). Eager tasks clear the key at once, so there every change asks.
    eager = tasks.quality_rescore.app.conf.task_always_eager
    rang_until = localcache.hint_get(key)
    if not eager and rang_until is not None and time.monotonic() < rang_until:
        return False
    if not cache.add(key, 1, seconds + 30):
        return False
    if not eager:  # a few seconds short of the window: the worker's clock may run ahead of this one
        localcache.hint_set(key, time.monotonic() + max(seconds - 5, 0))
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

    cache.delete(rescore_debounce_key(content_type, object_id))
    if not QualityScore.objects.filter(content_type=content_type, object_id=object_id).exists():
        return None
    return quality_score_item(content_type=content_type, object_id=object_id)


# --- screening -------------------------------------------------------------------------------


@dataclass
class ScreenQuality:
    result: object  # QualityResult
    held: bool  # below QUALITY_HOLD_BELOW: queue with reason "low_quality" instead of publishing


def quality_screen(*, case, outcome=None, inputs=None):
    """Score an item at screening (reads only). Never raises: a scoring failure must not
    stop screening, it only means the item is published without a score for now.
    ``inputs``: the adapter's ``quality_inputs([object_id])`` when screening already read it."""
    try:
        result = quality_compute_many(
            content_type=case.content_type, object_ids=[case.object_id],
            outcomes={case.object_id: outcome} if outcome is not None else None, inputs=inputs,
        )[case.object_id]
    except Exception:
        log.exception("quality: scoring failed for case %s", case.pk)
        return None
    if result is None:
        return None
    holds = getattr(registry.get(case.content_type), "holds_low_quality", True)
    return ScreenQuality(result=result, held=holds and result.score < hold_below())


def quality_after_screen(*, case, quality):
    """Inside case_screen's transaction: store the score, and tell the author of a held
    item why and how to improve it."""
    if quality is None:
        return
    try:
        with transaction.atomic():  # a savepoint: a failure here must not undo the screening decision
            quality_store_many(content_type=case.content_type, results={case.object_id: quality.result})
            if quality.held:  # held means the decision is "queue", with reason low_quality
                _notify_held(case, quality.result)
    except Exception:
        log.exception("quality: could not store the score of case %s", case.pk)


def _notify_held(case, result):
    adapter = registry.get(case.content_type)
    title = gettext_noop("Your %(kind)s is waiting for a moderator: it looks low on detail")
    if case.content_type == "entry":
        lead = _("Entries that say what should change, and why, get the most votes. To improve yours:")
    else:
        lead = _("Reviews that say what you found help other shoppers most. To improve yours:")
    lines = [lead, *(f"• {h['message']}" for h in result.hints)]
    url = adapter.edit_url(case.object_id)
    lines.append(_("Edit it any time; a moderator will look at it either way.") if url
                 else _("A moderator will look at it soon; next time, these hints help it through at once."))
    notification_send(
        user_id=case.author_id, kind=f"moderation.{case.content_type}.low_quality", title=title,
        title_params={"kind": source_text(adapter.label)},
        body="\n".join(lines), url=url or _preview_url(adapter, case.object_id),
    )


def _preview_url(adapter, object_id):
    try:
        preview = adapter.previews([object_id]).get(object_id)
    except NotImplementedError:
        return ""
    return getattr(preview, "url", "") or ""


def band_is_featured(score):
    return band_for_score(score) not in (None, LOW)
