"""The personal-data registry: every model that holds personal data says here how it is
exported and how it is erased (deleted or anonymised); every other model with a user key,
contact field or free text is listed as holding none, with the reason. A test walks all
installed models and fails on any model in neither list, so a new table cannot forget privacy.

Apps register from their ``AppConfig.ready()``; this module imports no app above it.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

# An exporter yields JSON-ready dicts for one user; an eraser removes or anonymises that
# user's rows and returns how many rows it touched. ``keep_content`` is the person's choice
# at deletion: keep their reviews/entries anonymised as "deleted user" (True) or remove them.
Exporter = Callable[[Any], Iterable[dict]]
Eraser = Callable[[Any, bool], int]


@dataclass(frozen=True)
class PersonalData:
    label: str  # "app_label.ModelName"
    file: str  # name of the JSON file in the export ZIP, e.g. "reviews.json"
    description: str  # msgid for the export README (translated at build time)
    export: Exporter
    erase: Eraser
    order: int = 100  # erase order: lower first (children before parents)


_PERSONAL: dict[str, PersonalData] = {}
_NO_PERSONAL: dict[str, str] = {}


def personal_data_register(entry: PersonalData) -> None:
    if entry.label in _PERSONAL or entry.label in _NO_PERSONAL:
        raise ValueError(f"{entry.label} is already registered")
    _PERSONAL[entry.label] = entry


def no_personal_data_register(label: str, why: str) -> None:
    if label in _PERSONAL or label in _NO_PERSONAL:
        raise ValueError(f"{label} is already registered")
    _NO_PERSONAL[label] = why


def personal_data_entries() -> list[PersonalData]:
    return sorted(_PERSONAL.values(), key=lambda e: (e.order, e.label))


def no_personal_data_labels() -> dict[str, str]:
    return dict(_NO_PERSONAL)
