"""Every write to community rows goes through a function here.

Names are ``<entity>_<verb>``. Multi-row writes are atomic; read-modify-write
takes a row lock; Celery work and domain signals are sent after commit.
"""

import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from community import hooks, selectors, signals, usercache
from community.images import image_clean, image_thumbnail
from community.integrity.services import helpful_action, interaction_record
from community.pagecache import page_version_bump
from community.models import (
    ERASED_USERNAME_PREFIX,
    AspectTag,
    HelpfulVote,
    Notification,
    Product,
    Review,
    ReviewPhoto,
    User,
)
from community.reviewversions import review_list_changed
from community.votelimits import vote_daily_take
from core import hooks as core_hooks
from core.errors import PermissionDeniedError, ServiceError
from core.queue import enqueue_on_commit
from core.stats import wilson_lower_bound
from core.text import clean_user_text, guess_language

Status = Review.Status
# The status reason of content erased at its author's request (account deletion): final, no
# later decision (a screening that was already running, an appeal) brings it back.
ERASED_REASON = "privacy.erased"


def _clean_rating(rating):
    try:
        value = int(rating)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 5:
        msg = _("Choose a rating from 1 to 5 stars.")
        raise ServiceError(msg, code="rating_invalid", fields={"rating": [msg]})
    return value


def _clean_tags(product, tag_ids):
    ids = {int(t) for t in tag_ids}
    tags = list(AspectTag.objects.filter(category_id=product.category_id, id__in=ids))
    if len(tags) != len(ids):
        msg = _("Some tags do not belong to this product's category.")
        raise ServiceError(msg, code="tags_invalid", fields={"tags": [msg]})
    return tags


def _review_submit(review, *, first=False):
    """Route submitted content (text or photos) to screening: the one seam to moderation.

    Trusted authors (a privilege gamification grants) publish first and are screened
    right after; everyone else's review is pending, hidden from others and shown to
    its author with its status, until the screening task decides. The screening task
    is enqueued after commit by ``case_submit``.
    """
    trusted = core_hooks.user_can(review.author, "skip_premoderation")
    review.status = Status.PUBLISHED if trusted else Status.PENDING
    review.status_reason = ""
    if trusted and review.published_at is None:
        review.published_at = timezone.now()
    hooks.content_submit(
        content_type="review",
        object_id=review.pk,
        author_id=review.author_id,
        published_first=trusted,
        language=review.language,
    )
    # ``first``: the review's first content, never published or quoted before.
    signals.send_on_commit(signals.review_submitted, review_id=review.pk, first=first)


def _after_review_change(review, *, was_public):
    review_list_changed(review.product_id)
    if review.is_public or was_public:  # the product's caches count published reviews only
        enqueue_on_commit(_tasks().product_stats_refresh, product_id=review.product_id)
    if review.is_public and not was_public:
        signals.send_on_commit(
            signals.review_published,
            review_id=review.pk,
            author_id=review.author_id,
            product_id=review.product_id,
            has_content=review.has_content,
        )
    elif was_public and not review.is_public:
        signals.send_on_commit(
            signals.review_unpublished,
            review_id=review.pk,
            author_id=review.author_id,
            product_id=review.product_id,
            status=review.status,
        )


def account_lock_active(user_id) -> None:
    """Take the user's row lock for a write in their name, and refuse when the account has
    been closed. Account deletion holds this lock while it erases, so a review or vote
    racing it either commits first (and is erased with the rest) or sees the closed account."""
    if not User.objects.select_for_update(no_key=True).filter(pk=user_id, is_active=True).exists():
        raise PermissionDeniedError(_("This account has been closed."), code="account_closed")


def _shared_pages_retire():
    # Stored answers shared by every viewer show authors' names and avatars; the privacy app keeps
    # the generation that retires them all (imported lazily: it imports this module).
    from community.privacy.services import public_profile_generation_bump

    transaction.on_commit(public_profile_generation_bump)


def _tasks():
    from community import tasks  # tasks import services; import lazily to avoid a cycle

    return tasks


