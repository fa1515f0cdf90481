"""Retention: how long each kind of personal data is kept, and the one run that deletes what is
past it (``privacy.retention_run`` on beat, ``manage.py retention run [--dry-run]``).

Each app registers its kinds from ``AppConfig.ready()`` (privacy: sign-ins; trials: shipping
data; moderation: rejected content; the data export and integrity signals add theirs the same
way). The number of days is a setting per kind, read at run time, with the default in the docs.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger("cocreate.privacy.retention")

# purge(now=, days=, dry_run=) -> how many rows were (or, dry, would be) deleted or emptied.
Purge = Callable[..., int]


@dataclass(frozen=True)
class RetentionPolicy:
    kind: str  # "login_history"
    setting: str  # "RETENTION_LOGIN_HISTORY_DAYS"
    default_days: int
    purge: Purge
    description: str  # what is removed, in English for the log and the command

    @property
    def days(self) -> int:
        return int(getattr(settings, self.setting, self.default_days))


_POLICIES: dict[str, RetentionPolicy] = {}


def retention_policy_register(policy: RetentionPolicy) -> None:
    if policy.kind in _POLICIES:
        raise ValueError(f"retention kind {policy.kind} is already registered")
    _POLICIES[policy.kind] = policy


def retention_policies() -> list[RetentionPolicy]:
    return sorted(_POLICIES.values(), key=lambda p: p.kind)


def retention_run(*, dry_run: bool = False, now: datetime | None = None) -> list[dict]:
    """Run every registered policy; returns one row per kind and logs the summary."""
    now = now or timezone.now()
    rows = []
    for policy in retention_policies():
        days = policy.days
        with transaction.atomic():
            count = policy.purge(now=now, days=days, dry_run=dry_run)
            if dry_run:  # a purge that can only count by doing: undo it (files go on commit)
                transaction.set_rollback(True)
        rows.append({"kind": policy.kind, "days": days, "count": count, "description": policy.description})
    logger.info(
        "retention %s: %s", "dry run" if dry_run else "run",
        ", ".join(f"{r['kind']}={r['count']} (>{r['days']}d)" for r in rows) or "no policies",
    )
    return rows
