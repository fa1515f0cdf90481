"""Near-duplicate text across authors (copy-paste review rings) and copies of the
product description.

MinHash (64 permutations) over character 3-shingles of the normalised text,
letters/digits/CJK only, with LSH banding (16 bands x 4 rows: two texts with
Jaccard 0.6 share a band with probability ~0.9). The index lives in the database
(``TextFingerprint`` + ``LshBucket``) so it survives restarts and is shared by all
workers; ``run`` only reads it, ``remember`` writes it.
"""
import hashlib

import numpy as np
from datasketch import MinHash
from django.db import connection, transaction

from moderation.detectors.base import (
    FLAG,
    HOLD,
    Detector,
    DetectorResult,
    Evidence,
    ScreenInput,
)
from moderation.text import compact, normalize, normalized_for

NUM_PERM = 64
BANDS, ROWS = 16, 4
SHINGLE = 3
MIN_CHARS = 15  # shorter normalised texts ("很好很好，满意") are too short to judge
MATCH_AT = 0.6  # estimated Jaccard for a near-duplicate
DESCRIPTION_MATCH_AT = 0.6  # share of the review's shingles found in the description
MAX_CANDIDATES = 200
TOP = 5
RING_SIZE = 3  # this many matching authors: a review ring, hold it

_TEMPLATE = MinHash(num_perm=NUM_PERM, seed=1)
assert BANDS * ROWS == NUM_PERM


def shingles(compacted: str):
    if len(compacted) < SHINGLE:
        return set()
    return {compacted[i:i + SHINGLE] for i in range(len(compacted) - SHINGLE + 1)}


def signature_of_shingles(shingle_set):
    m = MinHash(num_perm=NUM_PERM, permutations=_TEMPLATE.permutations, scheme=_TEMPLATE.scheme)
    m.update_batch([s.encode("utf-8", "surrogatepass") for s in shingle_set])
    return np.asarray(m.hashvalues, dtype=np.uint32)


def signature(text_or_normalized):
    """The MinHash signature (uint32[64]) of a text, or ``None`` if it is too short to judge."""
    norm = text_or_normalized if hasattr(text_or_normalized, "text") else normalize(text_or_normalized)
    compacted = compact(norm.text)
    if len(compacted) < MIN_CHARS:
        return None
    return signature_of_shingles(shingles(compacted))


def band_keys(sig):
    """One signed 64-bit key per band (band index included, so bands never collide)."""
    raw = np.ascontiguousarray(sig, dtype="<u4").tobytes()
    width = ROWS * 4
    return [
        int.from_bytes(hashlib.blake2b(bytes([b]) + raw[b * width:(b + 1) * width], digest_size=8).digest(),
                       "little", signed=True)
        for b in range(BANDS)
    ]


def to_bytes(sig):
    return np.ascontiguousarray(sig, dtype="<u4").tobytes()


def from_bytes(blob):
    return np.frombuffer(bytes(blob), dtype="<u4")


def similarity(a, b):
    """Estimated Jaccard similarity of two signatures."""
    if a is None or b is None or len(a) != len(b):
        return 0.0
    return float(np.count_nonzero(a == b)) / len(a)


def bucket_rows(keys):
    """[(key, fingerprint_id)] for the given bucket keys, the ``MAX_CANDIDATES`` newest per
    key. A crowded bucket (a template phrase thousands of shoppers typed) costs the same as
    a quiet one: on PostgreSQL each key is a LATERAL index-only scan of the
    (key, fingerprint_id) index that stops after ``MAX_CANDIDATES`` rows."""
    from moderation.models import LshBucket

    keys = list(keys)
    if not keys:
        return []
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(LshBucket._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT k.key, b.fingerprint_id FROM unnest(%s::bigint[]) AS k(key) CROSS JOIN LATERAL "
                f"(SELECT fingerprint_id FROM {table} WHERE key = k.key ORDER BY fingerprint_id DESC LIMIT %s) AS b",
                [keys, MAX_CANDIDATES],
            )
            return cursor.fetchall()
    rows, per_key = [], {}
    for key, fp_id in LshBucket.objects.filter(key__in=keys).order_by("-fingerprint_id").values_list(
            "key", "fingerprint_id"):
        if per_key.get(key, 0) < MAX_CANDIDATES:
            per_key[key] = per_key.get(key, 0) + 1
            rows.append((key, fp_id))
    return rows


