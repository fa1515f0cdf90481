"""Votes' points, settled in batches (issue 16, "The vote path").

Settling a vote reads it as it stands and awards or reverses the voter's point under the voter's
ledger lock, idempotent by ledger key (``services.entry_vote_points_settle`` and its siblings).
Settling a (kind, target, voter) once after any number of taps therefore leaves the same ledger as
settling after every tap. So, where there is a broker and a shared Redis, a vote sends no task of
its own. After its commit it adds its pair to a Redis set of pending settlements and rings a door
in the same round trip (``pending_add``: one pipeline, ~0.09 ms of CPU against ~0.5 ms for a Celery
send, measured in docs/benchmarks.md). Only the vote that finds the door open sends
``gamification.votes_settle``; repeated taps on one pair coalesce in the set.

The task opens the door before it claims anything, so a pair added after a claim rings again and a
pair added before it is in the claim. A claim moves up to ``BATCH`` pairs out of the pending set
into a claim set, atomically (a Lua script), and records it with its time. The claim set is
deleted only after every pair in it has been tried; a pair whose settlement failed stays in
the claim (a retry minutes later). A claim left by a worker that died, or holding pairs that
failed, is put back by the first run that finds it older than ``CLAIM_STALE_SECONDS``. Beat runs
the task every minute, which also covers a lost task.

Without a broker (eager tasks) or without Redis (the embedded default's local-memory cache), each
vote sends its own task, as before (the receivers decide, ``in_use``).

Keys carry the hash tag ``{votesettle}``, so the scripts' keys share one slot on a Redis Cluster.
"""
import logging
import time
import uuid

from celery import current_app
from django.conf import settings

from core.sharedredis import key, raw_client
from gamification import services

log = logging.getLogger(__name__)

BATCH = getattr(settings, "GAMIFICATION_VOTE_SETTLE_BATCH", 500)
# A run takes no further batch after this many seconds (well inside a task's time limit) and
# rings for the next run instead.
RUN_SECONDS = getattr(settings, "GAMIFICATION_VOTE_SETTLE_RUN_SECONDS", 20.0)
# How long a rung door stays shut without its task starting (a lost task, a worker down).
DOOR_SECONDS = 60
# A claim older than this belongs to a run that died (runs stop taking batches after RUN_SECONDS).
CLAIM_STALE_SECONDS = 300

SETTLE = {
    "entry": lambda target, voter: services.entry_vote_points_settle(entry_id=target, voter_id=voter),
    "poll": lambda target, voter: services.poll_vote_points_settle(option_id=target, voter_id=voter),
    "helpful": lambda target, voter: services.helpful_vote_points_settle(review_id=target, voter_id=voter),
}

_CLAIM = """
local m = redis.call('SPOP', KEYS[1], ARGV[1])
if #m > 0 then
  redis.call('SADD', KEYS[2], unpack(m))
  redis.call('ZADD', KEYS[3], ARGV[2], KEYS[2])
end
return m
"""
_RECOVER = """
local old = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
for _, c in ipairs(old) do
  local m = redis.call('SMEMBERS', c)
  if #m > 0 then redis.call('SADD', KEYS[1], unpack(m)) end
  redis.call('DEL', c)
  redis.call('ZREM', KEYS[2], c)
end
return #old
"""
_scripts = {}


def _keys():
    return key("gamification:{votesettle}:pending"), key("gamification:{votesettle}:door"), \
        key("gamification:{votesettle}:claims")


def _script(client, source):
    if source not in _scripts:
        _scripts[source] = client.register_script(source)
    return _scripts[source]


def in_use() -> bool:
    """Batches need a broker (a task that runs later, elsewhere) and a Redis every process shares."""
    return not current_app.conf.task_always_eager and raw_client() is not None


def pending_add(kind, target_id, voter_id) -> bool:
    """After a vote's commit: remember its pair and ring the door. Returns whether the door was
    open (the caller then sends ``votes_settle``). Raises what Redis raises."""
    if kind not in SETTLE:
        raise ValueError(f"unknown vote kind {kind!r}")
    pending, door, _claims = _keys()
    pipe = raw_client().pipeline(transaction=False)
    pipe.sadd(pending, f"{kind}:{int(target_id)}:{int(voter_id)}")
    pipe.set(door, 1, nx=True, ex=DOOR_SECONDS)
    return bool(pipe.execute()[1])


def ring() -> bool:
    """Shut the door and say whether it was open (a run that leaves pairs behind rings for the next)."""
    _pending, door, _claims = _keys()
    return bool(raw_client().set(door, 1, nx=True, ex=DOOR_SECONDS))


def _settle_one(member) -> None:
    kind, target, voter = member.decode().split(":")
    SETTLE[kind](int(target), int(voter))


def settle_pending(*, batch=BATCH, run_seconds=RUN_SECONDS, now=None) -> dict:
    """The task: open the door, put back claims left by runs that died, then claim and settle
    batches until none is pending or ``run_seconds`` have passed. A pair that fails stays in its
    claim, which keeps its time: the first run after ``CLAIM_STALE_SECONDS`` puts it back, so a
    failing pair is retried minutes later and never holds up a run. Returns {"settled",
    "failed", "recovered" (claims put back), "left" (pairs still pending: the caller rings)}."""
    client = raw_client()
    if client is None:  # no shared Redis: every vote sent its own task
        return {"settled": 0, "failed": 0, "recovered": 0, "left": 0}
    pending, door, claims = _keys()
    client.delete(door)
    now = time.time() if now is None else now
    recovered = _script(client, _RECOVER)(keys=[pending, claims], args=[now - CLAIM_STALE_SECONDS])
    settled = failed = 0
    started = time.monotonic()
    while time.monotonic() - started < run_seconds:
        claim = key(f"gamification:{{votesettle}}:claim:{uuid.uuid4().hex}")
        members = _script(client, _CLAIM)(keys=[pending, claim, claims], args=[batch, now])
        if not members:
            break
        kept = []
        for member in members:
            try:
                _settle_one(member)
                settled += 1
            except Exception:  # noqa: BLE001 - one pair's failure must not lose the others
                log.exception("vote settlement failed for %r; retried after %ss", member, CLAIM_STALE_SECONDS)
                kept.append(member)
        failed += len(kept)
        pipe = client.pipeline(transaction=True)
        pipe.delete(claim)
        if kept:
            pipe.sadd(claim, *kept)
        else:
            pipe.zrem(claims, claim)
        pipe.execute()
    return {"settled": settled, "failed": failed, "recovered": int(recovered), "left": int(client.scard(pending))}
