"""``{% level_progress_card user %}``: the level-progress card, for community's profile page."""
from django import template

from gamification import selectors

register = template.Library()


@register.inclusion_tag("gamification/_level_progress.html")
def level_progress_card(user):
    return {"progress": selectors.level_progress(user), "show_link": True}