@transaction.atomic
def review_post(*, author: User, product: Product, rating, tag_ids=None, text=None, language=None, incentive=None):
    """Create or update ``author``'s one review of ``product``.

    A rating alone (the one-click path) is published at once. New or changed
    text goes through the submission service. ``None`` leaves a field as it is.
    Returns ``(review, created)``.
    """
    rating = _clean_rating(rating)
    tags = _clean_tags(product, tag_ids) if tag_ids is not None else None
    if text is not None:
        text = clean_user_text(text)
        if len(text) > 5000:
            msg = _("Keep the review under 5000 characters.")
            raise ServiceError(msg, code="text_too_long", fields={"text": [msg]})
    if not product.is_active:
        raise ServiceError(_("This product can no longer be reviewed."), code="product_inactive")
    account_lock_active(author.pk)

    review = Review.objects.select_for_update().filter(product=product, author=author).first()
    created = review is None
    if created:
        try:
            with transaction.atomic():
                review = Review.objects.create(
                    product=product,
                    author=author,
                    rating=rating,
                    text="",
                    language=language or Review.Language.ZH,
                    status=Status.PUBLISHED,
                    published_at=timezone.now(),
                )
        except IntegrityError:
            # Another request created it between our read and insert: update that one.
            created = False
            review = Review.objects.select_for_update().get(product=product, author=author)
    if review.status == Status.REMOVED:
        raise PermissionDeniedError(_("This review was removed by moderators and can no longer be edited."))

    was_public = review.is_public and not created
    changed = {"rating"}
    review.rating = rating
    content_changed = False
    if text is not None and text != review.text:
        review.text = text
        review.language = (language or guess_language(text)) if text else review.language
        changed |= {"text", "language"}
        content_changed = bool(text)
    elif language:
        review.language = language
        changed.add("language")
    if incentive is not None:
        review.incentive = incentive  # a Review.Incentive, or "" for none
        changed.add("incentive")
    if tags is not None:
        review.tags.set(tags)
    if content_changed or (review.status == Status.REJECTED and review.has_content):
        _review_submit(review, first=created)
        changed |= {"status", "status_reason", "published_at"}
    if not created:
        review.edited_at = timezone.now()
        changed.add("edited_at")
    review.save(update_fields=sorted(changed))
    _after_review_change(review, was_public=was_public)
    interaction_record(actor=author, action="review_submit", target=review, target_author_id=author.pk)
    return review, created


def review_photo_limit(user) -> int:
    """Photos per review: the default (9), plus what the "more_photos" privilege grants."""

    return settings.COCREATE_REVIEW_MAX_PHOTOS + core_hooks.privilege_value(user, "more_photos")


@transaction.atomic
def review_photo_add(*, author: User, review: Review, upload) -> ReviewPhoto:
    """Validate and store one photo on the author's review; thumbnails follow in Celery."""
    if review.author_id != author.pk:
        raise PermissionDeniedError(_("You can only add photos to your own review."))
    content, width, height = image_clean(upload)  # raises before anything is stored
    review = Review.objects.select_for_update().get(pk=review.pk)
    if review.status == Status.REMOVED:
        raise PermissionDeniedError(_("This review was removed by moderators and can no longer be edited."))
    limit = review_photo_limit(author)
    existing = review.photos.aggregate(n=Count("id"), last=Max("position"))
    if existing["n"] >= limit:
        msg = _("A review can have at most %(n)d photos.") % {"n": limit}
        raise ServiceError(msg, code="too_many_photos", fields={"photos": [msg]})
    was_public = review.is_public
    position = 0 if existing["last"] is None else existing["last"] + 1  # a new photo goes last
    photo = ReviewPhoto(review=review, width=width, height=height, position=position)
    photo.image.save(content.name, content, save=False)
    try:
        photo.save()
    except Exception:
        photo.image.delete(save=False)  # nothing half-saved
        raise
    review.has_photos = True
    review.edited_at = timezone.now()
    _review_submit(review)
    review.save(update_fields=["has_photos", "edited_at", "status", "status_reason", "published_at"])
    enqueue_on_commit(_tasks().review_photo_make_thumbnail, photo_id=photo.pk)
    _after_review_change(review, was_public=was_public)
    return photo


