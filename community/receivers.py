"""Model signal receivers that retire stored product page bodies (community.pagecache) and the
per-person figures every signed-in page reads (community.usercache).

Every write that changes what a product page shows to everyone saves one of these rows; the
writes that go around ``save()`` (``QuerySet.update``, ``bulk_update``) call
``pagecache.page_version_bump`` themselves. The bump happens on commit.
"""
from django.db.models.signals import m2m_changed, post_delete, post_save

from community import usercache
from community.pagecache import page_version_bump

# What a page shows of a person: a name, an avatar, whether the account is active.
_USER_SHOWN_FIELDS = {"display_name", "avatar", "is_active", "email", "username", "first_name", "last_name"}


def _shown_fields_changed(update_fields):
    return update_fields is None or bool(_USER_SHOWN_FIELDS & set(update_fields))


def review_changed(sender, instance, **kwargs):
    page_version_bump(instance.product_id)


def review_part_changed(sender, instance, **kwargs):
    """A photo of a review: its product's pages (the review is usually loaded already)."""
    from community.models import Review

    review = instance.review if sender.review.is_cached(instance) else None
    product_id = review.product_id if review is not None else (
        Review.objects.filter(pk=instance.review_id).values_list("product_id", flat=True).first())
    page_version_bump(product_id)


def review_tags_changed(sender, instance, action, reverse, **kwargs):
    if not action.startswith("post_"):
        return
    page_version_bump(None if reverse else instance.product_id)


def product_changed(sender, instance, **kwargs):
    page_version_bump(instance.pk)


def product_image_changed(sender, instance, **kwargs):
    page_version_bump(instance.product_id)


def shown_everywhere_changed(sender, instance, **kwargs):
    """Brands, categories, aspect tags: on many products' pages."""
    page_version_bump(None)


def user_changed(sender, instance, update_fields=None, created=False, **kwargs):
    # A login saves last_login only; a new account has no reviews yet.
    if not created and _shown_fields_changed(update_fields):
        page_version_bump(None)


def trial_application_changed(sender, instance, **kwargs):
    # The "free sample" label on the card of the review that is the trial's report.
    if instance.review_id is not None:
        page_version_bump(None)


def own_review_changed(sender, instance, **kwargs):
    usercache.own_review_forget(author_id=instance.author_id, product_id=instance.product_id)


def notification_changed(sender, instance, **kwargs):
    usercache.header_counts_forget([instance.user_id])


def user_groups_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """The header links the moderation queue for moderators."""
    if action.startswith("post_"):
        usercache.header_counts_forget((pk_set or []) if reverse else [instance.pk])


def connect():
    for model, receiver in [
        ("community.Review", review_changed),
        ("community.ReviewPhoto", review_part_changed),
        ("community.Product", product_changed),
        ("community.ProductImage", product_image_changed),
        ("community.Brand", shown_everywhere_changed),
        ("community.Category", shown_everywhere_changed),
        ("community.AspectTag", shown_everywhere_changed),
        ("trials.TrialApplication", trial_application_changed),
    ]:
        post_save.connect(receiver, sender=model, dispatch_uid=f"pagecache-save-{model}")
        post_delete.connect(receiver, sender=model, dispatch_uid=f"pagecache-delete-{model}")
    for signal in (post_save, post_delete):
        signal.connect(own_review_changed, sender="community.Review", dispatch_uid=f"usercache-own-{signal}")
        signal.connect(notification_changed, sender="community.Notification",
                       dispatch_uid=f"usercache-header-{signal}")
    post_save.connect(user_changed, sender="community.User", dispatch_uid="pagecache-save-user")
    post_delete.connect(shown_everywhere_changed, sender="community.User", dispatch_uid="pagecache-delete-user")
    from community.models import Review

    m2m_changed.connect(review_tags_changed, sender=Review.tags.through, dispatch_uid="pagecache-review-tags")
    from community.models import User

    m2m_changed.connect(user_groups_changed, sender=User.groups.through, dispatch_uid="usercache-groups")
