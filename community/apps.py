from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = _("Community")

    def ready(self):
        from community import interactions, services
        from community.integrity import registry

        interactions.interaction_kind_register("helpful_vote", services.helpful_vote_invalidate)
        registry.effect_register(("helpful_vote", "unhelpful_vote"), invalidate=services.helpful_vote_event_invalidate,
                                 restore=services.helpful_vote_event_restore)
