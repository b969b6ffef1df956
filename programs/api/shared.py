"""Serializers both audiences share: exercises, doses, phases, programmes, sessions."""

from datetime import UTC, datetime, timedelta
from datetime import timezone as dt_timezone
from uuid import UUID
from zoneinfo import ZoneInfo

from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema_field,
)
from rest_framework import serializers

from programs.api.schema import NULLABLE_DATETIME
from programs.errors import ValidationFailed
from programs.models import (
    MAX_OFFSET_MINUTES,
    Exercise,
    ExerciseKind,
    Instrument,
    LogStatus,
    PlannedSession,
    Programme,
    ProgrammePhase,
    ProgrammeStatus,
    SessionLog,
    SessionState,
    SessionStatus,
    SkipReason,
    Timepoint,
)
from programs.models.catalogue import DOSE_BOUNDS
from programs.scoring.pain import session_pain_signals
from programs.selectors.adherence import (
    Adherence,
    adherence_by_week,
    extra_sessions_count,
    session_state,
)
from programs.selectors.catalogue import exercise_illustration
from programs.selectors.outcome import scores_with_change, weekly_pain_series
from programs.selectors.programme import phase_for_week


def absolute_url(context: dict, url: str) -> str:
    """``url`` (a path) as an absolute URL on the host the request came to; the path alone when
    there is no request (a serializer used outside a view)."""
    request = context.get("request")
    return request.build_absolute_uri(url) if request is not None else url


class ExerciseLinkSerializer(serializers.Serializer):
    """Another exercise, named and linked: the app fetches it from ``url`` when it needs more."""

    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    url = serializers.SerializerMethodField(help_text="GET /api/v1/exercises/{id}/ (absolute).")

    def get_url(self, exercise: Exercise) -> str:
        return absolute_url(self.context, reverse("exercise", args=[exercise.pk]))


class ExerciseSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    instructions = serializers.CharField(read_only=True)
    equipment = serializers.CharField(read_only=True)
    kind = serializers.ChoiceField(choices=ExerciseKind.choices, read_only=True)
    media_url = serializers.SerializerMethodField(
        help_text="Absolute URL of the exercise's media: the one set in the catalogue (admin), "
        "else the illustration shipped with the service (an SVG line drawing); null when "
        "there is neither."
    )
    easier_variant = ExerciseLinkSerializer(read_only=True, allow_null=True)
    harder_variant = ExerciseLinkSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Exercise
        fields = [
            "id",
            "slug",
            "name",
            "instructions",
            "kind",
            "equipment",
            "media_url",
            "difficulty",
            "easier_variant",
            "harder_variant",
        ]

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_media_url(self, exercise: Exercise) -> str | None:
        if exercise.media_url:
            return exercise.media_url
        illustration = exercise_illustration(exercise.slug)
        return absolute_url(self.context, static(illustration)) if illustration else None


class DoseOutputMixin(serializers.Serializer):
    sets = serializers.IntegerField()
    repetitions = serializers.IntegerField(allow_null=True)
    hold_seconds = serializers.IntegerField(allow_null=True)
    duration_seconds = serializers.IntegerField(allow_null=True)
    load = serializers.CharField()
    rest_seconds = serializers.IntegerField()
    target_exertion = serializers.IntegerField(
        allow_null=True, help_text="Borg CR-10, 0 (nothing at all) to 10 (maximal)."
    )


class PrescribedExerciseSerializer(DoseOutputMixin, serializers.Serializer):
    id = serializers.IntegerField(help_text="Id of this prescription (programme exercise).")
    order = serializers.IntegerField()
    exercise = ExerciseSerializer()


class CompactPrescribedExerciseSerializer(serializers.Serializer):
    """An exercise of a session in the compact view: ids only. The dose is the prescription's
    in GET /me/programme/ (``phases[].exercises[]``, same id); the exercise is in the
    catalogue, GET /exercises/ (same id)."""

    id = serializers.IntegerField(help_text="Id of the prescription (programme exercise).")
    exercise = serializers.IntegerField(source="exercise_id", help_text="Id of the exercise.")


