"""The patient's own API (`/api/v1/me/...`)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView

from programs.models import AccessAction, AccessLogEntry
from programs.permissions import IsPatient, require_patient
from programs.selectors.audit import access_log_for_patient
from programs.services.audit import access_log_record


class AccessLogEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = AccessLogEntry
        fields = [
            "occurred_at",
            "actor_name",
            "actor_role",
            "organisation",
            "action",
            "resource",
        ]


@extend_schema(
    tags=["patient"],
    summary="Who accessed my record (NEN 7513)",
    parameters=[
        OpenApiParameter(
            "include_own", bool, description="Also list my own reads (default: only others)."
        )
    ],
)
class MyAccessLogView(ListAPIView):
    permission_classes = [IsPatient]
    serializer_class = AccessLogEntrySerializer

    def get_queryset(self):
        patient = require_patient(self.request.user)
        include_own = self.request.query_params.get("include_own") in ("1", "true", "True")
        return access_log_for_patient(patient=patient, include_own=include_own)

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        access_log_record(
            request=request,
            patients=[require_patient(request.user)],
            action=AccessAction.LIST,
            resource="access_log",
        )
        return response
