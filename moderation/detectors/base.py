"""The detector interface every screening step implements.

A detector reads a ``ScreenInput`` (the original text, its normalised form and
metadata) and returns a ``DetectorResult``: labels, a score in [0, 1], an
action ("" / flag / hold / block) and evidence. Text evidence always points at
the ORIGINAL text (``start``/``end`` offsets into ``ScreenInput.text``), so the
queue can highlight exactly what the author wrote. ``run`` must not write to
the database (the ``moderation screen`` command runs the pipeline dry);
detectors that keep an index implement ``remember``, called after a decision.
"""
from dataclasses import asdict, dataclass, field

FLAG, HOLD, BLOCK = "flag", "hold", "block"
ACTION_RANK = {"": 0, FLAG: 1, HOLD: 2, BLOCK: 3}


@dataclass
class Evidence:
    label: str
    start: int | None = None  # offsets into the original text
    end: int | None = None
    text: str = ""
    image: str = ""  # image key for image evidence
    sensitive: bool = False  # personal data: mask for everyone but the author

    def as_dict(self):
        # Keep offset 0 (0 == False, so a plain ``v not in (None, "", False)`` would drop it).
        return {k: v for k, v in asdict(self).items() if not (v is None or v is False or v == "")}


@dataclass
class DetectorResult:
    name: str
    labels: list = field(default_factory=list)
    score: float = 0.0
    action: str = ""
    evidence: list = field(default_factory=list)  # list[Evidence]
    data: dict = field(default_factory=dict)  # e.g. similar item ids, classifier version

    def as_dict(self):
        return {
            "name": self.name,
            "labels": list(self.labels),
            "score": round(float(self.score), 4),
            "action": self.action,
            "evidence": [e.as_dict() for e in self.evidence],
            "data": self.data,
        }


@dataclass
class ImageInput:
    key: str  # storage name, stable per image
    data: bytes


@dataclass
class ScreenInput:
    text: str
    language: str = ""
    content_type: str = "text"
    object_id: int | None = None
    author_id: int | None = None
    scope: str = ""  # e.g. "product:12": duplicates of the same product's content weigh more
    reference_texts: list = field(default_factory=list)  # e.g. the product description
    images: list = field(default_factory=list)  # list[ImageInput]
    metadata: dict = field(default_factory=dict)  # rating, account_age_days, ...
    normalized: "object" = None  # filled by the pipeline: moderation.text.Normalized


class Detector:
    name = "base"

    def run(self, inp: ScreenInput) -> DetectorResult:
        raise NotImplementedError

    def remember(self, inp: ScreenInput) -> None:
        """Persist what later screenings compare against (fingerprints); default: nothing."""