class PhaseSerializer(serializers.Serializer):
    order = serializers.IntegerField()
    name = serializers.CharField()
    first_week = serializers.IntegerField()
    last_week = serializers.IntegerField()
    exercises = PrescribedExerciseSerializer(many=True, source="exercises.all")


class ProgrammeSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=ProgrammeStatus.choices)
    template = serializers.CharField(source="template.slug", allow_null=True)
    start_date = serializers.DateField()
    weeks = serializers.IntegerField()
    weekdays = serializers.ListField(child=serializers.IntegerField(), help_text="0 = Monday")
    session_time = serializers.TimeField(format="%H:%M")
    time_zone = serializers.CharField()
    supervised_weekdays = serializers.ListField(child=serializers.IntegerField())
    supervised_until_week = serializers.IntegerField(allow_null=True)
    sessions_total = serializers.IntegerField()
    supervised_total = serializers.IntegerField()
    first_session_at = serializers.SerializerMethodField()
    last_session_at = serializers.SerializerMethodField()
    ended_at = serializers.DateTimeField(allow_null=True)
    end_reason = serializers.CharField()
    phases = PhaseSerializer(many=True, source="phases.all")

    @extend_schema_field(NULLABLE_DATETIME)
    def get_first_session_at(self, programme: Programme) -> str | None:
        return _local_iso(programme.first_session_at, programme.time_zone)

    @extend_schema_field(NULLABLE_DATETIME)
    def get_last_session_at(self, programme: Programme) -> str | None:
        return _local_iso(programme.last_session_at, programme.time_zone)


def _local_iso(moment, zone: str) -> str | None:
    return moment.astimezone(ZoneInfo(zone)).isoformat() if moment else None


SESSION_VIEWS = ("full", "compact")
SESSION_VIEW_PARAMETER = OpenApiParameter(
    "view",
    str,
    enum=list(SESSION_VIEWS),
    description=(
        "`full` (default): each session's exercises with their dose and the whole exercise. "
        "`compact`: each exercise as `{id, exercise}`, the prescription's id (its dose is in "
        "the programme, `phases[].exercises[]`) and the exercise's id (in the catalogue, "
        "GET /api/v1/exercises/): a fraction of the size."
    ),
)


def session_view(request) -> str:
    """The ``view`` query parameter of a sessions list: full (default) or compact."""
    view = request.query_params.get("view", "full")
    if view not in SESSION_VIEWS:
        raise ValidationFailed(
            fields={"view": (_("Give full or compact."), "invalid_choice")},
        )
    return view


