"""Sign-up and sign-in (allauth / django.contrib.auth signals) and the e-mail preference change
(community's signal) become consent and sign-in rows here.
Signing in during the 7-day cool-off cancels a scheduled account deletion."""
from allauth.account.signals import user_signed_up
from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils.translation import gettext as _

from community.privacy import services
from community.privacy.models import ConsentRecord
from community.privacy.services import deletion_cancel
from community.signals import email_notifications_changed


@receiver(user_signed_up, dispatch_uid="privacy.signup_consents")
def _signed_up(sender, request, user, **kwargs):
    # ``signup_public_profile``: the sign-up form's optional box (community.forms.SignupForm).
    services.signup_consents_record(
        user=user, request=request, public_profile=bool(getattr(user, "signup_public_profile", False))
    )


@receiver(user_logged_in, dispatch_uid="privacy.logged_in")
def _logged_in(sender, request, user, **kwargs):
    services.login_event_record(user=user, request=request)
    if request is not None and hasattr(request, "session"):
        services.session_policy_remember(user=user, request=request)


@receiver(email_notifications_changed, dispatch_uid="privacy.email_consent")
def _email_changed(sender, user_id, granted, method, **kwargs):
    if method not in ConsentRecord.Method.values:
        method = ConsentRecord.Method.SETTINGS
    services.consent_record_add(
        user_id=user_id, purpose=ConsentRecord.Purpose.EMAIL_NOTIFICATIONS, granted=granted, method=method
    )


@receiver(user_logged_in, dispatch_uid="privacy.cancel_deletion_on_login")
def cancel_deletion_on_login(sender, request, user, **kwargs):
    if deletion_cancel(user=user) is not None and request is not None and hasattr(request, "_messages"):
        messages.info(request, _("Welcome back. Your account deletion is cancelled; your account stays as it was."))
