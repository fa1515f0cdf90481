"""Writes of the interaction log: one row per action, inside the action's transaction, and the
retention that strips old rows of their signals after counting them into daily aggregates."""
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F
from django.db.models.functions import TruncDate
from django.utils import timezone

from community import hooks
from community.integrity import registry
from community.integrity import signals as integrity_signals
from community.integrity.models import (
    InteractionDaily,
    InteractionEvent,
    InteractionFlag,
)
from core import client_signals
from core.insertone import insert_one

Action = InteractionEvent.Action
RETENTION_BATCH = 5000


def helpful_action(helpful) -> str:
    """The action of a helpful-vote call: ``True`` helpful, ``False`` not helpful, ``None`` withdrawn."""
    if helpful is None:
        return Action.HELPFUL_WITHDRAW
    return Action.HELPFUL_VOTE if helpful else Action.UNHELPFUL_VOTE


def _actor_joined(actor, actor_id, signals):
    """When the actor's account was made, read from a user object already at hand when there is one."""
    if actor is not None:
        return actor.date_joined
    user = signals.user if signals is not None else None
    if user is not None and user.is_authenticated and user.pk == actor_id:
        return user.date_joined
    return get_user_model().objects.filter(pk=actor_id).values_list("date_joined", flat=True).first()


_ACTIONS = frozenset(Action.values)  # Choices.values builds a new list on every access


def interaction_record(*, action, actor=None, actor_id=None, target=None, target_author_id=None) -> InteractionEvent:
    """Log one interaction in the caller's transaction (one INSERT), with the current request's
    signals when there is a request. Pass ``actor`` (a user) or ``actor_id``; ``target`` is the
    object acted on (None for a check-in). The actor's level comes from the ``user_level`` hook
    (gamification's per-user cache); a subquery inside the INSERT measured more CPU per call.
    The row goes in through ``core.insertone`` (no post_save: nothing listens to this model)."""
    if action not in _ACTIONS:
        raise ValueError(f"unknown interaction action {action!r}")
    actor_id = actor.pk if actor is not None else actor_id
    now = timezone.now()
    signals = client_signals.current()
    joined = _actor_joined(actor, actor_id, signals)
    level = hooks.user_level(actor if actor is not None else actor_id)
    return insert_one(InteractionEvent(
        actor_id=actor_id, action=action, at=now,
        target_ct=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=target.pk if target is not None else None,
        target_author_id=target_author_id,
        ip_prefix_hash=signals.ip_prefix_hash if signals is not None else None,
        device_hash=signals.device_hash if signals is not None else None,
        ua_family=signals.ua_family if signals is not None else None,
        account_age_days=max((now - joined).days, 0) if joined is not None else None,
        actor_level=level["number"] if level else None,
    ))


def retention_cutoff(now=None):
    return (now or timezone.now()) - timedelta(days=settings.RETENTION_INTEGRITY_SIGNALS_DAYS)


def _daily_add(day, action, n):
    if InteractionDaily.objects.filter(day=day, action=action).update(count=F("count") + n):
        return
    try:
        with transaction.atomic():
            InteractionDaily.objects.create(day=day, action=action, count=n)
    except IntegrityError:  # created by a concurrent run in between
        InteractionDaily.objects.filter(day=day, action=action).update(count=F("count") + n)


def interaction_signals_expire(*, now=None, batch=RETENTION_BATCH) -> int:
    """Count every row older than the retention window into ``InteractionDaily`` and strip its
    signals (hashes, UA family, account age, level), ``batch`` rows per transaction by id range.
    Rows already stripped are never counted again, so running it twice changes nothing.
    Returns how many rows it stripped."""
    due = InteractionEvent.objects.filter(at__lt=retention_cutoff(now), signals_expired=False)
    done = 0
    while True:
        with transaction.atomic():
            ids = due.order_by("id")
            if connection.features.has_select_for_update_skip_locked:
                ids = ids.select_for_update(skip_locked=True)
            ids = list(ids.values_list("id", flat=True)[:batch])
            if not ids:
                return done
            rows = due.filter(id__gte=ids[0], id__lte=ids[-1])
            per_day = (rows.annotate(day=TruncDate("at")).values("day", "action")
                       .annotate(n=Count("id")).order_by("day", "action"))
            for row in per_day:
                _daily_add(row["day"], row["action"], row["n"])
            done += rows.update(signals_expired=True, ip_prefix_hash=None, device_hash=None, ua_family=None,
                                account_age_days=None, actor_level=None)