class SessionSerializer(serializers.Serializer):
    """A planned session with the exercises and doses due in it. Needs ``context["programme"]``
    with its phases prefetched (no query per session) and sessions annotated as
    ``selectors.programme.programme_sessions`` does; ``context["view"] = "compact"`` gives the
    exercises as ids."""

    id = serializers.UUIDField()
    week = serializers.IntegerField(help_text="Programme week whose phase and doses apply.")
    scheduled_at = serializers.SerializerMethodField(
        help_text="With the offset of the programme's time zone."
    )
    local_date = serializers.DateField()
    local_time = serializers.SerializerMethodField()
    time_zone = serializers.SerializerMethodField()
    supervised = serializers.BooleanField()
    status = serializers.SerializerMethodField(
        help_text="What became of the session as of this answer, to show: `upcoming`; `due` "
        "(its time has come today, nothing recorded yet); `done` (counts as done for "
        "adherence: logged completed, "
        "or partial with at least half the sets; a supervised session when the "
        "physiotherapist registered attendance); `partial` (fewer than half the sets); "
        "`skipped` (the patient said why); `missed` (a home session not logged by the end of "
        "its day, or a no-show); `awaiting_attendance` (a supervised session whose day has "
        "passed, not yet registered by the physiotherapist); `on_hold` (programme paused); "
        "`cancelled` (also by the practice; never due). docs/domain.md §4."
    )
    status_label = serializers.SerializerMethodField(
        help_text="`status` in words, in the language of the answer."
    )
    schedule_status = serializers.ChoiceField(
        source="status",
        choices=SessionStatus.choices,
        help_text="The stored scheduling status: scheduled, on hold, or cancelled.",
    )
    cancel_reason = serializers.CharField()
    originally_scheduled_at = serializers.SerializerMethodField()
    log_id = serializers.UUIDField(
        allow_null=True, default=None, help_text="The log of this session, if any."
    )
    log_status = serializers.CharField(allow_null=True, default=None)
    attendance_status = serializers.CharField(
        allow_null=True, default=None, help_text="Registered by the physiotherapist."
    )
    phase = serializers.SerializerMethodField()
    exercises = serializers.SerializerMethodField()

    def _programme(self) -> Programme:
        return self.context["programme"]

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_scheduled_at(self, session: PlannedSession) -> str:
        return _local_iso(session.scheduled_at, self._programme().time_zone)

    @extend_schema_field(OpenApiTypes.STR)
    def get_local_time(self, session: PlannedSession) -> str:
        return session.scheduled_at.astimezone(ZoneInfo(self._programme().time_zone)).strftime(
            "%H:%M"
        )

    def get_time_zone(self, session: PlannedSession) -> str:
        return self._programme().time_zone

    def _state(self, session: PlannedSession) -> SessionState:
        # One moment for the whole answer, so that two sessions never straddle it.
        now = self.context.setdefault("now", timezone.now())
        return session_state(session, now=now, time_zone=self._programme().time_zone)

    @extend_schema_field(serializers.ChoiceField(choices=SessionState.choices))
    def get_status(self, session: PlannedSession) -> str:
        return self._state(session).value

    def get_status_label(self, session: PlannedSession) -> str:
        return str(self._state(session).label)

    @extend_schema_field(NULLABLE_DATETIME)
    def get_originally_scheduled_at(self, session: PlannedSession) -> str | None:
        return _local_iso(session.originally_scheduled_at, self._programme().time_zone)

    def _phase(self, session: PlannedSession) -> ProgrammePhase | None:
        phases = self.context.setdefault("_phases", list(self._programme().phases.all()))
        return phase_for_week(phases, session.week)

    @extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "properties": {"order": {"type": "integer"}, "name": {"type": "string"}},
        }
    )
    def get_phase(self, session: PlannedSession) -> dict | None:
        phase = self._phase(session)
        return {"order": phase.order, "name": phase.name} if phase else None

    @extend_schema_field(
        PolymorphicProxySerializer(
            component_name="SessionExercise",
            serializers=[PrescribedExerciseSerializer, CompactPrescribedExerciseSerializer],
            resource_type_field_name=None,
            many=True,
        )
    )
    def get_exercises(self, session: PlannedSession) -> list:
        phase = self._phase(session)
        if phase is None:
            return []
        # Sessions of one phase share their prescription: serialized once per phase.
        done = self.context.setdefault("_exercises_by_phase", {})
        if phase.pk not in done:
            compact = self.context.get("view") == "compact"
            item = CompactPrescribedExerciseSerializer if compact else PrescribedExerciseSerializer
            done[phase.pk] = item(phase.exercises.all(), many=True, context=self.context).data
        return done[phase.pk]


def bounded_int(field: str, **kwargs) -> serializers.IntegerField:
    low, high = DOSE_BOUNDS[field]
    return serializers.IntegerField(min_value=low, max_value=high, **kwargs)


class DoseInputSerializer(serializers.Serializer):
    sets = bounded_int("sets")
    repetitions = bounded_int("repetitions", required=False, allow_null=True)
    hold_seconds = bounded_int("hold_seconds", required=False, allow_null=True)
    duration_seconds = bounded_int("duration_seconds", required=False, allow_null=True)
    load_nl = serializers.CharField(max_length=200, required=False, allow_blank=True)
    load_en = serializers.CharField(max_length=200, required=False, allow_blank=True)
    rest_seconds = bounded_int("rest_seconds", required=False)
    target_exertion = bounded_int("target_exertion", required=False, allow_null=True)

    def validate(self, attrs):
        # On a partial update the current dose fills in what the request leaves out.
        merged = {**self.context.get("current_dose", {}), **attrs}
        if not any(merged.get(f) for f in ("repetitions", "hold_seconds", "duration_seconds")):
            raise serializers.ValidationError(
                {
                    "repetitions": [
                        _("Give repetitions, hold_seconds or duration_seconds (at least one).")
                    ]
                },
                code="dose_without_measure",
            )
        return attrs


