from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = _("Community")

    def ready(self):
        from community import interactions, receivers, services, usercache
        from community.integrity import registry
        from community.models import HelpfulVote
        from core import userprime

        interactions.interaction_kind_register("helpful_vote", services.helpful_vote_invalidate)
        registry.vote_effect_register(("helpful_vote", "unhelpful_vote"), model=HelpfulVote, target_field="review_id",
                                      invalidate=services.helpful_vote_invalidate, restore=services.helpful_vote_restore)
        receivers.connect()  # stored product page bodies retire when what they show changes
        # The header's counts are read with the signed-in user (one round trip fewer per page).
        userprime.register(usercache.header_prime_keys, usercache.header_prime)
