from rest_framework.throttling import UserRateThrottle

from core import hooks


class PrivilegedHeadroomMixin:
    """Users holding the "higher_rate_limits" privilege (gamification levels) get
    ``PRIVILEGED_FACTOR`` times the rate. Only a request that would be refused asks about
    the privilege, so ordinary requests cost no extra query."""

    PRIVILEGED_FACTOR = 4

    def allow_request(self, request, view):
        if super().allow_request(request, view):
            return True
        if request.user and request.user.is_authenticated and hooks.user_can(request.user, "higher_rate_limits"):
            self.num_requests *= self.PRIVILEGED_FACTOR
            return super().allow_request(request, view)
        return False


class SignedInRateThrottle(PrivilegedHeadroomMixin, UserRateThrottle):
    """The per-user throttle for signed-in requests only: anonymous ones already pay the
    anon throttle, and both would key on the same IP (two Redis round trips for one)."""

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None
        return super().get_cache_key(request, view)
