"""The patient's own API (`/api/v1/me/...`)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from programs.api.shared import (
    DATE_RANGE_PARAMETERS,
    DateRangeSerializer,
    ProgrammeSerializer,
    SessionSerializer,
)
from programs.errors import NotFoundError
from programs.models import AccessAction, AccessLogEntry, PlannedSession
from programs.permissions import IsPatient, require_patient
from programs.selectors.audit import access_log_for_patient
from programs.selectors.programme import programme_sessions, running_programme_of
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


class MyProgrammeView(APIView):
    permission_classes = [IsPatient]
    extra_error_codes = ("404",)

    @extend_schema(
        tags=["patient"],
        summary="My running programme: phases, exercises and doses",
        responses={200: ProgrammeSerializer},
    )
    def get(self, request):
        programme = running_programme_of(user=request.user)
        if programme is None:
            raise NotFoundError(_("You have no running programme."), code="no_running_programme")
        access_log_record(
            request=request,
            patients=[programme.patient_id],
            action=AccessAction.READ,
            resource="programme",
            object_id=programme.pk,
        )
        return Response(ProgrammeSerializer(programme).data)


@extend_schema(
    tags=["patient"],
    summary="My planned sessions, with the exercises and doses due in each",
    parameters=DATE_RANGE_PARAMETERS,
)
class MySessionsView(ListAPIView):
    """Sessions of the running programme, in a constant number of queries however many there
    are: the programme's phases and exercises are loaded once and matched by week."""

    permission_classes = [IsPatient]
    serializer_class = SessionSerializer

    def get_queryset(self):
        return PlannedSession.objects.none()

    def list(self, request, *args, **kwargs):
        query = DateRangeSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        programme = running_programme_of(user=request.user)
        if programme is None:
            self.paginate_queryset([])
            return self.get_paginated_response([])
        sessions = programme_sessions(
            programme=programme,
            date_from=query.validated_data.get("from"),
            date_to=query.validated_data.get("to"),
        )
        page = self.paginate_queryset(sessions)
        data = SessionSerializer(page, many=True, context={"programme": programme}).data
        access_log_record(
            request=request,
            patients=[programme.patient_id],
            action=AccessAction.LIST,
            resource="sessions",
            object_id=programme.pk,
        )
        return self.get_paginated_response(data)
