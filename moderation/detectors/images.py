"""Images: the same photo posted by different authors (stolen or ring photos) and
images too small to show anything.

Perceptual hash (``imagehash.phash``, 64 bits) per image, stored in
``ImageFingerprint`` split into four 16-bit chunks: two hashes within Hamming
distance 3 differ in at most 3 chunks, so they share at least one (pigeonhole),
and the lookup is four indexed equality tests instead of a scan.
"""
import io
import logging
import warnings

import imagehash
import numpy as np
from django.db import transaction
from django.db.models import Q
from PIL import Image

from moderation.detectors.base import (
    FLAG,
    Detector,
    DetectorResult,
    Evidence,
    ScreenInput,
)

log = logging.getLogger(__name__)

HAMMING_MAX = 3
TINY_SIDE = 200  # px: smaller on either side is a "tiny_image"
BLANK_STDDEV = 3.0  # near-uniform images all hash alike: never call them duplicates
MAX_CANDIDATES = 500
SCORES = {"duplicate_image": 0.5, "tiny_image": 0.1, "unreadable_image": 0.2}
_MASK64 = (1 << 64) - 1


def to_signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def to_unsigned(value: int) -> int:
    return value & _MASK64


def chunks(value: int):
    """The four 16-bit chunks (c0 = most significant) of a 64-bit hash."""
    value = to_unsigned(value)
    return [(value >> (48 - 16 * i)) & 0xFFFF for i in range(4)]


def chunk_match(hashes):
    """The ImageFingerprint filter for rows sharing a 16-bit chunk, in the same position, with
    any of ``hashes``: every hash within HAMMING_MAX of one of them is among those rows."""
    parts = [set() for _ in range(4)]
    for h in hashes:
        for i, c in enumerate(chunks(h)):
            parts[i].add(c)
    q = Q()
    for i, values in enumerate(parts):
        if values:
            q |= Q(**{f"c{i}__in": values})
    return q


def hamming(a: int, b: int) -> int:
    return (to_unsigned(a) ^ to_unsigned(b)).bit_count()


def image_facts(data: bytes):
    """``(width, height, phash as unsigned int or None if blank)``; raises if unreadable."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        img = Image.open(io.BytesIO(data))
        width, height = img.size
        if img.format == "JPEG":
            img.draft("L", (128, 128))  # decode at reduced size: phash works on 32x32 anyway
        gray = img.convert("L")
    small = gray.resize((32, 32), Image.Resampling.LANCZOS)
    if float(np.asarray(small, dtype=np.float32).std()) < BLANK_STDDEV:
        return width, height, None
    return width, height, int(str(imagehash.phash(gray)), 16)


class ImageDetector(Detector):
    name = "image"

    def _facts(self, inp):
        out = []
        for image in inp.images or []:
            try:
                out.append((image, *image_facts(image.data)))
            except Exception:
                log.info("unreadable image %s", getattr(image, "key", "?"), exc_info=True)
                out.append((image, None, None, None))
        return out

    def run(self, inp: ScreenInput) -> DetectorResult:
        from moderation.models import ImageFingerprint

        facts = self._facts(inp)
        if not facts:
            return DetectorResult(name=self.name)
        evidence, labels, similar = [], set(), []
        hashes = [(image, h) for image, _, _, h in facts if h is not None]
        if hashes:
            qs = ImageFingerprint.objects.filter(chunk_match(h for _, h in hashes))
            if inp.object_id is not None:
                qs = qs.exclude(content_type=inp.content_type, object_id=inp.object_id)
            if inp.author_id is not None:
                qs = qs.exclude(author_id=inp.author_id)
            rows = list(
                qs.order_by("-id").values_list("content_type", "object_id", "image_key", "phash")[:MAX_CANDIDATES]
            )
            for image, h in hashes:
                matches = [r for r in rows if hamming(h, r[3]) <= HAMMING_MAX]
                if matches:
                    labels.add("duplicate_image")
                    evidence.append(Evidence(label="duplicate_image", image=image.key))
                    similar.extend(
                        {"image": image.key, "content_type": ct, "object_id": oid, "matches": key,
                         "distance": hamming(h, ph)}
                        for ct, oid, key, ph in matches[:3]
                    )
        for image, width, height, _ in facts:
            if width is None:
                labels.add("unreadable_image")
                evidence.append(Evidence(label="unreadable_image", image=image.key))
            elif min(width, height) < TINY_SIDE:
                labels.add("tiny_image")
                evidence.append(Evidence(label="tiny_image", image=image.key))
        if not labels:
            return DetectorResult(name=self.name)
        keep = 1.0
        for label in labels:
            keep *= 1 - SCORES[label]
        return DetectorResult(
            name=self.name,
            labels=sorted(labels, key=lambda lab: -SCORES[lab]),
            score=1 - keep,
            action=FLAG,
            evidence=evidence,
            data={"similar": similar[:5]} if similar else {},
        )

    def remember(self, inp: ScreenInput) -> None:
        """Store each image's hash (replacing this item's old ones on edit). Idempotent."""
        from moderation.models import ImageFingerprint

        if inp.object_id is None:
            return
        facts = [(image, h) for image, _, _, h in self._facts(inp) if h is not None]
        with transaction.atomic(savepoint=False):  # remember_all gives each detector a savepoint
            ImageFingerprint.objects.filter(content_type=inp.content_type, object_id=inp.object_id).exclude(
                image_key__in=[image.key for image, _ in facts]
            ).delete()
            for image, h in facts:
                c = chunks(h)
                ImageFingerprint.objects.update_or_create(
                    image_key=image.key,
                    defaults={
                        "content_type": inp.content_type, "object_id": inp.object_id, "author_id": inp.author_id,
                        "phash": to_signed(h), "c0": c[0], "c1": c[1], "c2": c[2], "c3": c[3],
                    },
                )
