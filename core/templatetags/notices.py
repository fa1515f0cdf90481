"""Flash messages shown next to the item they are about (see ``core.http.message_at``)."""
from django import template
from django.contrib.messages import get_messages

from core.http import ANCHOR_TAG

register = template.Library()


@register.inclusion_tag("core/_messages_at.html", takes_context=True)
def messages_at(context, kind, object_id):
    """The messages for the element ``<kind>-<object_id>``. The layout's list at the top of
    the page holds them too, hidden by CSS when a copy is shown in place (app.css)."""
    request = context.get("request")
    tag = f"{ANCHOR_TAG}{kind}-{object_id}"
    found = [m for m in get_messages(request) if tag in (m.extra_tags or "").split()] if request is not None else []
    return {"notices": found}
