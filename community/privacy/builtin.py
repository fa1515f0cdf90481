"""The personal data of the community base layer (accounts, reviews, votes, notifications),
of the third-party apps (allauth e-mail addresses, axes log-in records, sessions, API
tokens, the admin log) and of this app, declared in the registry. Co-creation, trials,
moderation and gamification declare theirs from their own ``privacy.py``."""
import os
from importlib import import_module

from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone
from django.utils.translation import gettext_noop

from community import services
from community.models import BrandMembership, HelpfulVote, Notification, Review, ReviewPhoto
from community.privacy.registry import PersonalData, no_personal_data_register, personal_data_register

# --- community -----------------------------------------------------------------------------


def _profile(user):
    yield {
        "email": user.email,
        "display_name": user.display_name,
        "date_joined": user.date_joined,
        "last_login": user.last_login,
        "time_zone": user.timezone,
        "email_notifications": user.email_notifications,
        "avatar": f"avatar/{os.path.basename(user.avatar.name)}" if user.avatar else None,
    }


def _avatar(user):
    if user.avatar:
        yield f"avatar/{os.path.basename(user.avatar.name)}", user.avatar


def _erase_user(user, keep_content):
    services.user_anonymise(user=user)
    return 1


def _reviews(user):
    for review in Review.objects.filter(author=user).select_related("product").prefetch_related("tags").order_by("id"):
        yield {
            "id": review.pk,
            "product": review.product.name,
            "product_slug": review.product.slug,
            "rating": review.rating,
            "tags": [tag.label for tag in review.tags.all()],
            "text": review.text,
            "language": review.language,
            "status": review.status,
            "status_reason": review.status_reason,
            "incentivized": review.incentivized,
            "helpful_votes_received": review.helpful_count,
            "not_helpful_votes_received": review.not_helpful_count,
            # The edit history the site keeps: when it was written, last edited and published;
            # every screening and decision on each revision is in moderation_history.json.
            "created_at": review.created_at,
            "edited_at": review.edited_at,
            "published_at": review.published_at,
        }


def _erase_reviews(user, keep_content):
    """Keeping keeps published reviews (photos included: EXIF/GPS was stripped at upload)
    under "deleted user"; what no one else sees (pending, rejected) is erased either way."""
    reviews = Review.objects.filter(author=user)
    if keep_content:
        reviews = reviews.exclude(status=Review.Status.PUBLISHED)
    return sum(services.review_erase(review_id=pk) for pk in list(reviews.values_list("pk", flat=True)))


def _photo_name(photo):
    return f"photos/review-{photo.review_id}-{photo.pk}{os.path.splitext(photo.image.name)[1]}"


def _photos(user):
    for photo in ReviewPhoto.objects.filter(review__author=user).order_by("id"):
        yield {"review_id": photo.review_id, "file": _photo_name(photo), "width": photo.width,
               "height": photo.height, "created_at": photo.created_at}


def _photo_files(user):
    for photo in ReviewPhoto.objects.filter(review__author=user).order_by("id"):
        if photo.image:
            yield _photo_name(photo), photo.image


def _photos_erase(user, keep_content):
    return 0  # removed with their review (review_erase), or kept with it


def _helpful_votes(user):
    for vote in HelpfulVote.objects.filter(user=user).select_related("review__product").order_by("id"):
        yield {"review_id": vote.review_id, "product": vote.review.product.name, "helpful": vote.helpful,
               "counted": vote.valid, "created_at": vote.created_at}


def _keep(user, keep_content):
    """Rows that only hold a key to the account and what was done (a vote, a decision): once
    the account row is anonymised they name no one, and other people's counts depend on them."""
    return 0


def _notifications(user):
    for note in Notification.objects.filter(user=user).order_by("id"):
        yield {"kind": note.kind, "title": note.display_title, "body": note.body, "url": note.url,
               "read_at": note.read_at, "created_at": note.created_at}


def _erase_notifications(user, keep_content):
    return Notification.objects.filter(user=user).delete()[0]


def _memberships(user):
    for m in BrandMembership.objects.filter(user=user).select_related("brand"):
        yield {"brand": m.brand.name, "since": m.created_at}


def _erase_memberships(user, keep_content):
    return BrandMembership.objects.filter(user=user).delete()[0]


# --- third-party apps ----------------------------------------------------------------------


def _email_addresses(user):
    from allauth.account.models import EmailAddress

    for address in EmailAddress.objects.filter(user=user).order_by("id"):
        yield {"email": address.email, "verified": address.verified, "primary": address.primary}


def _erase_email_addresses(user, keep_content):
    from allauth.account.models import EmailAddress

    return EmailAddress.objects.filter(user=user).delete()[0]


def _axes_rows(model_name, user):
    """axes keeps log-in records by the name typed in (the e-mail, lower-cased)."""
    from axes import models as axes_models

    model = getattr(axes_models, model_name)
    return model.objects.filter(username__iexact=user.email)


def _axes_export(model_name):
    def export(user):
        for row in _axes_rows(model_name, user).order_by("id"):
            yield {"time": row.attempt_time, "ip_address": row.ip_address, "user_agent": row.user_agent,
                   "path": row.path_info, **({"failures": row.failures_since_start}
                                             if hasattr(row, "failures_since_start") else {})}
    return export


def _axes_erase(model_name):
    def erase(user, keep_content):
        return _axes_rows(model_name, user).delete()[0]
    return erase