@transaction.atomic
def review_photo_remove(*, author: User, photo_id: int) -> None:
    photo = ReviewPhoto.objects.select_related("review").filter(pk=photo_id, review__author=author).first()
    if photo is None:
        raise ServiceError(_("Photo not found."), code="not_found", status_code=404)
    review = Review.objects.select_for_update().get(pk=photo.review_id)
    files = [f for f in (photo.image, photo.thumbnail) if f]
    photo.delete()
    review.has_photos = review.photos.exists()
    review.save(update_fields=["has_photos"])
    review_list_changed(review.product_id)
    for f in files:
        transaction.on_commit(lambda f=f: f.storage.delete(f.name))
    enqueue_on_commit(_tasks().product_stats_refresh, product_id=review.product_id)


@transaction.atomic
def review_photos_reorder(*, author: User, review_id: int, photo_ids) -> list[int]:
    """Put the author's review photos in the order of ``photo_ids`` (the photo picker's
    order). Ids of other reviews' photos are refused; photos left out keep their relative
    order after the listed ones. Idempotent: rows already in place are not written.
    Returns the photo ids in their new order."""
    review = Review.objects.select_for_update().filter(pk=review_id).first()
    if review is None or review.author_id != author.pk:
        raise ServiceError(_("Review not found."), code="not_found", status_code=404)
    photos = list(review.photos.order_by("position", "id"))
    by_id = {photo.pk: photo for photo in photos}
    wanted = []
    for photo_id in photo_ids:
        if photo_id not in by_id:
            msg = _("Photo %(id)s is not one of this review's photos.") % {"id": photo_id}
            raise ServiceError(msg, code="photo_order_invalid", fields={"photo_ids": [msg]})
        if photo_id not in wanted:
            wanted.append(photo_id)
    order = wanted + [photo.pk for photo in photos if photo.pk not in wanted]
    changed = []
    for position, photo_id in enumerate(order):
        photo = by_id[photo_id]
        if photo.position != position:
            photo.position = position
            changed.append(photo)
    if changed:
        ReviewPhoto.objects.bulk_update(changed, ["position"])
        page_version_bump(review.product_id)  # bulk_update sends no post_save; the API's lists go with it
    return order


def review_photo_make_thumbnail(*, photo_id: int) -> bool:
    """Make the photo's thumbnail; idempotent (returns False when there is nothing to do)."""
    photo = ReviewPhoto.objects.select_related("review").filter(pk=photo_id).first()
    if photo is None or photo.thumbnail:
        return False
    with photo.image.open("rb") as fh:
        thumb = image_thumbnail(fh.read())
    photo.thumbnail.save(thumb.name, thumb, save=False)
    if ReviewPhoto.objects.filter(pk=photo.pk, thumbnail="").update(thumbnail=photo.thumbnail.name):
        page_version_bump(photo.review.product_id)  # update() sends no post_save; the API's lists go with it
    return True


def brand_staff_check(actor, brand_id, message):
    """Staff of the brand (or a superuser) may manage its challenges, polls and trials;
    ``actor=None`` is the system (beat tasks, commands). Raises ``PermissionDeniedError(message)``."""
    if actor is None or actor.is_superuser:
        return
    if not (actor.is_staff and actor.brand_memberships.filter(brand_id=brand_id).exists()):
        raise PermissionDeniedError(message)


