"""Refuse, in one place, request input no database column can store.

PostgreSQL text cannot hold a NUL byte (``DataError``: a 500), and a lone surrogate cannot
be encoded at all; SQLite stores both silently. Every query-string and form value (and
key) is checked before any view sees it: a page answers 400 with a message naming the
field, an API path the API's JSON error shape. JSON bodies are the parsers' business (the
API's serializers already refuse NUL).
"""
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

API_PREFIX = "/api/"


def unstorable(value: str) -> bool:
    if "\x00" in value:
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return True
    return False


def first_unstorable_field(querydict):
    for key, values in querydict.lists():
        if unstorable(key):
            return key.replace("\x00", "") or "?"
        if any(isinstance(v, str) and unstorable(v) for v in values):
            return key
    return None


class RejectUnstorableInputMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        field = first_unstorable_field(request.GET)
        if field is None and request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded", "multipart/form-data"
        ):
            field = first_unstorable_field(request.POST)
        if field is None:
            return self.get_response(request)
        message = _("This value contains a character that cannot be stored.")
        if request.path.startswith(API_PREFIX):
            return JsonResponse({"error": {"code": "invalid", "message": _("Some fields are not valid."),
                                           "fields": {field: [message]}}}, status=400)
        return render(request, "core/bad_input.html", {"field": field}, status=400)
