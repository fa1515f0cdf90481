"""Per-user write limits for the web forms: the same budget as the API's "writes" throttle.

A shopper who posts through the page and through the API draws on one budget
(``API_THROTTLE_WRITES``, 60 a minute by default), counted in the cache like every DRF
throttle. Privileged users (the ``higher_rate_limits`` privilege) get the same headroom
as in the API.
"""
from functools import wraps
from types import SimpleNamespace

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from core.api.base import WritesRateThrottle
from core.api.throttling import PrivilegedHeadroomMixin
from core.http import safe_referer, wants_json

_WRITES_VIEW = SimpleNamespace(throttle_scope="writes")


class WebWritesThrottle(PrivilegedHeadroomMixin, WritesRateThrottle):
    """The API's "writes" budget (same cache key), with the privileged headroom the
    signed-in API throttle gives."""


def writes_wait(request):
    """None when the signed-in user may write now (and counts this write); otherwise the
    seconds to wait. Reads and anonymous requests are not counted here."""
    if request.method in ("GET", "HEAD", "OPTIONS") or not request.user.is_authenticated:
        return None
    throttle = WebWritesThrottle()
    if throttle.allow_request(request, _WRITES_VIEW):
        return None
    return max(1, int(throttle.wait() or 1))


def writes_limited(view):
    """Refuse a write past the budget with a friendly message: JSON 429 for the page's
    script, a message and a return to the page for a plain form. Nothing is saved."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        wait = writes_wait(request)
        if wait is None:
            return view(request, *args, **kwargs)
        message = _("You're going a little fast. Please wait %(n)d seconds and try again.") % {"n": wait}
        if wants_json(request):
            response = JsonResponse({"ok": False, "error": message, "code": "throttled", "retry_after": wait},
                                    status=429)
            response["Retry-After"] = str(wait)
            return response
        messages.warning(request, message)
        return redirect(safe_referer(request))

    return wrapper
