"""The moderation JSON API: the queue for moderators, reports and appeals for shoppers,
and the current user's notifications.

Interfaces only, like community.api: parse with an input serializer, call one service or
selector, render an output serializer. Errors leave through the project's one handler
as ``{"error": {"code", "message", "fields"}}``: 401 signed out, 403 not a moderator or
the item is held by someone else, 409 already decided, 429 too many reports.
"""
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from community.models import Notification
from community.services import notification_mark_read
from core.api.base import (
    ApiPagination,
    BaseApi,
    ErrorOutputSerializer,
    check_id,
    error_responses,
    parse_input,
)
from moderation import presentation, selectors, services
from moderation.api import serializers as s
from moderation.models import Appeal

ERROR_409 = OpenApiResponse(ErrorOutputSerializer, description="Already decided (or already reported).")


class IsModerator(BasePermission):
    message = gettext_lazy("Only moderators can use the moderation queue.")

    def has_permission(self, request, view):
        return selectors.is_moderator(request.user)


class ModeratorApi(BaseApi):
    permission_classes = [IsAuthenticated, IsModerator]


class QueuePagination(ApiPagination):
    page_size = 50
    max_page_size = 100


def _decorated(cases, request):
    now = timezone.now()
    for case in cases:
        presentation.case_decorate(case, now=now, viewer=request.user)
    return cases


def _case_or_404(case_id):
    check_id(case_id, _("Item not found."))
    case = selectors.case_get(case_id=case_id)
    if case is None:
        raise NotFound(_("Item not found."))
    return case


def _detail_response(request, case, *, status_code=status.HTTP_200_OK):
    """The full item: masked text and evidence, why the AI flagged it, the author's record."""
    _decorated([case], request)
    history = selectors.author_history(case)
    case.segments = presentation.case_segments(case)
    case.detector_summary = presentation.detector_summary(case.detectors)
    case.author_history = {"id": case.author_id, "name": case.author.public_name, **history}
    case.similar_items = [
        {"content_type": item["content_type"], "object_id": item["object_id"], "similarity": item["similarity"],
         "case_id": item["case"].pk if item["case"] else None,
         "state": item["case"].state if item["case"] else None}
        for item in selectors.similar_items(case)
    ]
    case.history_events = [
        {"action": e.action, "reason": e.reason, "old_state": e.old_state, "new_state": e.new_state,
         "actor": e.actor.public_name if e.actor else None, "created_at": e.created_at}
        for e in selectors.case_history(case)
    ]
    case.appeal_if_any = Appeal.objects.filter(case=case).first()
    case.decision_state = {
        "reject_reason": case.reject_reason, "note": case.note, "decided_at": case.decided_at,
        "decided_by": case.decided_by.public_name if case.decided_by else None,
    }
    return Response(s.CaseDetailOutputSerializer(case).data, status=status_code)


# --- the queue --------------------------------------------------------------------------------


class QueueListApi(ModeratorApi):
    pagination_class = QueuePagination

    @extend_schema(
        operation_id="moderation_queue_list",
        summary="The moderation queue, highest priority first",
        parameters=[s.QueueFilterSerializer],
        responses={200: s.QueueItemOutputSerializer(many=True), **error_responses(400, 401, 403, 429)},
    )
    def get(self, request):
        filters = parse_input(s.QueueFilterSerializer, request.query_params)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.queue_queryset(**filters), request, view=self)
        selectors.attach_previews(page)
        data = s.QueueItemOutputSerializer(_decorated(page, request), many=True).data
        return paginator.get_paginated_response(data)


class QueueClaimApi(ModeratorApi):
    @extend_schema(
        operation_id="moderation_queue_claim",
        summary="Claim the next item under a 10-minute lease",
        description="Returns the item you already hold, else the top one. 204 when the queue is empty.",
        request=s.QueueClaimInputSerializer,
        responses={200: s.CaseDetailOutputSerializer, 204: OpenApiResponse(description="The queue is empty."),
                   **error_responses(400, 401, 403, 429)},
    )
    def post(self, request):
        filters = parse_input(s.QueueClaimInputSerializer, request.data)
        case = services.case_claim_next(moderator=request.user, **filters)
        if case is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return _detail_response(request, _case_or_404(case.pk))


class CaseDetailApi(ModeratorApi):
    @extend_schema(
        operation_id="moderation_cases_retrieve",
        summary="One item with masked evidence, the author's history and similar items",
        responses={200: s.CaseDetailOutputSerializer, **error_responses(401, 403, 404, 429)},
    )
    def get(self, request, case_id):
        return _detail_response(request, _case_or_404(case_id))


