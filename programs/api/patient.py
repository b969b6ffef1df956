"""The patient's own API (`/api/v1/me/...`)."""

import logging
from datetime import date
from functools import partial

from django.db import DatabaseError, DataError, IntegrityError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from programs.api.conditional import ConditionalGetMixin
from programs.api.errors import as_application_error
from programs.api.schema import SessionLogErrorBodySerializer, SessionLogErrorSerializer
from programs.api.shared import (
    DATE_RANGE_PARAMETERS,
    SESSION_VIEW_PARAMETER,
    AdherenceSerializer,
    AllowanceSerializer,
    DateRangeSerializer,
    OffsetDateTimeField,
    OutcomesSerializer,
    ProgrammeSerializer,
    QuestionnaireResponseSerializer,
    SessionLogInputSerializer,
    SessionLogSerializer,
    SessionSerializer,
    adherence_payload,
    allowance_text,
    outcomes_payload,
    query_flag,
    session_view,
)
from programs.errors import ApplicationError, ConflictError, NotFoundError, ValidationFailed
from programs.models import (
    AccessAction,
    AccessLogEntry,
    Device,
    Instrument,
    Language,
    PlannedSession,
    Platform,
    QuestionnaireResponse,
    ReminderPreference,
    SessionLog,
    Timepoint,
    WeeklyPain,
)
from programs.models.reminder import PUSH_TOKEN_MAX_LENGTH, push_token_validator
from programs.permissions import IsPatient, require_patient
from programs.selectors.audit import access_log_for_patient
from programs.selectors.outcome import questionnaires_due
from programs.selectors.programme import (
    latest_programme_of,
    programme_sessions,
    programmes_with_phases,
    running_programme_of,
)
from programs.selectors.session import session_logs
from programs.selectors.sync import changes_since
from programs.services.audit import WRITE_OUTCOME_ACTIONS, access_log_record
from programs.services.outcome import (
    INSTRUMENT_VERSIONS,
    questionnaire_response_upsert,
    weekly_pain_report,
)
from programs.services.reimbursement import allowance_for
from programs.services.reminder import device_register, device_remove, reminder_settings_update
from programs.services.session import session_log_upsert

logger = logging.getLogger(__name__)


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
        include_own = bool(query_flag(self.request, "include_own"))
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


class MyProgrammeView(ConditionalGetMixin, APIView):
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
        return Response(ProgrammeSerializer(programme, context={"request": request}).data)


@extend_schema(
    tags=["patient"],
    summary="My planned sessions, with the exercises and doses due in each",
    parameters=[*DATE_RANGE_PARAMETERS, SESSION_VIEW_PARAMETER],
)
class MySessionsView(ConditionalGetMixin, ListAPIView):
    """Sessions of the running programme, in a constant number of queries however many there
    are: the programme's phases and exercises are loaded once and matched by week."""

    permission_classes = [IsPatient]
    serializer_class = SessionSerializer

    def get_queryset(self):
        return PlannedSession.objects.none()

    def list(self, request, *args, **kwargs):
        query = DateRangeSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        view = session_view(request)
        programme = running_programme_of(user=request.user, with_summary=False)
        if programme is None:
            self.paginate_queryset([])
            return self.get_paginated_response([])
        sessions = programme_sessions(
            programme=programme,
            date_from=query.validated_data.get("from"),
            date_to=query.validated_data.get("to"),
        )
        page = self.paginate_queryset(sessions)
        context = {"programme": programme, "request": request, "view": view}
        data = SessionSerializer(page, many=True, context=context).data
        access_log_record(
            request=request,
            patients=[programme.patient_id],
            action=AccessAction.LIST,
            resource="sessions",
            object_id=programme.pk,
        )
        return self.get_paginated_response(data)


# --- Session logs, sync, adherence --------------------------------------------------------------


def _log_or_404(request, log_id) -> SessionLog:
    log = session_logs(patient=require_patient(request.user), ids=[log_id]).first()
    if log is None:
        raise NotFoundError(_("Session log not found."))
    return log


