"""Counting events in the shared cache in one round trip: the rate limits' logs
(``core.api.throttling``) and the daily vote cap's counter (``community.votelimits``).

DRF's own throttles keep the time of every request of the last window in one cached list, read,
unpickled, trimmed and written back by the web process on each request (two Redis round trips,
and for the signed-in throttle at 600 a minute a list of up to 600 floats). Here the same log is
a Redis sorted set that Redis trims and counts itself, in one pipeline; a day's counter is one
``INCR`` with its ``EXPIRE``.

On django-redis the pipelines go to the raw client; on any other cache backend (the embedded
default's local memory) the same answers come from ordinary cache calls.
"""
from django.core.cache import cache

from core.sharedredis import raw_client as _raw_client


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
    (result,) = log_events([(key, seconds, now, member)])
    return result


def log_events(events) -> list[tuple[int, float]]:
    """``log_event`` for several logs at once, ``events`` being (key, seconds, now, member): on
    Redis all in one pipelined round trip (a request's rate limits)."""
    client = _raw_client()
    if client is None:
        return [_log_event_cached(key, seconds, now=now, member=member) for key, seconds, now, member in events]
    pipe = client.pipeline(transaction=False)
    for key, seconds, now, member in events:
        raw = cache.make_key(key)
        pipe.zremrangebyscore(raw, "-inf", now - seconds)
        pipe.zadd(raw, {member: now})
        pipe.zcard(raw)
        pipe.zrange(raw, 0, 0, withscores=True)
        pipe.expire(raw, int(seconds) + 1)
    replies = pipe.execute()
    return [(int(count), float(oldest[0][1]) if oldest else now)
            for (_, _, count, oldest, _), (_key, _seconds, now, _member)
            in zip((replies[i:i + 5] for i in range(0, len(replies), 5)), events)]


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
