"""Pain and function outcomes (docs/domain.md §2): weekly pain, questionnaire responses stored per
item code with the instrument version, the physiotherapist's performance tests, and the scores
computed from them (one row per measure, for series and change against baseline)."""

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from programs.models.base import TimestampedModel
from programs.models.people import Patient, Physiotherapist
from programs.models.programme import PlannedSession, Programme


class WeeklyPain(TimestampedModel):
    """Average pain over the past week (NRS 0-10), once per ISO week in the patient's zone."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="weekly_pain")
    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, null=True, blank=True, related_name="weekly_pain"
    )
    week_start = models.DateField(_("week (Monday)"))
    nrs = models.PositiveSmallIntegerField(
        _("average pain (NRS 0-10)"), validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    reported_at = models.DateTimeField(_("reported at"))
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("weekly pain")
        verbose_name_plural = _("weekly pain")
        ordering = ["patient", "week_start"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "week_start"], name="weekly_pain_once"),
            models.CheckConstraint(condition=Q(nrs__gte=0, nrs__lte=10), name="weekly_pain_0_10"),
        ]

    def __str__(self) -> str:
        return f"{self.patient_id} {self.week_start} {self.nrs}"


class Instrument(models.TextChoices):
    HOOS = "hoos", "HOOS"
    OXFORD = "oxford", "Oxford Hip Score"
    PSFS = "psfs", "PSFS"
    PSK = "psk", "PSK"
    HOOS_PS = "hoos_ps", "HOOS-PS"


class Timepoint(models.TextChoices):
    BASELINE = "baseline", _("baseline (before week 1)")
    WEEK_6 = "week_6", _("week 6")
    WEEK_12 = "week_12", _("week 12")
    MONTH_6 = "month_6", _("6 months after the programme")
    MONTH_12 = "month_12", _("12 months after the programme")
    UNSCHEDULED = "unscheduled", _("unscheduled")


class QuestionnaireResponse(TimestampedModel):
    """A filled-in questionnaire, made in the app with its own UUID (idempotent like logs)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="questionnaire_responses"
    )
    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    instrument = models.CharField(_("instrument"), max_length=10, choices=Instrument.choices)
    instrument_version = models.CharField(_("instrument version"), max_length=40)
    timepoint = models.CharField(_("timepoint"), max_length=12, choices=Timepoint.choices)
    answered_at = models.DateTimeField(_("answered at"))
    # False when answered outside the timepoint's window: kept, and marked as such.
    in_window = models.BooleanField(_("answered within its window"), default=True)
    body_hash = models.CharField(max_length=64)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("questionnaire response")
        verbose_name_plural = _("questionnaire responses")
        ordering = ["patient", "answered_at"]
        indexes = [
            models.Index(
                fields=["patient", "instrument", "timepoint"], name="response_patient_instr"
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(instrument__in=Instrument.values), name="response_instrument_valid"
            ),
            models.CheckConstraint(
                condition=Q(timepoint__in=Timepoint.values), name="response_timepoint_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} {self.timepoint} {self.answered_at:%Y-%m-%d}"


class QuestionnaireAnswer(models.Model):
    """One item's answer, by item code ("P1", "OHS12", "activity_2"). The item texts are
    licensed (the app shows them); we keep codes and values. PSFS/PSK activities also keep the
    activity the patient named."""

    response = models.ForeignKey(
        QuestionnaireResponse, on_delete=models.CASCADE, related_name="answers"
    )
    item_code = models.CharField(max_length=20)
    value = models.SmallIntegerField(null=True, blank=True)
    text = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["response", "id"]
        constraints = [
            models.UniqueConstraint(fields=["response", "item_code"], name="answer_once"),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value__gte=0, value__lte=10),
                name="answer_value_0_10",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_code}={self.value}"


class PerformanceTestKind(models.TextChoices):
    CHAIR_STAND = "chair_stand_30s", _("30-second chair stand (stands)")
    WALK_40M = "walk_40m", _("40 m fast-paced walk (seconds)")
    TUG = "tug", _("Timed Up and Go (seconds)")
    SIX_MINUTE_WALK = "six_minute_walk", _("6-minute walk test (metres)")


class PerformanceTest(TimestampedModel):
    """A performance test the physiotherapist recorded at a supervised session (by default the
    first and the last); one per session and kind, so recording again corrects it."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="performance_tests")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(PlannedSession, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("test"), max_length=20, choices=PerformanceTestKind.choices)
    value = models.DecimalField(
        _("result"),
        max_digits=7,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(10000)],
    )
    measured_at = models.DateTimeField(_("measured at"))
    therapist = models.ForeignKey(Physiotherapist, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("performance test")
        verbose_name_plural = _("performance tests")
        ordering = ["patient", "measured_at"]
        constraints = [
            models.UniqueConstraint(fields=["session", "kind"], name="performance_test_once"),
            models.CheckConstraint(
                condition=Q(kind__in=PerformanceTestKind.values), name="performance_kind_valid"
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="performance_value_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.value}"


# How each OutcomeScore.measure is named to people (the codes stay the stored keys).
MEASURE_LABELS = {
    "hoos_pain": _("HOOS pain"),
    "hoos_symptoms": _("HOOS symptoms"),
    "hoos_adl": _("HOOS daily living (ADL)"),
    "hoos_sport": _("HOOS sport and recreation"),
    "hoos_qol": _("HOOS quality of life"),
    "hoos_ps": _("HOOS-PS physical function"),
    "oxford": _("Oxford Hip Score"),
    "psfs": _("Patient-Specific Functional Scale"),
    "psk": _("Patient-specific complaints (PSK)"),
    "nrs_pain": _("Weekly pain (NRS)"),
    "chair_stand_30s": _("30-second chair stand (stands)"),
    "walk_40m_speed": _("40 m fast-paced walk (m/s)"),
    "tug_seconds": _("Timed Up and Go (seconds)"),
    "six_minute_walk_m": _("6-minute walk test (metres)"),
}


def measure_label(measure: str) -> str:
    """The translated name of a measure code; the code itself when it has none."""
    return str(MEASURE_LABELS.get(measure, measure))


class OutcomeScore(models.Model):
    """One measure's value at one moment, computed when its source was written: a
    questionnaire (sub)scale or a performance test. Keeps series and change against baseline a
    query; recomputed whenever the source changes."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="outcome_scores")
    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    measure = models.CharField(_("measure"), max_length=24)
    value = models.FloatField(_("value"))
    timepoint = models.CharField(_("timepoint"), max_length=12, choices=Timepoint.choices)
    measured_at = models.DateTimeField(_("measured at"))
    in_window = models.BooleanField(default=True)
    response = models.ForeignKey(
        QuestionnaireResponse,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="scores",
    )
    performance_test = models.ForeignKey(
        PerformanceTest, on_delete=models.CASCADE, null=True, blank=True, related_name="scores"
    )

    class Meta:
        verbose_name = _("outcome score")
        verbose_name_plural = _("outcome scores")
        ordering = ["patient", "measure", "measured_at"]
        indexes = [
            models.Index(fields=["patient", "measure", "measured_at"], name="score_series"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(response__isnull=False) ^ Q(performance_test__isnull=False),
                name="score_has_one_source",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure}={self.value} ({self.timepoint})"
