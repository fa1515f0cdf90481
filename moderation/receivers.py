"""Receivers for signals moderation listens to. Imported from ``ModerationConfig.ready``."""
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from moderation.detectors.lexicon import lexicon_invalidate
from moderation.models import WordEntry


@receiver(post_save, sender=WordEntry, dispatch_uid="moderation.wordlist_changed.save")
@receiver(post_delete, sender=WordEntry, dispatch_uid="moderation.wordlist_changed.delete")
def wordlist_changed(sender, **kwargs):
    # Now, so this process sees the change at once, and again after commit, so a
    # process that rebuilt from the not-yet-committed state in between rebuilds again.
    lexicon_invalidate()
    transaction.on_commit(lexicon_invalidate)
