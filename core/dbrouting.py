"""Read replicas with read-your-writes (docs/deploy.md, "Read replicas").

Built on django-multidb-router's pinning (``multidb.pinning``: a thread-local "pinned to
the primary" flag, ``use_primary_db``, and the cookie its middleware sets after a write).
What this module adds is where the primary is the safe default:

- Reads go to a replica only inside a web request that allowed it (a GET/HEAD without the
  pin cookie, outside ``DATABASE_PRIMARY_PATHS``). Celery tasks, management commands and
  anything else read the primary: they read in order to write.
- A read inside a transaction on the primary stays on the primary (``select_for_update``,
  read-modify-write in services): the router rule ``in_atomic_block``.
- After a write (any POST/PUT/PATCH/DELETE) the response sets the pin cookie for
  ``DATABASE_PIN_SECONDS``; that person's reads stay on the primary until it expires.
- Pages that must be exact read the primary by path prefix (``DATABASE_PRIMARY_PATHS``:
  the moderation queue, the ledger, redemptions), a router rule kept in settings so no view
  needs a decorator; ``primary_reads`` is the decorator for code paths outside a request.

With no ``DATABASE_REPLICA_URLS`` the router answers ``None`` (Django's default) and the
middleware does nothing.
"""
import itertools
import threading

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from multidb.middleware import PinningRouterMiddleware, pinning_cookie
from multidb.pinning import (
    pin_this_thread,
    this_thread_is_pinned,
    unpin_this_thread,
    use_primary_db,
)

__all__ = ["PrimaryReplicaRouter", "ReplicaRoutingMiddleware", "primary_reads", "reads_from", "replica_aliases"]

# The decorator / context manager for "this code reads the primary" (multidb's).
primary_reads = use_primary_db

_state = threading.local()
_cycles: dict[tuple, itertools.cycle] = {}


def replica_aliases() -> list[str]:
    return list(getattr(settings, "REPLICA_DATABASES", []) or [])


def _next_replica() -> str:
    aliases = tuple(replica_aliases())
    cycle = _cycles.get(aliases)
    if cycle is None:
        cycle = _cycles[aliases] = itertools.cycle(aliases)
    return next(cycle)


def replica_reads_allowed() -> bool:
    return getattr(_state, "replica_ok", False) and not this_thread_is_pinned()


class allow_replica_reads:
    """Let reads outside a transaction go to a replica (the middleware does this for safe requests).
    Read-mostly batch code (exports, reports) may use it too, accepting a few seconds of lag."""

    def __enter__(self):
        self._old = getattr(_state, "replica_ok", False)
        _state.replica_ok = True

    def __exit__(self, *exc):
        _state.replica_ok = self._old


def reads_from(model=None) -> str:
    """The alias a read of ``model`` would use right now (for tests and diagnostics)."""
    from django.db import router

    return router.db_for_read(model) or DEFAULT_DB_ALIAS


class PrimaryReplicaRouter:
    """Writes to ``default``; reads to a replica (round robin) only when allowed, unpinned and
    outside a transaction on the primary; migrations only on ``default``."""

    def db_for_read(self, model, **hints):
        if not replica_aliases() or not replica_reads_allowed():
            return DEFAULT_DB_ALIAS if replica_aliases() else None
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        instance = hints.get("instance")
        if instance is not None and instance._state.db:
            return instance._state.db  # related objects come from where their parent came from
        return _next_replica()

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # replicas hold the same rows as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


def _primary_path(path: str) -> bool:
    return any(path.startswith(prefix) for prefix in getattr(settings, "DATABASE_PRIMARY_PATHS", ()))


class ReplicaRoutingMiddleware(PinningRouterMiddleware):
    """multidb's pinning middleware (pin on a write or on the pin cookie, set the cookie after
    a write) plus: safe requests may read replicas unless their path must be exact; the
    thread's state is reset after each response so nothing leaks into the next job."""

    def process_request(self, request):
        if not replica_aliases():
            return
        super().process_request(request)
        if _primary_path(request.path_info):
            pin_this_thread()
        _state.replica_ok = not this_thread_is_pinned()

    def process_response(self, request, response):
        if not replica_aliases():
            return response
        response = super().process_response(request, response)
        _state.replica_ok = False
        unpin_this_thread()
        return response


def pin_cookie_name() -> str:
    return pinning_cookie()
