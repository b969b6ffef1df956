"""Serializers both audiences share: exercises, doses, phases, programmes, sessions."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework import serializers

from programs.models import (
    Exercise,
    ExerciseKind,
    PlannedSession,
    Programme,
    ProgrammePhase,
    ProgrammeStatus,
    SessionStatus,
)
from programs.models.catalogue import DOSE_BOUNDS
from programs.selectors.programme import phase_for_week


class ExerciseSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    instructions = serializers.CharField(read_only=True)
    equipment = serializers.CharField(read_only=True)
    kind = serializers.ChoiceField(choices=ExerciseKind.choices, read_only=True)
    easier_variant = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    harder_variant = serializers.SlugRelatedField(slug_field="slug", read_only=True)

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

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_first_session_at(self, programme: Programme) -> str | None:
        return _local_iso(programme.first_session_at, programme.time_zone)

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_last_session_at(self, programme: Programme) -> str | None:
        return _local_iso(programme.last_session_at, programme.time_zone)


def _local_iso(moment, zone: str) -> str | None:
    return moment.astimezone(ZoneInfo(zone)).isoformat() if moment else None


class SessionSerializer(serializers.Serializer):
    """A planned session with the exercises and doses due in it. Needs ``context["programme"]``
    with its phases prefetched (no query per session)."""

    id = serializers.UUIDField()
    week = serializers.IntegerField(help_text="Programme week whose phase and doses apply.")
    scheduled_at = serializers.SerializerMethodField(
        help_text="With the offset of the programme's time zone."
    )
    local_date = serializers.DateField()
    local_time = serializers.SerializerMethodField()
    time_zone = serializers.SerializerMethodField()
    supervised = serializers.BooleanField()
    status = serializers.ChoiceField(choices=SessionStatus.choices)
    cancel_reason = serializers.CharField()
    originally_scheduled_at = serializers.SerializerMethodField()
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

    @extend_schema_field(OpenApiTypes.DATETIME)
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

    @extend_schema_field(PrescribedExerciseSerializer(many=True))
    def get_exercises(self, session: PlannedSession) -> list:
        phase = self._phase(session)
        if phase is None:
            return []
        return PrescribedExerciseSerializer(phase.exercises.all(), many=True).data


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


MAX_RANGE = timedelta(days=400)


class DateRangeSerializer(serializers.Serializer):
    """``?from=YYYY-MM-DD&to=YYYY-MM-DD``, both optional and inclusive, in local dates."""

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
    OpenApiParameter("from", str, description="First local date, YYYY-MM-DD (inclusive)."),
    OpenApiParameter("to", str, description="Last local date, YYYY-MM-DD (inclusive)."),
]
