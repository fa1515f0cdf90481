"""A process-local tier in front of the shared cache, for small tables that change rarely and
are read on nearly every request (the privilege grants, the current privacy policy).

Each read of those from Redis cost a round trip and an unpickle per request: two of the ten on a
signed-in product page (docs/benchmarks.md, issue 16). Here a process keeps its copy for
``LOCAL_CACHE_SECONDS`` (default 10; 0 turns the tier off). The writer that changes such a table
still forgets the shared entry, and ``forget`` drops this process's copy at once, so the process
that made the change sees it immediately and every other process within that many seconds.
Values are treated as read-only: callers must not mutate what they get.

A second tier keeps values stored under *content-addressed* keys (``content_get`` /
``content_set``): keys that name what the value shows (a digest of every input, or a version
token that every change replaces), so no key is ever given different content. Such a value needs
no expiry and no invalidation: a change makes another key, and the old one is simply no longer
asked for. (A stored product page body is also checked on every read against its authors'
levels and badges, and stored again under its key when they changed.) The signed-in product
page's layout, person panel and stored body are read here
before the shared cache (issue 16: each was a Redis round trip per page view, and the body an
unpickle of tens of kilobytes). The tier is bounded by size (``LOCAL_FRAGMENT_CACHE_BYTES`` per
process, least recently used out first; 0 turns it off) and by age (``CONTENT_MAX_SECONDS``: a
process asks the shared cache again after that, so what another process stored again under a
key reaches it within a minute), and holds only immutable values (strings, and tuples or dicts
of them).
"""
import threading
import time
from collections import OrderedDict

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
        _content.clear()
        _content_size[0] = 0
        _hints.clear()


# --- content-addressed values ------------------------------------------------------------------

_content: OrderedDict = OrderedDict()  # key -> (value, size, expires at)
_content_size = [0]
CONTENT_MAX_SECONDS = 60


def _limit() -> int:
    return int(getattr(settings, "LOCAL_FRAGMENT_CACHE_BYTES", 16 * 1024 * 1024) or 0)


def size_of(value) -> int:
    """About what ``value`` (strings, numbers, and tuples, lists or dicts of them) takes, in bytes."""
    if isinstance(value, str):
        return len(value) + 50
    if isinstance(value, dict):
        return sum(size_of(k) + size_of(v) for k, v in value.items()) + 100
    if isinstance(value, (tuple, list)):
        return sum(size_of(v) for v in value) + 50
    return 30


def content_get(key):
    """The value this process holds under the content-addressed ``key``, or None."""
    found = _content.get(key)
    if found is None or found[2] <= time.monotonic():
        return None
    try:
        _content.move_to_end(key)
    except KeyError:  # dropped by another thread meanwhile
        pass
    return found[0]


def content_set(key, value):
    """Keep ``value`` (immutable, never mutated by a reader) under the content-addressed ``key``."""
    limit = _limit()
    size = size_of(value)
    if size > limit // 4:  # also when the tier is off (limit 0)
        return
    with _lock:
        old = _content.pop(key, None)
        if old is not None:
            _content_size[0] -= old[1]
        _content[key] = (value, size, time.monotonic() + CONTENT_MAX_SECONDS)
        _content_size[0] += size
        while _content_size[0] > limit and _content:
            _old_key, (_value, old_size, _expires) = _content.popitem(last=False)
            _content_size[0] -= old_size


# A hint per key that names something by a changeable handle (a product's slug -> its id), for
# reading a dependent key in the same round trip. A wrong hint only costs a second round trip:
# the reader checks it against what it reads.
_hints: dict = {}
_HINTS_MAX = 10000


def hint_get(key):
    return _hints.get(key)


def hint_set(key, value):
    if len(_hints) >= _HINTS_MAX:
        _hints.clear()
    _hints[key] = value
