from rest_framework.throttling import UserRateThrottle


class SignedInRateThrottle(UserRateThrottle):
    """The per-user throttle for signed-in requests only: anonymous ones already pay the
    anon throttle, and both would key on the same IP (two Redis round trips for one)."""

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None
        return super().get_cache_key(request, view)
