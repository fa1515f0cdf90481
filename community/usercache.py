"""Small per-person figures every signed-in page reads, kept in the cache so a page view asks the
database for none of them (issue 16, "signed-in pages"):

- the site header's counts: unread notifications and whether to link the moderation queue;
- the id of a person's own review of a product (most shoppers have none on most pages).

Each entry is dropped by the writes that change it, at once and again when the transaction commits
(a reader between the two would otherwise store what it read before the commit): notifications
sent, read or deleted, a change of groups; a review saved or deleted. Every entry also expires
(``TTL``), so a write that goes around these paths is seen within minutes at worst.
"""
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from community.models import MODERATORS_GROUP, Notification, Review

TTL = 300
HEADER_KEY = "cocreate:hdr:{}"
OWN_REVIEW_KEY = "cocreate:own:{}:{}"
_NONE = 0  # stored for "no review": the cache cannot tell a stored None from a miss


def _forget(keys):
    keys = list(keys)
    if not keys:
        return
    cache.delete_many(keys)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: cache.delete_many(keys))


def prime_keys(user, product) -> list:
    """The keys a page reads in its own batched cache read (``cache.get_many``), handed back to
    ``header_counts`` and ``own_review_id`` as ``found``: one round trip instead of three."""
    if not user.is_authenticated:
        return []
    return [HEADER_KEY.format(user.pk), OWN_REVIEW_KEY.format(user.pk, product.pk)]


def header_counts(user, *, found=None) -> dict:
    """{"unread": n, "moderator": bool} for a signed-in user: from the cache, else one query."""
    key = HEADER_KEY.format(user.pk)
    row = found.get(key) if found is not None and key in found else cache.get(key)
    if row is None:
        unread = (
            Notification.objects.filter(user=OuterRef("pk"), read_at__isnull=True)
            .order_by()
            .values("user")
            .annotate(n=Count("id"))
            .values("n")[:1]
        )
        row = (
            get_user_model()
            .objects.filter(pk=user.pk)
            .annotate(
                unread=Coalesce(Subquery(unread, output_field=IntegerField()), 0),
                moderator=Exists(Group.objects.filter(user=OuterRef("pk"), name=MODERATORS_GROUP)),
            )
            .values_list("unread", "moderator")
            .first()
        ) or (0, False)
        row = (int(row[0]), bool(row[1]))
        cache.set(key, row, TTL)
    unread, moderator = row
    return {"unread": unread, "moderator": moderator or user.is_superuser}


def header_counts_forget(user_ids):
    _forget(HEADER_KEY.format(int(pk)) for pk in user_ids)


def own_review_id(*, product, user, found=None):
    """The id of the user's review of the product, or None."""
    if not user.is_authenticated:
        return None
    key = OWN_REVIEW_KEY.format(user.pk, product.pk)
    own = found.get(key) if found is not None and key in found else cache.get(key)
    if own is None:
        own = Review.objects.filter(product=product, author=user).values_list("pk", flat=True).first() or _NONE
        cache.set(key, own, TTL)
    return own or None


def own_review_forget(*, author_id, product_id):
    _forget([OWN_REVIEW_KEY.format(int(author_id), int(product_id))])
