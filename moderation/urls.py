from django.urls import path

from moderation.views import audit, fakerate, ops, queue, rings

app_name = "moderation"

urlpatterns = [
    path("", queue.queue, name="queue"),
    path("claim/", queue.claim_next, name="claim"),
    path("bulk/", queue.bulk, name="bulk"),
    path("report/", queue.report, name="report"),
    path("cases/<int:case_id>/", queue.case_detail, name="case"),
    path("cases/<int:case_id>/decide/", queue.decide, name="decide"),
    path("cases/<int:case_id>/renew/", queue.renew, name="renew"),
    path("cases/<int:case_id>/release/", queue.release, name="release"),
    path("cases/<int:case_id>/appeal/", queue.appeal, name="appeal"),
    path("audit/", audit.audit_queue, name="audit"),
    path("audit/<int:sample_id>/label/", audit.audit_label, name="audit_label"),
    path("audit/prevalence/", audit.prevalence, name="audit_prevalence"),
    path("fakerate/", fakerate.fakerate_queue, name="fakerate"),
    path("fakerate/<int:sample_id>/label/", fakerate.fakerate_label, name="fakerate_label"),
    path("rings/", rings.ring_list, name="rings"),
    path("rings/appeals/", rings.ring_appeals, name="ring_appeals"),
    path("rings/appeals/<int:appeal_id>/decide/", rings.ring_appeal_decide, name="ring_appeal_decide"),
    path("rings/<int:case_id>/", rings.ring_case, name="ring_case"),
    path("rings/<int:case_id>/decide/", rings.ring_decide, name="ring_decide"),
    path("interactions/mine/", rings.my_invalidations, name="my_invalidations"),
    path("ops/", ops.ops, name="ops"),
    path("ops/known-answer/", ops.known_answer, name="ops_known_answer"),
]
