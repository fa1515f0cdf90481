"""The API's throttles (and the web forms' writes budget, ``core.ratelimit``): DRF's rates, scopes
and cache keys, with the log of requests kept where it is cheap to keep (``core.windowcount``).

DRF's ``SimpleRateThrottle`` stores the time of every request of the last window as one cached
list, which the web process reads, unpickles, trims, pickles and writes back on each request: two
Redis round trips, and for the signed-in throttle (600 a minute) a list of up to 600 floats. Here
the same log is a Redis sorted set that Redis trims and counts in one pipelined round trip. The
rule is DRF's, exactly: a request passes while the last ``duration`` seconds hold no more than the
rate, itself included; a refused request is taken back out, as DRF does not record it either.
"""
import uuid

from rest_framework.throttling import AnonRateThrottle as DrfAnonRateThrottle
from rest_framework.throttling import SimpleRateThrottle, UserRateThrottle

from core import hooks, windowcount


class SortedLogThrottle(SimpleRateThrottle):
    """``SimpleRateThrottle`` with its log in a sorted set (one round trip, no pickled list)."""

    def log_key(self, request, view):
        """The log this request is counted in, or None (not counted: allowed)."""
        if self.rate is None:
            return None
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return None
        return f"{self.key}:log"  # not DRF's key itself: a list DRF stored there (before a deploy) is a string

    def allow_request(self, request, view):
        return allow_requests_and_read([self], request, view, ())[0] == [True]

    def judge(self, request, log, member, count, oldest) -> bool:
        """After the request went in the log: allowed, or taken back out and refused."""
        self.count, self.oldest = count, oldest
        if self.count <= self.num_requests or self.count <= self.limit_past_rate(request):
            return True
        windowcount.unlog_event(log, member, self.duration)
        return False

    def limit_past_rate(self, request):
        """The limit for a request past the rate (``PrivilegedHeadroomMixin`` raises it). Asked only
        then, so an ordinary request costs nothing more."""
        return self.num_requests

    def wait(self):
        """Seconds until the oldest request in the log leaves the window."""
        return max(self.duration - (self.now - self.oldest), 0.0)


def allow_requests_and_read(throttles, request, view, keys) -> tuple[list[bool], dict]:
    """Each throttle's ``allow_request``, with the logs of the ``SortedLogThrottle`` ones written and
    counted in one round trip (a signed-in write passes two: the user's and the writes' budget),
    and the cache's values of ``keys`` ({key: value}, the keys found) read in it too. As DRF does,
    every throttle is asked, also after one refused."""
    answers, logged = [], []
    for throttle in throttles:
        log = throttle.log_key(request, view) if isinstance(throttle, SortedLogThrottle) else None
        if log is None:
            answers.append(True if isinstance(throttle, SortedLogThrottle) else throttle.allow_request(request, view))
            continue
        throttle.now = throttle.timer()
        logged.append((len(answers), throttle, log, uuid.uuid4().hex))
        answers.append(None)
    counts, found = windowcount.log_events_and_read(
        [(log, t.duration, t.now, member) for _i, t, log, member in logged], keys)
    for (i, throttle, log, member), (count, oldest) in zip(logged, counts):
        answers[i] = throttle.judge(request, log, member, count, oldest)
    return answers, found


class PrivilegedHeadroomMixin:
    """Users holding the "higher_rate_limits" privilege (gamification levels) get
    ``PRIVILEGED_FACTOR`` times the rate. Only a request past the rate asks about the privilege,
    so ordinary requests cost no extra query."""

    PRIVILEGED_FACTOR = 4

    def limit_past_rate(self, request):
        if request.user and request.user.is_authenticated and hooks.user_can(request.user, "higher_rate_limits"):
            return self.num_requests * self.PRIVILEGED_FACTOR
        return self.num_requests


class AnonRateThrottle(DrfAnonRateThrottle, SortedLogThrottle):
    """Anonymous requests, per client address (``NUM_PROXIES`` decides which one)."""


class SignedInRateThrottle(PrivilegedHeadroomMixin, UserRateThrottle, SortedLogThrottle):
    """The per-user throttle for signed-in requests only: anonymous ones already pay the
    anon throttle, and both would key on the same IP (two Redis round trips for one)."""

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None
        return super().get_cache_key(request, view)
