"""What the site header shows a signed-in user: the unread notification count and
whether to link the moderation queue. One query per page, whatever the page."""
from django import template
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from community.models import MODERATORS_GROUP, Notification

register = template.Library()


def header_counts_for(user):
    unread = (
        Notification.objects.filter(user=OuterRef("pk"), read_at__isnull=True)
        .order_by()
        .values("user")
        .annotate(n=Count("id"))
        .values("n")[:1]
    )
    row = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .annotate(
            unread=Coalesce(Subquery(unread, output_field=IntegerField()), 0),
            moderator=Exists(Group.objects.filter(user=OuterRef("pk"), name=MODERATORS_GROUP)),
        )
        .values_list("unread", "moderator")
        .first()
    )
    unread_count, moderator = row or (0, False)
    return {"unread": unread_count, "moderator": bool(moderator or user.is_superuser)}


@register.simple_tag(takes_context=True)
def header_counts(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    if not hasattr(request, "_header_counts"):  # a page that renders the header twice still asks once
        request._header_counts = header_counts_for(user)
    return request._header_counts
