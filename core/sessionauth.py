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
"""
import copy

from django.conf import settings
from django.contrib import auth
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.core.cache import cache
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject

from core.api.authentication import session_user_key, user_generation, user_generation_key

SECONDS = 60


def session_user(request):
    session = request.session
    user_id = session.get(auth.SESSION_KEY)
    backend_path = session.get(auth.BACKEND_SESSION_KEY)
    session_hash = session.get(auth.HASH_SESSION_KEY)
    if user_id is None or backend_path not in settings.AUTHENTICATION_BACKENDS or not session_hash:
        return auth.get_user(request)
    try:
        key, generation_key = session_user_key(user_id), user_generation_key(user_id)
    except (TypeError, ValueError):
        return auth.get_user(request)
    found = cache.get_many([key, generation_key])
    generation = user_generation(user_id, found)  # before the row is read
    entry = found.get(key)
    if isinstance(entry, tuple) and len(entry) == 3 and entry[0] == generation:
        _generation, user, user_hash = entry
        if constant_time_compare(session_hash, user_hash):
            user.backend = backend_path
            return user
    user = auth.get_user(request)  # the database, with Django's own checks
    if user.is_authenticated and str(user.pk) == str(user_id):
        stored = copy.copy(user)
        stored.__dict__.pop("password", None)  # deferred: never in the cache
        stored.__dict__.pop("backend", None)
        cache.set(key, (generation, stored, user.get_session_auth_hash()), SECONDS)
    return user


def _get_user(request):
    if not hasattr(request, "_cached_user"):
        request._cached_user = session_user(request)
    return request._cached_user


class CachedAuthenticationMiddleware(AuthenticationMiddleware):
    """Django's middleware with the user read through ``session_user``."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _get_user(request))
