"""Small presentation helpers for the site's templates."""
import functools
import zoneinfo

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def query_replace(context, **changes):
    """The current query string with some parameters replaced (``None`` or "" removes one)."""
    request = context.get("request")
    params = request.GET.copy() if request is not None else {}
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode() if params else ""
    return f"?{encoded}" if encoded else "?"


@register.filter
def initial(name):
    """First visible character of a name, for letter avatars."""
    name = (name or "").strip()
    return name[:1].upper() if name else "?"


@register.filter
def hue(value):
    """A stable colour hue (0-359) for placeholders, from an id."""
    try:
        return (int(value) * 47) % 360
    except (TypeError, ValueError):
        return 12


@register.filter
def valid_timezone(name):
    """The named time zone, or None (the site default) when it is empty or unknown, so a bad
    stored value can never break a page."""
    return _zone(name) if isinstance(name, str) and name else None


@functools.lru_cache(maxsize=64)
def _zone(name):
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None
