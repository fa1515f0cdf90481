"""Signing in during the 7-day cool-off cancels a scheduled account deletion."""
from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils.translation import gettext as _

from community.privacy.services import deletion_cancel


@receiver(user_logged_in, dispatch_uid="privacy.cancel_deletion_on_login")
def cancel_deletion_on_login(sender, request, user, **kwargs):
    if deletion_cancel(user=user) is not None and request is not None and hasattr(request, "_messages"):
        messages.info(request, _("Welcome back. Your account deletion is cancelled; your account stays as it was."))