FLAG_VALUES = {"true": True, "1": True, "false": False, "0": False}


# Query parameters: absent means "not given"; present but empty or malformed is a 400 naming it.


def query_flag(request, name: str) -> bool | None:
    """A yes/no query parameter: true/1 or false/0."""
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if raw.lower() not in FLAG_VALUES:
        raise ValidationFailed(fields={name: (_("Give true or false."), "invalid")})
    return FLAG_VALUES[raw.lower()]


def query_uuid(request, name: str) -> UUID | None:
    """An id as a query parameter."""
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        return UUID(raw)
    except ValueError as exc:
        raise ValidationFailed(fields={name: (_("Not a valid id."), "invalid")}) from exc


MAX_RANGE = timedelta(days=400)


class DateRangeSerializer(serializers.Serializer):
    """``?from=YYYY-MM-DD&to=YYYY-MM-DD``, both optional and inclusive, in local dates. Given
    query parameters (a QueryDict), an empty `from=` is an error, not "not given"."""

    def __init__(self, *args, data=serializers.empty, **kwargs):
        if hasattr(data, "dict"):
            data = data.dict()  # a plain dict: no HTML-form rule that "" means absent
        super().__init__(*args, data=data, **kwargs)

    to = serializers.DateField(required=False)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField(required=False)  # a keyword in Python
        return fields

    def validate(self, attrs):
        start, end = attrs.get("from"), attrs.get("to")
        if start and end:
            if end < start:
                raise serializers.ValidationError(
                    {"to": [_("The end of the range lies before its start.")]}, code="invalid"
                )
            if end - start > MAX_RANGE:
                raise serializers.ValidationError(
                    {"to": [_("The range may span at most 400 days.")]}, code="range_too_long"
                )
        return attrs


DATE_RANGE_PARAMETERS = [
    OpenApiParameter(
        "from", OpenApiTypes.DATE, description="First local date, YYYY-MM-DD (inclusive)."
    ),
    OpenApiParameter(
        "to", OpenApiTypes.DATE, description="Last local date, YYYY-MM-DD (inclusive)."
    ),
]


# --- Session logs -------------------------------------------------------------------------------


EARLIEST_MOMENT = datetime(2000, 1, 1, tzinfo=UTC)


class OffsetDateTimeField(serializers.DateTimeField):
    """A moment from the app: ISO 8601 with its UTC offset (the app may be in any zone, and
    offline; a time without offset is ambiguous)."""

    default_error_messages = {
        "offset_required": _("Give the time with its UTC offset, e.g. 2026-03-02T18:05:00+01:00."),
        "implausible": _("This date lies before the year 2000."),
    }

    def to_internal_value(self, value):
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:  # well-formed but impossible, e.g. 12:99: DRF says "invalid"
                parsed = None
            if parsed is not None and parsed.tzinfo is None:
                self.fail("offset_required")
        moment = super().to_internal_value(value)
        # Nothing this service records happened before it existed; and a moment centuries back
        # would come out with a local-mean-time offset (+00:19:32) that is not RFC 3339.
        if moment < EARLIEST_MOMENT:
            self.fail("implausible")
        return moment


class ClientOffsetDateTimeField(OffsetDateTimeField):
    """As OffsetDateTimeField, but the moment keeps the offset the app sent (instead of being
    converted to the server's zone), so that it can be stored and shown again with it."""

    default_error_messages = {
        "offset_range": _("Give a UTC offset in whole minutes, between -14:00 and +14:00."),
    }

    def enforce_timezone(self, value):
        if timezone.is_aware(value):
            try:
                value.astimezone(UTC)  # 9999-12-31T23:00-14:00 lies beyond the calendar
            except OverflowError:
                self.fail("overflow")
            return value
        return super().enforce_timezone(value)

    def to_internal_value(self, value):
        moment = super().to_internal_value(value)
        offset = moment.utcoffset()
        if offset.total_seconds() % 60 or abs(offset) > timedelta(minutes=MAX_OFFSET_MINUTES):
            self.fail("offset_range")
        return moment


