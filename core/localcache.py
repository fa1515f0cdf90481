"""A process-local tier in front of the shared cache, for small tables that change rarely and
are read on nearly every request (the privilege grants, the current privacy policy).

Each read of those from Redis cost a round trip and an unpickle per request: two of the ten on a
signed-in product page (docs/benchmarks.md, issue 16). Here a process keeps its copy for
``LOCAL_CACHE_SECONDS`` (default 10; 0 turns the tier off). The writer that changes such a table
still forgets the shared entry, and ``forget`` drops this process's copy at once, so the process
that made the change sees it immediately and every other process within that many seconds.
Values are treated as read-only: callers must not mutate what they get.
"""
import threading
import time

from django.conf import settings

_MISSING = object()
_lock = threading.Lock()
_store: dict = {}


def remember(key, load):
    """The value under ``key``, from this process's copy while it is fresh, else from ``load()``."""
    seconds = getattr(settings, "LOCAL_CACHE_SECONDS", 10)
    if seconds <= 0:
        return load()
    now = time.monotonic()
    found = _store.get(key, _MISSING)
    if found is not _MISSING and found[0] > now:
        return found[1]
    value = load()
    with _lock:
        _store[key] = (now + seconds, value)
    return value


def forget(*keys):
    with _lock:
        for key in keys:
            _store.pop(key, None)


def clear():
    with _lock:
        _store.clear()
