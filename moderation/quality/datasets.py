"""Labelled quality examples: ``{"text", "label": "low"|"ok", "rating"?, "lang"?}`` lines.

The "quality" model kind learns the pair (low, high); "ok" (and the audit's "good" /
"acceptable", and "high") all map to the good label.
"""
from pathlib import Path

from moderation.learning.datasets import LabelFileError, jsonl_rows

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "quality_sample.jsonl"
LABELS = {"low": "low", "ok": "high", "high": "high", "good": "high", "acceptable": "high"}


def labels_read(path) -> list:
    """Examples with labels mapped to the quality kind's pair; LabelFileError names the line."""
    examples = []
    for where, row in jsonl_rows(path):
        if not isinstance(row, dict) or not isinstance(row.get("text"), str) or not row["text"].strip():
            raise LabelFileError(f'{where}: expected an object with a non-empty "text"')
        label = LABELS.get(row.get("label"))
        if label is None:
            raise LabelFileError(f"{where}: unknown label {row.get('label')!r} (expected low or ok)")
        example = {"text": row["text"], "label": label}
        rating = row.get("rating")
        if rating is not None:
            if not isinstance(rating, int) or not 1 <= rating <= 5:
                raise LabelFileError(f"{where}: rating must be 1-5")
            example["rating"] = rating
        if row.get("lang") in ("zh", "en"):
            example["lang"] = row["lang"]
        examples.append(example)
    return examples
