from django.urls import path

from moderation import views

app_name = "moderation"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("claim/", views.claim_next, name="claim"),
    path("bulk/", views.bulk, name="bulk"),
    path("report/", views.report, name="report"),
    path("cases/<int:case_id>/", views.case_detail, name="case"),
    path("cases/<int:case_id>/decide/", views.decide, name="decide"),
    path("cases/<int:case_id>/renew/", views.renew, name="renew"),
    path("cases/<int:case_id>/appeal/", views.appeal, name="appeal"),
]
