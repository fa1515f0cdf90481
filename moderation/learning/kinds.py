"""The label pair each model kind learns: the first label is the "bad" one whose
probability the model predicts (reject, low quality)."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    name: str
    bad: str
    good: str
    # The moderation model never sees the star rating: it must not learn to reject
    # reviews for being negative. The quality model needs it (stars vs text consistency).
    uses_rating: bool = True

    @property
    def labels(self):
        return (self.bad, self.good)


KINDS = {
    "moderation": Kind("moderation", bad="reject", good="approve", uses_rating=False),
    "quality": Kind("quality", bad="low", good="high"),
}


def kind_get(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise ValueError(f"unknown model kind {name!r}; known: {', '.join(sorted(KINDS))}") from None


def kind_register(name: str, *, bad: str, good: str) -> Kind:
    """Add a kind (or return the existing one if it is the same pair)."""
    kind = Kind(name, bad=bad, good=good)
    existing = KINDS.get(name)
    if existing is not None and existing != kind:
        raise ValueError(f"kind {name!r} is already registered with labels {existing.labels}")
    KINDS[name] = kind
    return kind
