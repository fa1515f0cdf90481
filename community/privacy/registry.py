"""The personal-data registry: every model that holds personal data says here how it is
exported and how it is erased (deleted or anonymised); every other model with a user key,
contact field or free text is listed as holding none, with the reason. A test walks all
installed models and fails on any model in neither list, so a new table cannot forget privacy.

Apps register from their ``AppConfig.ready()``; this module imports no app above it.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

# An exporter yields JSON-ready dicts for one user; an eraser removes or anonymises that
# user's rows and returns how many rows it touched. ``keep_content`` is the person's choice
# at deletion: keep their reviews/entries anonymised as "deleted user" (True) or remove them.
Exporter = Callable[[Any], Iterable[dict]]
Eraser = Callable[[Any, bool], int]
# Files that go into the export next to the JSON: (path inside the ZIP, an open-able Django
# file such as an ImageField's value), e.g. ("photos/review-12-1.jpg", photo.image).
FileLister = Callable[[Any], Iterable[tuple[str, Any]]]


@dataclass(frozen=True)
class PersonalData:
    label: str  # "app_label.ModelName"
    file: str  # name of the JSON file in the export ZIP, e.g. "reviews.json"
    description: str  # msgid for the export README (translated at build time)
    export: Exporter
    erase: Eraser
    order: int = 100  # erase order: lower first (children before parents)
    files: FileLister | None = None


_PERSONAL: dict[str, PersonalData] = {}
_NO_PERSONAL: dict[str, str] = {}


def personal_data_register(entry: PersonalData) -> None:
    if entry.label in _PERSONAL or entry.label in _NO_PERSONAL:
        raise ValueError(f"{entry.label} is already registered")
    if any(e.file == entry.file for e in _PERSONAL.values()):
        raise ValueError(f"{entry.file} is already the export file of another model")
    _PERSONAL[entry.label] = entry


def no_personal_data_register(label: str, why: str) -> None:
    if label in _PERSONAL or label in _NO_PERSONAL:
        raise ValueError(f"{label} is already registered")
    _NO_PERSONAL[label] = why


def personal_data_entries() -> list[PersonalData]:
    return sorted(_PERSONAL.values(), key=lambda e: (e.order, e.label))


def no_personal_data_labels() -> dict[str, str]:
    return dict(_NO_PERSONAL)


# --- completeness: which models look like they hold personal data ---------------------------

# Field names that suggest contact data or a network address: phone, mobile, wechat, qq, ip,
# ip_address, address, shipping_address ... (not "email": EmailField is checked by type).
CONTACT_NAME = re.compile(r"(^|_)(phone|mobile|tel|wechat|qq|ip|ip_address|address|addr)($|_)", re.IGNORECASE)


def personal_data_signs(model) -> list[str]:
    """Why ``model`` looks like it holds personal data: a key to the user model, an e-mail,
    a phone / IP / address field, or free text. Empty when nothing suggests it."""
    from django.conf import settings
    from django.db import models

    signs = []
    for field in model._meta.concrete_fields:
        remote = getattr(field, "related_model", None)
        if field.is_relation and remote is not None and remote._meta.label == settings.AUTH_USER_MODEL:
            signs.append(f"{field.name}: key to the user")
        elif isinstance(field, models.EmailField):
            signs.append(f"{field.name}: e-mail")
        elif isinstance(field, models.GenericIPAddressField) or CONTACT_NAME.search(field.name):
            signs.append(f"{field.name}: contact or network address")
        elif isinstance(field, models.TextField):
            signs.append(f"{field.name}: free text")
    return signs


def personal_data_unregistered() -> dict[str, list[str]]:
    """{model label: signs} for every installed model that looks personal and is in neither
    list. Proxy models share their concrete model's table and are skipped."""
    from django.apps import apps

    missing = {}
    for model in apps.get_models():
        label = model._meta.label
        if model._meta.proxy or label in _PERSONAL or label in _NO_PERSONAL:
            continue
        signs = personal_data_signs(model)
        if signs:
            missing[label] = signs
    return missing
