"""Privacy pages, included by config.urls under the ``privacy:`` namespace."""
from django.urls import path

from community.privacy import views

app_name = "privacy"

urlpatterns = [
    path("privacy/", views.policy, name="policy"),
    path("me/privacy/", views.privacy_page, name="page"),
    path("me/privacy/consent/", views.consent, name="consent"),
    path("me/privacy/consent/accept/", views.policy_accept, name="policy_accept"),
    path("me/privacy/access/", views.access_log, name="access"),
    path("me/privacy/export/", views.export_start, name="export_start"),
    path("me/privacy/export/status/", views.export_status, name="export_status"),
    path("me/privacy/export/<int:export_id>/download/", views.export_download, name="export_download"),
    path("me/privacy/delete/", views.deletion_start, name="deletion_start"),
    path("me/privacy/delete/cancel/", views.deletion_cancel, name="deletion_cancel"),
]
