"""Small per-person figures every signed-in page reads, kept in the cache so a page view asks the
database for none of them (issue 16, "signed-in pages"):

- the site header's counts: unread notifications and whether to link the moderation queue;
- the id of a person's own review of a product (most shoppers have none on most pages).

Each entry is retired by the writes that change it (notifications sent, read or deleted, a change
of groups; a review saved or deleted): replaced by a tombstone for ``RETIRE_SECONDS``, at once and
again when the transaction commits. Readers only ever *add* an entry, which a tombstone refuses,
so a reader that ran its query before the commit cannot store what it read. Every entry also
expires (``TTL``), so a write that goes around these paths is seen within minutes at worst.
"""
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from community.models import MODERATORS_GROUP, Notification, Review

TTL = 300
# Longer than a request takes from its query to storing what it read.
RETIRE_SECONDS = 5
HEADER_KEY = "cocreate:hdr:{}"
OWN_REVIEW_KEY = "cocreate:own:{}:{}"
_NONE = 0  # stored for "no review": the cache cannot tell a stored None from a miss
_RETIRED = "retired"


# Counts the retirements this process made: what was read with the user before one (e.g. in a
# request that then marks notifications read) is not used after it.
_retired_here = [0]


def _forget(keys):
    tombstones = dict.fromkeys(keys, _RETIRED)
    if not tombstones:
        return
    _retired_here[0] += 1
    cache.set_many(tombstones, RETIRE_SECONDS)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: cache.set_many(tombstones, RETIRE_SECONDS))


def _read(key, found):
    return found.get(key) if found is not None and key in found else cache.get(key)


def prime_keys(user, product) -> list:
    """The keys a page reads in its own batched cache read (``cache.get_many``), handed back to
    ``header_counts`` and ``own_review_id`` as ``found``: one round trip instead of three. The
    header's key is left out when it was read with the user (``header_prime``)."""
    if not user.is_authenticated:
        return []
    own = OWN_REVIEW_KEY.format(user.pk, getattr(product, "pk", product))  # a product or its id
    return [own] if _read_with_user(user) is not None else [HEADER_KEY.format(user.pk), own]


_HEADER_READ = "_cocreate_header_read"


def header_prime_keys(user_id) -> list:
    """The header's entry, read with the signed-in user (``core.userprime``)."""
    return [HEADER_KEY.format(int(user_id))]


def header_prime(user, found) -> None:
    """Keep what the read with the signed-in user found under the header's key (nothing: a miss)."""
    key = HEADER_KEY.format(user.pk)
    setattr(user, _HEADER_READ, (_retired_here[0], {key: found[key]} if key in found else {}))


def _read_with_user(user):
    """What ``header_prime`` kept, unless this process retired a header entry since."""
    kept = getattr(user, _HEADER_READ, None)
    return kept[1] if kept is not None and kept[0] == _retired_here[0] else None


def header_counts(user, *, found=None) -> dict:
    """{"unread": n, "moderator": bool} for a signed-in user: from the cache, else one query."""
    key = HEADER_KEY.format(user.pk)
    read_with_user = _read_with_user(user)
    row = read_with_user.get(key) if read_with_user is not None else _read(key, found)
    if row is None or row == _RETIRED:
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
        cache.add(key, row, TTL)  # refused while the entry is retired
    unread, moderator = row
    return {"unread": unread, "moderator": moderator or user.is_superuser}


def header_counts_forget(user_ids):
    _forget(HEADER_KEY.format(int(pk)) for pk in user_ids)


def own_review_id(*, product, user, found=None):
    """The id of the user's review of the product, or None."""
    if not user.is_authenticated:
        return None
    key = OWN_REVIEW_KEY.format(user.pk, product.pk)
    own = _read(key, found)
    if own is None or own == _RETIRED:
        own = Review.objects.filter(product=product, author=user).values_list("pk", flat=True).first() or _NONE
        cache.add(key, own, TTL)  # refused while the entry is retired
    return own or None


def own_review_forget(*, author_id, product_id):
    _forget([OWN_REVIEW_KEY.format(int(author_id), int(product_id))])
