"""Personal data an author should not publish: PRC resident ID numbers, bank card
numbers, mobile numbers. Always HOLD (a human decides; the pipeline never
auto-rejects on personal data alone) and evidence is marked ``sensitive`` so the
queue masks it (``mask``) for everyone but the author.
"""
import datetime
import itertools
import re

from moderation.detectors.base import HOLD, Detector, DetectorResult, ScreenInput
from moderation.detectors.util import evidence_at, overlaps
from moderation.text import CHINESE_DIGITS, normalized_for

SCORES = {"id_number": 0.8, "bank_card": 0.7, "phone": 0.6}
MAX_MATCHES = 50  # per pattern: enough evidence, bounded work on 100 KB texts

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CODES = "10X98765432"

ID_RE = re.compile(r"(?<![0-9a-z])[1-9][0-9]{16}[0-9x](?![0-9a-z])")
CARD_RE = re.compile(r"(?<![0-9])[3-6][0-9]{12,18}(?![0-9])")
MOBILE_RE = re.compile(r"(?<![0-9])(?:\+?86)?1[3-9][0-9]{9}(?![0-9])")
# Card lengths per prefix: UnionPay 62 (16-19), Visa 4 (13/16/19), Mastercard 5 (16),
# Amex 34/37 (15), Diners 36/38 (14), JCB 35 (16).
_CARD_LENGTHS = {"62": (16, 17, 18, 19), "4": (13, 16, 19), "5": (16,), "3": (14, 15, 16)}
_GROUP_SPLIT_RE = re.compile(r"[^0-9０-９]+")


def id_number_valid(value: str) -> bool:
    """A PRC resident ID: 17 digits, check code (ISO 7064 MOD 11-2), plausible birth date."""
    value = value.strip().upper()
    if len(value) != 18 or not value[:17].isdigit() or not value[:17].isascii():
        return False
    if value[0] not in "12345678":  # region codes 11-82
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], ID_WEIGHTS))
    if ID_CHECK_CODES[total % 11] != value[17]:
        return False
    try:
        born = datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return datetime.date(1900, 1, 1) <= born <= datetime.date.today()


def luhn_valid(digits: str) -> bool:
    if not digits.isdigit() or not digits.isascii():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def bank_card_valid(digits: str) -> bool:
    """13-19 digits, Luhn-valid, with a common issuer prefix and a length it uses."""
    if not 13 <= len(digits) <= 19 or not luhn_valid(digits):
        return False
    for prefix, lengths in _CARD_LENGTHS.items():
        if digits.startswith(prefix):
            return len(digits) in lengths
    return False


def _grouped_like_a_card(original: str) -> bool:
    """"6222 0212 3456 7890" yes; "36 37 38 39 40 41 42 43" (a size list) no: every group
    but the last has at least 3 digits."""
    groups = [g for g in _GROUP_SPLIT_RE.split(original) if g]
    return all(len(g) >= 3 for g in groups[:-1])


def _is_digit_like(ch):
    return ch.isdigit() or ch in CHINESE_DIGITS or ch in "xX"


def mask(text: str, keep: int = 4) -> str:
    """Mask every digit of ``text`` but the last ``keep``: "138 0013 8000" -> "*** **** 8000".

    Digit-like characters (full-width digits, 一二三, the X of an ID number) count too."""
    text = text or ""
    positions = [i for i, ch in enumerate(text) if _is_digit_like(ch)]
    hide = set(positions[:-keep] if keep else positions)
    return "".join("*" if i in hide else ch for i, ch in enumerate(text))


def mask_text(text: str, evidence, keep: int = 4) -> str:
    """``text`` with every sensitive evidence span (dicts or ``Evidence``) masked."""
    text = text or ""
    spans = []
    for ev in evidence or []:
        get = ev.get if isinstance(ev, dict) else lambda k, e=ev: getattr(e, k, None)
        if get("sensitive") and get("start") is not None and get("end") is not None:
            spans.append((int(get("start")), int(get("end"))))
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + mask(text[start:end], keep) + text[end:]
    return text


class PersonalDataDetector(Detector):
    name = "personal_data"

    def run(self, inp: ScreenInput) -> DetectorResult:
        norm = normalized_for(inp)
        t = norm.text
        found = []
        for m in itertools.islice(ID_RE.finditer(t), MAX_MATCHES):
            if id_number_valid(m.group()):
                found.append(("id_number", m.start(), m.end()))
        for m in itertools.islice(CARD_RE.finditer(t), MAX_MATCHES):
            span = (m.start(), m.end())
            if any(overlaps(span, f[1:]) for f in found):
                continue
            if bank_card_valid(m.group()) and _grouped_like_a_card(norm.original_text(*span)):
                found.append(("bank_card", *span))
        numbers = list(found)
        for m in itertools.islice(MOBILE_RE.finditer(t), MAX_MATCHES):
            span = (m.start(), m.end())
            if not any(overlaps(span, f[1:]) for f in numbers):
                found.append(("phone", *span))
        if not found:
            return DetectorResult(name=self.name)
        found.sort(key=lambda f: f[1])
        labels = sorted({f[0] for f in found}, key=lambda lab: -SCORES[lab])
        return DetectorResult(
            name=self.name,
            labels=labels,
            score=max(SCORES[lab] for lab in labels),
            action=HOLD,
            evidence=[evidence_at(norm, s, e, label, sensitive=True) for label, s, e in found[:20]],
        )
