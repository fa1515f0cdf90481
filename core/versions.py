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
    """Replace the tokens under ``keys`` now and, inside a transaction, again when it commits.

    The commit's replacements of one transaction are made together, once per key, however often
    a key was bumped (a review post bumped its product's keys five times: five Redis round trips
    on commit, now one). Each bump still replaces its keys at once: the transaction itself may
    read what it wrote and store it under the current token."""
    keys = list(dict.fromkeys(keys))
    if not keys:
        return
    _set_new(keys, seconds)
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        pending = _pending_bumps(connection)
        pending.keys.update((key, seconds) for key in keys)
        # One callback per bump, all replaying the same keys: the first to run makes the call and
        # the rest find nothing. A callback dropped with a rolled-back savepoint loses nothing
        # (its keys are replayed by another, at worst retiring a token more than needed), and a
        # test that runs the callbacks of a block runs this bump's.
        transaction.on_commit(pending.replay)


def _set_new(keys, seconds):
    cache.set_many({key: version_new() for key in keys}, seconds)


class _CommitBumps:
    """The keys a transaction bumped, replaced again in one call when it commits."""

    def __init__(self):
        self.keys = {}

    def replay(self):
        keys, self.keys = self.keys, {}
        by_lifetime = {}
        for key, seconds in keys.items():
            by_lifetime.setdefault(seconds, []).append(key)
        for seconds, group in by_lifetime.items():
            _set_new(group, seconds)


def _pending_bumps(connection) -> _CommitBumps:
    """This transaction's ``_CommitBumps``: the one a queued callback still replays, else a new
    one (an earlier transaction's ended, or all its callbacks were dropped or have run)."""
    pending = getattr(connection, "_version_bumps", None)
    if pending is None or not any(getattr(entry[1], "__self__", None) is pending
                                  for entry in connection.run_on_commit):
        pending = _CommitBumps()
        connection._version_bumps = pending
    return pending
