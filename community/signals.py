"""Domain signals community sends, always after the transaction commits.

Higher layers (co-creation, trials, gamification, moderation) connect receivers to these in their own
``receivers.py``; community never imports their models.

Every signal is sent with ``sender=None`` and keyword ids only.
"""
from functools import partial

from django.db import transaction
from django.dispatch import Signal

# review_id, author_id, product_id, has_content (text or photos)
review_published = Signal()
# review_id, first (the review's first content: never published before): content (text/photos)
# was submitted or edited and awaits a decision
review_submitted = Signal()
# review_id, author_id, product_id, status: a published review was hidden (rejected, removed, or held after reports)
review_unpublished = Signal()
# review_id, voter_id, author_id, helpful (bool or None when withdrawn)
review_voted = Signal()
# user_id, granted, method: the e-mail notification preference changed. Sent inside the
# transaction (not on commit), so privacy's consent record is written with the change or not at all.
email_notifications_changed = Signal()


def send_on_commit(signal, **kwargs):
    transaction.on_commit(partial(signal.send, sender=None, **kwargs))