def _erase_attempts(user, keep_content):
    """axes' own reset: it deletes the rows with the database handler and the counters with the
    cache handler (Redis), whose signal handlers refuse a plain delete of the rows."""
    from axes.utils import reset

    return reset(username=user.email.lower())


def _sessions(user):
    """The user's open sessions. Session rows are keyed by a random id, so this decodes the
    unexpired ones: a scan that runs only in the export and deletion jobs."""
    now = timezone.now()
    for session in Session.objects.filter(expire_date__gt=now).iterator(chunk_size=1000):
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            yield session


def _sessions_export(user):
    for session in _sessions(user):
        yield {"expires": session.expire_date}


def _sessions_erase(user, keep_content):
    # Through the session engine: sessions are cached (cached_db), and a row deleted in the
    # database alone would still open from the cache.
    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = [s.session_key for s in _sessions(user)]
    for key in keys:
        store(session_key=key).delete()
    return len(keys)


def _tokens(user):
    from rest_framework.authtoken.models import Token

    for token in Token.objects.filter(user=user):
        yield {"created": token.created}  # never the key itself: a file is no place for a credential


def _erase_tokens(user, keep_content):
    from rest_framework.authtoken.models import Token

    return Token.objects.filter(user=user).delete()[0]


def _admin_log(user):
    from django.contrib.admin.models import LogEntry

    for entry in LogEntry.objects.filter(user=user).select_related("content_type").order_by("id"):
        yield {"time": entry.action_time, "model": entry.content_type.model if entry.content_type else "",
               "object": entry.object_repr, "action": entry.get_action_flag_display(),
               "change": entry.get_change_message()}


# --- this app ------------------------------------------------------------------------------


def _exports(user):
    from community.privacy.models import DataExport

    for export in DataExport.objects.filter(user=user).order_by("id"):
        yield {"requested_at": export.created_at, "status": export.status, "finished_at": export.finished_at,
               "expires_at": export.expires_at}


def _erase_exports(user, keep_content):
    from community.privacy.services import data_exports_delete_for_user

    return data_exports_delete_for_user(user_id=user.pk)


def _deletions(user):
    from community.privacy.models import DeletionRequest

    for request in DeletionRequest.objects.filter(user=user).order_by("id"):
        yield {"requested_at": request.requested_at, "scheduled_for": request.scheduled_for,
               "status": request.status, "keep_content": request.keep_content, "cancelled_at": request.cancelled_at}


def register():
    entries = [
        PersonalData("community.User", "profile.json", gettext_noop(
            "Your account: e-mail, display name, time zone, settings, when you joined and last signed in; "
            "your avatar is in the avatar folder."), _profile, _erase_user, order=1000, files=_avatar),
        PersonalData("community.Review", "reviews.json", gettext_noop(
            "Your reviews: product, stars, tags, text, status, votes received, and when each was written, "
            "last edited and published."), _reviews, _erase_reviews, order=20),
        PersonalData("community.ReviewPhoto", "photos.json", gettext_noop(
            "The photos in your reviews; the image files are in the photos folder."),
            _photos, _photos_erase, order=21, files=_photo_files),
        PersonalData("community.HelpfulVote", "helpful_votes.json", gettext_noop(
            "The helpful / not helpful votes you gave on other people's reviews."), _helpful_votes, _keep),
        PersonalData("community.Notification", "notifications.json", gettext_noop(
            "The notifications the site sent you."), _notifications, _erase_notifications, order=900),
        PersonalData("community.BrandMembership", "brand_memberships.json", gettext_noop(
            "The brands you work for on this site (brand staff only)."), _memberships, _erase_memberships),
        PersonalData("account.EmailAddress", "email_addresses.json", gettext_noop(
            "Your e-mail addresses and whether they are verified."), _email_addresses, _erase_email_addresses),
        PersonalData("axes.AccessAttempt", "login_failures.json", gettext_noop(
            "Recent failed sign-ins with your e-mail: time, network address and browser."),
            _axes_export("AccessAttempt"), _erase_attempts),
        PersonalData("axes.AccessLog", "login_history.json", gettext_noop(
            "Sign-ins to your account: time, network address and browser (when the site records them)."),
            _axes_export("AccessLog"), _axes_erase("AccessLog")),
        PersonalData("axes.AccessFailureLog", "login_failure_log.json", gettext_noop(
            "The log of failed sign-ins with your e-mail: time, network address and browser."),
            _axes_export("AccessFailureLog"), _axes_erase("AccessFailureLog")),
        PersonalData("sessions.Session", "sessions.json", gettext_noop(
            "Where you are signed in now: when each session expires."), _sessions_export, _sessions_erase),
        PersonalData("authtoken.Token", "api_tokens.json", gettext_noop(
            "Whether you have an API token and when it was made (not the token itself)."), _tokens, _erase_tokens),
        PersonalData("admin.LogEntry", "admin_log.json", gettext_noop(
            "Changes you made in the admin (staff only); kept after deletion as the brand's record."),
            _admin_log, _keep),
        PersonalData("privacy.DataExport", "data_exports.json", gettext_noop(
            "Your earlier data downloads."), _exports, _erase_exports),
        PersonalData("privacy.DeletionRequest", "account_deletions.json", gettext_noop(
            "Your account deletion requests; kept after deletion as the record that it was done."),
            _deletions, _keep),
    ]
    for entry in entries:
        personal_data_register(entry)
    no_personal_data_register("community.Product", "catalog text written by brands, not by shoppers")
    no_personal_data_register("account.EmailConfirmation", "a key to an e-mail address row, deleted with it")
