"""Receivers for signals moderation listens to. Imported from ``ModerationConfig.ready``."""
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from moderation.detectors.lexicon import lexicon_invalidate
from moderation.models import Threshold, WordEntry


@receiver(post_save, sender=WordEntry, dispatch_uid="moderation.wordlist_changed.save")
@receiver(post_delete, sender=WordEntry, dispatch_uid="moderation.wordlist_changed.delete")
def wordlist_changed(sender, **kwargs):
    # Now, so this process sees the change at once, and again after commit, so a
    # process that rebuilt from the not-yet-committed state in between rebuilds again.
    lexicon_invalidate()
    transaction.on_commit(lexicon_invalidate)


@receiver(post_save, sender=Threshold, dispatch_uid="moderation.thresholds_changed.save")
@receiver(post_delete, sender=Threshold, dispatch_uid="moderation.thresholds_changed.delete")
def thresholds_changed(sender, **kwargs):
    from moderation.pipeline import thresholds_invalidate

    thresholds_invalidate()
    transaction.on_commit(thresholds_invalidate)


# --- quality: rescore (debounced) when votes or reports change the community signals ------

from community.cocreation.signals import entry_voted  # noqa: E402
from community.signals import review_voted  # noqa: E402
from moderation.models import Report  # noqa: E402


@receiver(review_voted, dispatch_uid="moderation.quality.review_voted")
def quality_review_voted(sender, review_id, **kwargs):
    from moderation.quality.services import quality_rescore_soon

    quality_rescore_soon(content_type="review", object_id=review_id)


@receiver(entry_voted, dispatch_uid="moderation.quality.entry_voted")
def quality_entry_voted(sender, entry_id, **kwargs):
    from moderation.quality.services import quality_rescore_soon

    quality_rescore_soon(content_type="entry", object_id=entry_id)


@receiver(post_save, sender=Report, dispatch_uid="moderation.quality.report_saved")
def quality_report_saved(sender, instance, **kwargs):
    from moderation.quality.services import quality_rescore_soon

    quality_rescore_soon(content_type=instance.content_type, object_id=instance.object_id)
