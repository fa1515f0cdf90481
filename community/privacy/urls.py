"""Privacy pages, included by config.urls under the ``privacy:`` namespace."""
from django.urls import path

from community.privacy import views

app_name = "privacy"

urlpatterns = [
    path("privacy/", views.policy, name="policy"),
    path("me/privacy/consent/", views.consent, name="consent"),
    path("me/privacy/consent/accept/", views.policy_accept, name="policy_accept"),
    path("me/privacy/access/", views.access_log, name="access"),
]
