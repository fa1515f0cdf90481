from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = _("Community")

    def ready(self):
        from community import interactions, services

        interactions.interaction_kind_register("helpful_vote", services.helpful_vote_invalidate)