# --- invalidation and restore (issue 11 section 3; moderation.integrity_actions calls these) ---

ACTION_CHUNK = 500


def _refs(event_ids, **filters):
    ids = sorted({int(i) for i in event_ids})
    for start in range(0, len(ids), ACTION_CHUNK):
        rows = (InteractionEvent.objects.filter(pk__in=ids[start:start + ACTION_CHUNK], **filters)
                .order_by("id").values_list(*registry.EVENT_FIELDS))
        yield from (registry.EventRef(*row) for row in rows)


def _send_on_commit(signal, done):
    if done:
        transaction.on_commit(partial(signal.send, sender=None, event_ids=[r.id for r in done],
                                      actions=[r.action for r in done]))


def interactions_invalidate(event_ids, *, detector, score, evidence="", decided_by=None, source="auto",
                            per_event=None) -> int:
    """Mark the events invalid (kept, with an ``InteractionFlag``), and apply each action's
    registered effect: its row leaves the counts and its points are reversed (on commit). One
    transaction per event, the event's row claimed first by a conditional UPDATE, so two scans
    never invalidate one event twice. An automatic run (``source="auto"``) skips events a human
    restored. ``per_event`` ({event id: (detector, score, evidence)}) overrides the three per
    event (the scan's findings differ per event). Returns how many events were newly
    invalidated; 0 when run again."""
    done = []
    restored = set()
    if source == InteractionFlag.Source.AUTO:
        restored = set(InteractionFlag.objects.filter(event_id__in=list(event_ids), restored_at__isnull=False)
                       .values_list("event_id", flat=True))
    for ref in _refs(event_ids, valid=True):
        if ref.id in restored:
            continue
        det, sc, ev = (per_event or {}).get(ref.id, (detector, score, evidence))
        with transaction.atomic():
            if not InteractionEvent.objects.filter(pk=ref.id, valid=True).update(valid=False):
                continue  # taken by a concurrent run
            InteractionFlag.objects.update_or_create(event_id=ref.id, defaults={
                "detector": det[:40], "score": float(sc), "evidence": ev or "", "source": source,
                "created_at": timezone.now(), "decided_by": decided_by, "restored_at": None, "restored_by": None,
            })
            effect = registry.effect_for(ref.action)
            if effect is not None:
                effect.invalidate(ref, f"integrity.{det}"[:60])
            done.append(ref)
            _send_on_commit(integrity_signals.interactions_invalidated, [ref])
    return len(done)


def interactions_restore(event_ids, *, restored_by=None, note="") -> int:
    """Undo ``interactions_invalidate``: the events count again and their effects are restored
    (points re-awarded on commit). The flag stays, stamped restored, so the scan leaves the events
    alone from now on. The owning row is restored only once no other invalid event of the same
    actor, target and effect remains. Idempotent; returns how many events were restored."""
    done = []
    for ref in _refs(event_ids, valid=False):
        with transaction.atomic():
            if not InteractionEvent.objects.filter(pk=ref.id, valid=False).update(valid=True):
                continue
            InteractionFlag.objects.filter(event_id=ref.id).update(
                restored_at=timezone.now(), restored_by=restored_by, note=note or "")
            effect = registry.effect_for(ref.action)
            if effect is not None and not InteractionEvent.objects.filter(
                    actor_id=ref.actor_id, target_ct_id=ref.target_ct_id, target_id=ref.target_id,
                    action__in=effect.actions, valid=False).exists():
                effect.restore(ref)
            done.append(ref)
            _send_on_commit(integrity_signals.interactions_restored, [ref])
    return len(done)
