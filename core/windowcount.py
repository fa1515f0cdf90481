"""Counters of events per time window in the shared cache, one round trip per count: the rate
limits' bookkeeping (``core.api.throttling``) and the daily vote cap (``community.votelimits``).

DRF's own throttles keep the time of every request of the last window in one cached list, read,
unpickled, trimmed and written back on each request (two Redis round trips, and for the signed-in
user throttle at 600 a minute a list of up to 600 floats). A counter per window is one ``INCR``
in a pipeline with its ``EXPIRE`` and the read of the previous window's counter.

On django-redis the pipeline goes to the raw client; on any other cache backend (the embedded
default's local memory) the same answers come from ``add``/``incr``/``get``.
"""
import time

from django.core.cache import cache


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


def decr(key) -> None:
    """Take one back from the counter under ``key`` (a refused request is not counted)."""
    try:
        cache.decr(key)
    except ValueError:  # expired meanwhile: nothing to take back
        pass


def window_key(key, seconds, now) -> str:
    return f"{key}:{int(now // seconds)}"


def count_in_window(key, seconds, *, now=None) -> tuple[int, int, float]:
    """Count one event under ``key`` in the current window of ``seconds``. Returns (this window's
    count, this one included; the previous window's count; how far into this window ``now`` is,
    from 0 to 1). One round trip on Redis."""
    now = time.time() if now is None else now
    window = int(now // seconds)
    current, previous = f"{key}:{window}", f"{key}:{window - 1}"
    ttl = int(2 * seconds) + 1  # the previous window is still read during the next one
    client = _raw_client()
    if client is not None:
        raw = cache.make_key(current)
        pipe = client.pipeline(transaction=False)
        pipe.incr(raw)
        pipe.expire(raw, ttl)
        pipe.get(cache.make_key(previous))
        count, _, before = pipe.execute()
    else:
        count, before = incr_expiring(current, ttl), cache.get(previous)
    return int(count), int(before or 0), now / seconds - window
