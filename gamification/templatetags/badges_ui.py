"""Template helpers for badges: the icon, and a user's badges for the profile."""
from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def badge_icon(badge, size=""):
    """The badge's uploaded image, or its emoji; decorative (the name is always shown or titled)."""
    css = f"badge-icon badge-icon-{badge.tier}" + (f" badge-icon-{size}" if size else "")
    if badge.icon_image:
        return format_html('<img class="{}" src="{}" alt="" width="24" height="24" loading="lazy">', css, badge.icon_image.url)
    return format_html('<span class="{}" aria-hidden="true">{}</span>', css, badge.icon_emoji or "🏅")


@register.simple_tag
def user_badges(user_id):
    """The user's active badges, best tier first (one query)."""
    from gamification.badges import badges_for_users

    return badges_for_users([user_id], per_user=None).get(int(user_id), []) if user_id else []
