"""The physiotherapist's API (`/api/v1/physio/...`): programmes of the patients of their own
practice. Anything outside the practice is answered with 404."""

from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from programs.api import catalogue
from programs.api.account import InsurerSummarySerializer, PracticeSummarySerializer
from programs.api.conditional import ConditionalGetMixin
from programs.api.shared import (
    DATE_RANGE_PARAMETERS,
    SESSION_VIEW_PARAMETER,
    AdherenceSerializer,
    AllowanceSerializer,
    DateRangeSerializer,
    DoseInputSerializer,
    OffsetDateTimeField,
    OutcomesSerializer,
    PrescribedExerciseSerializer,
    ProgrammeSerializer,
    QuestionnaireResponseSerializer,
    ScoreSerializer,
    SessionLogSerializer,
    SessionSerializer,
    StrictCharField,
    WeeklyPainPointSerializer,
    adherence_payload,
    allowance_text,
    outcomes_payload,
    query_flag,
    query_uuid,
    session_view,
)
from programs.errors import NotFoundError, ValidationFailed
from programs.models import (
    UNRESOLVED,
    AccessAction,
    Alert,
    AlertKind,
    AlertStatus,
    Attendance,
    AttendanceStatus,
    EndReason,
    Exercise,
    Patient,
    PerformanceTest,
    PerformanceTestKind,
    Physiotherapist,
    PlannedSession,
    Programme,
    ProgrammeChange,
    ProgrammeExercise,
    ProgrammeTemplate,
    QuestionnaireResponse,
    SessionLog,
    TreatmentLocation,
)
from programs.permissions import IsPhysiotherapist, patients_visible_to, require_physiotherapist
from programs.selectors.monitoring import (
    CASELOAD_BY_PATIENT,
    CASELOAD_FILTERS,
    CASELOAD_SEARCH_MAX,
    CASELOAD_SORTS,
    CaseloadRow,
    caseload,
    caseload_patients,
    filter_and_sort,
    patient_progress,
)
from programs.selectors.people import patient_detail
from programs.selectors.programme import (
    programme_detail,
    programme_history,
    programme_list,
    programme_sessions,
    templates_active,
)
from programs.selectors.session import session_logs
from programs.services import programme as programme_services
from programs.services.alert import alert_acknowledge, alert_resolve
from programs.services.audit import WRITE_OUTCOME_ACTIONS, access_log_record
from programs.services.outcome import performance_test_record, supervised_bounds
from programs.services.reimbursement import allowance_for, indication_record
from programs.services.session import attendance_register, treatment_register_extra

TAGS = ["physiotherapist"]


def _programme_or_404(request, programme_id) -> Programme:
    programme = programme_detail(user=request.user, programme_id=programme_id)
    if programme is None:
        raise NotFoundError(_("Programme not found."))
    return programme


def _log(request, programme: Programme, action: AccessAction, resource: str, object_id="") -> None:
    access_log_record(
        request=request,
        patients=[programme.patient_id],
        action=action,
        resource=resource,
        object_id=object_id or programme.pk,
    )


# --- Catalogue and templates -------------------------------------------------------------------


class TemplateExerciseSerializer(PrescribedExerciseSerializer):
    pass


class TemplatePhaseSerializer(serializers.Serializer):
    order = serializers.IntegerField()
    name = serializers.CharField()
    first_week = serializers.IntegerField()
    last_week = serializers.IntegerField()
    exercises = TemplateExerciseSerializer(many=True, source="exercises.all")


class TemplateSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    phases = TemplatePhaseSerializer(many=True, source="phases.all")

    class Meta:
        model = ProgrammeTemplate
        fields = ["slug", "name", "description", "weeks", "sessions_per_week", "phases"]


@extend_schema(tags=TAGS, summary="Programme templates")
class TemplateListView(ConditionalGetMixin, ListAPIView):
    permission_classes = [IsPhysiotherapist]
    serializer_class = TemplateSerializer

    def get_queryset(self):
        return templates_active().order_by("slug")


@extend_schema(
    tags=TAGS,
    summary="Exercise catalogue (as GET /api/v1/exercises/)",
    parameters=[catalogue.KIND_PARAMETER],
)
class ExerciseListView(catalogue.ExerciseListView):
    permission_classes = [IsPhysiotherapist]


# --- Programmes --------------------------------------------------------------------------------


class PatientSummarySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField(source="__str__")


class PhysioProgrammeSerializer(ProgrammeSerializer):
    patient = PatientSummarySerializer()
    enrolled_by = serializers.CharField(source="enrolled_by.__str__")
    end_note = serializers.CharField()


class ProgrammeSummarySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    patient = PatientSummarySerializer()
    name = serializers.CharField()
    status = serializers.CharField()
    template = serializers.CharField(source="template.slug", allow_null=True)
    start_date = serializers.DateField()
    weeks = serializers.IntegerField()
    weekdays = serializers.ListField(child=serializers.IntegerField())
    session_time = serializers.TimeField(format="%H:%M")
    sessions_total = serializers.IntegerField()
    last_session_at = serializers.DateTimeField(allow_null=True)


class EnrolSerializer(serializers.Serializer):
    patient = serializers.UUIDField()
    template = serializers.SlugField(default="hip-oa-12-weeks")
    start_date = serializers.DateField()
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6),
        min_length=1,
        max_length=7,
        help_text="0 = Monday ... 6 = Sunday; 2 or 3 distinct days.",
    )
    session_time = serializers.TimeField(help_text="Local time of day, HH:MM.")
    supervised_weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6),
        required=False,
        max_length=3,
        help_text="Which of the weekdays are supervised at the practice (default: the first).",
    )
    supervised_until_week = serializers.IntegerField(
        min_value=1, max_value=52, required=False, allow_null=True
    )


