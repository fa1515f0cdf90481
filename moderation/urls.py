from django.urls import path

from moderation import views, views_audit, views_ops

app_name = "moderation"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("claim/", views.claim_next, name="claim"),
    path("bulk/", views.bulk, name="bulk"),
    path("report/", views.report, name="report"),
    path("cases/<int:case_id>/", views.case_detail, name="case"),
    path("cases/<int:case_id>/decide/", views.decide, name="decide"),
    path("cases/<int:case_id>/renew/", views.renew, name="renew"),
    path("cases/<int:case_id>/release/", views.release, name="release"),
    path("cases/<int:case_id>/appeal/", views.appeal, name="appeal"),
    path("audit/", views_audit.audit_queue, name="audit"),
    path("audit/<int:sample_id>/label/", views_audit.audit_label, name="audit_label"),
    path("audit/prevalence/", views_audit.prevalence, name="audit_prevalence"),
    path("ops/", views_ops.ops, name="ops"),
    path("ops/known-answer/", views_ops.known_answer, name="ops_known_answer"),
]
