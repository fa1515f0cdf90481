"""Counting events in the shared cache in one round trip: the rate limits' logs
(``core.api.throttling``) and the daily vote cap's counter (``community.votelimits``).

DRF's own throttles keep the time of every request of the last window in one cached list, read,
unpickled, trimmed and written back by the web process on each request (two Redis round trips,
and for the signed-in throttle at 600 a minute a list of up to 600 floats). Here the same log is
a Redis sorted set that Redis trims and counts itself, one scripted step per log, all of a
request's logs in one pipeline; a day's counter is one ``INCR`` with its ``EXPIRE``.

On django-redis the pipelines go to the raw client; on any other cache backend (the embedded
default's local memory) the same answers come from ordinary cache calls.
"""
import hashlib

from django.core.cache import cache
from redis.exceptions import NoScriptError


def _raw_client():
    """The Redis client under django-redis, or None for another backend."""
    client = getattr(cache, "client", None)
    get_client = getattr(client, "get_client", None)
    return get_client(write=True) if get_client is not None else None


def incr_expiring(key, seconds) -> int:
    """Add one to the counter under ``key`` (made at 0 if missing, kept ``seconds`` after its last
    change) and return the new value."""
    client = _raw_client()
    if client is not None:
        raw = cache.make_key(key)
        pipe = client.pipeline(transaction=False)
        pipe.incr(raw)
        pipe.expire(raw, int(seconds))
        return int(pipe.execute()[0])
    cache.add(key, 0, seconds)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 0, seconds)
        return cache.incr(key)


def log_event(key, seconds, *, now, member) -> tuple[int, float]:
    """Add an event at ``now`` (a unique ``member``) to the log under ``key``, forget the events
    older than ``seconds`` and return (how many remain, this one included; the time of the oldest).
    On Redis a sorted set, in one pipelined round trip; elsewhere a list in the cache."""
    (result,), _found = log_events_and_read([(key, seconds, now, member)], ())
    return result


# One log's step, run by Redis: forget what left the window, add this event, and answer the count
# and the oldest time (as text: a Lua number would lose the fraction). One short command per log
# instead of five, so a request's logs cost the web process little to send and parse.
_LOG_STEP = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1] - ARGV[2])
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[3])
redis.call('EXPIRE', KEYS[1], math.floor(ARGV[2]) + 1)
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {redis.call('ZCARD', KEYS[1]), oldest[2]}
"""
_LOG_STEP_SHA = hashlib.sha1(_LOG_STEP.encode()).hexdigest()


def _log_steps(client, events, raw_keys=()):
    # EVALSHA by hand: redis-py's Script objects in a pipeline ask SCRIPT EXISTS first, a round
    # trip of its own on every execute.
    pipe = client.pipeline(transaction=False)
    for key, seconds, now, member in events:
        pipe.evalsha(_LOG_STEP_SHA, 1, cache.make_key(key), repr(float(now)), repr(float(seconds)), member)
    if raw_keys:
        pipe.mget(raw_keys)
    return pipe.execute()


def log_events_and_read(events, keys) -> tuple[list[tuple[int, float]], dict]:
    """``log_event`` for several logs at once, ``events`` being (key, seconds, now, member), and
    ``cache.get_many(keys)``, all in one round trip: on Redis one scripted step per log, then one
    ``MGET`` (a request's rate limits, and what an API view reads first:
    ``core.api.base.BaseApi.cache_reads``). Each step names one key, so the logs may live on
    different nodes of a cluster."""
    client = _raw_client()
    if client is None:
        return ([_log_event_cached(key, seconds, now=now, member=member) for key, seconds, now, member in events],
                cache.get_many(keys) if keys else {})
    raw_keys = [cache.make_key(key) for key in keys]
    try:
        replies = _log_steps(client, events, raw_keys)
    except NoScriptError:  # a new or restarted Redis: no step ran, so load the script and run them
        client.script_load(_LOG_STEP)
        replies = _log_steps(client, events, raw_keys)
    values = replies.pop() if raw_keys else ()
    counts = [(int(count), float(oldest) if oldest is not None else now)
              for (count, oldest), (_key, _seconds, now, _member) in zip(replies, events)]
    # As django-redis's get_many: the keys found, decoded.
    return counts, {key: cache.client.decode(value) for key, value in zip(keys, values) if value is not None}


def _log_event_cached(key, seconds, *, now, member):
    events = [(t, m) for t, m in cache.get(key, []) if t > now - seconds] + [(now, member)]
    cache.set(key, events, seconds)
    return len(events), min(t for t, _m in events)


def unlog_event(key, member, seconds) -> None:
    """Take an event back out of the log under ``key`` (a refused request is not counted)."""
    client = _raw_client()
    if client is not None:
        client.zrem(cache.make_key(key), member)
        return
    events = cache.get(key)
    if events:
        cache.set(key, [(t, m) for t, m in events if m != member], seconds)
