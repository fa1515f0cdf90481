from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CocreationConfig(AppConfig):
    name = "community.cocreation"
    label = "cocreation"
    verbose_name = _("Co-creation")

    def ready(self):
        from community import counters, hooks, interactions
        from community.cocreation import polls, privacy, selectors, services
        from community.cocreation.models import EntryVote, PollVote
        from community.integrity import registry

        interactions.interaction_kind_register("entry_vote", services.entry_vote_invalidate)
        interactions.interaction_kind_register("poll_vote", polls.poll_vote_invalidate)
        registry.vote_effect_register(("entry_vote",), model=EntryVote, target_field="entry_id",
                                      invalidate=services.entry_vote_invalidate, restore=services.entry_vote_restore)
        registry.vote_effect_register(("poll_vote",), model=PollVote, target_field="option_id",
                                      invalidate=polls.poll_vote_invalidate, restore=polls.poll_vote_restore)
        hooks.home_section_register("challenges", lambda: selectors.challenge_list_open(limit=4))
        counters.counters_register(services.counters_rebuild_challenges)
        counters.counters_register(polls.counters_rebuild_polls)
        privacy.register()