def _audit_log_write(request, patient, result) -> None:
    """The access-log entry of a log written from the app, called by the service inside the
    write's transaction: the entry and the write are kept together, or neither."""
    access_log_record(
        request=request,
        patients=[patient],
        action=WRITE_OUTCOME_ACTIONS[result.outcome],
        resource="session_log",
        object_id=result.log.pk,
    )


class MySessionLogView(APIView):
    permission_classes = [IsPatient]

    @extend_schema(
        tags=["patient"],
        summary="Create or update a session log (idempotent; the app makes the id)",
        description=(
            "The same body again returns the same record (200). A different body updates it "
            "(200), keeping the previous version, for SESSION_LOG_EDITABLE_DAYS (7) after it "
            "was first received; then 409 `log_locked`. 201 when created. Another patient's "
            "log id or planned session: 404. A second log of a planned session: 409 "
            "`session_already_logged`, with the id of the session's log in "
            "`error.existing_log`. These 409s come whatever the body, before it is checked. "
            "A completed or partial log performed before the session's day (or before the "
            "earliest day it had, if it was moved since): 400 `before_session_day` on "
            "`performed_at` (a skipped one may come in advance). A log without a planned "
            "session (an extra session) needs a running programme when it is new, and keeps "
            "its programme when changed."
        ),
        request=SessionLogInputSerializer,
        responses={
            200: SessionLogSerializer,
            201: SessionLogSerializer,
            409: OpenApiResponse(
                SessionLogErrorSerializer,
                description="`log_locked`, `session_cancelled`, or `session_already_logged` "
                "with the session's log in `error.existing_log`.",
            ),
        },
    )
    def put(self, request, log_id):
        patient = require_patient(request.user)
        data = SessionLogInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)

        result = session_log_upsert(
            patient=patient,
            log_id=log_id,
            data=data.validated_data,
            audit=partial(_audit_log_write, request, patient),
        )
        return Response(
            SessionLogSerializer(result.log).data,
            status=status.HTTP_201_CREATED if result.outcome == "created" else status.HTTP_200_OK,
        )

    @extend_schema(
        tags=["patient"], summary="One of my session logs", responses=SessionLogSerializer
    )
    def get(self, request, log_id):
        log = _log_or_404(request, log_id)
        access_log_record(
            request=request,
            patients=[log.patient_id],
            action=AccessAction.READ,
            resource="session_log",
            object_id=log.pk,
        )
        return Response(SessionLogSerializer(log).data)


@extend_schema(tags=["patient"], summary="My session logs", parameters=DATE_RANGE_PARAMETERS)
class MySessionLogsView(ListAPIView):
    permission_classes = [IsPatient]
    serializer_class = SessionLogSerializer

    def get_queryset(self):
        query = DateRangeSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return session_logs(
            patient=require_patient(self.request.user),
            date_from=query.validated_data.get("from"),
            date_to=query.validated_data.get("to"),
        )

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        access_log_record(
            request=request,
            patients=[require_patient(request.user)],
            action=AccessAction.LIST,
            resource="session_logs",
        )
        return response


class SyncLogItemSerializer(SessionLogInputSerializer):
    id = serializers.UUIDField(help_text="The log's id, made by the app.")


class SyncRequestSerializer(serializers.Serializer):
    cursor = serializers.IntegerField(
        min_value=0,
        max_value=2**63 - 1,
        required=False,
        allow_null=True,
        help_text="From the previous sync; empty the first time.",
    )
    # Any JSON per item: each is validated on its own and a bad one (not even an object) is
    # that item's error, so one broken log never holds back the others.
    session_logs = serializers.ListField(
        child=serializers.JSONField(allow_null=True),
        required=False,
        max_length=100,
        default=list,
        help_text="Up to 100 logs, each an object as for PUT /me/session-logs/{id}/ plus its "
        "`id`; an invalid item gets its own error in `results`.",
    )


class SyncItemResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    id = serializers.CharField(allow_null=True)
    status = serializers.IntegerField(help_text="The HTTP status this item would have had alone.")
    outcome = serializers.ChoiceField(choices=["created", "updated", "unchanged", "error"])
    error = SessionLogErrorBodySerializer(allow_null=True)


class SyncChangesSerializer(serializers.Serializer):
    programmes = ProgrammeSerializer(many=True)
    sessions = SessionSerializer(many=True)
    session_logs = SessionLogSerializer(many=True)
    deleted_sessions = serializers.ListField(child=serializers.UUIDField())


class SyncResponseSerializer(serializers.Serializer):
    results = SyncItemResultSerializer(many=True)
    cursor = serializers.IntegerField()
    has_more = serializers.BooleanField()
    changes = SyncChangesSerializer()


class SyncView(APIView):
    """Batch upload from the app and, in the same round trip, what changed on the server."""

    permission_classes = [IsPatient]

    @extend_schema(
        tags=["patient"],
        summary="Sync: upload up to 100 logs, get what changed since the cursor",
        description=(
            "Each log is saved on its own: valid items are saved even when others are not, and "
            "each has a result with the status it would have had alone. `changes` holds the "
            "programmes, sessions and logs changed on the server since `cursor` (all of the "
            "running programme, its sessions and logs, when no cursor is given), and "
            "tombstones for deleted sessions. "
            "Keep the returned cursor for the next sync; recent changes may come twice."
        ),
        request=SyncRequestSerializer,
        responses={200: SyncResponseSerializer},
    )
    def post(self, request):
        patient = require_patient(request.user)
        batch = SyncRequestSerializer(data=request.data)
        batch.is_valid(raise_exception=True)
        results = []
        written = []
        for index, raw in enumerate(batch.validated_data["session_logs"]):
            item = SyncLogItemSerializer(data=raw)
            log_id = raw.get("id") if isinstance(raw, dict) else None
            log_id = log_id if isinstance(log_id, str) else None
            try:
                item.is_valid(raise_exception=True)
                values = dict(item.validated_data)
                log_id = values.pop("id")
                # In its own transaction (the service's), with its access-log entry: a failure
                # undoes that item alone.
                result = session_log_upsert(
                    patient=patient,
                    log_id=log_id,
                    data=values,
                    audit=partial(_audit_log_write, request, patient),
                )
            except Exception as exc:  # reported per item, as the item alone would have been
                error = _sync_item_error(exc, index)
                if error is None:
                    raise
                results.append(
                    {
                        "index": index,
                        "id": str(log_id) if log_id else None,
                        "status": error.status_code,
                        "outcome": "error",
                        "error": error.as_payload()["error"],
                    }
                )
                continue
            written.append(result.log.pk)
            results.append(
                {
                    "index": index,
                    "id": str(result.log.pk),
                    "status": 201 if result.outcome == "created" else 200,
                    "outcome": result.outcome,
                    "error": None,
                }
            )
        changes = changes_since(patient=patient, cursor=batch.validated_data.get("cursor"))
        payload = sync_changes_payload(
            patient=patient, changes=changes, skip_logs=set(written), request=request
        )
        access_log_record(
            request=request, patients=[patient], action=AccessAction.LIST, resource="sync"
        )
        return Response(
            {
                "results": results,
                "cursor": changes.cursor,
                "has_more": changes.has_more,
                "changes": payload,
            }
        )


def _without_values(exc: DatabaseError) -> str:
    """What the database refused, without the row: PostgreSQL's message says "Failing row
    contains (...)", which would put the patient's note and pain scores in the server log."""
    diag = getattr(exc.__cause__, "diag", None)
    constraint = getattr(diag, "constraint_name", None)
    sqlstate = getattr(diag, "sqlstate", None)
    return f"{type(exc).__name__} (constraint {constraint or '?'}, SQLSTATE {sqlstate or '?'})"


