"""A patient's programme: a copy of a template with its own phases, exercises and doses, and
the planned sessions at the patient's local time (docs/domain.md §1)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from programs.models.base import TimestampedModel
from programs.models.catalogue import (
    Dose,
    Exercise,
    ProgrammeTemplate,
    dose_constraints,
    in_language,
)
from programs.models.people import Patient, Physiotherapist


class ProgrammeStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    PAUSED = "paused", _("paused")
    COMPLETED = "completed", _("completed")
    ENDED = "ended", _("ended early")


RUNNING_STATUSES = (ProgrammeStatus.ACTIVE, ProgrammeStatus.PAUSED)


class EndReason(models.TextChoices):
    SURGERY = "surgery_referral", _("referred for surgery")
    PATIENT_WITHDREW = "patient_withdrew", _("patient stopped")
    GOALS_REACHED = "goals_reached", _("goals reached early")
    MEDICAL = "medical", _("medical reason")
    OTHER = "other", _("other")


class Programme(TimestampedModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="programmes", verbose_name=_("patient")
    )
    template = models.ForeignKey(
        ProgrammeTemplate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("copied from template"),
    )
    enrolled_by = models.ForeignKey(
        Physiotherapist,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("enrolled by"),
    )
    name_nl = models.CharField(_("name (Dutch)"), max_length=160)
    name_en = models.CharField(_("name (English)"), max_length=160)
    start_date = models.DateField(_("start date"))
    weeks = models.PositiveSmallIntegerField(_("weeks"))
    # Monday = 0 ... Sunday = 6, sorted, 2 or 3 distinct days.
    weekdays = models.JSONField(_("weekdays"))
    session_time = models.TimeField(_("local time of day"))
    # Copied from the patient at enrolment, so the schedule does not move under a running
    # programme; each session stores its aware datetime.
    time_zone = models.CharField(_("time zone"), max_length=64)
    supervised_weekdays = models.JSONField(_("supervised weekdays"), default=list)
    supervised_until_week = models.PositiveSmallIntegerField(
        _("supervised up to and including week"), null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ProgrammeStatus.choices, default=ProgrammeStatus.ACTIVE
    )
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    end_reason = models.CharField(
        _("end reason"), max_length=20, choices=EndReason.choices, blank=True
    )
    end_note = models.TextField(_("end note"), blank=True)

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["-start_date"]
        constraints = [
            # At most one running programme per patient; the database enforces it.
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(status__in=[s.value for s in RUNNING_STATUSES]),
                name="programme_one_running_per_patient",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ProgrammeStatus.values), name="programme_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(weeks__gte=1, weeks__lte=52), name="programme_weeks_1_52"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.patient}, {self.start_date})"

    @property
    def name(self) -> str:
        return in_language(self.name_nl, self.name_en)

    @property
    def is_running(self) -> bool:
        return self.status in RUNNING_STATUSES


class ProgrammePhase(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="phases")
    order = models.PositiveSmallIntegerField(_("order"))
    name_nl = models.CharField(_("name (Dutch)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    first_week = models.PositiveSmallIntegerField(_("first week"))
    last_week = models.PositiveSmallIntegerField(_("last week"))

    class Meta:
        verbose_name = _("programme phase")
        verbose_name_plural = _("programme phases")
        ordering = ["programme", "order"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "order"], name="programme_phase_order"),
            models.CheckConstraint(
                condition=Q(first_week__gte=1) & Q(last_week__gte=models.F("first_week")),
                name="programme_phase_weeks_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.first_week}-{self.last_week})"

    @property
    def name(self) -> str:
        return in_language(self.name_nl, self.name_en)


class ProgrammeExercise(Dose):
    phase = models.ForeignKey(ProgrammePhase, on_delete=models.CASCADE, related_name="exercises")
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField(_("order"))

    class Meta:
        verbose_name = _("programme exercise")
        verbose_name_plural = _("programme exercises")
        ordering = ["phase", "order"]
        constraints = [
            models.UniqueConstraint(fields=["phase", "exercise"], name="programme_exercise_once"),
            *dose_constraints("programme_exercise"),
        ]

    def __str__(self) -> str:
        return f"{self.exercise.slug} in {self.phase}"


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("scheduled")
    ON_HOLD = "on_hold", _("on hold (programme paused)")
    CANCELLED = "cancelled", _("cancelled")


class SessionState(models.TextChoices):
    """What became of a planned session, as the app shows it: derived when read from the
    schedule, the patient's log and the physiotherapist's attendance (selectors/adherence.py,
    ``session_state``), never stored."""

    UPCOMING = "upcoming", _("upcoming")
    DUE = "due", _("to do today")
    DONE = "done", _("done")
    PARTIAL = "partial", _("partly done")
    SKIPPED = "skipped", _("skipped")
    MISSED = "missed", _("missed")
    AWAITING_ATTENDANCE = "awaiting_attendance", _("attendance not yet registered")
    ON_HOLD = "on_hold", _("on hold (programme paused)")
    CANCELLED = "cancelled", _("cancelled")


class PlannedSession(TimestampedModel):
    """One session of the programme. `week` is the programme week (1-12) whose phase and doses
    apply; it stays when a pause moves the session to a later date."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="sessions")
    week = models.PositiveSmallIntegerField(_("programme week"))
    scheduled_at = models.DateTimeField(_("scheduled at"))
    local_date = models.DateField(_("local date"))
    supervised = models.BooleanField(_("supervised at the practice"), default=False)
    status = models.CharField(
        _("status"), max_length=12, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    cancel_reason = models.CharField(_("cancellation reason"), max_length=200, blank=True)
    originally_scheduled_at = models.DateTimeField(
        _("originally scheduled at"), null=True, blank=True
    )
    # The earliest local date the session had before it moved to local_date (a reschedule, a
    # resume, new weekdays); empty while it never moved. An offline app may still show any day
    # the session had: a log done from the earliest of them on is of this session
    # (services/session._require_session_day).
    earliest_local_date = models.DateField(_("earliest local date"), null=True, blank=True)

    class Meta:
        verbose_name = _("planned session")
        verbose_name_plural = _("planned sessions")
        ordering = ["scheduled_at"]
        indexes = [
            models.Index(fields=["programme", "scheduled_at"], name="session_programme_time"),
            models.Index(fields=["status", "scheduled_at"], name="session_status_time"),
        ]
        constraints = [
            # One scheduled session a day per programme.
            models.UniqueConstraint(
                fields=["programme", "local_date"],
                condition=Q(status="scheduled"),
                name="session_one_a_day",
            ),
            models.CheckConstraint(
                condition=Q(status__in=SessionStatus.values), name="session_status_valid"
            ),
            models.CheckConstraint(condition=Q(week__gte=1), name="session_week_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.programme_id} week {self.week} {self.scheduled_at:%Y-%m-%d %H:%M}"


class ProgrammePause(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="pauses")
    start_date = models.DateField(_("paused from"))
    end_date = models.DateField(_("resumed on"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("pause")
        verbose_name_plural = _("pauses")
        ordering = ["programme", "start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme"],
                condition=Q(end_date__isnull=True),
                name="pause_one_open_per_programme",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="pause_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.start_date} - {self.end_date or '...'}"


class ChangeKind(models.TextChoices):
    ENROLLED = "enrolled", _("enrolled")
    SCHEDULE_CHANGED = "schedule_changed", _("schedule changed")
    EXERCISE_ADDED = "exercise_added", _("exercise added")
    EXERCISE_CHANGED = "exercise_changed", _("exercise changed")
    EXERCISE_REMOVED = "exercise_removed", _("exercise removed")
    SESSION_RESCHEDULED = "session_rescheduled", _("session rescheduled")
    SESSION_CANCELLED = "session_cancelled", _("session cancelled")
    PAUSED = "paused", _("paused")
    RESUMED = "resumed", _("resumed")
    ENDED = "ended", _("ended early")
    COMPLETED = "completed", _("completed")


class ProgrammeChange(models.Model):
    """The programme's history: who changed what, when, with the values before and after."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="changes")
    occurred_at = models.DateTimeField(_("when"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    kind = models.CharField(_("change"), max_length=24, choices=ChangeKind.choices)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("programme change")
        verbose_name_plural = _("programme changes")
        ordering = ["programme", "occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.kind}"