class LogExerciseInputSerializer(serializers.Serializer):
    programme_exercise = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, help_text="Id of the prescription (from the session)."
    )
    sets_done = serializers.IntegerField(min_value=0, max_value=20)
    repetitions_done = serializers.IntegerField(
        min_value=0, max_value=500, required=False, allow_null=True
    )
    hold_seconds_done = serializers.IntegerField(
        min_value=0, max_value=3600, required=False, allow_null=True
    )
    duration_seconds_done = serializers.IntegerField(
        min_value=0, max_value=14400, required=False, allow_null=True
    )
    load_done = serializers.CharField(max_length=200, required=False, allow_blank=True)


def pain_score(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=0, max_value=10, required=False, allow_null=True, **kwargs
    )


class SessionLogInputSerializer(serializers.Serializer):
    planned_session = serializers.UUIDField(
        required=False, allow_null=True, help_text="Empty for an extra session."
    )
    performed_at = ClientOffsetDateTimeField(
        help_text="When it was done, with the device's UTC offset (kept and sent back)."
    )
    status = serializers.ChoiceField(choices=LogStatus.choices)
    skip_reason = serializers.ChoiceField(
        choices=SkipReason.choices, required=False, allow_blank=True
    )
    exertion = pain_score(help_text="Session exertion, Borg CR-10 (0-10).")
    pain_before = pain_score(help_text="NRS 0-10, before the session.")
    pain_during_max = pain_score(help_text="NRS 0-10, highest during the session.")
    pain_next_morning = pain_score(help_text="NRS 0-10, the next morning (often sent later).")
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    exercises = LogExerciseInputSerializer(many=True, required=False, max_length=40)

    def validate(self, attrs):
        if attrs["status"] == LogStatus.SKIPPED:
            if not attrs.get("skip_reason"):
                raise serializers.ValidationError(
                    {"skip_reason": [_("Say why the session was skipped.")]}, code="required"
                )
            if any(item["sets_done"] for item in attrs.get("exercises") or []):
                raise serializers.ValidationError(
                    {"exercises": [_("A skipped session has no sets done.")]}, code="invalid"
                )
        elif attrs.get("skip_reason"):
            raise serializers.ValidationError(
                {"skip_reason": [_("Only a skipped session has a reason for skipping.")]},
                code="invalid",
            )
        return attrs


class LogExerciseSerializer(serializers.Serializer):
    programme_exercise = serializers.IntegerField(source="programme_exercise_id", allow_null=True)
    exercise = serializers.CharField(source="exercise.slug")
    name = serializers.CharField(source="exercise.name")
    sets_prescribed = serializers.IntegerField()
    repetitions_prescribed = serializers.IntegerField(allow_null=True)
    hold_seconds_prescribed = serializers.IntegerField(allow_null=True)
    duration_seconds_prescribed = serializers.IntegerField(allow_null=True)
    load_prescribed = serializers.CharField()
    sets_done = serializers.IntegerField()
    repetitions_done = serializers.IntegerField(allow_null=True)
    hold_seconds_done = serializers.IntegerField(allow_null=True)
    duration_seconds_done = serializers.IntegerField(allow_null=True)
    load_done = serializers.CharField()


_DATETIME = serializers.DateTimeField()


def _str_or_none(value) -> str | None:
    return None if value is None else str(value)


def _log_rows(log: SessionLog):
    """Rows just written by the service come along on the log; otherwise prefetched."""
    rows = getattr(log, "exercise_rows", None)
    return log.exercises.all() if rows is None else rows


def _log_exercise(row) -> dict:
    """LogExerciseSerializer's answer, written out (see SessionLogSerializer)."""
    return {
        "programme_exercise": row.programme_exercise_id,
        "exercise": row.exercise.slug,
        "name": row.exercise.name,
        "sets_prescribed": row.sets_prescribed,
        "repetitions_prescribed": row.repetitions_prescribed,
        "hold_seconds_prescribed": row.hold_seconds_prescribed,
        "duration_seconds_prescribed": row.duration_seconds_prescribed,
        "load_prescribed": str(row.load_prescribed),
        "sets_done": row.sets_done,
        "repetitions_done": row.repetitions_done,
        "hold_seconds_done": row.hold_seconds_done,
        "duration_seconds_done": row.duration_seconds_done,
        "load_done": str(row.load_done),
    }


class SessionLogSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    planned_session = serializers.UUIDField(source="planned_session_id", allow_null=True)
    programme = serializers.UUIDField(source="programme_id")
    performed_at = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=LogStatus.choices)
    skip_reason = serializers.CharField()
    exertion = serializers.IntegerField(allow_null=True)
    pain_before = serializers.IntegerField(allow_null=True)
    pain_during_max = serializers.IntegerField(allow_null=True)
    pain_next_morning = serializers.IntegerField(allow_null=True)
    note = serializers.CharField()
    revision = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    editable_until = serializers.SerializerMethodField()
    pain_signals = serializers.SerializerMethodField(
        help_text="Flare signals of this session: P1 (pain during above 5), P2 (not back to "
        "the level before by the next morning). docs/domain.md §3."
    )
    exercises = serializers.SerializerMethodField()

    def to_representation(self, log: SessionLog) -> dict:
        """The declared fields' answer, written out: this serializer answers every log PUT
        and every list of logs, and DRF's walk over the fields (its own for every exercise
        row) cost more than the rest of the answer. The declared fields stay the schema, and
        tests/api/test_session_logs.py holds this to what DRF's walk over them gives."""
        return {
            "id": str(log.pk),
            "planned_session": _str_or_none(log.planned_session_id),
            "programme": str(log.programme_id),
            "performed_at": self.get_performed_at(log),
            "status": str(log.status),
            "skip_reason": str(log.skip_reason),
            "exertion": log.exertion,
            "pain_before": log.pain_before,
            "pain_during_max": log.pain_during_max,
            "pain_next_morning": log.pain_next_morning,
            "note": str(log.note),
            "revision": log.revision,
            "created_at": _DATETIME.to_representation(log.created_at),
            "editable_until": self.get_editable_until(log),
            "pain_signals": self.get_pain_signals(log),
            "exercises": [_log_exercise(row) for row in _log_rows(log)],
        }

    @extend_schema_field(LogExerciseSerializer(many=True))
    def get_exercises(self, log: SessionLog) -> list:
        row = self.context.setdefault("_log_exercise_serializer", LogExerciseSerializer())
        return [row.to_representation(item) for item in _log_rows(log)]

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_performed_at(self, log: SessionLog) -> str:
        """With the UTC offset the app sent; older logs in the programme's time zone."""
        if log.performed_offset_minutes is None:
            return _local_iso(log.performed_at, log.programme.time_zone)
        offset = dt_timezone(timedelta(minutes=log.performed_offset_minutes))
        return log.performed_at.astimezone(offset).isoformat()

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_editable_until(self, log: SessionLog) -> str:
        deadline = log.created_at + timedelta(days=settings.SESSION_LOG_EDITABLE_DAYS)
        return _local_iso(deadline, log.programme.time_zone)

    def get_pain_signals(self, log: SessionLog) -> list[str]:
        return session_pain_signals(
            pain_before=log.pain_before,
            pain_during_max=log.pain_during_max,
            pain_next_morning=log.pain_next_morning,
            during_acceptable_max=settings.PAIN_DURING_ACCEPTABLE_MAX,
        )


class AdherenceFiguresSerializer(serializers.Serializer):
    due = serializers.IntegerField(help_text="Sessions due so far.")
    done = serializers.IntegerField()
    session_adherence = serializers.FloatField(allow_null=True, help_text="done / due, 0-1.")
    sets_prescribed = serializers.IntegerField()
    sets_done = serializers.IntegerField()
    exercise_adherence = serializers.FloatField(allow_null=True, help_text="sets done / sets.")
    adherent = serializers.BooleanField(allow_null=True)


class WeekAdherenceSerializer(AdherenceFiguresSerializer):
    week = serializers.IntegerField()


