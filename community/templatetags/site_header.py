"""What the site header shows a signed-in user: the unread notification count and whether to
link the moderation queue. From the cache (community.usercache), else one query per page."""
from django import template

from community import usercache

register = template.Library()


@register.simple_tag(takes_context=True)
def header_counts(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return header_counts_for(request)


def header_counts_for(request, *, found=None):
    """The signed-in viewer's header counts, asked once per request (a page that renders the
    header twice, or reads them before rendering it, still asks once). ``found``: a batched
    cache read that asked for them too (``usercache.prime_keys``)."""
    if not hasattr(request, "_header_counts"):
        request._header_counts = usercache.header_counts(request.user, found=found)
    return request._header_counts