@transaction.atomic
def review_vote_helpful(*, user: User, review_id: int, helpful) -> Review:
    """Cast, change or (``helpful=None``) withdraw a helpful vote; counts are recounted from rows.

    The review row lock serialises votes on one review, so concurrent votes never
    lose an update and the cached counts always equal the rows.
    """
    account_lock_active(user.pk)
    review = Review.objects.select_for_update().filter(pk=review_id).first()
    if review is None or not (review.is_public or review.author_id == user.pk):
        raise ServiceError(_("Review not found."), code="not_found", status_code=404)
    if review.author_id == user.pk:
        raise PermissionDeniedError(_("You cannot vote on your own review."), code="own_review")
    if not review.is_public:
        raise ServiceError(_("Only published reviews can be voted on."), code="not_published")
    if helpful is not None and not review.has_content:
        # Withdrawing stays possible: the text a vote judged may have been deleted since.
        raise ServiceError(
            _("A rating without text or photos has nothing to judge: helpful votes are for reviews with words or photos."),
            code="nothing_to_judge",
        )
    existing_valid = HelpfulVote.objects.filter(review=review, user=user).values_list("valid", flat=True).first()
    if existing_valid is False:
        raise PermissionDeniedError(_("This vote was invalidated and cannot be changed."), code="vote_invalid")
    if existing_valid is None and helpful is not None:
        vote_daily_take(user)  # a new vote takes one of the day's slots (changing one does not)
    if helpful is None:
        withdrawn, _deleted = HelpfulVote.objects.filter(review=review, user=user).delete()
        if not withdrawn:
            # Nothing to withdraw: no state changed, so no interaction is logged and no event sent.
            return review
    else:
        HelpfulVote.objects.update_or_create(review=review, user=user, defaults={"helpful": bool(helpful)})
    review_recount_votes(review)
    interaction_record(actor=user, action=helpful_action(helpful), target=review, target_author_id=review.author_id)
    signals.send_on_commit(
        signals.review_voted, review_id=review.pk, voter_id=user.pk, author_id=review.author_id, helpful=helpful
    )
    return review


def review_recount_votes(review: Review) -> bool:
    """Set the review's vote caches from its vote rows; returns True when they changed."""
    counts = HelpfulVote.objects.filter(review=review, valid=True).aggregate(
        up=Count("id", filter=Q(helpful=True)), down=Count("id", filter=Q(helpful=False))
    )
    score = wilson_lower_bound(counts["up"], counts["up"] + counts["down"])
    if (review.helpful_count, review.not_helpful_count, review.helpful_score) == (counts["up"], counts["down"], score):
        return False
    review.helpful_count, review.not_helpful_count, review.helpful_score = counts["up"], counts["down"], score
    review.rank_score = review_rank_score(score, review.quality_score)  # quality: the ranking follows votes at once
    review.save(update_fields=["helpful_count", "not_helpful_count", "helpful_score", "rank_score"])
    review_list_changed(review.product_id)
    return True


@transaction.atomic
def helpful_vote_invalidate(*, vote_id, reason="gamification.fraud") -> HelpfulVote | None:
    """Integrity checks call this (through ``community.interactions``): the vote stays, leaves
    the review's counts (recounted from rows under the review's lock, as a vote is), and the
    ``review_voted`` event makes gamification reverse what it earned. Idempotent."""
    found = HelpfulVote.objects.filter(pk=vote_id).values_list("review_id", flat=True).first()
    if found is None:
        return None
    review = Review.objects.select_for_update().get(pk=found)
    vote = HelpfulVote.objects.filter(pk=vote_id).first()
    if vote is None or not vote.valid:
        return vote
    vote.valid, vote.invalid_reason = False, reason[:60]
    vote.save(update_fields=["valid", "invalid_reason"])
    review_recount_votes(review)
    signals.send_on_commit(
        signals.review_voted, review_id=review.pk, voter_id=vote.user_id, author_id=review.author_id, helpful=None
    )
    return vote


@transaction.atomic
def helpful_vote_restore(*, vote_id) -> HelpfulVote | None:
    """Undo ``helpful_vote_invalidate`` (a human cleared the vote): it counts again, recounted
    under the review's lock, and ``review_voted`` makes gamification re-award. Idempotent."""
    found = HelpfulVote.objects.filter(pk=vote_id).values_list("review_id", flat=True).first()
    if found is None:
        return None
    review = Review.objects.select_for_update().get(pk=found)
    vote = HelpfulVote.objects.filter(pk=vote_id).first()
    if vote is None or vote.valid:
        return vote
    vote.valid, vote.invalid_reason = True, ""
    vote.save(update_fields=["valid", "invalid_reason"])
    review_recount_votes(review)
    signals.send_on_commit(
        signals.review_voted, review_id=review.pk, voter_id=vote.user_id, author_id=review.author_id,
        helpful=vote.helpful,
    )
    return vote