class AdherenceSerializer(AdherenceFiguresSerializer):
    programme = serializers.UUIDField()
    as_of = serializers.DateTimeField()
    threshold = serializers.FloatField()
    extra_sessions = serializers.IntegerField(help_text="Logged beside the plan; not counted.")
    weeks = WeekAdherenceSerializer(many=True)


def adherence_payload(programme: Programme) -> dict:
    now = timezone.now()
    by_week = adherence_by_week(programme.pk, now)
    overall = Adherence.total(figures for _week, figures in by_week)
    weeks = [{"week": week, **vars(figures)} for week, figures in by_week]
    return {
        "programme": programme.pk,
        "as_of": now,
        **vars(overall),
        "extra_sessions": extra_sessions_count(programme.pk),
        "weeks": weeks,
    }


# --- Outcomes -----------------------------------------------------------------------------------


class ScoreSerializer(serializers.Serializer):
    measure = serializers.CharField(help_text="e.g. hoos_pain, oxford, psfs, walk_40m_speed.")
    value = serializers.FloatField()
    timepoint = serializers.ChoiceField(choices=Timepoint.choices)
    measured_at = serializers.DateTimeField()
    in_window = serializers.BooleanField()
    source = serializers.ChoiceField(choices=["questionnaire", "performance_test"])
    baseline = serializers.FloatField(allow_null=True)
    change = serializers.FloatField(allow_null=True, help_text="value - baseline")
    improvement = serializers.FloatField(allow_null=True, help_text="positive = better")
    important = serializers.BooleanField(
        allow_null=True, help_text="Reaches the clinically important difference."
    )


class WeeklyPainPointSerializer(serializers.Serializer):
    week_start = serializers.DateField()
    nrs = serializers.IntegerField()
    reported_at = serializers.DateTimeField()
    baseline = serializers.IntegerField(allow_null=True)
    change = serializers.FloatField(allow_null=True)
    important = serializers.BooleanField(allow_null=True)
    p3_signal = serializers.BooleanField(help_text="2 or more above baseline (docs/domain.md §3).")


class OutcomesSerializer(serializers.Serializer):
    scores = ScoreSerializer(many=True)
    weekly_pain = WeeklyPainPointSerializer(many=True)


def outcomes_payload(patient) -> dict:
    return {
        "scores": scores_with_change(patient=patient),
        "weekly_pain": weekly_pain_series(patient=patient),
    }


class AnswerSerializer(serializers.Serializer):
    item_code = serializers.CharField()
    value = serializers.IntegerField(allow_null=True)
    text = serializers.CharField()


class QuestionnaireResponseSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    instrument = serializers.ChoiceField(choices=Instrument.choices)
    instrument_version = serializers.CharField()
    timepoint = serializers.ChoiceField(choices=Timepoint.choices)
    answered_at = serializers.DateTimeField()
    in_window = serializers.BooleanField()
    revision = serializers.IntegerField()
    answers = AnswerSerializer(many=True, source="answers.all")
    scores = serializers.SerializerMethodField()

    def get_scores(self, response) -> dict[str, float]:
        return {score.measure: score.value for score in response.scores.all()}


# --- Reimbursement count ------------------------------------------------------------------------


def allowance_text(allowance) -> str:
    """The sentence patient and physiotherapist both see, in their language."""
    if allowance.period_end is None:
        return _("No reimbursed treatments used yet (%(allowance)s available).") % {
            "allowance": allowance.allowance
        }
    return _("%(used)s of %(allowance)s reimbursed treatments used, period ends %(date)s.") % {
        "used": allowance.used,
        "allowance": allowance.allowance,
        "date": date_format(allowance.period_end, "j F Y"),
    }


class AllowanceSerializer(serializers.Serializer):
    used = serializers.IntegerField()
    allowance = serializers.IntegerField()
    remaining = serializers.IntegerField()
    period_start = serializers.DateField(allow_null=True)
    period_end = serializers.DateField(allow_null=True)
    text = serializers.CharField(
        help_text='e.g. "7 of 12 reimbursed treatments used, period ends 14 March 2027".'
    )


class StrictCharField(serializers.CharField):
    """A CharField that takes strings only, as the schema says: DRF's CharField also takes a
    number and stores its digits (fuzzing found an integer note accepted)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)
