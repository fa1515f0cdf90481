"""Version tokens in the cache: a random token per thing that stored answers are built under and
served only while it is still current (product pages, review lists, a signed-in user).

A reader takes the token *before* it reads the data it will store; a writer replaces it now and
again when its transaction commits, so what a reader built from data older than the commit sits
under a token that is already retired. A token that expires or is evicted is made anew, which
only makes stored answers miss.
"""
import secrets

from django.core.cache import cache
from django.db import transaction


def version_new() -> str:
    return secrets.token_hex(8)


def version_read(key, seconds, *, found=None) -> str:
    """The current token under ``key`` (made when there is none). ``found``: a ``get_many``
    answer that already asked for it. ``seconds``: the token's lifetime (None: no expiry)."""
    token = found.get(key) if found is not None else cache.get(key)
    if token is None:
        token = version_new()
        if not cache.add(key, token, seconds):
            token = cache.get(key) or token
    return token


def version_bump(keys, seconds) -> None:
    """Replace the tokens under ``keys`` now and, inside a transaction, again when it commits."""
    def bump():
        cache.set_many({key: version_new() for key in keys}, seconds)

    keys = list(keys)
    if not keys:
        return
    bump()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(bump)
