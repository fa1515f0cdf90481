"""The signed-in user of a web session from the cache (issue 16, signed-in pages).

Django's ``AuthenticationMiddleware`` reads the user row on every signed-in request (by the id in
the session, then checks the session's hash of the password against it): with sessions cached,
that is the one query every signed-in page still pays before its own. Here the user is kept in
the cache for ``SECONDS`` with the session hash computed when it was read, and without the
password hash itself (the field is left deferred: read from the database if anything asks).

Each entry carries the user's *generation* (``core.api.authentication.user_generation``), read
before the user row, and is used only while that generation is current and the session's hash
equals the stored one. Any change of the user replaces the generation, now and again on commit
(a save of the user: deactivated, renamed, a new password; ``user_tokens_forget`` for the writes
that send no signal, such as an account being closed), so a user read before a change is stored
under a generation already retired and never served. Anything else (no entry, another hash)
goes through Django's own ``get_user``, which verifies the session and flushes it when it fails.

The user's entry is read in the same round trip as the session itself where this process has
seen the session before (``SessionStore``, the session engine: it remembers which user id each
session key held), with the per-user entries other layers register (``core.userprime``). Only
the round trip is shared: every check above is the same. A session whose user is not the one
remembered (or is unknown here) reads the user's entries in a second round trip, as before.
"""
import copy

from django.conf import settings
from django.contrib import auth
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.sessions.backends import cached_db
from django.core.cache import cache
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject

from core import localcache, userprime
from core.api.authentication import (
    session_user_key,
    user_generation,
    user_generation_key,
)

SECONDS = 60


def _user_keys(user_id) -> list:
    return [session_user_key(user_id), user_generation_key(user_id), *userprime.keys(user_id)]


def _hint_key(session_key) -> str:
    return "session-user:" + session_key


class SessionStore(cached_db.SessionStore):
    """Django's cached, database-backed sessions; ``load`` also reads the cache entries of the user
    this process last saw with this session key, in the same ``get_many`` (kept in ``prefetched``
    as ``(user_id, found)`` for ``session_user``)."""

    prefetched = None

    def load(self):
        user_id = localcache.hint_get(_hint_key(self.session_key)) if self.session_key else None
        if user_id is None or settings.SESSION_CACHE_ALIAS != "default":  # the user's entries live in "default"
            return super().load()
        try:
            found = self._cache.get_many([self.cache_key, *_user_keys(user_id)])
        except Exception:  # noqa: BLE001 - as Django's load: an unreadable key is no session
            return super().load()
        data = found.pop(self.cache_key, None)
        if data is None:
            return super().load()  # not in the cache: Django's path (the database, then stored)
        self.prefetched = (user_id, found)
        return data


def session_user(request):
    session = request.session
    user_id = session.get(auth.SESSION_KEY)
    backend_path = session.get(auth.BACKEND_SESSION_KEY)
    session_hash = session.get(auth.HASH_SESSION_KEY)
    if user_id is None or backend_path not in settings.AUTHENTICATION_BACKENDS or not session_hash:
        return auth.get_user(request)
    try:
        keys = _user_keys(user_id)
    except (TypeError, ValueError):
        return auth.get_user(request)
    key = keys[0]
    prefetched = getattr(session, "prefetched", None)
    if prefetched is not None and str(prefetched[0]) == str(user_id):
        found = prefetched[1]  # read with the session (SessionStore.load)
    else:
        found = cache.get_many(keys)
    generation = user_generation(user_id, found)  # before the row is read
    entry = found.get(key)
    if isinstance(entry, tuple) and len(entry) == 3 and entry[0] == generation:
        _generation, user, user_hash = entry
        if constant_time_compare(session_hash, user_hash):
            user.backend = backend_path
            _remember(session, user, found)
            return user
    user = auth.get_user(request)  # the database, with Django's own checks
    if user.is_authenticated and str(user.pk) == str(user_id):
        stored = copy.copy(user)
        for name in ("password", "backend"):  # the password stays deferred: never in the cache
            stored.__dict__.pop(name, None)
        cache.set(key, (generation, stored, user.get_session_auth_hash()), SECONDS)
        _remember(session, user, found)
    return user


def _remember(session, user, found):
    """Hand the per-user entries read with the user to their owners; remember whose session this is."""
    userprime.apply(user, found)
    if session.session_key:
        localcache.hint_set(_hint_key(session.session_key), str(user.pk))


def _get_user(request):
    if not hasattr(request, "_cached_user"):
        request._cached_user = session_user(request)
    return request._cached_user


class CachedAuthenticationMiddleware(AuthenticationMiddleware):
    """Django's middleware with the user read through ``session_user``."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _get_user(request))