def programme_enrol_from_input(*, user, data) -> Programme:
    """Enrolment as the API and the dashboard take it (one validation for both): ``data``
    checked by EnrolSerializer, the patient looked up in the user's practice and the template
    by its code; the service checks the rules across rows (programme_enrol)."""
    serializer = EnrolSerializer(data=data)
    serializer.is_valid(raise_exception=True)
    values = serializer.validated_data
    physiotherapist = require_physiotherapist(user)
    patient = patients_visible_to(user).filter(pk=values["patient"]).first()
    if patient is None:
        raise ValidationFailed(
            fields={"patient": (_("No such patient in your practice."), "not_found")}
        )
    template = ProgrammeTemplate.objects.filter(slug=values["template"]).first()
    if template is None:
        raise ValidationFailed(fields={"template": (_("Unknown template."), "not_found")})
    return programme_services.programme_enrol(
        actor=user,
        physiotherapist=physiotherapist,
        patient=patient,
        template=template,
        start_date=values["start_date"],
        weekdays=values["weekdays"],
        session_time=values["session_time"],
        supervised_weekdays=values.get("supervised_weekdays"),
        supervised_until_week=values.get("supervised_until_week"),
    )


class ScheduleChangeSerializer(serializers.Serializer):
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6),
        min_length=1,
        max_length=7,
        required=False,
    )
    session_time = serializers.TimeField(required=False)
    supervised_weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6), required=False, max_length=3
    )
    supervised_until_week = serializers.IntegerField(
        min_value=1, max_value=52, required=False, allow_null=True
    )


