"""Labelled quality examples: ``{"text", "label": "low"|"ok", "rating"?, "lang"?}`` lines.

The "quality" model kind learns the pair (low, high); "ok" (and the audit's "good" /
"acceptable", and "high") all map to the good label.
"""
import json
from pathlib import Path

from moderation.learning.datasets import LabelFileError

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "quality_sample.jsonl"
LABELS = {"low": "low", "ok": "high", "high": "high", "good": "high", "acceptable": "high"}


def labels_read(path) -> list:
    """Examples with labels mapped to the quality kind's pair; LabelFileError names the line."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise LabelFileError(f"{path}: cannot read ({exc.strerror or exc})") from None
    examples = []
    for number, raw_line in enumerate(raw.splitlines(), start=1):
        where = f"{path}:{number}"
        try:
            line = raw_line.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            raise LabelFileError(f"{where}: not UTF-8 text") from None
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise LabelFileError(f"{where}: invalid JSON ({exc.msg})") from None
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
