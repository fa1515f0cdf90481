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
failed, is put back by the first run that finds it older than ``CLAIM_STALE_SECONDS``; a run
whose claim was put back meanwhile (it took that long) lists its failures under the claim again. Beat runs
the task every minute, which also covers a lost task.

The keys live in the broker's Redis, beside the default queue whose name they start with, not in
the cache: a pending pair is as durable as the task message it replaces, and flushing the cache
(``cache.clear()`` runs FLUSHDB) loses none. Keys carry the hash tag ``{votesettle}``, so the
scripts' keys share one slot on a Redis Cluster. A pair that fails ``MAX_ATTEMPTS`` times is
dropped with an error in the log (the per-vote task gave up after 5 retries too).

A Redis that lost its keys (a restart without its append-only file, a failover to a replica that
lagged) loses the pending pairs with them. The task finds out: an epoch key it sets with ``SET NX``
is gone. It then lists again every pair voted, changed or withdrawn in the last ``RELIST_HOURS``,
from the interaction log, which each vote writes in its own transaction (``relist``); settling a
pair twice changes nothing. A first run on a new Redis relists too, once.

Without a Redis broker (eager tasks, the embedded default) each vote sends its own task, as before
(the receivers decide, ``in_use``).
"""
import logging
import time
import uuid
from datetime import timedelta

import redis
from celery import current_app
from django.conf import settings
from django.utils import timezone

from community.integrity.models import InteractionEvent
from gamification import services

log = logging.getLogger(__name__)

# Lua's unpack() takes about 8,000 values at most: a claim stays well below.
BATCH = min(getattr(settings, "GAMIFICATION_VOTE_SETTLE_BATCH", 500), 5000)
# A run takes no further batch after this many seconds (well inside a task's time limit) and
# rings for the next run instead.
RUN_SECONDS = getattr(settings, "GAMIFICATION_VOTE_SETTLE_RUN_SECONDS", 20.0)
# How long a rung door stays shut without its task starting (a lost task, a worker down).
DOOR_SECONDS = 60
# A claim older than this belongs to a run that died (runs stop taking batches after RUN_SECONDS).
CLAIM_STALE_SECONDS = 300
# A pair that failed this many times is dropped (logged as an error).
MAX_ATTEMPTS = 5
# After the broker's Redis lost its keys, the pairs of this many hours are listed again.
RELIST_HOURS = getattr(settings, "GAMIFICATION_VOTE_SETTLE_RELIST_HOURS", 6)
# The interaction log's vote actions, and the kind of pair each settles.
LOGGED_KINDS = {
    InteractionEvent.Action.HELPFUL_VOTE: "helpful",
    InteractionEvent.Action.UNHELPFUL_VOTE: "helpful",
    InteractionEvent.Action.HELPFUL_WITHDRAW: "helpful",
    InteractionEvent.Action.ENTRY_VOTE: "entry",
    InteractionEvent.Action.ENTRY_VOTE_WITHDRAW: "entry",
    InteractionEvent.Action.POLL_VOTE: "poll",
    InteractionEvent.Action.POLL_VOTE_WITHDRAW: "poll",
}

SETTLE = {
    "entry": lambda target, voter: services.entry_vote_points_settle(entry_id=target, voter_id=voter),
    "poll": lambda target, voter: services.poll_vote_points_settle(option_id=target, voter_id=voter),
    "helpful": lambda target, voter: services.helpful_vote_points_settle(review_id=target, voter_id=voter),
}

# KEYS: pending, claim, claims; ARGV: how many, the claim's time.
_CLAIM = """
local m = redis.call('SPOP', KEYS[1], ARGV[1])
if #m > 0 then
  redis.call('SADD', KEYS[2], unpack(m))
  redis.call('ZADD', KEYS[3], ARGV[2], KEYS[2])
end
return m
"""
# KEYS: pending, claims; ARGV: claims made before this time are put back.
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
# KEYS: claim, claims; ARGV: the claim's time, then the pairs that failed. The claim keeps them,
# listed under its own time (listed again if a run that found it stale put it back meanwhile):
# the first run after CLAIM_STALE_SECONDS retries them.
_FINISH = """
redis.call('DEL', KEYS[1])
if #ARGV == 1 then
  redis.call('ZREM', KEYS[2], KEYS[1])
else
  redis.call('SADD', KEYS[1], unpack(ARGV, 2))
  redis.call('ZADD', KEYS[2], ARGV[1], KEYS[1])
end
return 1
"""
_clients = {}
_scripts = {}


def _client():
    """The broker's Redis (a client per URL and process)."""
    url = current_app.conf.broker_url
    if url not in _clients:
        _clients[url] = redis.Redis.from_url(url)
    return _clients[url]


def _key(name, queue=None):
    return f"{queue or current_app.conf.task_default_queue}:{{votesettle}}:{name}"


def _keys():
    queue = current_app.conf.task_default_queue  # one look-up: Celery's conf is slow to ask
    return _key("pending", queue), _key("door", queue), _key("claims", queue)


def _script(client, source):
    if (id(client), source) not in _scripts:
        _scripts[id(client), source] = client.register_script(source)
    return _scripts[id(client), source]