def _sync_item_error(exc: Exception, index: int) -> ApplicationError | None:
    """The error of one sync item. Errors of ours and of validation are what the item alone
    would have answered. A database refusal we did not foresee (a constraint) is this item's
    409, and a value it cannot store its 400, so the app stops resending it while the other
    items are saved. Any other database error (unreachable, say) fails the whole sync, which
    the app retries; anything else is a bug: logged, and reported as this item's 500."""
    error = as_application_error(exc)
    if error is not None:
        return error
    if isinstance(exc, IntegrityError):
        logger.warning("sync item %s refused by the database: %s", index, _without_values(exc))
        return ConflictError(
            _("This log conflicts with data already stored; it was not saved."),
            code="conflict",
        )
    if isinstance(exc, DataError):
        logger.warning("sync item %s not storable: %s", index, _without_values(exc))
        return ValidationFailed(_("A value in this log cannot be stored."), code="invalid")
    if isinstance(exc, DatabaseError):
        return None
    logger.exception("sync item %s failed", index)
    error = ApplicationError(
        _("Something went wrong on our side with this log. It has been logged."),
        code="server_error",
    )
    error.status_code = 500
    return error


def sync_changes_payload(*, patient, changes, skip_logs: set, request=None) -> dict:
    """Serialize a ChangeSet: programmes with phases, sessions with the exercises due, logs."""
    session_programmes = dict(
        PlannedSession.objects.filter(
            programme__patient=patient, pk__in=changes.session_ids
        ).values_list("pk", "programme_id")
    )
    needed = set(changes.programme_ids) | set(session_programmes.values())
    programmes = {p.pk: p for p in programmes_with_phases(patient=patient, programme_ids=needed)}
    sessions = []
    for programme_id in sorted({*session_programmes.values()}, key=str):
        ids = [sid for sid, pid in session_programmes.items() if pid == programme_id]
        programme = programmes[programme_id]
        rows = programme_sessions(programme=programme).filter(pk__in=ids)
        context = {"programme": programme, "request": request}
        sessions += SessionSerializer(rows, many=True, context=context).data
    log_ids = [log_id for log_id in changes.session_log_ids if log_id not in skip_logs]
    return {
        "programmes": ProgrammeSerializer(
            [programmes[pid] for pid in changes.programme_ids if pid in programmes],
            many=True,
            context={"request": request},
        ).data,
        "sessions": sessions,
        "session_logs": SessionLogSerializer(
            session_logs(patient=patient, ids=log_ids), many=True
        ).data,
        "deleted_sessions": changes.deleted_session_ids,
    }


class MyAdherenceView(APIView):
    permission_classes = [IsPatient]
    extra_error_codes = ("404",)

    @extend_schema(
        tags=["patient"],
        summary="My adherence: overall and per programme week (docs/domain.md §4)",
        description=(
            "Of the running programme or, when none runs, of the most recent one (completed or "
            "ended). 404 `no_programme` when there has never been one."
        ),
        responses={200: AdherenceSerializer},
    )
    def get(self, request):
        programme = latest_programme_of(user=request.user)
        if programme is None:
            raise NotFoundError(_("You have no programme yet."), code="no_programme")
        access_log_record(
            request=request,
            patients=[programme.patient_id],
            action=AccessAction.READ,
            resource="adherence",
            object_id=programme.pk,
        )
        return Response(AdherenceSerializer(adherence_payload(programme)).data)


# --- Outcomes -----------------------------------------------------------------------------------


class WeeklyPainInputSerializer(serializers.Serializer):
    nrs = serializers.IntegerField(min_value=0, max_value=10, help_text="Average pain, 0-10.")
    reported_at = OffsetDateTimeField(required=False, help_text="Default: now.")


class WeeklyPainSerializer(serializers.Serializer):
    week = serializers.SerializerMethodField()
    week_start = serializers.DateField()
    nrs = serializers.IntegerField()
    reported_at = serializers.DateTimeField()
    revision = serializers.IntegerField()

    def get_week(self, report) -> str:
        year, week, _day = report.week_start.isocalendar()
        return f"{year}-W{week:02d}"


