"""Ledger integrity: verify the per-user hash chains and cached sums, rebuild the sums from rows."""
from django.db import transaction
from django.db.models import Max, Q, Sum

from gamification.models import PointsEntry, UserPoints

SUMS = {
    "total": Sum("amount"),
    "spendable": Sum("amount", filter=Q(vests_at__isnull=True) | Q(vested_at__isnull=False)),
    "level_points": Sum("amount", filter=Q(counts_toward_level=True)),
}


def _sums(user_id):
    agg = PointsEntry.objects.filter(user_id=user_id).aggregate(**SUMS)
    return {k: v or 0 for k, v in agg.items()}


def _all_sums() -> dict:
    """{user_id: sums} for every user with rows, in one grouped query."""
    rows = PointsEntry.objects.values("user_id").annotate(**SUMS).order_by()
    return {r["user_id"]: {k: r[k] or 0 for k in SUMS} for r in rows}


ZERO = {k: 0 for k in SUMS}


def ledger_verify(*, chunk=2000) -> dict:
    """Walk every user's chain in id order. Returns {"rows", "users", "broken": [..], "totals": [..]}:
    the first broken link per user and every cached total that disagrees with the rows."""
    from gamification.services import entry_hash

    broken, mismatched = [], []
    heads = {}
    bad_users = set()
    rows = 0
    qs = PointsEntry.objects.order_by("id").only(
        "id", "user_id", "amount", "action", "source_type", "source_id", "key", "reverses_id", "vests_at",
        "counts_toward_level", "created_at", "prev_hash", "hash",
    )
    for entry in qs.iterator(chunk_size=chunk):
        rows += 1
        if entry.user_id in bad_users:
            continue
        prev = heads.get(entry.user_id, "")
        problem = None
        if entry.prev_hash != prev:
            problem = "prev_hash does not match the previous row's hash"
        elif entry.hash != entry_hash(prev, entry):
            problem = "hash does not match the row's content"
        if problem:
            broken.append({"user_id": entry.user_id, "entry_id": entry.pk, "problem": problem})
            bad_users.add(entry.user_id)
        heads[entry.user_id] = entry.hash
    cached = {p.user_id: p for p in UserPoints.objects.all()}
    sums = _all_sums()
    for user_id in sorted(set(cached) | set(heads)):
        got = sums.get(user_id, ZERO)
        row = cached.get(user_id)
        have = {k: getattr(row, k) if row else 0 for k in got}
        if have != got:
            mismatched.append({"user_id": user_id, "cached": have, "ledger": got})
        elif row is not None and user_id not in bad_users and row.last_hash != heads.get(user_id, ""):
            broken.append({"user_id": user_id, "entry_id": None, "problem": "chain head differs from the last row"})
    return {"rows": rows, "users": len(set(cached) | set(heads)), "broken": broken, "totals": mismatched}


def ledger_rebuild() -> list[int]:
    """Recompute every user's cached sums (and level) from the rows; returns the users that changed."""
    from gamification.levels import level_compute, user_level_cache_set
    from gamification.services import user_points_lock

    changed = []
    sums_now = _all_sums()
    cached = {p.user_id: p for p in UserPoints.objects.all()}
    suspects = set()
    for user_id in set(sums_now) | set(cached):
        row, got = cached.get(user_id), sums_now.get(user_id, ZERO)
        if row is None or any(getattr(row, k) != v for k, v in got.items()):
            suspects.add(user_id)
        elif row.level != level_compute(user_id, row.level_points) if row.level_points else row.level != 1:
            suspects.add(user_id)
    heads = dict(
        PointsEntry.objects.filter(pk__in=PointsEntry.objects.values("user_id").annotate(m=Max("id")).values("m"))
        .values_list("user_id", "hash")
    )
    suspects |= {u for u, row in cached.items() if row.last_hash != heads.get(u, "")}
    # Only the users whose cache looks wrong are locked and recomputed (a no-op on healthy data).
    for user_id in sorted(suspects):
        with transaction.atomic():
            points = user_points_lock(user_id)
            sums = _sums(user_id)
            last = PointsEntry.objects.filter(user_id=user_id).order_by("-id").values_list("hash", flat=True).first() or ""
            level = level_compute(user_id, sums["level_points"])
            want = {**sums, "last_hash": last, "level": level}
            if any(getattr(points, k) != v for k, v in want.items()):
                UserPoints.objects.filter(pk=user_id).update(**want)
                user_level_cache_set(user_id, level)
                changed.append(user_id)
    return changed
