"""Reading JSON-lines input for the ``integrity`` subcommands (``score --reviews``, ``replay
--events``): a path or ``-`` for standard input, read as bytes so a line that is not UTF-8 is
reported with its number, every bad line collected, and nothing returned unless all are good."""
import json
import sys

from django.core.management.base import CommandError

MAX_ERRORS_SHOWN = 10


def read_json_lines(path, parse, *, nothing_done):
    """``parse(text, number)`` turns one line's text into a record or raises ``ValueError``
    (``json.JSONDecodeError`` included); the records come back in order. Any bad line raises one
    ``CommandError`` naming up to ten of them by number, ending "nothing <nothing_done>"."""
    try:
        fh = getattr(sys.stdin, "buffer", sys.stdin) if path == "-" else open(path, "rb")
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc}") from exc
    records, errors = [], []
    try:
        for number, line in enumerate(fh, 1):
            try:
                text = line.decode("utf-8") if isinstance(line, bytes) else line
                records.append(parse(text, number))
            except UnicodeDecodeError:
                errors.append(f"line {number}: not UTF-8 text")
            except json.JSONDecodeError as exc:
                errors.append(f"line {number}: not valid JSON ({exc.msg})")
            except ValueError as exc:
                errors.append(f"line {number}: {exc}")
    finally:
        if path != "-":
            fh.close()
    if errors:
        more = f"\n... and {len(errors) - MAX_ERRORS_SHOWN} more" if len(errors) > MAX_ERRORS_SHOWN else ""
        raise CommandError(f"{len(errors)} bad input line(s), nothing {nothing_done}:\n"
                           + "\n".join(errors[:MAX_ERRORS_SHOWN]) + more)
    return records
