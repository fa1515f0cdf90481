"""``/api/me/consents/``: GET the person's consents and the policy they accepted; POST one
change (``{"purpose": "brand_marketing", "granted": false}``, or ``{"purpose": "policy",
"granted": true}`` to accept the current policy version)."""
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
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


urlpatterns = [
    path("me/consents/", ConsentsApi.as_view(), name="me-consents"),
]