def _week_start(value: str) -> date:
    try:
        return date.fromisoformat(f"{value}-1")
    except ValueError as exc:
        raise ValidationFailed(
            fields={"week": (_("Give the ISO week as YYYY-Www, e.g. 2026-W48."), "invalid")}
        ) from exc


class MyWeeklyPainView(APIView):
    permission_classes = [IsPatient]

    @extend_schema(
        tags=["patient"],
        summary="Report average pain over the past week (once per ISO week; idempotent)",
        parameters=[
            OpenApiParameter(
                "week",
                str,
                OpenApiParameter.PATH,
                pattern=r"^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$",
                description="ISO week, YYYY-Www, e.g. 2026-W48.",
            )
        ],
        request=WeeklyPainInputSerializer,
        responses={200: WeeklyPainSerializer, 201: WeeklyPainSerializer},
    )
    def put(self, request, week):
        patient = require_patient(request.user)
        data = WeeklyPainInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = weekly_pain_report(
            patient=patient,
            week_start=_week_start(week),
            nrs=data.validated_data["nrs"],
            reported_at=data.validated_data.get("reported_at") or timezone.now(),
        )
        access_log_record(
            request=request,
            patients=[patient],
            action=WRITE_OUTCOME_ACTIONS[result.outcome],
            resource="weekly_pain",
            object_id=week,
        )
        return Response(
            WeeklyPainSerializer(result.report).data,
            status=status.HTTP_201_CREATED if result.outcome == "created" else status.HTTP_200_OK,
        )


@extend_schema(tags=["patient"], summary="My weekly pain reports")
class MyWeeklyPainListView(ListAPIView):
    permission_classes = [IsPatient]
    serializer_class = WeeklyPainSerializer

    def get_queryset(self):
        return WeeklyPain.objects.filter(patient=require_patient(self.request.user)).order_by(
            "-week_start"
        )

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        access_log_record(
            request=request,
            patients=[require_patient(request.user)],
            action=AccessAction.LIST,
            resource="weekly_pain",
        )
        return response


class ActivityInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    rating = serializers.IntegerField(min_value=0, max_value=10)


class QuestionnaireInputSerializer(serializers.Serializer):
    instrument = serializers.ChoiceField(choices=Instrument.choices)
    instrument_version = serializers.CharField(max_length=40)
    timepoint = serializers.ChoiceField(
        choices=Timepoint.choices,
        required=False,
        help_text="Default: the timepoint whose window holds the answer date.",
    )
    answered_at = OffsetDateTimeField()
    answers = serializers.DictField(
        child=serializers.IntegerField(min_value=0, max_value=4, allow_null=True),
        required=False,
        help_text="Item code to answer 0-4 (HOOS, Oxford, HOOS-PS); null for an unanswered item.",
    )
    activities = ActivityInputSerializer(
        many=True, required=False, max_length=5, help_text="PSFS and PSK: 1-5 named activities."
    )


def _response_or_404(request, response_id):
    response = (
        QuestionnaireResponse.objects.filter(patient=require_patient(request.user), pk=response_id)
        .prefetch_related("answers", "scores")
        .first()
    )
    if response is None:
        raise NotFoundError(_("Questionnaire response not found."))
    return response


