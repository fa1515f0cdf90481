from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    """Brand insights: aspect mentions, complaints and grouped ideas from what shoppers say,
    computed by Celery into tables the brand page reads (docs/insights.md). It sits above
    trials inside community (it reads reviews, tags, co-creation entries) and asks moderation
    only through ``community.hooks.text_groups``."""

    name = "community.insights"
    label = "insights"
    verbose_name = _("Brand insights")

    def ready(self):
        from community.insights import receivers  # noqa: F401  moderation changes drop quotes, mark work
