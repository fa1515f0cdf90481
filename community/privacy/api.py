"""The privacy API. ``/api/me/consents/``: GET the person's consents and the policy they
accepted; POST one change (``{"purpose": "brand_marketing", "granted": false}``, or
``{"purpose": "policy", "granted": true}`` to accept the current policy version).

``/api/me/export/``: POST starts "download my data"; GET shows the latest one. The file itself
is downloaded from ``download_url``, which needs the owner's signed-in web session (like the
page), not only an API token: the archive holds everything about them.

``/api/me/deletion/``: POST ``{"password": ..., "keep_content": true}`` schedules the account's
deletion after the 7-day cool-off, as the privacy page does, and revokes the API token (the
page signs out): exchanging the password for a new token, or signing in on the web, cancels
it. GET shows the scheduled deletion; DELETE cancels it."""
from django.conf import settings
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from community.privacy import selectors, services
from community.privacy.models import ConsentRecord
from core.api.base import BaseApi, error_responses, parse_input
from core.errors import ServiceError

Purpose = ConsentRecord.Purpose


class ConsentOutputSerializer(serializers.Serializer):
    purpose = serializers.CharField()
    label = serializers.CharField()
    granted = serializers.BooleanField()
    at = serializers.DateTimeField(allow_null=True, help_text=gettext_lazy("When it was last given or withdrawn."))
    method = serializers.CharField(help_text=gettext_lazy("signup, settings, banner or api; empty: never chosen."))
    policy_version = serializers.CharField()


class PolicyStateOutputSerializer(serializers.Serializer):
    current_version = serializers.CharField(allow_null=True)
    accepted = serializers.BooleanField()
    accepted_version = serializers.CharField()


class ConsentsOutputSerializer(serializers.Serializer):
    policy = PolicyStateOutputSerializer()
    consents = ConsentOutputSerializer(many=True)


class ConsentInputSerializer(serializers.Serializer):
    purpose = serializers.ChoiceField(choices=[Purpose.POLICY, *selectors.OPTIONAL_PURPOSES])
    granted = serializers.BooleanField()


def _body(user):
    state = selectors.consent_state(user=user)
    policy = state.pop(Purpose.POLICY)
    current = selectors.policy_current()
    return {
        "policy": {
            "current_version": current.version if current else None,
            "accepted": selectors.policy_state_accepts_current(policy),
            "accepted_version": policy["policy_version"] if policy["granted"] else "",
        },
        "consents": [state[p] for p in selectors.OPTIONAL_PURPOSES],
    }


class ConsentsApi(BaseApi):
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="me_consents_retrieve", responses={200: ConsentsOutputSerializer,
                                                                    **error_responses(401, 429)})
    def get(self, request):
        return Response(ConsentsOutputSerializer(_body(request.user)).data)

    @extend_schema(
        operation_id="me_consents_update",
        summary="Give or withdraw one purpose, or accept the current privacy policy",
        request=ConsentInputSerializer,
        responses={200: ConsentsOutputSerializer, **error_responses(400, 401, 429)},
    )
    def post(self, request):
        data = parse_input(ConsentInputSerializer, request.data)
        if data["purpose"] == Purpose.POLICY:
            if not data["granted"]:
                msg = _("The privacy policy cannot be declined here; delete your account to stop using the site.")
                raise ServiceError(msg, code="policy_required", fields={"granted": [msg]})
            services.policy_accept(user=request.user, method=ConsentRecord.Method.API)
        else:
            services.consent_set(user=request.user, purpose=data["purpose"], granted=data["granted"],
                                 method=ConsentRecord.Method.API)
        return Response(ConsentsOutputSerializer(_body(request.user)).data)


class DataExportInputSerializer(serializers.Serializer):
    language = serializers.CharField(
        required=False, help_text="Language of the README and labels: zh-hans or en; default: the request's language.",
    )

    def validate_language(self, value):
        codes = [code for code, _name in settings.LANGUAGES]
        if value not in codes:
            raise serializers.ValidationError(_("Choose one of: %(codes)s.") % {"codes": ", ".join(codes)})
        return value


class DataExportOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField(help_text="pending, running, ready, failed or expired")
    progress = serializers.IntegerField(help_text="0-100")
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(allow_null=True, help_text="When the file is deleted (7 days after it is ready).")
    download_url = serializers.CharField(allow_null=True, help_text="Needs the owner's signed-in web session.")
    next_export_at = serializers.DateTimeField(allow_null=True, help_text="When another export may start (one per 24 hours).")


def _output(request, export):
    state = selectors.data_export_state(export)
    url = reverse("privacy:export_download", args=[export.pk]) if state["downloadable"] else None
    return DataExportOutputSerializer({
        **state,
        "download_url": request.build_absolute_uri(url) if url else None,
        "next_export_at": services.data_export_next_allowed(user_id=export.user_id),
    }).data


class DataExportApi(BaseApi):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="me_export_retrieve",
        summary="Your latest data export (progress, download link)",
        responses={200: DataExportOutputSerializer, **error_responses(401, 404)},
    )
    def get(self, request):
        export = selectors.data_export_latest(user_id=request.user.pk)
        if export is None:
            raise NotFound(_("You have not asked for a data export yet."))
        return Response(_output(request, export))

    @extend_schema(
        operation_id="me_export_create",
        summary="Start a data export (one per 24 hours)",
        request=DataExportInputSerializer,
        responses={202: DataExportOutputSerializer, **error_responses(400, 401, 429)},
    )
    def post(self, request):
        data = parse_input(DataExportInputSerializer, request.data)
        try:
            export = services.data_export_request(user=request.user, language=data.get("language") or get_language())
        except services.ExportTooSoon as error:
            # The API's one error shape, with when to try again (as a throttled request has).
            wait = max(1, int((error.next_at - timezone.now()).total_seconds()))
            body = {"code": error.code, "message": str(error.message), "fields": {}, "retry_after": wait}
            return Response({"error": body}, status=status.HTTP_429_TOO_MANY_REQUESTS, headers={"Retry-After": str(wait)})
        return Response(_output(request, export), status=status.HTTP_202_ACCEPTED)


class DeletionInputSerializer(serializers.Serializer):
    password = serializers.CharField(write_only=True, trim_whitespace=False, help_text="The account's password.")
    keep_content = serializers.BooleanField(
        default=True, help_text="true: reviews, entries and comments stay, anonymised as \"deleted user\"; "
        "false: they are removed too.")


class DeletionOutputSerializer(serializers.Serializer):
    status = serializers.CharField(help_text="scheduled or cancelled")
    keep_content = serializers.BooleanField()
    requested_at = serializers.DateTimeField()
    scheduled_for = serializers.DateTimeField(help_text="When the account is erased unless cancelled before.")
    cancelled_at = serializers.DateTimeField(allow_null=True)


class DeletionApi(BaseApi):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="me_deletion_retrieve",
        summary="Your scheduled account deletion",
        responses={200: DeletionOutputSerializer, **error_responses(401, 404)},
    )
    def get(self, request):
        pending = services.deletion_pending(user_id=request.user.pk)
        if pending is None:
            raise NotFound(_("No deletion of your account is scheduled."))
        return Response(DeletionOutputSerializer(pending).data)

    @extend_schema(
        operation_id="me_deletion_create",
        summary="Schedule your account's deletion (7-day cool-off; revokes this API token)",
        request=DeletionInputSerializer,
        responses={202: DeletionOutputSerializer, **error_responses(400, 401)},
    )
    def post(self, request):
        data = parse_input(DeletionInputSerializer, request.data)
        deletion = services.deletion_request(user=request.user, password=data["password"],
                                             keep_content=data["keep_content"])
        # Signed out, as the page does: signing in again (a new token, or the web) cancels it.
        Token.objects.filter(user=request.user).delete()
        return Response(DeletionOutputSerializer(deletion).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        operation_id="me_deletion_destroy",
        summary="Cancel your scheduled account deletion",
        responses={200: DeletionOutputSerializer, **error_responses(401, 404)},
    )
    def delete(self, request):
        cancelled = services.deletion_cancel(user=request.user)
        if cancelled is None:
            raise NotFound(_("No deletion of your account is scheduled."))
        return Response(DeletionOutputSerializer(cancelled).data)


urlpatterns = [
    path("me/consents/", ConsentsApi.as_view(), name="me-consents"),
    path("me/export/", DataExportApi.as_view(), name="me_export"),
    path("me/deletion/", DeletionApi.as_view(), name="me_deletion"),
]
