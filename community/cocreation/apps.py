from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CocreationConfig(AppConfig):
    name = "community.cocreation"
    label = "cocreation"
    verbose_name = _("Co-creation")

    def ready(self):
        from community import counters, hooks, interactions
        from community.cocreation import polls, privacy, selectors, services
        from community.integrity import registry

        interactions.interaction_kind_register("entry_vote", services.entry_vote_invalidate)
        interactions.interaction_kind_register("poll_vote", polls.poll_vote_invalidate)
        registry.effect_register(("entry_vote",), invalidate=services.entry_vote_event_invalidate,
                                 restore=services.entry_vote_event_restore)
        registry.effect_register(("poll_vote",), invalidate=polls.poll_vote_event_invalidate,
                                 restore=polls.poll_vote_event_restore)
        hooks.home_section_register("challenges", lambda: selectors.challenge_list_open(limit=4))
        counters.counters_register(services.counters_rebuild_challenges)
        counters.counters_register(polls.counters_rebuild_polls)
        privacy.register()