def in_use() -> bool:
    """Batches need a Redis broker: a task that runs later, elsewhere, and a set beside its queue."""
    conf = current_app.conf
    return not conf.task_always_eager and str(conf.broker_url or "").startswith(("redis://", "rediss://"))


def _member(kind, target_id, voter_id) -> str:
    """A pending pair as the set keeps it (``_settle_one`` reads it back)."""
    return f"{kind}:{int(target_id)}:{int(voter_id)}"


def pending_add(kind, target_id, voter_id) -> bool:
    """After a vote's commit: remember its pair and ring the door. Returns whether the door was
    open (the caller then sends ``votes_settle``). Raises what Redis raises."""
    if kind not in SETTLE:
        raise ValueError(f"unknown vote kind {kind!r}")
    pending, door, _claims = _keys()
    pipe = _client().pipeline(transaction=False)
    pipe.sadd(pending, _member(kind, target_id, voter_id))
    pipe.set(door, 1, nx=True, ex=DOOR_SECONDS)
    return bool(pipe.execute()[1])


def ring() -> bool:
    """Shut the door and say whether it was open (a run that leaves pairs behind rings for the next)."""
    _pending, door, _claims = _keys()
    return bool(_client().set(door, 1, nx=True, ex=DOOR_SECONDS))


def relist(*, hours=RELIST_HOURS, chunk=5000) -> int:
    """Add every pair the interaction log shows voted, changed or withdrawn in the last ``hours`` to
    the pending set (a set: each pair once). Returns how many log rows were read."""
    pending, _door, _claims = _keys()
    client = _client()
    rows = (InteractionEvent.objects.filter(at__gte=timezone.now() - timedelta(hours=hours),
                                            action__in=list(LOGGED_KINDS), target_id__isnull=False)
            .values_list("action", "target_id", "actor_id").order_by())
    read, batch = 0, []
    for action, target_id, actor_id in rows.iterator(chunk_size=chunk):
        batch.append(_member(LOGGED_KINDS[action], target_id, actor_id))
        read += 1
        if len(batch) >= chunk:
            client.sadd(pending, *batch)
            batch = []
    if batch:
        client.sadd(pending, *batch)
    return read


def _settle_one(member) -> None:
    kind, target, voter = member.decode().split(":")
    SETTLE[kind](int(target), int(voter))


def settle_pending(*, batch=BATCH, run_seconds=RUN_SECONDS, now=None) -> dict:
    """The task: open the door, put back claims left by runs that died, then claim and settle
    batches until none is pending or ``run_seconds`` have passed. A pair that fails stays in its
    claim, which keeps its time: the first run after ``CLAIM_STALE_SECONDS`` puts it back, so a
    failing pair is retried minutes later and never holds up a run; after ``MAX_ATTEMPTS`` it is
    dropped. ``now``: the time claims are judged stale against (tests). Returns {"settled",
    "failed", "dropped", "recovered" (claims put back), "left" (pairs still pending: the
    caller rings), "relisted" (log rows listed again after the Redis lost its keys)}."""
    if not in_use():  # eager: every vote sent its own task
        return {"settled": 0, "failed": 0, "dropped": 0, "recovered": 0, "left": 0, "relisted": 0}
    client = _client()
    pending, door, claims = _keys()
    attempts = _key("attempts")
    client.delete(door)
    relisted = 0
    if client.set(_key("epoch"), int(time.time()), nx=True):  # gone: this Redis lost what was pending
        relisted = relist()
        log.warning("vote settlement: the broker's Redis had no epoch key; %d vote log rows of the last %s h "
                    "listed again", relisted, RELIST_HOURS)
    now = time.time() if now is None else now
    recovered = _script(client, _RECOVER)(keys=[pending, claims], args=[now - CLAIM_STALE_SECONDS])
    settled = failed = dropped = 0
    started = time.monotonic()
    while time.monotonic() - started < run_seconds:
        claim, claimed_at = _key(f"claim:{uuid.uuid4().hex}"), time.time()
        members = _script(client, _CLAIM)(keys=[pending, claim, claims], args=[batch, claimed_at])
        if not members:
            break
        kept, done = [], []
        for member in members:
            try:
                _settle_one(member)
                settled += 1
                done.append(member)
            except Exception:  # noqa: BLE001 - one pair's failure must not lose the others
                if client.hincrby(attempts, member, 1) >= MAX_ATTEMPTS:
                    log.error("vote settlement of %r failed %d times; dropped", member, MAX_ATTEMPTS, exc_info=True)
                    client.hdel(attempts, member)
                    dropped += 1
                else:
                    log.exception("vote settlement failed for %r; retried after %ss", member, CLAIM_STALE_SECONDS)
                    kept.append(member)
        failed += len(kept)
        _script(client, _FINISH)(keys=[claim, claims], args=[claimed_at, *kept])
        if done and client.hlen(attempts):
            client.hdel(attempts, *done)
    return {"settled": settled, "failed": failed, "dropped": dropped, "recovered": int(recovered),
            "left": int(client.scard(pending)), "relisted": relisted}
