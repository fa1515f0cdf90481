from django.urls import path

from community.privacy import views

app_name = "privacy"

urlpatterns = [
    path("me/privacy/", views.privacy_page, name="page"),
    path("me/privacy/export/", views.export_start, name="export_start"),
    path("me/privacy/export/status/", views.export_status, name="export_status"),
    path("me/privacy/export/<int:export_id>/download/", views.export_download, name="export_download"),
    path("me/privacy/delete/", views.deletion_start, name="deletion_start"),
    path("me/privacy/delete/cancel/", views.deletion_cancel, name="deletion_cancel"),
]
