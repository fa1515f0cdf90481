"""Token authentication with the token -> user lookup kept in the cache for a minute (issue 16,
signed-in pages): DRF's ``TokenAuthentication`` runs a query joining the user on every request,
about a third of a cached review list's server time.

What is stored: the token row with its user, the password hash left out (deferred: read from
the database if anything asks for it). What retires an entry at once, and keeps a request in
flight from storing it again:

- a token deleted (signed out, rotated, account erased): its key is tombstoned, now and after
  commit; entries are only ever *added*, so a tombstone cannot be overwritten by a request that
  read the token before the delete;
- a user saved (deactivated, anonymised, renamed; a log-in's ``last_login`` alone is not a
  change): the user's entry is tombstoned, the user's generation (which the web sessions' cached
  user is stored under, ``core.sessionauth``) replaced, and
  a mark set for ``RETIRE_SECONDS``; a request that stores an entry checks the marker afterwards and
  tombstones its own entry when the user changed meanwhile.

Writes that bypass ``save()`` (a queryset ``update()``) are caught within ``TOKEN_CACHE_SECONDS``;
the account deletion path also deletes the tokens and saves the user, so it is at once.

"""
import hashlib

from django.core.cache import cache
from django.db import transaction
from rest_framework.authentication import TokenAuthentication

from core import localcache, userprime
from core.versions import version_new, version_read

TOKEN_CACHE_SECONDS = 60
# How long a tombstone and a "user changed" mark last: longer than a request takes from reading
# the token row to storing it (the same function, microseconds apart), short enough that a user
# who was just changed is cached again a few seconds later.
RETIRE_SECONDS = 10
_RETIRED = "retired"


def token_cache_key(key) -> str:
    return "auth:token:" + hashlib.sha256(str(key).encode()).hexdigest()


def _user_index_key(user_id) -> str:
    return f"auth:token-user:{int(user_id)}"


def user_changed_key(user_id) -> str:
    return f"auth:user-changed:{int(user_id)}"


def session_user_key(user_id) -> str:
    """The signed-in user of web sessions (core.sessionauth), valid while the user's generation is."""
    return f"auth:session-user:{int(user_id)}"


def user_generation_key(user_id) -> str:
    return f"auth:user-gen:{int(user_id)}"


# A generation outlives every entry stored under it (SECONDS in core.sessionauth); one that
# expires, or is evicted, is replaced by a new random one, which only makes entries miss.
GENERATION_SECONDS = 24 * 3600


def user_generation(user_id, found=None):
    """The user's current generation token (made when missing): replaced by every change of the
    user (``_retire_user``). ``found``: a ``get_many`` result that already asked for it."""
    return version_read(user_generation_key(user_id), GENERATION_SECONDS, found=found)


def _hint_key(cache_key) -> str:
    return "token-user:" + cache_key


class CachedTokenAuthentication(TokenAuthentication):
    """The token's entry is read with the per-user entries other layers register
    (``core.userprime``: the level) of the user this process last saw with the token, in one
    ``get_many``; they are handed over only when the token's user is that user."""

    def authenticate_credentials(self, key):
        cache_key = token_cache_key(key)
        hinted = localcache.hint_get(_hint_key(cache_key))
        extra = userprime.keys(hinted) if hinted is not None else []
        if extra:
            found = cache.get_many([cache_key, *extra])
            cached = found.pop(cache_key, None)
        else:
            found, cached = {}, cache.get(cache_key)
        if cached is not None and cached != _RETIRED:
            user = cached.user
            if hinted == user.pk:
                userprime.apply(user, found)
            else:
                localcache.hint_set(_hint_key(cache_key), user.pk)
            return user, cached
        token = self.get_model().objects.select_related("user").defer("user__password").filter(key=key).first()
        if token is None or not token.user.is_active:
            return super().authenticate_credentials(key)  # refuses, with DRF's own messages
        if cached is None:  # not retired lately: keep it
            cache.set(_user_index_key(token.user_id), cache_key, TOKEN_CACHE_SECONDS)
            if cache.add(cache_key, token, TOKEN_CACHE_SECONDS) and cache.get(user_changed_key(token.user_id)):
                cache.set(cache_key, _RETIRED, RETIRE_SECONDS)  # the user changed while we read
        return token.user, token


def _retire_token(key):
    cache.set(token_cache_key(key), _RETIRED, RETIRE_SECONDS)


def _retire_user(user_id):
    cache.set(user_changed_key(user_id), 1, RETIRE_SECONDS)
    cache.set(user_generation_key(user_id), version_new(), GENERATION_SECONDS)
    cache_key = cache.get(_user_index_key(user_id))
    if cache_key:
        cache.set(cache_key, _RETIRED, RETIRE_SECONDS)


def token_deleted(sender, instance, **kwargs):
    _retire_token(instance.key)
    transaction.on_commit(lambda: _retire_token(instance.key))


def user_saved(sender, instance, created=False, update_fields=None, **kwargs):
    # A new account has nothing cached yet; a log-in saves last_login alone, which no cached
    # look-up answers with. Neither retires anything (else every new or returning user would stay
    # uncached for RETIRE_SECONDS).
    if created or (update_fields is not None and set(update_fields) == {"last_login"}):
        return
    user_tokens_forget(instance.pk)


def user_tokens_forget(user_id):
    """Retire the cached token look-ups of this user now and again on commit: for writes to the
    user row that send no ``post_save`` (a queryset ``update()``, e.g. an account being closed)."""
    _retire_user(user_id)
    transaction.on_commit(lambda: _retire_user(user_id))
