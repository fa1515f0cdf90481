"""One JSON error shape for the whole API.

    {"error": {"code": "invalid", "message": "...", "fields": {"rating": ["..."]}}}

400 carries field errors; 401, 403, 404, 405, 415 and 429 carry a code and message.

Two ways in: ``exception_handler`` (DRF's EXCEPTION_HANDLER) for everything raised in an
API view, and the ``handler400/403/404/500`` views (named in config/urls.py) for what
Django answers itself: an unknown URL under /api/, an exception DRF lets through (a
bug: 500), a request Django refuses before any view runs. Those answer in this shape
for paths under /api/ and with the usual HTML pages elsewhere.
"""
import logging

from django.core.exceptions import (
    BadRequest,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.parsers import BaseParser
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.api.parsers import too_deep_error
from core.errors import ServiceError

API_PREFIX = "/api/"


def _flatten(detail):
    if isinstance(detail, dict):
        return {k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in detail.items()}
    if isinstance(detail, list):
        return {"non_field_errors": [str(m) for m in detail]}
    return {}


def _body(code, message, fields=None):
    return {"error": {"code": code, "message": str(message), "fields": fields or {}}}


def _raised_by_parser(exc):
    """The exception came out of a parser's ``parse()`` (any parser class, also the ones a
    view lists explicitly instead of core.api.parsers.JSONParser)."""
    tb = exc.__traceback__
    while tb is not None:
        if isinstance(tb.tb_frame.f_locals.get("self"), BaseParser):
            return True
        tb = tb.tb_next
    return False


def _request_error(exc, request):
    """Django's own "bad request" exceptions raised inside an API view (reading a body over
    DATA_UPLOAD_MAX_MEMORY_SIZE, too many fields, ...): a JSON 400, logged as Django would."""
    if isinstance(exc, SuspiciousOperation):
        logging.getLogger(f"django.security.{exc.__class__.__name__}").error(
            str(exc), exc_info=exc, extra={"status_code": 400, "request": request}
        )
    return Response(_bad_request_body(exc), status=status.HTTP_400_BAD_REQUEST)


def _bad_request_body(exc):
    if isinstance(exc, RequestDataTooBig):
        return _body("too_large", _("The request body is too large."))
    return _body("bad_request", _("The request could not be understood."))


def exception_handler(exc, context):
    if isinstance(exc, ServiceError):
        return Response(_body(exc.code, exc.message, exc.fields), status=exc.status_code)
    if isinstance(exc, RecursionError) and _raised_by_parser(exc):
        exc = too_deep_error()
    elif isinstance(exc, (SuspiciousOperation, BadRequest)):
        return _request_error(exc, context.get("request"))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        body = {"code": "invalid", "message": _("Some fields are not valid."), "fields": _flatten(exc.detail)}
        response.status_code = status.HTTP_400_BAD_REQUEST
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        body = {"code": code, "message": str(detail), "fields": {}}
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            body["retry_after"] = int(exc.wait)
    response.data = {"error": body}
    return response


# --- Django's error views: JSON under /api/, the HTML pages elsewhere ----------------------


def _is_api(request):
    return request.path_info.startswith(API_PREFIX)


def _json(body, status_code):
    # Rendered like DRF's JSONRenderer renders the API's other errors: compact UTF-8.
    return JsonResponse(body, status=status_code, json_dumps_params={"ensure_ascii": False, "separators": (",", ":")})


def handler400(request, exception=None):
    if not _is_api(request):
        return defaults.bad_request(request, exception)
    return _json(_bad_request_body(exception), 400)


def handler403(request, exception=None):
    if not _is_api(request):
        return defaults.permission_denied(request, exception)
    return _json(_body("permission_denied", exceptions.PermissionDenied.default_detail), 403)


def handler404(request, exception=None):
    if not _is_api(request):
        return defaults.page_not_found(request, exception)
    return _json(_body("not_found", exceptions.NotFound.default_detail), 404)


def handler500(request):
    if not _is_api(request):
        return defaults.server_error(request)
    return _json(_body("server_error", _("A server error occurred.")), 500)
