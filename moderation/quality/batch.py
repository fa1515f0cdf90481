"""The facts a quality score needs beyond the text, for many items at once.

``quality_compute_many`` (moderation/quality/services.py) scores one item or a batch of
a thousand through these functions, so the single path and the rescore are the same code.
Each function answers for the whole batch in a fixed number of queries:

- ``duplicate_facts_many``: (similar_count, copies_description) per item. Candidates come
  from the near-duplicate index: one query for the LSH buckets of every item's signature
  (at most ``MAX_CANDIDATES`` newest per bucket), one for the fingerprints they point at;
  ``DuplicateDetector.judge`` then decides per item exactly as screening does.
- ``original_photos_many``: photos not found elsewhere (perceptual hashes), two queries.
- ``upheld_reports_many``: one grouped query.
- ``learned_many``: one ``predict_proba`` call on the active quality model.

Screening already ran the duplicate and image detectors; their results (``outcomes``)
are used instead of asking again.
"""
import logging

from django.db import connection

from moderation.detectors.base import ScreenInput

log = logging.getLogger(__name__)


def _result(outcome, name):
    if outcome is None:
        return None
    return next((r for r in getattr(outcome, "results", []) if r.name == name), None)


def _facts_from_result(result):
    labels = result.labels or []
    return int((result.data or {}).get("matches", 0)), "copies_description" in labels


def duplicate_facts_many(content_type, inputs, outcomes=None):
    """{object_id: (similar_count, copies_description)} for items with text."""
    from moderation.detectors.duplicate import (
        MAX_CANDIDATES,
        MIN_CHARS,
        DuplicateDetector,
        band_keys,
        bucket_rows,
        shingles,
        signature_of_shingles,
    )
    from moderation.models import TextFingerprint
    from moderation.text import compact, normalized_for

    outcomes = outcomes or {}
    facts, pending = {}, {}
    for object_id, data in inputs.items():
        if not (data.get("text") or "").strip():
            continue
        result = _result(outcomes.get(object_id), "duplicate")
        if result is not None:
            facts[object_id] = _facts_from_result(result)
            continue
        inp = ScreenInput(
            text=data["text"], language=data.get("lang") or "", content_type=content_type, object_id=object_id,
            author_id=data.get("author_id"), scope=data.get("scope") or "",
            reference_texts=list(data.get("reference_texts") or []),
        )
        compacted = compact(normalized_for(inp).text)
        if len(compacted) < MIN_CHARS:
            facts[object_id] = (0, False)
            continue
        own = shingles(compacted)
        sig = signature_of_shingles(own)
        pending[object_id] = (inp, own, sig, band_keys(sig))
    if not pending:
        return facts

    by_key = {}
    for key, fp_id in bucket_rows({k for *_rest, keys in pending.values() for k in keys}):
        by_key.setdefault(key, []).append(fp_id)
    fp_ids = {fp for ids in by_key.values() for fp in ids}
    rows = {
        row[0]: row[1:]
        for row in TextFingerprint.objects.filter(id__in=fp_ids).values_list(
            "id", "content_type", "object_id", "author_id", "scope", "signature")
    } if fp_ids else {}

    detector = DuplicateDetector()
    for object_id, (inp, own, sig, keys) in pending.items():
        ids = sorted({fp for k in keys for fp in by_key.get(k, ())}, reverse=True)
        candidates = []
        for fp in ids:
            row = rows.get(fp)
            if row is None or (row[0] == content_type and row[1] == object_id):
                continue
            if inp.author_id is not None and row[2] == inp.author_id:
                continue
            candidates.append(row)
            if len(candidates) >= MAX_CANDIDATES:
                break
        facts[object_id] = _facts_from_result(detector.judge(inp, own, sig, candidates))
    return facts


def original_photos_many(content_type, inputs, outcomes=None):
    """{object_id: photos not found elsewhere} for items with photos; items whose images
    are not hashed (yet) count every photo as original."""
    from moderation.detectors.images import HAMMING_MAX, chunk_match, hamming
    from moderation.detectors.images import MAX_CANDIDATES as IMAGE_CANDIDATES
    from moderation.models import ImageFingerprint

    outcomes = outcomes or {}
    out, ask = {}, []
    for object_id, data in inputs.items():
        photos = int(data.get("photos") or 0)
        if not photos:
            continue
        result = _result(outcomes.get(object_id), "image")
        if result is not None:
            copied = {e.image for e in result.evidence if e.label == "duplicate_image"}
            out[object_id] = max(0, photos - len(copied))
        else:
            out[object_id] = photos
            ask.append(object_id)
    if not ask:
        return out
    own = {}
    for object_id, phash in ImageFingerprint.objects.filter(content_type=content_type, object_id__in=ask).values_list(
            "object_id", "phash"):
        own.setdefault(object_id, []).append(phash)
    if not own:
        return out
    limit = IMAGE_CANDIDATES * len(own)
    others = list(ImageFingerprint.objects.filter(chunk_match(h for hs in own.values() for h in hs)).values_list("content_type", "object_id", "author_id", "phash")
                  .order_by("-id")[:limit])
    for object_id, hashes in own.items():
        author_id = inputs[object_id].get("author_id")
        elsewhere = [
            h for ct, oid, author, h in others
            if not (ct == content_type and oid == object_id) and (author_id is None or author != author_id)
        ]
        copied = sum(1 for h in hashes if any(hamming(h, o) <= HAMMING_MAX for o in elsewhere))
        out[object_id] = max(0, out[object_id] - copied)
    return out


def upheld_reports_many(content_type, object_ids):
    from moderation.models import Report

    ids = list(object_ids)
    if not ids:
        return {}
    # Written out: asked once per screened item, and the ORM's GROUP BY cost ~6x the statement.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT object_id, COUNT(*) FROM {Report._meta.db_table} WHERE content_type = %s AND status = %s "
            f"AND object_id IN ({', '.join(['%s'] * len(ids))}) GROUP BY object_id",
            [content_type, Report.Status.UPHELD, *ids],
        )
        return dict(cursor.fetchall())


def learned_many(inputs, loaded):
    """{object_id: P(low)} from the loaded quality model for items with text; {} when there
    is no model or it fails (the score is then built without the learned component)."""
    if loaded is None:
        return {}
    ids = [i for i, d in inputs.items() if (d.get("text") or "").strip()]
    if not ids:
        return {}
    try:
        probs = loaded.predict_proba([
            {"text": inputs[i]["text"], "rating": inputs[i].get("rating"), "lang": inputs[i].get("lang") or ""}
            for i in ids
        ])
    except Exception:
        log.exception("quality: learned component failed on a batch of %d", len(ids))
        return {}
    return dict(zip(ids, probs))