@transaction.atomic
def product_stats_refresh(*, product_id: int) -> bool:
    """Recompute a product's rating caches from its published review rows.

    The product row lock serialises refreshes, and the aggregates run after it is
    taken, so a slower refresh can never write an older snapshot over a newer one."""
    if not Product.objects.select_for_update().filter(pk=product_id).exists():
        return False
    published = Review.objects.filter(product_id=product_id, status=Status.PUBLISHED)
    histogram = [0, 0, 0, 0, 0]
    for row in published.values("rating").annotate(n=Count("id")).order_by():
        histogram[row["rating"] - 1] = row["n"]
    tag_rows = (
        Review.tags.through.objects.filter(review__product_id=product_id, review__status=Status.PUBLISHED)
        .values("aspecttag_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    tag_counts = {str(r["aspecttag_id"]): r["n"] for r in tag_rows}
    shown = published.aggregate(
        photos=Count("id", filter=Q(has_photos=True)), content=Count("id", filter=selectors.WITH_CONTENT)
    )
    values = {
        "rating_count": sum(histogram),
        "rating_sum": sum((i + 1) * n for i, n in enumerate(histogram)),
        "rating_histogram": histogram,
        "tag_counts": tag_counts,
        "photo_review_count": shown["photos"],
        "content_review_count": shown["content"],
    }
    if Product.objects.filter(pk=product_id).update(**values):
        # The page's summary and the lists' counts come from these caches; the row itself is
        # cached under the page version (pagecache.product_get_light).
        page_version_bump(product_id)
        return True
    return False


DISPLAY_NAME_MAX = 40


def display_name_clean(value, *, required=False) -> str:
    """The display name to store: control characters, escape sequences and bidi overrides
    removed, runs of white space (newlines too) made one space, ends trimmed. Raises a
    ServiceError on the ``display_name`` field when it is too long, or empty but required."""
    name = " ".join(clean_user_text(value).split())
    if required and not name:
        msg = _("Choose the name others will see on your reviews and ideas.")
        raise ServiceError(msg, code="display_name_required", fields={"display_name": [msg]})
    if len(name) > DISPLAY_NAME_MAX:
        msg = _("Keep the display name under 40 characters.")
        raise ServiceError(msg, code="display_name_too_long", fields={"display_name": [msg]})
    return name


@transaction.atomic
def user_profile_update(
    *, user: User, display_name=None, avatar=None, timezone_name=None, email_notifications=None,
    consent_method="settings",
) -> User:
    """``consent_method`` says how an e-mail preference change was made (settings, api, banner):
    the privacy app records it as consent given or withdrawn, in this transaction."""
    fields = []
    email_changed = email_notifications is not None and bool(email_notifications) != user.email_notifications
    if email_notifications is not None:
        user.email_notifications = bool(email_notifications)
        fields.append("email_notifications")
    if display_name is not None:
        user.display_name = display_name_clean(display_name)
        fields.append("display_name")
    if avatar is not None:
        content, _w, _h = image_clean(avatar, field="avatar")
        old = user.avatar.name if user.avatar else None
        user.avatar.save(content.name, content, save=False)
        fields.append("avatar")
        if old:
            transaction.on_commit(lambda: user.avatar.storage.delete(old))
    if timezone_name is not None:
        import zoneinfo

        if timezone_name not in zoneinfo.available_timezones():
            msg = _("Unknown time zone.")
            raise ServiceError(msg, code="timezone_invalid", fields={"timezone": [msg]})
        user.timezone = timezone_name
        fields.append("timezone")
    if fields:
        user.save(update_fields=fields)
    if display_name is not None or avatar is not None:
        _shared_pages_retire()  # the name and avatar on their cards, in every stored answer
    if email_changed:
        signals.email_notifications_changed.send(
            sender=None, user_id=user.pk, granted=user.email_notifications, method=consent_method
        )
    return user


@transaction.atomic
def review_moderate(*, review_id: int, status: str, reason: str = "") -> Review:
    """Apply a moderation decision to a review (the only way moderation changes one).

    Idempotent: asking for the state the review is already in changes nothing.
    """
    if status not in Status.values:
        raise ServiceError(_("Unknown review status."), code="status_invalid")
    review = Review.objects.select_for_update().get(pk=review_id)
    if (review.status == status and review.status_reason == reason) or review.status_reason == ERASED_REASON:
        return review
    was_public = review.is_public
    review.status = status
    review.status_reason = reason
    fields = ["status", "status_reason"]
    if status == Status.PUBLISHED and review.published_at is None:
        review.published_at = timezone.now()
        fields.append("published_at")
    review.save(update_fields=fields)
    _after_review_change(review, was_public=was_public)
    return review


@transaction.atomic
def review_content_purge(*, review_id: int) -> bool:
    """Retention: drop a rejected review's text and photos, keeping the row (rating, status and
    reason) so the moderation decision stays explained. Only rejected reviews; idempotent."""
    review = Review.objects.select_for_update().filter(pk=review_id, status=Status.REJECTED).first()
    if review is None or not review.has_content:
        return False
    files = [f for photo in review.photos.all() for f in (photo.image, photo.thumbnail) if f]
    review.photos.all().delete()
    review.text, review.has_photos = "", False
    review.save(update_fields=["text", "has_photos"])
    review_list_changed(review.product_id)
    for f in files:
        transaction.on_commit(lambda f=f: f.storage.delete(f.name))
    return True


def review_erase(*, review_id: int) -> bool:
    """Remove a review for good at its author's request (account deletion): it leaves every
    page and count like a removed review (points reversed through ``review_unpublished``),
    and its text, tags and photos are deleted; the empty row stays so other people's votes
    and a trial's report link stay valid. Idempotent: False when there was nothing to erase."""
    review = Review.objects.select_for_update().filter(pk=review_id).first()
    if review is None or (review.status == Status.REMOVED and not review.text and not review.has_photos):
        return False
    was_public = review.is_public
    photos = list(review.photos.all())
    files = [f.name for p in photos for f in (p.image, p.thumbnail) if f]
    review.photos.all().delete()
    review.tags.clear()
    review.status, review.status_reason = Status.REMOVED, ERASED_REASON
    review.text, review.has_photos = "", False
    review.save(update_fields=["status", "status_reason", "text", "has_photos"])
    _after_review_change(review, was_public=was_public)
    if files:
        storage = ReviewPhoto._meta.get_field("image").storage
        transaction.on_commit(lambda: [storage.delete(name) for name in files])
    return True


@transaction.atomic
def user_anonymise(*, user: User) -> User:
    """Turn a deleted account's row into a tombstone that names and contacts no one: inactive,
    no password, no e-mail (an address under the reserved ``.invalid`` domain keeps the unique
    column valid), no name or avatar, no staff rights. The row itself stays, so content kept
    as "deleted user", votes and the points ledger keep valid keys. Idempotent."""
    user = User.objects.select_for_update(no_key=True).get(pk=user.pk)  # as account_erase: see there
    if user.is_erased and not user.email_notifications:
        return user
    tag = secrets.token_hex(8)
    old_avatar = user.avatar.name if user.avatar else None
    user.username = f"{ERASED_USERNAME_PREFIX}{tag}"
    user.email = f"{ERASED_USERNAME_PREFIX}{tag}@deleted.invalid"
    user.first_name = user.last_name = user.display_name = ""
    user.avatar = ""
    user.is_active = user.is_staff = user.is_superuser = False
    user.email_notifications = False
    user.set_unusable_password()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    _shared_pages_retire()
    if old_avatar:
        transaction.on_commit(lambda: user.avatar.storage.delete(old_avatar))
    return user


def _notification(user_id, *, kind, title, title_params, body, url):
    return Notification(user_id=user_id, kind=kind, title=str(title)[:200], title_params=title_params or {},
                        body=body, url=url)


def notification_send(*, user_id: int, kind: str, title: str, title_params=None, body: str = "", url: str = "",
                      email: bool = True):
    """Store an on-site notification and, when asked, email it after commit (if the user
    allows emails: User.email_notifications, checked when the email is sent).

    ``title`` is the untranslated source text (mark it with ``gettext_noop``) with
    ``%(name)s`` placeholders filled from ``title_params``: it is translated when shown."""
    note = _notification(user_id, kind=kind, title=title, title_params=title_params, body=body, url=url)
    note.save()
    if email:
        enqueue_on_commit(_tasks().notification_email, notification_id=note.pk)
    return note


def notification_send_many(*, user_ids, kind: str, title: str, title_params=None, body: str = "", url: str = ""):
    """``notification_send`` for many users at once (on-site only, no e-mail): one INSERT per
    thousand rows, for backfills that reach every member."""
    notes = [_notification(user_id, kind=kind, title=title, title_params=title_params, body=body, url=url)
             for user_id in user_ids]
    created = Notification.objects.bulk_create(notes, batch_size=1000)
    usercache.header_counts_forget({note.user_id for note in notes})
    return created


def notification_mark_read(*, user: User, ids=None) -> int:
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    marked = qs.update(read_at=timezone.now())
    if marked:
        usercache.header_counts_forget([user.pk])
    return marked


def notification_email(*, notification_id: int) -> bool:
    from django.core.mail import send_mail

    note = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if note is None or not note.user.email or not note.user.email_notifications:
        return False
    title = note.display_title
    send_mail(title, note.body or title, None, [note.user.email], fail_silently=False)
    return True


# --- quality (scored by moderation.quality; see docs/quality.md) --------------------------

UNSCORED_QUALITY = 40  # a rating alone is not scored: ranked as middling content


def quality_is_low(quality_score) -> bool:
    """A scored item under ``QUALITY_BANDS["ok"]`` (the "low" band): ranked last, never featured."""
    if quality_score is None:
        return False
    return quality_score < float((getattr(settings, "QUALITY_BANDS", None) or {}).get("ok", 30))


def review_rank_score(helpful_score: float, quality_score) -> float:
    """The default ("helpful") ordering key: 60% helpfulness (Wilson lower bound), 40%
    quality. A low-quality review (under ``QUALITY_BANDS["ok"]``) drops a whole point, so
    it is never ranked above one that is not, however many votes it collected."""
    quality = UNSCORED_QUALITY if quality_score is None else quality_score
    rank = 0.6 * float(helpful_score or 0.0) + 0.4 * quality / 100
    if quality_is_low(quality_score):
        rank -= 1.0
    return round(rank, 6)


def review_set_quality(*, review_id: int, score) -> bool:
    """Store moderation's quality score on the review and refresh its rank; idempotent
    (returns False when nothing changed or the review is gone)."""
    return bool(review_set_quality_many(scores={review_id: score}))


def review_set_quality_many(*, scores) -> int:
    """``review_set_quality`` for ``{review_id: score or None}`` in three queries: lock the
    rows in id order (the same order everywhere, so batches never deadlock), then one bulk
    update of those whose score or rank changed. Returns how many changed."""
    if not scores:
        return 0
    changed = []
    with transaction.atomic(savepoint=False):  # all or nothing; inside a caller's block, no savepoint of its own
        reviews = (
            Review.objects.select_for_update().filter(pk__in=list(scores)).order_by("pk")
            .only("id", "product_id", "helpful_score", "quality_score", "rank_score")
        )
        for review in reviews:
            score = scores[review.pk]
            score = None if score is None else int(score)
            rank = review_rank_score(review.helpful_score, score)
            if review.quality_score == score and review.rank_score == rank:
                continue
            review.quality_score, review.rank_score = score, rank
            changed.append(review)
        if changed:
            Review.objects.bulk_update(changed, ["quality_score", "rank_score"], batch_size=500)
            for product_id in {review.product_id for review in changed}:  # the orders follow rank_score
                page_version_bump(product_id)  # the page's and the API's
    return len(changed)