@extend_schema(
    tags=TAGS,
    parameters=[
        OpenApiParameter(
            "patient", OpenApiTypes.UUID, description="Only this patient's programmes (id)."
        ),
        OpenApiParameter("running", bool, description="Only running (or, false, finished) ones."),
    ],
)
class ProgrammeListView(ListAPIView):
    permission_classes = [IsPhysiotherapist]
    serializer_class = ProgrammeSummarySerializer

    def get_queryset(self):
        patient_id = query_uuid(self.request, "patient")
        running = query_flag(self.request, "running")
        return programme_list(user=self.request.user, patient_id=patient_id, running=running)

    @extend_schema(summary="Programmes of my practice's patients")
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        patients = {row["patient"]["id"] for row in response.data["results"]}
        access_log_record(
            request=request, patients=patients, action=AccessAction.LIST, resource="programmes"
        )
        return response

    @extend_schema(
        summary="Enrol a patient in a programme",
        request=EnrolSerializer,
        responses={201: PhysioProgrammeSerializer},
    )
    def post(self, request):
        programme = programme_enrol_from_input(user=request.user, data=request.data)
        programme = programme_detail(user=request.user, programme_id=programme.pk)
        _log(request, programme, AccessAction.CREATE, "programme")
        return Response(
            PhysioProgrammeSerializer(programme, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class ProgrammeDetailView(ConditionalGetMixin, APIView):
    permission_classes = [IsPhysiotherapist]

    @extend_schema(tags=TAGS, summary="A programme", responses={200: PhysioProgrammeSerializer})
    def get(self, request, programme_id):
        programme = _programme_or_404(request, programme_id)
        _log(request, programme, AccessAction.READ, "programme")
        return Response(PhysioProgrammeSerializer(programme, context={"request": request}).data)

    @extend_schema(
        tags=TAGS,
        summary="Change weekdays, time of day or supervision of the sessions to come",
        request=ScheduleChangeSerializer,
        responses={200: PhysioProgrammeSerializer},
    )
    def patch(self, request, programme_id):
        programme = _programme_or_404(request, programme_id)
        data = ScheduleChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        if "supervised_until_week" not in changes:
            changes["supervised_until_week"] = programme_services.UNSET
        programme_services.programme_update_schedule(
            actor=request.user, programme=programme, **changes
        )
        programme = _programme_or_404(request, programme_id)
        _log(request, programme, AccessAction.UPDATE, "programme")
        return Response(PhysioProgrammeSerializer(programme, context={"request": request}).data)


@extend_schema(
    tags=TAGS,
    summary="Sessions of a programme",
    parameters=[*DATE_RANGE_PARAMETERS, SESSION_VIEW_PARAMETER],
)
class ProgrammeSessionsView(ConditionalGetMixin, ListAPIView):
    permission_classes = [IsPhysiotherapist]
    serializer_class = SessionSerializer

    def get_queryset(self):
        return PlannedSession.objects.none()

    def list(self, request, programme_id):
        programme = _programme_or_404(request, programme_id)
        query = DateRangeSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        view = session_view(request)
        sessions = programme_sessions(
            programme=programme,
            date_from=query.validated_data.get("from"),
            date_to=query.validated_data.get("to"),
        )
        page = self.paginate_queryset(sessions)
        _log(request, programme, AccessAction.LIST, "sessions")
        context = {"programme": programme, "request": request, "view": view}
        return self.get_paginated_response(SessionSerializer(page, many=True, context=context).data)


class RescheduleSerializer(serializers.Serializer):
    date = serializers.DateField(help_text="New local date.")
    time = serializers.TimeField(required=False, help_text="New local time (default: as before).")
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class SessionRescheduleView(APIView):
    permission_classes = [IsPhysiotherapist]
    extra_error_codes = ("409",)

    @extend_schema(
        tags=TAGS,
        summary="Move one session",
        request=RescheduleSerializer,
        responses={200: SessionSerializer},
    )
    def post(self, request, programme_id, session_id):
        programme = _programme_or_404(request, programme_id)
        session = programme.sessions.filter(pk=session_id).first()
        if session is None:
            raise NotFoundError(_("Session not found."))
        data = RescheduleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        session = programme_services.session_reschedule(
            actor=request.user,
            session=session,
            local_date=data.validated_data["date"],
            local_time=data.validated_data.get("time"),
            reason=data.validated_data["reason"],
        )
        _log(request, programme, AccessAction.UPDATE, "session", session.pk)
        context = {"programme": programme, "request": request}
        session = programme_sessions(programme=programme).get(pk=session.pk)
        return Response(SessionSerializer(session, context=context).data)


class PauseSerializer(serializers.Serializer):
    start_date = serializers.DateField(required=False, help_text="Default: today.")
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ResumeSerializer(serializers.Serializer):
    resume_date = serializers.DateField(required=False, help_text="Default: today.")


class EndSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=EndReason.choices)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class _ProgrammeActionView(APIView):
    permission_classes = [IsPhysiotherapist]
    extra_error_codes = ("409",)
    input_serializer: type[serializers.Serializer]

    def act(self, request, programme: Programme, values: dict) -> None:
        raise NotImplementedError

    def post(self, request, programme_id):
        programme = _programme_or_404(request, programme_id)
        data = self.input_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        self.act(request, programme, data.validated_data)
        programme = _programme_or_404(request, programme_id)
        _log(request, programme, AccessAction.UPDATE, "programme")
        return Response(PhysioProgrammeSerializer(programme, context={"request": request}).data)


@extend_schema(
    tags=TAGS,
    summary="Pause (illness): sessions from the start date on are put on hold",
    request=PauseSerializer,
    responses={200: PhysioProgrammeSerializer},
)
class ProgrammePauseView(_ProgrammeActionView):
    input_serializer = PauseSerializer

    def act(self, request, programme, values):
        programme_services.programme_pause(actor=request.user, programme=programme, **values)


@extend_schema(
    tags=TAGS,
    summary="Resume: the sessions on hold move to the next slots from the resume date",
    request=ResumeSerializer,
    responses={200: PhysioProgrammeSerializer},
)
class ProgrammeResumeView(_ProgrammeActionView):
    input_serializer = ResumeSerializer

    def act(self, request, programme, values):
        programme_services.programme_resume(actor=request.user, programme=programme, **values)


@extend_schema(
    tags=TAGS,
    summary="End early with a reason (for instance referred for surgery)",
    request=EndSerializer,
    responses={200: PhysioProgrammeSerializer},
)
class ProgrammeEndView(_ProgrammeActionView):
    input_serializer = EndSerializer

    def act(self, request, programme, values):
        programme_services.programme_end(actor=request.user, programme=programme, **values)


class ChangeSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = ProgrammeChange
        fields = ["occurred_at", "actor", "kind", "detail"]

    def get_actor(self, change: ProgrammeChange) -> str | None:
        return (change.actor.get_full_name() or change.actor.username) if change.actor else None


@extend_schema(tags=TAGS, summary="History of changes to a programme")
class ProgrammeHistoryView(ListAPIView):
    permission_classes = [IsPhysiotherapist]
    serializer_class = ChangeSerializer

    def get_queryset(self):
        return ProgrammeChange.objects.none()

    def list(self, request, programme_id):
        programme = _programme_or_404(request, programme_id)
        page = self.paginate_queryset(programme_history(programme=programme))
        _log(request, programme, AccessAction.LIST, "programme_history")
        return self.get_paginated_response(ChangeSerializer(page, many=True).data)


class ExerciseAddSerializer(DoseInputSerializer):
    exercise = serializers.SlugField(help_text="Catalogue code of the exercise.")


def programme_exercise_add_from_input(*, user, phase, data) -> ProgrammeExercise:
    """Adding an exercise as the API and the dashboard take it: ExerciseAddSerializer, the
    exercise by its catalogue code, then the service."""
    serializer = ExerciseAddSerializer(data=data)
    serializer.is_valid(raise_exception=True)
    values = dict(serializer.validated_data)
    exercise = Exercise.objects.filter(slug=values.pop("exercise")).first()
    if exercise is None:
        raise ValidationFailed(fields={"exercise": (_("Unknown exercise."), "not_found")})
    return programme_services.programme_exercise_add(
        actor=user, phase=phase, exercise=exercise, dose=values
    )


def programme_exercise_update_from_input(
    *, user, item: ProgrammeExercise, data, partial: bool = True
) -> ProgrammeExercise:
    """A dose change as the API (partial: what is left out stays) and the dashboard (the whole
    dose) take it: DoseInputSerializer against the current dose, then the service."""
    serializer = DoseInputSerializer(
        data=data, partial=partial, context={"current_dose": item.dose()}
    )
    serializer.is_valid(raise_exception=True)
    return programme_services.programme_exercise_update(
        actor=user, item=item, dose=serializer.validated_data
    )


class PhaseExercisesView(APIView):
    permission_classes = [IsPhysiotherapist]
    extra_error_codes = ("409",)

    @extend_schema(
        tags=TAGS,
        summary="Add an exercise to one phase of this patient's programme",
        request=ExerciseAddSerializer,
        responses={201: PrescribedExerciseSerializer},
    )
    def post(self, request, programme_id, phase_order):
        programme = _programme_or_404(request, programme_id)
        phase = next((p for p in programme.phases.all() if p.order == phase_order), None)
        if phase is None:
            raise NotFoundError(_("Phase not found."))
        item = programme_exercise_add_from_input(user=request.user, phase=phase, data=request.data)
        _log(request, programme, AccessAction.CREATE, "programme_exercise", item.pk)
        return Response(
            PrescribedExerciseSerializer(item, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class ProgrammeExerciseView(APIView):
    permission_classes = [IsPhysiotherapist]
    extra_error_codes = ("409",)

    def _item(self, request, programme_id, item_id) -> tuple[Programme, ProgrammeExercise]:
        programme = _programme_or_404(request, programme_id)
        item = (
            ProgrammeExercise.objects.select_related("exercise", "phase")
            .filter(pk=item_id, phase__programme=programme)
            .first()
        )
        if item is None:
            raise NotFoundError(_("Exercise not found in this programme."))
        return programme, item

    @extend_schema(
        tags=TAGS,
        summary="Adjust the dose of one exercise",
        request=DoseInputSerializer(partial=True),
        responses={200: PrescribedExerciseSerializer},
    )
    def patch(self, request, programme_id, item_id):
        programme, item = self._item(request, programme_id, item_id)
        item = programme_exercise_update_from_input(user=request.user, item=item, data=request.data)
        _log(request, programme, AccessAction.UPDATE, "programme_exercise", item.pk)
        return Response(PrescribedExerciseSerializer(item, context={"request": request}).data)

    @extend_schema(tags=TAGS, summary="Remove an exercise from a phase", responses={204: None})
    def delete(self, request, programme_id, item_id):
        programme, item = self._item(request, programme_id, item_id)
        item_pk = item.pk
        programme_services.programme_exercise_remove(actor=request.user, item=item)
        _log(request, programme, AccessAction.DELETE, "programme_exercise", item_pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Logs, attendance, adherence ---------------------------------------------------------------


@extend_schema(
    tags=TAGS,
    summary="Session logs of a programme, with pain signals",
    parameters=DATE_RANGE_PARAMETERS,
)
class ProgrammeSessionLogsView(ListAPIView):
    permission_classes = [IsPhysiotherapist]
    serializer_class = SessionLogSerializer

    def get_queryset(self):
        return SessionLog.objects.none()

    def list(self, request, programme_id):
        programme = _programme_or_404(request, programme_id)
        query = DateRangeSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        logs = session_logs(
            programme=programme,
            date_from=query.validated_data.get("from"),
            date_to=query.validated_data.get("to"),
        )
        page = self.paginate_queryset(logs)
        _log(request, programme, AccessAction.LIST, "session_logs")
        return self.get_paginated_response(SessionLogSerializer(page, many=True).data)


class AttendanceInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=AttendanceStatus.choices)
    therapist_agb_code = serializers.RegexField(
        r"^\d{8}$",
        required=False,
        help_text="AGB code of the therapist who treated (default: you).",
    )
    treated_at = OffsetDateTimeField(required=False, help_text="Default: the planned time.")
    location = serializers.ChoiceField(
        choices=TreatmentLocation.choices, default=TreatmentLocation.PRACTICE
    )
    same_day_necessary = serializers.BooleanField(
        default=False,
        help_text="A second treatment this day that is medically necessary (covered, R9).",
    )
    correction_reason = serializers.CharField(
        max_length=300,
        required=False,
        allow_blank=True,
        default="",
        help_text="Needed to change a registration an insurer has already claimed.",
    )


class AttendanceSerializer(serializers.Serializer):
    session = serializers.UUIDField(source="planned_session_id", allow_null=True)
    reference = serializers.UUIDField(allow_null=True)
    status = serializers.ChoiceField(choices=AttendanceStatus.choices)
    therapist_agb_code = serializers.CharField(source="therapist.agb_code")
    therapist_name = serializers.CharField(source="therapist.__str__")
    practice_agb_code = serializers.CharField(source="practice.agb_code")
    treated_at = serializers.DateTimeField()
    location = serializers.ChoiceField(choices=TreatmentLocation.choices)
    same_day_necessary = serializers.BooleanField()
    revision = serializers.IntegerField()
    updated_at = serializers.DateTimeField()


def _therapist(request, agb_code: str | None) -> Physiotherapist:
    return therapist_in_practice(user=request.user, agb_code=agb_code)


def therapist_in_practice(*, user, agb_code: str | None) -> Physiotherapist:
    """The treating therapist: the caller, or a colleague of the same practice by AGB code."""
    me = require_physiotherapist(user)
    if not agb_code:
        return me
    therapist = (
        Physiotherapist.objects.filter(agb_code=agb_code, practice_id=me.practice_id)
        .select_related("user", "practice")
        .first()
    )
    if therapist is None:
        raise ValidationFailed(
            fields={"therapist_agb_code": (_("No such therapist in your practice."), "not_found")}
        )
    return therapist


def attendance_register_from_input(*, user, session: PlannedSession, data):
    """Attendance as the API and the dashboard take it: AttendanceInputSerializer, the treating
    therapist in the user's practice, then the service (services/session.attendance_register)."""
    serializer = AttendanceInputSerializer(data=data)
    serializer.is_valid(raise_exception=True)
    values = serializer.validated_data
    therapist = therapist_in_practice(user=user, agb_code=values.get("therapist_agb_code"))
    return attendance_register(
        actor=user,
        session=session,
        status=values["status"],
        therapist=therapist,
        treated_at=values.get("treated_at"),
        location=values["location"],
        same_day_necessary=values["same_day_necessary"],
        correction_reason=values["correction_reason"],
    )


class AttendanceView(APIView):
    permission_classes = [IsPhysiotherapist]
    extra_error_codes = ("409",)

    @extend_schema(
        tags=TAGS,
        summary="Register a supervised session: attended, no-show or cancelled by the practice",
        description=(
            "Idempotent: one attendance per session; registering again updates it and keeps "
            "the previous registration. This is the record the insurer's check counts."
        ),
        request=AttendanceInputSerializer,
        responses={200: AttendanceSerializer, 201: AttendanceSerializer},
    )
    def put(self, request, programme_id, session_id):
        programme = _programme_or_404(request, programme_id)
        session = programme.sessions.filter(pk=session_id).first()
        if session is None:
            raise NotFoundError(_("Session not found."))
        result = attendance_register_from_input(
            user=request.user, session=session, data=request.data
        )
        _log(request, programme, WRITE_OUTCOME_ACTIONS[result.outcome], "attendance", session.pk)
        attendance = Attendance.objects.select_related("therapist__user", "practice").get(
            pk=result.attendance.pk
        )
        return Response(
            AttendanceSerializer(attendance).data,
            status=status.HTTP_201_CREATED if result.outcome == "created" else status.HTTP_200_OK,
        )


class ProgrammeAdherenceView(APIView):
    permission_classes = [IsPhysiotherapist]

    @extend_schema(
        tags=TAGS,
        summary="Adherence of a programme: overall and per week (docs/domain.md §4)",
        responses={200: AdherenceSerializer},
    )
    def get(self, request, programme_id):
        programme = _programme_or_404(request, programme_id)
        _log(request, programme, AccessAction.READ, "adherence")
        return Response(AdherenceSerializer(adherence_payload(programme)).data)


# --- Patients and outcomes ---------------------------------------------------------------------


def _patient_or_404(request, patient_id):
    patient = (
        patients_visible_to(request.user)
        .select_related("user", "physiotherapist__user")
        .filter(pk=patient_id)
        .first()
    )
    if patient is None:
        raise NotFoundError(_("Patient not found."))
    return patient


class PracticePatientSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField(source="__str__")
    date_of_birth = serializers.DateField()
    language = serializers.CharField()
    time_zone = serializers.CharField()
    physiotherapist = serializers.CharField(source="physiotherapist.__str__")
    physiotherapist_agb_code = serializers.CharField(source="physiotherapist.agb_code")


@extend_schema(tags=TAGS, summary="Patients of my practice")
class PracticePatientsView(ListAPIView):
    permission_classes = [IsPhysiotherapist]
    serializer_class = PracticePatientSerializer

    def get_queryset(self):
        return (
            patients_visible_to(self.request.user)
            .select_related("user", "physiotherapist__user")
            .order_by("user__last_name", "user__first_name", "pk")
        )

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        access_log_record(
            request=request,
            patients=[row["id"] for row in response.data["results"]],
            action=AccessAction.LIST,
            resource="patients",
        )
        return response


class CoverageDetailSerializer(serializers.Serializer):
    insurer = InsurerSummarySerializer()
    member_number = serializers.CharField()
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(allow_null=True, help_text="Inclusive; empty: open-ended.")
    current = serializers.SerializerMethodField(
        help_text="Covers today (in the patient's time zone): the insurer a claim goes to now."
    )

    def get_current(self, coverage) -> bool:
        return coverage.covers(self.context["today"])


class PhysiotherapistSummarySerializer(serializers.Serializer):
    name = serializers.CharField(source="__str__")
    agb_code = serializers.CharField()


class PatientDetailSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField(source="__str__")
    first_name = serializers.CharField(source="user.first_name")
    last_name = serializers.CharField(source="user.last_name")
    date_of_birth = serializers.DateField()
    language = serializers.CharField()
    time_zone = serializers.CharField()
    physiotherapist = PhysiotherapistSummarySerializer()
    practice = PracticeSummarySerializer()
    coverages = serializers.SerializerMethodField(
        help_text="Basic insurance over time, oldest first; `current` marks today's."
    )
    running_programme = serializers.UUIDField(
        source="running_programme_id",
        allow_null=True,
        help_text="The active or paused programme: GET /api/v1/physio/programmes/{id}/.",
    )

    @extend_schema_field(CoverageDetailSerializer(many=True))
    def get_coverages(self, patient) -> list:
        today = timezone.localdate(timezone=ZoneInfo(patient.time_zone))
        return CoverageDetailSerializer(
            patient.coverages.all(), many=True, context={"today": today}
        ).data


class PatientDetailView(APIView):
    permission_classes = [IsPhysiotherapist]

    @extend_schema(
        tags=TAGS,
        summary="A patient of my practice: person, insurance (member numbers) and programme",
        responses={200: PatientDetailSerializer},
    )
    def get(self, request, patient_id):
        patient = patient_detail(user=request.user, patient_id=patient_id)
        if patient is None:
            raise NotFoundError(_("Patient not found."))
        access_log_record(
            request=request, patients=[patient], action=AccessAction.READ, resource="patient"
        )
        return Response(PatientDetailSerializer(patient).data)


class PatientOutcomesView(APIView):
    permission_classes = [IsPhysiotherapist]

    @extend_schema(
        tags=TAGS,
        summary="A patient's scores with change against baseline, and weekly pain",
        responses={200: OutcomesSerializer},
    )
    def get(self, request, patient_id):
        patient = _patient_or_404(request, patient_id)
        access_log_record(
            request=request, patients=[patient], action=AccessAction.READ, resource="outcomes"
        )
        return Response(OutcomesSerializer(outcomes_payload(patient)).data)


@extend_schema(tags=TAGS, summary="A patient's questionnaires with answers and scores")
class PatientQuestionnairesView(ListAPIView):
    permission_classes = [IsPhysiotherapist]
    serializer_class = QuestionnaireResponseSerializer

    def get_queryset(self):
        return QuestionnaireResponse.objects.none()

    def list(self, request, patient_id):
        patient = _patient_or_404(request, patient_id)
        responses = (
            QuestionnaireResponse.objects.filter(patient=patient)
            .prefetch_related("answers", "scores")
            .order_by("-answered_at")
        )
        page = self.paginate_queryset(responses)
        access_log_record(
            request=request, patients=[patient], action=AccessAction.LIST, resource="questionnaires"
        )
        return self.get_paginated_response(QuestionnaireResponseSerializer(page, many=True).data)


class PerformanceTestInputSerializer(serializers.Serializer):
    value = serializers.DecimalField(
        max_digits=7,
        decimal_places=2,
        coerce_to_string=False,  # a number in, as the schema says; strings are accepted too
        min_value=Decimal("0"),
        max_value=Decimal("10000"),
        help_text="Stands (chair stand), seconds (40 m walk, TUG) or metres (6-minute walk).",
    )
    measured_at = OffsetDateTimeField(required=False, help_text="Default: the session's time.")


class PerformanceTestSerializer(serializers.Serializer):
    session = serializers.UUIDField(source="session_id")
    kind = serializers.ChoiceField(choices=PerformanceTestKind.choices)
    value = serializers.DecimalField(max_digits=7, decimal_places=2)
    score = serializers.SerializerMethodField(help_text="40 m walk as m/s; others as entered.")
    measured_at = serializers.DateTimeField()
    therapist_agb_code = serializers.CharField(source="therapist.agb_code")

    def get_score(self, test) -> float | None:
        scores = list(test.scores.all())
        return scores[0].value if scores else None


class PerformanceTestView(APIView):
    permission_classes = [IsPhysiotherapist]

    @extend_schema(
        tags=TAGS,
        summary="Record a performance test at a supervised session (idempotent per kind)",
        request=PerformanceTestInputSerializer,
        responses={200: PerformanceTestSerializer, 201: PerformanceTestSerializer},
    )
    def put(self, request, programme_id, session_id, kind):
        programme = _programme_or_404(request, programme_id)
        session = programme.sessions.filter(pk=session_id).first()
        if session is None:
            raise NotFoundError(_("Session not found."))
        if kind not in PerformanceTestKind.values:
            raise NotFoundError(_("Unknown test."))
        data = PerformanceTestInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        test, outcome = performance_test_record(
            physiotherapist=require_physiotherapist(request.user),
            session=session,
            kind=kind,
            value=data.validated_data["value"],
            measured_at=data.validated_data.get("measured_at"),
        )
        _log(request, programme, WRITE_OUTCOME_ACTIONS[outcome], "performance_test", test.pk)
        test = (
            PerformanceTest.objects.select_related("therapist")
            .prefetch_related("scores")
            .get(pk=test.pk)
        )
        return Response(
            PerformanceTestSerializer(test).data,
            status=status.HTTP_201_CREATED if outcome == "created" else status.HTTP_200_OK,
        )


class PerformanceTestsSerializer(serializers.Serializer):
    first_supervised_session = serializers.UUIDField(allow_null=True)
    last_supervised_session = serializers.UUIDField(allow_null=True)
    tests = PerformanceTestSerializer(many=True)


class ProgrammePerformanceTestsView(APIView):
    permission_classes = [IsPhysiotherapist]

    @extend_schema(
        tags=TAGS,
        summary="Performance tests of a programme, and the sessions where they are due",
        responses={200: PerformanceTestsSerializer},
    )
    def get(self, request, programme_id):
        programme = _programme_or_404(request, programme_id)
        first, last = supervised_bounds(programme)
        tests = (
            PerformanceTest.objects.filter(programme=programme)
            .select_related("therapist")
            .prefetch_related("scores")
            .order_by("measured_at", "kind")
        )
        _log(request, programme, AccessAction.LIST, "performance_tests")
        return Response(
            PerformanceTestsSerializer(
                {"first_supervised_session": first, "last_supervised_session": last, "tests": tests}
            ).data
        )


# --- Monitoring: caseload, progress, alerts -----------------------------------------------------


class AdherenceBriefSerializer(serializers.Serializer):
    due = serializers.IntegerField()
    done = serializers.IntegerField()
    session_adherence = serializers.FloatField(allow_null=True)
    exercise_adherence = serializers.FloatField(allow_null=True)
    adherent = serializers.BooleanField(allow_null=True)


class LatestScoreSerializer(serializers.Serializer):
    value = serializers.FloatField()
    baseline = serializers.FloatField(allow_null=True)
    change = serializers.FloatField(allow_null=True)


class ThisWeekSerializer(serializers.Serializer):
    planned = serializers.IntegerField(help_text="Sessions scheduled in the current week.")
    due = serializers.IntegerField(help_text="Of those, the ones whose time has come.")
    done = serializers.IntegerField(
        help_text="Of those planned, the ones done (also one done ahead of its time)."
    )


class CaseloadRowSerializer(serializers.Serializer):
    patient = PatientSummarySerializer()
    physiotherapist = serializers.CharField(source="patient.physiotherapist.__str__")
    programme = serializers.UUIDField(source="programme.pk", allow_null=True)
    programme_status = serializers.CharField(source="programme.status", allow_null=True)
    programme_week = serializers.IntegerField(
        allow_null=True,
        help_text="The programme week the patient is in today (null before the start).",
    )
    weeks = serializers.IntegerField(source="programme.weeks", allow_null=True)
    adherence_week = AdherenceBriefSerializer(
        allow_null=True, help_text="Adherence in the current week, over its sessions due so far."
    )
    this_week = ThisWeekSerializer(allow_null=True)
    adherence_overall = AdherenceBriefSerializer(allow_null=True)
    last_activity = serializers.DateTimeField(allow_null=True)
    weekly_pain = serializers.IntegerField(allow_null=True)
    weekly_pain_trend = serializers.IntegerField(
        allow_null=True, help_text="Latest weekly pain minus the one before."
    )
    scores = serializers.DictField(child=LatestScoreSerializer())
    open_alerts = serializers.IntegerField()
    alert_kinds = serializers.ListField(child=serializers.CharField())


@extend_schema(
    tags=TAGS,
    summary="Caseload: my practice's patients with adherence, pain, scores and alerts",
    parameters=[
        OpenApiParameter(
            "q",
            str,
            description="Search: patients whose first name, last name or username holds every "
            "word (case-insensitive), e.g. `anna` or `de jong`; combined with filter and sort. "
            f"At most {CASELOAD_SEARCH_MAX} characters.",
        ),
        OpenApiParameter("filter", str, enum=list(CASELOAD_FILTERS), description="Default: all."),
        OpenApiParameter(
            "sort",
            str,
            enum=[s for key in CASELOAD_SORTS for s in (key, f"-{key}")],
            description="Default: name.",
        ),
    ],
)
class CaseloadView(ListAPIView):
    permission_classes = [IsPhysiotherapist]
    serializer_class = CaseloadRowSerializer

    def get_queryset(self):
        return Patient.objects.none()

    def list(self, request):
        physiotherapist = require_physiotherapist(request.user)
        filter_by = request.query_params.get("filter", "all")
        sort = request.query_params.get("sort", "name")
        if filter_by not in CASELOAD_FILTERS:
            raise ValidationFailed(fields={"filter": (_("Unknown filter."), "invalid_choice")})
        if sort.lstrip("-") not in CASELOAD_SORTS:
            raise ValidationFailed(fields={"sort": (_("Unknown sort order."), "invalid_choice")})
        q = request.query_params.get("q", "").strip()
        if len(q) > CASELOAD_SEARCH_MAX:
            raise ValidationFailed(
                fields={
                    "q": (
                        _("A search holds at most %(max)s characters.")
                        % {"max": CASELOAD_SEARCH_MAX},
                        "max_length",
                    )
                }
            )
        filters, sorts = CASELOAD_BY_PATIENT
        if filter_by in filters and sort.lstrip("-") in sorts:
            # The page is known from the patients alone: the figures of its patients only
            # (a practice of 230 patients cost four times a page of 50).
            order = filter_and_sort(
                [
                    CaseloadRow(patient)
                    for patient in caseload_patients(physiotherapist=physiotherapist, q=q)
                ],
                physiotherapist=physiotherapist,
                filter_by=filter_by,
                sort=sort,
            )
            page = self.paginate_queryset(order)
            page = caseload(physiotherapist=physiotherapist, patients=[r.patient for r in page])
        else:
            rows = filter_and_sort(
                caseload(physiotherapist=physiotherapist, q=q),
                physiotherapist=physiotherapist,
                filter_by=filter_by,
                sort=sort,
            )
            page = self.paginate_queryset(rows)
        access_log_record(
            request=request,
            patients=[row.patient for row in page],
            action=AccessAction.LIST,
            resource="caseload",
        )
        return self.get_paginated_response(CaseloadRowSerializer(page, many=True).data)


class WeekAdherencePointSerializer(AdherenceBriefSerializer):
    week = serializers.IntegerField()


class SessionPainSerializer(serializers.Serializer):
    performed_at = serializers.DateTimeField()
    week = serializers.IntegerField(allow_null=True)
    pain_before = serializers.IntegerField(allow_null=True)
    pain_during_max = serializers.IntegerField(allow_null=True)
    pain_next_morning = serializers.IntegerField(allow_null=True)
    signals = serializers.ListField(child=serializers.CharField())


class AlertSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    patient = serializers.UUIDField(source="patient_id")
    kind = serializers.ChoiceField(choices=AlertKind.choices)
    label = serializers.CharField(source="get_kind_display")
    status = serializers.ChoiceField(choices=AlertStatus.choices)
    raised_at = serializers.DateTimeField()
    detail = serializers.DictField()
    acknowledged_by = serializers.CharField(source="acknowledged_by.username", allow_null=True)
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    resolved_by = serializers.CharField(source="resolved_by.username", allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)
    resolution_note = serializers.CharField()


class ProgressSerializer(serializers.Serializer):
    programme = PhysioProgrammeSerializer(allow_null=True)
    overall = AdherenceBriefSerializer(allow_null=True)
    weeks = WeekAdherencePointSerializer(many=True)
    weekly_pain = WeeklyPainPointSerializer(many=True)
    session_pain = SessionPainSerializer(many=True)
    scores = ScoreSerializer(many=True)
    performance_tests = ScoreSerializer(many=True)
    changes = ChangeSerializer(many=True)
    alerts = AlertSerializer(many=True)


def progress_payload(patient, request) -> dict:
    progress = patient_progress(patient=patient)
    programme = progress["programme"]
    if programme is not None:
        progress["programme"] = programme_detail(user=request.user, programme_id=programme.pk)
    progress["weeks"] = [{"week": week, **vars(figures)} for week, figures in progress["weeks"]]
    return progress


class PatientProgressView(APIView):
    permission_classes = [IsPhysiotherapist]

    @extend_schema(
        tags=TAGS,
        summary="A patient's progress: adherence per week, pain, scores, tests, programme, alerts",
        description=(
            "Of the patient's current programme (the running one, else the most recent): its "
            "weeks, pain, and its scores and tests against its own baseline. Every score of "
            "every programme: `outcomes/`."
        ),
        responses={200: ProgressSerializer},
    )
    def get(self, request, patient_id):
        patient = _patient_or_404(request, patient_id)
        access_log_record(
            request=request, patients=[patient], action=AccessAction.READ, resource="progress"
        )
        payload = progress_payload(patient, request)
        return Response(ProgressSerializer(payload, context={"request": request}).data)


@extend_schema(
    tags=TAGS,
    summary="Alerts of my practice's patients",
    parameters=[
        OpenApiParameter("status", str, enum=["unresolved", *AlertStatus.values]),
        OpenApiParameter("patient", OpenApiTypes.UUID, description="Only this patient's (id)."),
    ],
)
class AlertListView(ListAPIView):
    permission_classes = [IsPhysiotherapist]
    serializer_class = AlertSerializer

    def get_queryset(self):
        alerts = Alert.objects.filter(patient__in=patients_visible_to(self.request.user))
        wanted = self.request.query_params.get("status", "unresolved")
        if wanted == "unresolved":
            alerts = alerts.filter(status__in=UNRESOLVED)
        elif wanted in AlertStatus.values:
            alerts = alerts.filter(status=wanted)
        else:
            raise ValidationFailed(fields={"status": (_("Unknown status."), "invalid_choice")})
        if (patient_id := query_uuid(self.request, "patient")) is not None:
            alerts = alerts.filter(patient_id=patient_id)
        return alerts.select_related("acknowledged_by", "resolved_by").order_by("-raised_at", "pk")

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        access_log_record(
            request=request,
            patients=[row["patient"] for row in response.data["results"]],
            action=AccessAction.LIST,
            resource="alerts",
        )
        return response


class ResolveSerializer(serializers.Serializer):
    note = StrictCharField(max_length=2000, required=False, allow_blank=True, default="")


class _AlertActionView(APIView):
    permission_classes = [IsPhysiotherapist]
    extra_error_codes = ("409",)

    def _alert(self, request, alert_id) -> Alert:
        alert = Alert.objects.filter(
            pk=alert_id, patient__in=patients_visible_to(request.user)
        ).first()
        if alert is None:
            raise NotFoundError(_("Alert not found."))
        return alert

    def _respond(self, request, alert) -> Response:
        alert = Alert.objects.select_related("acknowledged_by", "resolved_by").get(pk=alert.pk)
        access_log_record(
            request=request,
            patients=[alert.patient_id],
            action=AccessAction.UPDATE,
            resource="alert",
            object_id=alert.pk,
        )
        return Response(AlertSerializer(alert).data)


class AlertAcknowledgeView(_AlertActionView):
    @extend_schema(
        tags=TAGS, summary="Acknowledge an alert", request=None, responses=AlertSerializer
    )
    def post(self, request, alert_id):
        alert = alert_acknowledge(alert=self._alert(request, alert_id), actor=request.user)
        return self._respond(request, alert)


class AlertResolveView(_AlertActionView):
    @extend_schema(
        tags=TAGS, summary="Resolve an alert", request=ResolveSerializer, responses=AlertSerializer
    )
    def post(self, request, alert_id):
        data = ResolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        alert = alert_resolve(
            alert=self._alert(request, alert_id),
            actor=request.user,
            note=data.validated_data["note"],
        )
        return self._respond(request, alert)


# --- Reimbursement --------------------------------------------------------------------------------


def _not_in_the_future(value: date) -> date:
    # Local dates: Amsterdam's today (or tomorrow, for a physiotherapist further east).
    if value > timezone.localdate() + timedelta(days=1):
        raise serializers.ValidationError(_("This lies in the future."), code="in_the_future")
    if value.year < 2000:
        raise serializers.ValidationError(
            _("This date lies before the year 2000."), code="implausible"
        )
    return value


class IndicationInputSerializer(serializers.Serializer):
    recorded_on = serializers.DateField()
    diagnosis_code = serializers.CharField(max_length=4, help_text="Vektis: 6223 hip, 7023 knee.")
    referral_date = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="Left out, a referral already recorded for this indication stays; null "
        "takes it back.",
    )
    correction_reason = serializers.CharField(
        max_length=300,
        required=False,
        allow_blank=True,
        default="",
        help_text="Needed when the indication changes the verdict of a claimed treatment.",
    )

    def validate_recorded_on(self, value: date) -> date:
        return _not_in_the_future(value)

    def validate_referral_date(self, value: date | None) -> date | None:
        return value and _not_in_the_future(value)

    def validate_diagnosis_code(self, value: str) -> str:
        if value not in settings.REIMBURSEMENT_CODES["diagnosis"]:
            raise serializers.ValidationError(
                _("Not a diagnosis code for osteoarthritis of hip or knee."), code="invalid_choice"
            )
        return value


class IndicationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    recorded_on = serializers.DateField()
    diagnosis_code = serializers.CharField()
    referral_date = serializers.DateField(allow_null=True)
    recorded_by = serializers.CharField(source="recorded_by.agb_code")


class PatientReimbursementSerializer(AllowanceSerializer):
    indications = IndicationSerializer(many=True)


class PatientReimbursementView(APIView):
    permission_classes = [IsPhysiotherapist]

    @extend_schema(
        tags=TAGS,
        summary="A patient's reimbursed treatments used (the count the patient sees too)",
        responses={200: PatientReimbursementSerializer},
    )
    def get(self, request, patient_id):
        patient = _patient_or_404(request, patient_id)
        allowance = allowance_for(patient=patient)
        access_log_record(
            request=request, patients=[patient], action=AccessAction.READ, resource="reimbursement"
        )
        payload = {
            **vars(allowance),
            "text": allowance_text(allowance),
            "indications": patient.indications.select_related("recorded_by").order_by(
                "recorded_on"
            ),
        }
        return Response(PatientReimbursementSerializer(payload).data)


class PatientIndicationsView(APIView):
    permission_classes = [IsPhysiotherapist]
    extra_error_codes = ("409",)

    @extend_schema(
        tags=TAGS,
        summary="Record a (new) indication: after a period ended it opens a new allowance (R5)",
        description=(
            "Idempotent: one indication per patient, day and diagnosis code; the same request "
            "again answers 200 with the same record, another referral date updates it."
        ),
        request=IndicationInputSerializer,
        responses={200: IndicationSerializer, 201: IndicationSerializer},
    )
    def post(self, request, patient_id):
        patient = _patient_or_404(request, patient_id)
        data = IndicationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = indication_record(
            physiotherapist=require_physiotherapist(request.user),
            patient=patient,
            **data.validated_data,
        )
        access_log_record(
            request=request,
            patients=[patient],
            action=WRITE_OUTCOME_ACTIONS[result.outcome],
            resource="indication",
            object_id=result.indication.pk,
        )
        return Response(
            IndicationSerializer(result.indication).data,
            status=status.HTTP_201_CREATED if result.outcome == "created" else status.HTTP_200_OK,
        )


class ExtraTreatmentInputSerializer(serializers.Serializer):
    treated_at = OffsetDateTimeField()
    therapist_agb_code = serializers.RegexField(
        r"^\d{8}$", required=False, help_text="Default: you."
    )
    location = serializers.ChoiceField(
        choices=TreatmentLocation.choices, default=TreatmentLocation.PRACTICE
    )
    same_day_necessary = serializers.BooleanField(default=False)
    correction_reason = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default=""
    )


class ExtraTreatmentView(APIView):
    permission_classes = [IsPhysiotherapist]
    extra_error_codes = ("409",)

    @extend_schema(
        tags=TAGS,
        summary="Register a treatment outside the plan (idempotent by your reference)",
        request=ExtraTreatmentInputSerializer,
        responses={200: AttendanceSerializer, 201: AttendanceSerializer},
    )
    def put(self, request, patient_id, reference):
        patient = _patient_or_404(request, patient_id)
        data = ExtraTreatmentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        therapist = _therapist(request, values.pop("therapist_agb_code", None))
        result = treatment_register_extra(
            actor=request.user, patient=patient, reference=reference, therapist=therapist, **values
        )
        access_log_record(
            request=request,
            patients=[patient],
            action=WRITE_OUTCOME_ACTIONS[result.outcome],
            resource="treatment",
            object_id=result.attendance.pk,
        )
        attendance = Attendance.objects.select_related("therapist__user", "practice").get(
            pk=result.attendance.pk
        )
        return Response(
            AttendanceSerializer(attendance).data,
            status=status.HTTP_201_CREATED if result.outcome == "created" else status.HTTP_200_OK,
        )
