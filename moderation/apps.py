from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = _("Moderation")

    def ready(self):
        from community import hooks
        from moderation import (
            fakerate,
            grouping,
            privacy,
            receivers,  # noqa: F401  word-list cache invalidation
            ring_review,
            selectors,
            services,
        )
        from moderation.adapters import (
            cocreation,  # noqa: F401  entry, comment
            reviews,  # noqa: F401  registered first: the kinds keep their order
        )
        from moderation.quality import bands
        from moderation.quality import selectors as quality_selectors

        # The questions community asks of moderation, answered here (see core/hooks.py).
        hooks.content_submit.provide(services.case_submit)
        hooks.case_ids_for.provide(selectors.case_ids_for)
        hooks.quality_summary.provide(quality_selectors.quality_summary)
        hooks.content_report_upheld.provide(selectors.content_report_upheld)
        hooks.fake_interaction_rate.provide(fakerate.fake_interaction_rate)
        hooks.invalidated_interactions_notice.provide(ring_review.user_notice)
        hooks.text_groups.provide(grouping.text_groups)
        hooks.content_quality_band.provide(lambda content_type, object_id: bands.quality_band(content_type, object_id) or "ok")

        privacy.register()
