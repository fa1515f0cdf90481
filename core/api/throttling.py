"""The API's throttles (and the web forms' writes budget, ``core.ratelimit``), counted with a
sliding-window estimate in one cache round trip per throttle (``core.windowcount``).

DRF's ``SimpleRateThrottle`` stores the time of every request of the last window as one cached
list and rewrites it on each request: a GET and a SET, and unpickling and pickling a list that
for the signed-in throttle (600 a minute) holds up to 600 floats. Here each window has a counter,
and a request is let through while ``previous window's count x (share of the window still to
come) + this window's count`` stays within the rate: the usual sliding-window approximation,
which never lets through more than the rate in any one window and needs no list. A refused
request is taken back off the count, as DRF does not record refused requests either.
"""
from rest_framework.throttling import AnonRateThrottle as DrfAnonRateThrottle
from rest_framework.throttling import SimpleRateThrottle, UserRateThrottle

from core import hooks, windowcount


class SlidingWindowThrottle(SimpleRateThrottle):
    """``SimpleRateThrottle``'s rates, scopes and cache keys, counted per window instead of listed."""

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        self.count, self.before, self.elapsed = windowcount.count_in_window(self.key, self.duration, now=self.now)
        estimate = self.before * (1 - self.elapsed) + self.count
        if estimate <= self.num_requests:
            return True
        self.limit = self.limit_past_rate(request)
        if estimate <= self.limit:
            return True
        windowcount.decr(windowcount.window_key(self.key, self.duration, self.now))
        self.count -= 1
        return False

    def limit_past_rate(self, request):
        """The limit for a request past the rate (``PrivilegedHeadroomMixin`` raises it). Asked only
        then, so an ordinary request costs nothing more."""
        return self.num_requests

    def wait(self):
        """Seconds until one more request would be let through."""
        return window_wait(self.count, self.before, self.elapsed, self.limit, self.duration)


def window_wait(count, before, elapsed, limit, duration) -> float:
    """Seconds from now (``elapsed`` of the way into the current window of ``duration`` seconds)
    until ``before * (1 - f) + count + 1 <= limit``, ``f`` the share of the window gone by, as the
    previous window's share fades, or in the next window, where this window's ``count`` fades."""
    room = limit - count - 1
    if room >= 0:
        if before <= 0:
            return 0.0
        share = max(1 - room / before, elapsed)
        return (share - elapsed) * duration
    if count <= 0 or limit < 1:
        return float(duration)
    share = max(1 - (limit - 1) / count, 0.0)
    return (1 - elapsed + share) * duration


class PrivilegedHeadroomMixin:
    """Users holding the "higher_rate_limits" privilege (gamification levels) get
    ``PRIVILEGED_FACTOR`` times the rate. Only a request past the rate asks about the privilege,
    so ordinary requests cost no extra query."""

    PRIVILEGED_FACTOR = 4

    def limit_past_rate(self, request):
        if request.user and request.user.is_authenticated and hooks.user_can(request.user, "higher_rate_limits"):
            return self.num_requests * self.PRIVILEGED_FACTOR
        return self.num_requests


class AnonRateThrottle(DrfAnonRateThrottle, SlidingWindowThrottle):
    """Anonymous requests, per client address (``NUM_PROXIES`` decides which one)."""


class SignedInRateThrottle(PrivilegedHeadroomMixin, UserRateThrottle, SlidingWindowThrottle):
    """The per-user throttle for signed-in requests only: anonymous ones already pay the
    anon throttle, and both would key on the same IP (two Redis round trips for one)."""

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None
        return super().get_cache_key(request, view)
