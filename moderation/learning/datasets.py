"""Labelled examples from JSON-lines files, and the shipped warm-start sample."""
import json
from pathlib import Path

from .kinds import kind_get

SAMPLES = {"moderation": Path(__file__).resolve().parent.parent / "data" / "sample_labels.jsonl"}
OPTIONAL_KEYS = ("lang", "reason", "rating", "detectors")


class LabelFileError(ValueError):
    """A labels file that cannot be used; the message names the file and line."""


def jsonl_rows(path):
    """Yield ``(where, row)`` for each non-blank line of a UTF-8 JSON-lines file, where
    ``where`` is ``FILE:LINE`` for error messages; unreadable files, bad encoding and bad
    JSON raise LabelFileError naming the line."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise LabelFileError(f"{path}: cannot read ({exc.strerror or exc})") from None
    for number, raw_line in enumerate(raw.splitlines(), start=1):
        where = f"{path}:{number}"
        try:
            line = raw_line.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            raise LabelFileError(f"{where}: not UTF-8 text") from None
        if not line.strip():
            continue
        try:
            yield where, json.loads(line)
        except json.JSONDecodeError as exc:
            raise LabelFileError(f"{where}: invalid JSON ({exc.msg})") from None


def examples_read(path, *, kind="moderation") -> list:
    """Read ``{"text": ..., "label": ...}`` lines (optional lang, reason, rating,
    detectors). Blank lines are skipped; anything else wrong raises LabelFileError
    with the line number."""
    labels = kind_get(kind).labels
    examples = []
    for where, row in jsonl_rows(path):
        if not isinstance(row, dict):
            raise LabelFileError(f"{where}: expected a JSON object")
        text = row.get("text")
        if not isinstance(text, str) or not text.strip():
            raise LabelFileError(f'{where}: missing or empty "text"')
        label = row.get("label")
        if label not in labels:
            raise LabelFileError(f"{where}: unknown label {label!r} (expected one of: {', '.join(labels)})")
        detectors = row.get("detectors")
        if detectors is not None and not isinstance(detectors, dict):
            raise LabelFileError(f'{where}: "detectors" must be an object of detector name to score')
        examples.append({"text": text, "label": label, **{k: row[k] for k in OPTIONAL_KEYS if k in row}})
    return examples


def sample_examples(kind="moderation") -> list:
    """The labelled sample shipped with the code (empty for kinds without one)."""
    path = SAMPLES.get(kind)
    return examples_read(path, kind=kind) if path and path.exists() else []