class MyQuestionnaireResponseView(APIView):
    permission_classes = [IsPatient]
    extra_error_codes = ("409",)

    @extend_schema(
        tags=["patient"],
        summary="Store a questionnaire (idempotent by the app's UUID)",
        description=(
            "Answers are kept per item code with the instrument version and scored at once "
            "(docs/domain.md §2). An unknown item or an answer out of range is a 400 naming "
            "the item (`answers.P11`). A response outside its timepoint's window is kept, with "
            "`in_window: false`."
        ),
        request=QuestionnaireInputSerializer,
        responses={200: QuestionnaireResponseSerializer, 201: QuestionnaireResponseSerializer},
    )
    def put(self, request, response_id):
        patient = require_patient(request.user)
        data = QuestionnaireInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = questionnaire_response_upsert(
            patient=patient, response_id=response_id, data=data.validated_data
        )
        access_log_record(
            request=request,
            patients=[patient],
            action=WRITE_OUTCOME_ACTIONS[result.outcome],
            resource="questionnaire",
            object_id=response_id,
        )
        return Response(
            QuestionnaireResponseSerializer(_response_or_404(request, response_id)).data,
            status=status.HTTP_201_CREATED if result.outcome == "created" else status.HTTP_200_OK,
        )

    @extend_schema(
        tags=["patient"],
        summary="One of my questionnaires",
        responses=QuestionnaireResponseSerializer,
    )
    def get(self, request, response_id):
        response = _response_or_404(request, response_id)
        access_log_record(
            request=request,
            patients=[response.patient_id],
            action=AccessAction.READ,
            resource="questionnaire",
            object_id=response_id,
        )
        return Response(QuestionnaireResponseSerializer(response).data)


@extend_schema(tags=["patient"], summary="My questionnaires")
class MyQuestionnaireResponsesView(ListAPIView):
    permission_classes = [IsPatient]
    serializer_class = QuestionnaireResponseSerializer

    def get_queryset(self):
        return (
            QuestionnaireResponse.objects.filter(patient=require_patient(self.request.user))
            .prefetch_related("answers", "scores")
            .order_by("-answered_at")
        )

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        access_log_record(
            request=request,
            patients=[require_patient(request.user)],
            action=AccessAction.LIST,
            resource="questionnaires",
        )
        return response


class DueQuestionnaireSerializer(serializers.Serializer):
    instrument = serializers.ChoiceField(choices=Instrument.choices)
    timepoint = serializers.ChoiceField(choices=Timepoint.choices)
    window_start = serializers.DateField()
    window_end = serializers.DateField()
    instrument_version = serializers.SerializerMethodField()

    def get_instrument_version(self, due) -> str:
        return INSTRUMENT_VERSIONS[due.instrument][-1]


@extend_schema(
    tags=["patient"],
    summary="Questionnaires due now (baseline, week 6, week 12, 6 and 12 months after)",
)
class MyDueQuestionnairesView(ListAPIView):
    # Paginated like every other list, in the same envelope (issue 14: it was a bare array).
    permission_classes = [IsPatient]
    serializer_class = DueQuestionnaireSerializer

    def get_queryset(self):
        return PlannedSession.objects.none()  # a list from the selector; see list()

    def list(self, request, *args, **kwargs):
        patient = require_patient(request.user)
        page = self.paginate_queryset(questionnaires_due(patient=patient))
        access_log_record(
            request=request, patients=[patient], action=AccessAction.LIST, resource="due"
        )
        return self.get_paginated_response(DueQuestionnaireSerializer(page, many=True).data)


class MyOutcomesView(APIView):
    permission_classes = [IsPatient]

    @extend_schema(
        tags=["patient"],
        summary="My scores over time with change against baseline, and weekly pain",
        responses={200: OutcomesSerializer},
    )
    def get(self, request):
        patient = require_patient(request.user)
        access_log_record(
            request=request, patients=[patient], action=AccessAction.READ, resource="outcomes"
        )
        return Response(OutcomesSerializer(outcomes_payload(patient)).data)


# --- Reminders -------------------------------------------------------------------------------


class ReminderSettingsSerializer(serializers.ModelSerializer):
    minutes_before = serializers.IntegerField(min_value=5, max_value=1440, required=False)
    quiet_start = serializers.TimeField(format="%H:%M", required=False)
    quiet_end = serializers.TimeField(format="%H:%M", required=False)
    language = serializers.ChoiceField(
        choices=Language.choices,
        required=False,
        allow_blank=True,
        help_text="Empty: the patient's own language.",
    )

    class Meta:
        model = ReminderPreference
        fields = [
            "push_enabled",
            "email_enabled",
            "minutes_before",
            "quiet_start",
            "quiet_end",
            "language",
            "upcoming_session",
            "missed_session",
            "questionnaire_due",
            "weekly_pain",
        ]