class CaseDecisionApi(ModeratorApi):
    @extend_schema(
        operation_id="moderation_cases_decision_create",
        summary="Approve or reject an item",
        description="Rejecting needs a reason. 403 when another moderator holds the item; 409 when it "
                    "was already decided.",
        request=s.DecisionInputSerializer,
        responses={200: s.DecisionOutputSerializer, 409: ERROR_409, **error_responses(400, 401, 403, 404, 429)},
    )
    def post(self, request, case_id):
        check_id(case_id, _("Item not found."))
        data = parse_input(s.DecisionInputSerializer, request.data)
        case = services.case_decide(
            case_id=case_id, moderator=request.user, approve=data["decision"] == "approve",
            reason_code=data.get("reason", ""), note=data.get("note", ""),
        )
        return Response(s.DecisionOutputSerializer(case).data)


class CaseBulkDecisionApi(ModeratorApi):
    @extend_schema(
        operation_id="moderation_cases_bulk_create",
        summary="Approve or reject many items",
        description="Each item is decided on its own; ones held by others or already decided are skipped.",
        request=s.BulkDecisionInputSerializer,
        responses={200: s.BulkDecisionOutputSerializer, **error_responses(400, 401, 403, 429)},
    )
    def post(self, request):
        data = parse_input(s.BulkDecisionInputSerializer, request.data)
        done, skipped = services.case_bulk_decide(
            case_ids=list(dict.fromkeys(data["ids"])), moderator=request.user,
            approve=data["decision"] == "approve", reason_code=data.get("reason", ""), note=data.get("note", ""),
        )
        return Response(s.BulkDecisionOutputSerializer({"decided": done, "skipped": skipped}).data)


# --- reports and appeals (any signed-in user) ----------------------------------------------------


class ReportCreateApi(BaseApi):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="reports_create",
        summary="Report content to the moderators",
        description="Reports are weighted by the reporter's track record; enough weight hides the content "
                    "until a moderator decides. 409 when you already reported it; 429 after many reports "
                    "in an hour.",
        request=s.ReportCreateInputSerializer,
        responses={201: s.ReportOutputSerializer, 409: ERROR_409, **error_responses(400, 401, 403, 404, 429)},
    )
    def post(self, request):
        data = parse_input(s.ReportCreateInputSerializer, request.data)
        report = services.report_create(reporter=request.user, **data)
        return Response(s.ReportOutputSerializer(report).data, status=status.HTTP_201_CREATED)


class CaseAppealApi(BaseApi):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="moderation_cases_appeal_create",
        summary="Appeal a rejection of your content",
        description="Authors only (404 for anyone else); once per decision. A different moderator decides "
                    "within 24 hours.",
        request=s.AppealCreateInputSerializer,
        responses={201: s.AppealOutputSerializer, **error_responses(400, 401, 404, 429)},
    )
    def post(self, request, case_id):
        check_id(case_id, _("Item not found."))
        data = parse_input(s.AppealCreateInputSerializer, request.data)
        appeal = services.appeal_create(author=request.user, case_id=case_id, message=data["message"])
        return Response(s.AppealOutputSerializer(appeal).data, status=status.HTTP_201_CREATED)


# --- notifications -----------------------------------------------------------------------------------


class NotificationPagination(ApiPagination):
    """Pages of notifications with the unread count alongside (for the header badge)."""

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["unread_count"] = self.unread_count
        return response

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["unread_count"] = {"type": "integer", "example": 2}
        schema["required"] = [*schema.get("required", []), "unread_count"]
        return schema


class NotificationListApi(BaseApi):
    permission_classes = [IsAuthenticated]
    pagination_class = NotificationPagination

    @extend_schema(
        operation_id="notifications_list",
        summary="Your notifications, newest first, with the unread count",
        responses={200: s.NotificationOutputSerializer(many=True), **error_responses(401, 404, 429)},
    )
    def get(self, request):
        notes = Notification.objects.filter(user=request.user)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(notes, request, view=self)
        paginator.unread_count = notes.filter(read_at__isnull=True).count()
        return paginator.get_paginated_response(s.NotificationOutputSerializer(page, many=True).data)


class NotificationReadApi(BaseApi):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="notifications_read_create",
        summary="Mark your notifications read (all, or the given ids)",
        request=s.NotificationReadInputSerializer,
        responses={200: s.NotificationReadOutputSerializer, **error_responses(400, 401, 429)},
    )
    def post(self, request):
        data = parse_input(s.NotificationReadInputSerializer, request.data)
        marked = notification_mark_read(user=request.user, ids=data.get("ids"))
        unread = Notification.objects.filter(user=request.user, read_at__isnull=True).count()
        return Response(s.NotificationReadOutputSerializer({"marked": marked, "unread_count": unread}).data)