class DuplicateDetector(Detector):
    name = "duplicate"

    def candidates(self, inp, keys):
        from moderation.models import TextFingerprint

        fp_ids = sorted({fp for _key, fp in bucket_rows(keys)})
        if not fp_ids:
            return []
        # Written out: once per screened item, and the ORM spent ~8x this statement's CPU on it.
        where, params = [f"id IN ({', '.join(['%s'] * len(fp_ids))})"], list(fp_ids)
        if inp.object_id is not None:
            where.append("NOT (content_type = %s AND object_id = %s)")
            params += [inp.content_type, inp.object_id]
        if inp.author_id is not None:
            where.append("(author_id IS NULL OR author_id <> %s)")  # keeps author-less rows (descriptions)
            params.append(inp.author_id)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT content_type, object_id, author_id, scope, signature FROM {TextFingerprint._meta.db_table} "
                f"WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT %s",
                [*params, MAX_CANDIDATES],
            )
            return cursor.fetchall()

    def run(self, inp: ScreenInput) -> DetectorResult:
        norm = normalized_for(inp)
        compacted = compact(norm.text)
        if len(compacted) < MIN_CHARS:
            return DetectorResult(name=self.name, data={"skipped": "too_short"})
        own = shingles(compacted)
        sig = signature_of_shingles(own)
        return self.judge(inp, own, sig, self.candidates(inp, band_keys(sig)))

    def judge(self, inp: ScreenInput, own, sig, candidates) -> DetectorResult:
        """The verdict from the item's shingles and signature and its candidate rows
        ``(content_type, object_id, author_id, scope, signature)`` (the item itself and
        its author's other items already left out). ``run`` fetches the candidates of one
        item; ``moderation.quality.batch`` fetches those of a whole batch at once."""
        similar, descriptions = [], []
        for content_type, object_id, author_id, scope, blob in candidates:
            sim = similarity(sig, from_bytes(blob))
            if sim < MATCH_AT:
                continue
            item = {"content_type": content_type, "object_id": object_id, "similarity": round(sim, 3)}
            if author_id is None:
                descriptions.append(item)
            else:
                item["same_scope"] = bool(inp.scope) and scope == inp.scope
                similar.append(item)
        for ref in inp.reference_texts or []:
            ref_shingles = shingles(compact(normalize(ref).text))
            if ref_shingles:
                contained = len(own & ref_shingles) / len(own)
                if contained >= DESCRIPTION_MATCH_AT:
                    descriptions.append({"reference": True, "similarity": round(contained, 3)})

        labels, score, action, evidence = [], 0.0, "", []
        if similar:
            similar.sort(key=lambda s: (-s["similarity"], -s["object_id"]))
            labels.append("near_duplicate")
            score = min(0.8, 0.5 + 0.1 * (len(similar) - 1) + (0.1 if any(s["same_scope"] for s in similar) else 0))
            action = HOLD if len(similar) >= RING_SIZE else FLAG
            evidence.append(Evidence(label="near_duplicate", start=0, end=len(inp.text or "")))
        if descriptions:
            labels.append("copies_description")
            score = max(score, 0.5)
            action = action or FLAG
            evidence.append(Evidence(label="copies_description", start=0, end=len(inp.text or "")))
        data = {"similar": similar[:TOP], "matches": len(similar)} if similar else {}
        if descriptions:
            data["description"] = max(d["similarity"] for d in descriptions)
        return DetectorResult(name=self.name, labels=labels, score=score, action=action, evidence=evidence, data=data)

    def remember(self, inp: ScreenInput) -> None:
        """Upsert this item's fingerprint and buckets (replacing them on edit). Idempotent."""
        from moderation.models import LshBucket, TextFingerprint

        if inp.object_id is None:
            return
        sig = signature(normalized_for(inp))
        # No savepoint of its own: ``remember_all`` already runs each detector in one, and
        # three statements (upsert, drop old buckets, add new ones) are all or nothing anyway.
        with transaction.atomic(savepoint=False):
            if sig is None:
                TextFingerprint.objects.filter(content_type=inp.content_type, object_id=inp.object_id).delete()
                return
            fp = TextFingerprint(content_type=inp.content_type, object_id=inp.object_id, author_id=inp.author_id,
                                 scope=inp.scope or "", signature=to_bytes(sig))
            TextFingerprint.objects.bulk_create(
                [fp], update_conflicts=True, unique_fields=["content_type", "object_id"],
                update_fields=["author_id", "scope", "signature"],
            )
            if fp.pk is None:  # a backend that returns no id from an upsert
                fp.pk = TextFingerprint.objects.values_list("pk", flat=True).get(
                    content_type=inp.content_type, object_id=inp.object_id)
            LshBucket.objects.filter(fingerprint_id=fp.pk).delete()  # an edit's old buckets; none when new
            LshBucket.objects.bulk_create([LshBucket(fingerprint_id=fp.pk, key=k) for k in band_keys(sig)])
