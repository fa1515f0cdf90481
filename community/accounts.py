"""How allauth's pages and e-mails name the site and the person.

allauth names a user by ``ACCOUNT_USER_DISPLAY`` (we have no username, so its default
printed the model's verbose name, "用户") and the site by ``django.contrib.sites`` (not
installed, so it printed the request's host, "127.0.0.1:8000"). Both are ours here:
the display name the member chose at sign-up and ``COCREATE_SITE_NAME``.
"""
from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings


def user_display(user) -> str:
    return user.public_name


class AccountAdapter(DefaultAccountAdapter):
    def populate_username(self, request, user):
        # The forms have no username (ACCOUNT_USER_MODEL_USERNAME_FIELD = None), so allauth left
        # it "" and the second sign-up hit the unique constraint. Keep the e-mail there, as
        # ``UserManager.create_user`` does.
        user.username = user.username or user.email

    def send_mail(self, template_prefix, email, context):
        # templates/account/email/*.txt greet the person and sign with the site's name.
        return super().send_mail(template_prefix, email, {"site_name": settings.COCREATE_SITE_NAME, **context})
