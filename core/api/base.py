"""What every JSON API view in the project shares: the base view (authentication,
permissions, the "writes" throttle), pagination, input parsing, id checks and the
documented error responses. The error shape itself is rendered by
``core.api.errors.exception_handler``.
"""
from types import MappingProxyType

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import SAFE_METHODS, IsAuthenticatedOrReadOnly
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from core.api.authentication import CachedTokenAuthentication
from core.api.throttling import SortedLogThrottle, allow_requests_and_read

# The largest id a bigint column holds: ids past it are "not found", never a database error.
MAX_ID = 2**63 - 1


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    retry_after = serializers.IntegerField(required=False, help_text=_("Seconds to wait (429 only)."))


class ErrorOutputSerializer(serializers.Serializer):
    """The one error shape of the API (see core/api/errors.py)."""

    error = ErrorBodySerializer()


# --- plumbing every API view shares ----------------------------------------------------


class WritesRateThrottle(ScopedRateThrottle, SortedLogThrottle):
    """The "writes" scope, counted on unsafe methods only, so reading a view never
    uses up the budget for writing through it."""

    def log_key(self, request, view):
        if request.method in SAFE_METHODS:
            return None
        # As ScopedRateThrottle.allow_request: the scope, and so the rate, come from the view.
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return None
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().log_key(request, view)


class ApiPagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100


ERRORS = {
    400: OpenApiResponse(ErrorOutputSerializer, description="Invalid input; field errors under error.fields."),
    401: OpenApiResponse(ErrorOutputSerializer, description="Not signed in."),
    403: OpenApiResponse(ErrorOutputSerializer, description="Not allowed."),
    404: OpenApiResponse(ErrorOutputSerializer, description="Not found (or not visible to you)."),
    429: OpenApiResponse(ErrorOutputSerializer, description="Too many requests; see error.retry_after."),
}


def error_responses(*codes):
    return {code: ERRORS[code] for code in codes}


class BaseApi(APIView):
    # Token first: its WWW-Authenticate header turns "not signed in" into 401, not 403.
    authentication_classes = [CachedTokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticatedOrReadOnly]
    throttle_classes = [*api_settings.DEFAULT_THROTTLE_CLASSES, WritesRateThrottle]
    throttle_scope = "writes"

    # What ``cache_reads`` asked for, as read ({key: value}, the keys found).
    cache_found = MappingProxyType({})

    def cache_reads(self, request) -> list:
        """Cache keys the handler reads first. They are read in the round trip that logs the request's
        rate limits, before the handler runs, and handed to it as ``self.cache_found``; also when a
        limit then refuses the request (it cannot wait for the answer without a round trip more)."""
        return []

    def check_throttles(self, request):
        """DRF's, with the rate limits' logs and the view's first reads (``cache_reads``) in one round
        trip (``throttling.allow_requests_and_read``)."""
        throttles = self.get_throttles()
        answers, self.cache_found = allow_requests_and_read(throttles, request, self, self.cache_reads(request))
        durations = [t.wait() for t, allowed in zip(throttles, answers) if not allowed]
        if durations:
            # As DRF: a throttle whose rate changed may not know its wait (None).
            self.throttled(request, max((d for d in durations if d is not None), default=None))


def check_id(value, message):
    # Ids past a 64-bit integer would make the database raise instead of finding nothing.
    if value > MAX_ID:
        raise NotFound(message)
    return value


def parse_input(serializer_class, data, **kwargs):
    """Validate ``data`` with an input serializer; a 400 with field errors when it fails."""
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
