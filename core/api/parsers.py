"""The API's JSON parser: DRF's, with a limit on how deeply a body may nest.

Python's JSON decoder recurses once per level, so a body of a few thousand ``[``
raises RecursionError, which DRF does not catch (an HTML 500 on every JSON endpoint).
Here that, and any nesting past ``MAX_DEPTH``, is a ParseError: a 400 in the API's
error shape. No input of this API nests more than a few levels; the limit also keeps
pathological (but decodable) bodies away from serializers and renderers.

It keeps DRF's class name so a view that lists parsers explicitly only changes its import.
"""
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 32


def nesting_exceeds(data, limit):
    """True when lists/objects in ``data`` nest deeper than ``limit`` (walked without recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def too_deep_error():
    return ParseError(_("JSON parse error - nested deeper than %(depth)d levels.") % {"depth": MAX_DEPTH})


class JSONParser(parsers.JSONParser):
    max_depth = MAX_DEPTH

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise too_deep_error() from None
        if nesting_exceeds(data, self.max_depth):
            raise too_deep_error()
        return data
