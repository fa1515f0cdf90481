"""Trial programs in the API: ``/api/trials/`` (list), ``/api/trials/<id>/`` (detail with the
viewer's application) and ``/api/trials/<id>/apply/`` (POST). Same permissions as the pages:
anyone reads programs that are not drafts; applying needs a signed-in shopper."""
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from community.api.serializers import BrandOutputSerializer
from community.trials import selectors, services
from core.api.base import ApiPagination, BaseApi, check_id, error_responses, parse_input


class TrialProductOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.SlugField()
    name = serializers.CharField()


class TrialApplicationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    created_at = serializers.DateTimeField()
    selected_at = serializers.DateTimeField(allow_null=True)
    shipped_at = serializers.DateTimeField(allow_null=True)
    reported_at = serializers.DateTimeField(allow_null=True)
    review_id = serializers.IntegerField(allow_null=True)


class TrialOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    title_zh = serializers.CharField()
    title_en = serializers.CharField()
    brand = BrandOutputSerializer()
    product = TrialProductOutputSerializer()
    samples = serializers.IntegerField()
    state = serializers.CharField()
    applications_open_at = serializers.DateTimeField()
    applications_close_at = serializers.DateTimeField()
    report_deadline = serializers.DateTimeField()


class TrialDetailOutputSerializer(TrialOutputSerializer):
    description = serializers.CharField()
    selection_criteria = serializers.CharField()
    accepting_applications = serializers.SerializerMethodField()
    my_application = serializers.SerializerMethodField()

    def get_accepting_applications(self, obj) -> bool:
        return obj.window_open()

    def get_my_application(self, obj) -> TrialApplicationOutputSerializer(allow_null=True):
        app = self.context.get("application")
        return TrialApplicationOutputSerializer(app).data if app is not None else None


class TrialShippingInputSerializer(serializers.Serializer):
    recipient_name = serializers.CharField(max_length=services.SHIPPING_LIMITS["recipient_name"])
    phone = serializers.CharField(max_length=services.SHIPPING_LIMITS["phone"])
    address = serializers.CharField(max_length=services.SHIPPING_LIMITS["address"])
    consent = serializers.BooleanField(
        help_text=gettext_lazy("True: share these with this trial's brand to ship the sample (required to store them).")
    )


class TrialApplyInputSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=services.REASON_MAX_LENGTH, help_text=gettext_lazy("Why you want to try it (a short sentence).")
    )
    shipping = TrialShippingInputSerializer(
        required=False,
        help_text=gettext_lazy("Parcel details, kept apart and shown to the brand only if you are selected."),
    )


def _program_or_404(program_id):
    check_id(program_id, _("Trial not found."))
    program = selectors.trial_get(program_id=program_id)
    if program is None:
        raise NotFound(_("Trial not found."))
    return program


class TrialListApi(BaseApi):
    pagination_class = ApiPagination

    @extend_schema(operation_id="trials_list", responses={200: TrialOutputSerializer(many=True), **error_responses(404, 429)})
    def get(self, request):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.trial_list(), request, view=self)
        return paginator.get_paginated_response(TrialOutputSerializer(page, many=True).data)


class TrialDetailApi(BaseApi):
    @extend_schema(operation_id="trials_retrieve", responses={200: TrialDetailOutputSerializer, **error_responses(404, 429)})
    def get(self, request, program_id):
        program = _program_or_404(program_id)
        application = selectors.trial_application_get(user=request.user, program=program)
        return Response(TrialDetailOutputSerializer(program, context={"application": application}).data)


class TrialApplyApi(BaseApi):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="trials_apply",
        request=TrialApplyInputSerializer,
        responses={201: TrialApplicationOutputSerializer, **error_responses(400, 401, 403, 404, 429)},
    )
    def post(self, request, program_id):
        program = _program_or_404(program_id)
        data = parse_input(TrialApplyInputSerializer, request.data)
        application = services.trial_apply(user=request.user, program=program, reason=data["reason"],
                                           shipping=data.get("shipping"))
        return Response(TrialApplicationOutputSerializer(application).data, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("", TrialListApi.as_view(), name="trial-list"),
    path("<int:program_id>/", TrialDetailApi.as_view(), name="trial-detail"),
    path("<int:program_id>/apply/", TrialApplyApi.as_view(), name="trial-apply"),
]
