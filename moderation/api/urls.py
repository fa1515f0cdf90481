from django.urls import path

from moderation.api import quality, views

app_name = "moderation_api"

urlpatterns = [
    path("moderation/queue/", views.QueueListApi.as_view(), name="queue"),
    path("moderation/queue/claim/", views.QueueClaimApi.as_view(), name="queue-claim"),
    path("moderation/cases/bulk/", views.CaseBulkDecisionApi.as_view(), name="case-bulk"),
    path("moderation/cases/<int:case_id>/", views.CaseDetailApi.as_view(), name="case-detail"),
    path("moderation/cases/<int:case_id>/decision/", views.CaseDecisionApi.as_view(), name="case-decision"),
    path("moderation/cases/<int:case_id>/appeal/", views.CaseAppealApi.as_view(), name="case-appeal"),
    path("reports/", views.ReportCreateApi.as_view(), name="report-create"),
    path("notifications/", views.NotificationListApi.as_view(), name="notifications"),
    path("notifications/read/", views.NotificationReadApi.as_view(), name="notifications-read"),
    path("quality/coach/", quality.QualityCoachApi.as_view(), name="quality-coach"),
]
