"""What happened: the patient's session logs (created offline in the app, keyed by a
client-generated UUID) and the physiotherapist's attendance of supervised sessions."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from programs.models.base import TimestampedModel
from programs.models.catalogue import Exercise
from programs.models.people import Patient, Physiotherapist, Practice
from programs.models.programme import PlannedSession, Programme, ProgrammeExercise

PAIN_FIELDS = ("pain_before", "pain_during_max", "pain_next_morning")
# Clock offsets in use lie within 14 hours of UTC (UTC-12:00 to UTC+14:00).
MAX_OFFSET_MINUTES = 14 * 60


class LogStatus(models.TextChoices):
    COMPLETED = "completed", _("completed")
    PARTIAL = "partial", _("partly done")
    SKIPPED = "skipped", _("skipped")


class SkipReason(models.TextChoices):
    PAIN = "pain", _("pain")
    ILLNESS = "illness", _("illness")
    NO_TIME = "no_time", _("no time")
    TIRED = "tired", _("too tired")
    FORGOT = "forgot", _("forgot")
    OTHER = "other", _("other")


def _range(field: str, low: int, high: int) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__isnull": True})
        | Q(**{f"{field}__gte": low, f"{field}__lte": high}),
        name=f"sessionlog_{field}_{low}_{high}",
    )


class SessionLog(TimestampedModel):
    """One session as the patient did it. The id is made by the app (offline), so a retried
    request finds the same row; one log per planned session is a database constraint."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="session_logs", verbose_name=_("patient")
    )
    programme = models.ForeignKey(
        Programme,
        on_delete=models.PROTECT,
        related_name="session_logs",
        verbose_name=_("programme"),
    )
    # Empty for an extra session the patient did on their own.
    planned_session = models.ForeignKey(
        PlannedSession,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="logs",
        verbose_name=_("planned session"),
    )
    performed_at = models.DateTimeField(_("performed at"))
    # The UTC offset the app gave with performed_at (minutes east of UTC): stored as UTC, the
    # moment is shown again as the patient's device saw it. Empty for logs from before it was
    # kept (they are shown in the programme's time zone).
    performed_offset_minutes = models.SmallIntegerField(
        _("UTC offset of the time performed (minutes)"), null=True, blank=True
    )
    status = models.CharField(_("status"), max_length=10, choices=LogStatus.choices)
    skip_reason = models.CharField(
        _("reason for skipping"), max_length=10, choices=SkipReason.choices, blank=True
    )
    exertion = models.PositiveSmallIntegerField(_("exertion (Borg CR-10)"), null=True, blank=True)
    pain_before = models.PositiveSmallIntegerField(_("pain before (0-10)"), null=True, blank=True)
    pain_during_max = models.PositiveSmallIntegerField(
        _("highest pain during (0-10)"), null=True, blank=True
    )
    pain_next_morning = models.PositiveSmallIntegerField(
        _("pain next morning (0-10)"), null=True, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    # Hash of the last accepted body: a replay with the same body changes nothing.
    body_hash = models.CharField(max_length=64)
    revision = models.PositiveIntegerField(_("revision"), default=1)

    class Meta:
        verbose_name = _("session log")
        verbose_name_plural = _("session logs")
        ordering = ["-performed_at"]
        indexes = [
            models.Index(fields=["patient", "-performed_at"], name="sessionlog_patient_time"),
            models.Index(fields=["programme", "status"], name="sessionlog_programme_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["planned_session"],
                condition=Q(planned_session__isnull=False),
                name="sessionlog_one_per_planned_session",
            ),
            models.CheckConstraint(
                condition=Q(status__in=LogStatus.values), name="sessionlog_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=LogStatus.SKIPPED) | ~Q(skip_reason=""),
                name="sessionlog_skip_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(performed_offset_minutes__isnull=True)
                | Q(
                    performed_offset_minutes__gte=-MAX_OFFSET_MINUTES,
                    performed_offset_minutes__lte=MAX_OFFSET_MINUTES,
                ),
                name="sessionlog_performed_offset_range",
            ),
            _range("exertion", 0, 10),
            _range("pain_before", 0, 10),
            _range("pain_during_max", 0, 10),
            _range("pain_next_morning", 0, 10),
        ]

    def __str__(self) -> str:
        return f"{self.patient_id} {self.performed_at:%Y-%m-%d} {self.status}"


class SessionLogExercise(models.Model):
    """Done beside prescribed (wger's WorkoutLog keeps repetitions next to repetitions_target):
    the prescription is copied at logging time, so later dose changes do not rewrite history."""

    log = models.ForeignKey(SessionLog, on_delete=models.CASCADE, related_name="exercises")
    programme_exercise = models.ForeignKey(
        ProgrammeExercise, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="+")
    sets_prescribed = models.PositiveSmallIntegerField()
    repetitions_prescribed = models.PositiveSmallIntegerField(null=True, blank=True)
    hold_seconds_prescribed = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_seconds_prescribed = models.PositiveIntegerField(null=True, blank=True)
    load_prescribed = models.CharField(max_length=200, blank=True)
    sets_done = models.PositiveSmallIntegerField(default=0)
    repetitions_done = models.PositiveSmallIntegerField(null=True, blank=True)
    hold_seconds_done = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_seconds_done = models.PositiveIntegerField(null=True, blank=True)
    load_done = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("exercise done")
        verbose_name_plural = _("exercises done")
        constraints = [
            models.UniqueConstraint(fields=["log", "exercise"], name="sessionlog_exercise_once"),
            models.CheckConstraint(condition=Q(sets_done__lte=20), name="sessionlog_sets_done_max"),
        ]

    def __str__(self) -> str:
        return f"{self.exercise_id}: {self.sets_done}/{self.sets_prescribed}"


class SessionLogRevision(models.Model):
    """The body a log had before each change (the log's history)."""

    log = models.ForeignKey(SessionLog, on_delete=models.CASCADE, related_name="revisions")
    revision = models.PositiveIntegerField()
    replaced_at = models.DateTimeField(auto_now_add=True)
    body = models.JSONField()

    class Meta:
        ordering = ["log", "revision"]
        constraints = [
            models.UniqueConstraint(fields=["log", "revision"], name="sessionlog_revision_once"),
        ]

    def __str__(self) -> str:
        return f"{self.log_id} r{self.revision}"


class AttendanceStatus(models.TextChoices):
    ATTENDED = "attended", _("attended")
    NO_SHOW = "no_show", _("did not show up")
    CANCELLED_BY_PRACTICE = "cancelled_by_practice", _("cancelled by the practice")


class TreatmentLocation(models.TextChoices):
    PRACTICE = "practice", _("at the practice")
    HOME = "home", _("at the patient's home")


class Attendance(TimestampedModel):
    """The physiotherapist's record of a supervised session: the treatment an insurer pays for
    (docs/domain.md §5, R1) when attended."""

    # Empty for a treatment outside the plan (an extra one, or a second one on a day).
    planned_session = models.OneToOneField(
        PlannedSession,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attendance",
        verbose_name=_("planned session"),
    )
    # The key the physiotherapist's client sends for a treatment outside the plan, so that
    # registering it again does not add a second one.
    reference = models.UUIDField(null=True, blank=True, unique=True)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="attendances")
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    therapist = models.ForeignKey(
        Physiotherapist, on_delete=models.PROTECT, related_name="+", verbose_name=_("treated by")
    )
    status = models.CharField(_("status"), max_length=24, choices=AttendanceStatus.choices)
    treated_at = models.DateTimeField(_("treated at"))
    # R9: a second treatment on one day is covered only when medically necessary.
    same_day_necessary = models.BooleanField(
        _("second treatment this day is medically necessary"), default=False
    )
    location = models.CharField(
        _("location"),
        max_length=10,
        choices=TreatmentLocation.choices,
        default=TreatmentLocation.PRACTICE,
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        indexes = [models.Index(fields=["patient", "treated_at"], name="attendance_patient_time")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=AttendanceStatus.values), name="attendance_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(planned_session__isnull=False) | Q(reference__isnull=False),
                name="attendance_planned_or_referenced",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient_id} {self.treated_at:%Y-%m-%d} {self.status}"


class AttendanceRevision(models.Model):
    attendance = models.ForeignKey(Attendance, on_delete=models.CASCADE, related_name="revisions")
    revision = models.PositiveIntegerField()
    replaced_at = models.DateTimeField(auto_now_add=True)
    replaced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.JSONField()
    # Why a registration that was already claimed was changed (a recorded correction).
    correction_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["attendance", "revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["attendance", "revision"], name="attendance_revision_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.attendance_id} r{self.revision}"


class SyncEntity(models.TextChoices):
    PROGRAMME = "programme", "programme"
    SESSION = "session", "session"
    SESSION_LOG = "session_log", "session log"


class SyncChange(models.Model):
    """What changed on the server for a patient's app, in commit order (roughly: see
    selectors/sync.py for the overlap that makes "roughly" safe). Deletions are tombstones."""

    id = models.BigAutoField(primary_key=True)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    entity = models.CharField(max_length=12, choices=SyncEntity.choices)
    entity_id = models.UUIDField()
    deleted = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["patient", "id"], name="syncchange_patient_id")]

    def __str__(self) -> str:
        return f"{self.id} {self.entity} {self.entity_id}"