class MyReminderSettingsView(APIView):
    permission_classes = [IsPatient]

    def _current(self, patient) -> ReminderPreference:
        return ReminderPreference.objects.filter(patient=patient).first() or ReminderPreference(
            patient=patient
        )

    @extend_schema(
        tags=["patient"], summary="My reminder settings", responses=ReminderSettingsSerializer
    )
    def get(self, request):
        patient = require_patient(request.user)
        access_log_record(
            request=request, patients=[patient], action=AccessAction.READ, resource="reminders"
        )
        return Response(ReminderSettingsSerializer(self._current(patient)).data)

    @extend_schema(
        tags=["patient"],
        summary="Change my reminder settings",
        description=(
            "Channels, minutes before a session (5-1440, default 60), quiet hours in local "
            "time (default 22:00-08:00: a reminder that would fall inside moves to their end if "
            "that is still before the session, otherwise it is skipped), language, and opt-out "
            "per kind."
        ),
        request=ReminderSettingsSerializer(partial=True),
        responses=ReminderSettingsSerializer,
    )
    def patch(self, request):
        patient = require_patient(request.user)
        data = ReminderSettingsSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        preference = reminder_settings_update(patient=patient, changes=data.validated_data)
        access_log_record(
            request=request, patients=[patient], action=AccessAction.UPDATE, resource="reminders"
        )
        return Response(ReminderSettingsSerializer(preference).data)


class DeviceInputSerializer(serializers.Serializer):
    platform = serializers.ChoiceField(choices=Platform.choices)
    token = serializers.CharField(
        max_length=PUSH_TOKEN_MAX_LENGTH,
        min_length=10,
        validators=[push_token_validator],
        help_text="The FCM registration token or APNs device token (printable ASCII).",
    )


class DeviceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Device
        fields = ["id", "platform", "active", "created_at", "deactivation_reason"]


class MyDevicesView(ListAPIView):
    # GET is paginated like every other list, in the same envelope (issue 14).
    permission_classes = [IsPatient]
    serializer_class = DeviceSerializer

    def get_queryset(self):
        return require_patient(self.request.user).devices.order_by("pk")

    @extend_schema(tags=["patient"], summary="My registered devices")
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        access_log_record(
            request=request,
            patients=[require_patient(request.user)],
            action=AccessAction.READ,
            resource="devices",
        )
        return response

    @extend_schema(
        tags=["patient"],
        summary="Register a push token (idempotent by token)",
        request=DeviceInputSerializer,
        responses={200: DeviceSerializer, 201: DeviceSerializer},
    )
    def post(self, request):
        patient = require_patient(request.user)
        data = DeviceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        device, created = device_register(patient=patient, **data.validated_data)
        access_log_record(
            request=request,
            patients=[patient],
            action=AccessAction.CREATE if created else AccessAction.UPDATE,
            resource="devices",
            object_id=device.pk,
        )
        return Response(
            DeviceSerializer(device).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class MyDeviceView(APIView):
    permission_classes = [IsPatient]

    @extend_schema(tags=["patient"], summary="Remove a device", responses={204: None})
    def delete(self, request, device_id):
        patient = require_patient(request.user)
        device_remove(patient=patient, device_id=device_id)
        access_log_record(
            request=request,
            patients=[patient],
            action=AccessAction.DELETE,
            resource="devices",
            object_id=device_id,
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class MyReimbursementView(APIView):
    permission_classes = [IsPatient]

    @extend_schema(
        tags=["patient"],
        summary="How many of my 12 reimbursed treatments are used, and when the period ends",
        responses={200: AllowanceSerializer},
    )
    def get(self, request):
        patient = require_patient(request.user)
        access_log_record(
            request=request, patients=[patient], action=AccessAction.READ, resource="reimbursement"
        )
        allowance = allowance_for(patient=patient)
        return Response(
            AllowanceSerializer({**vars(allowance), "text": allowance_text(allowance)}).data
        )
