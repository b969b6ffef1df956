"""Reimbursement (docs/domain.md §5): the therapist's indications and the insurer's claim lines.
Which treatments are covered is not stored: it is computed from the attendance registrations
by programs/reimbursement.py whenever asked, so it is always consistent with them."""

import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from programs.models.base import TimestampedModel
from programs.models.people import Insurer, Patient, Physiotherapist
from programs.models.session import Attendance

validate_diagnosis_code = RegexValidator(
    r"^\d{4}\Z", _("A Vektis diagnosis code has 4 digits."), code="invalid_diagnosis_code"
)


class Indication(TimestampedModel):
    """A (new) indication for exercise therapy, recorded by the therapist. One recorded after
    a period ended opens a new episode with a new allowance (R5); a referral matters for
    insurers that require one (R7); the diagnosis code goes on the claim (R8)."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="indications")
    recorded_on = models.DateField(_("recorded on"))
    recorded_by = models.ForeignKey(Physiotherapist, on_delete=models.PROTECT, related_name="+")
    diagnosis_code = models.CharField(
        _("diagnosis code"), max_length=4, validators=[validate_diagnosis_code]
    )
    referral_date = models.DateField(_("referral date"), null=True, blank=True)

    class Meta:
        verbose_name = _("indication")
        verbose_name_plural = _("indications")
        ordering = ["patient", "recorded_on"]
        constraints = [
            # A retried request records it once (services/reimbursement.indication_record).
            models.UniqueConstraint(
                fields=["patient", "recorded_on", "diagnosis_code"], name="indication_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient_id} {self.recorded_on} {self.diagnosis_code}"


class ClaimVerdict(models.TextChoices):
    COVERED = "covered", _("covered")
    OVER_LIMIT = "over_limit", _("over the limit of 12")
    OUTSIDE_PERIOD = "outside_period", _("outside the 12-month period")
    NOT_ATTENDED = "not_attended", _("not attended")
    SAME_DAY = "same_day", _("second treatment on the same day")
    NO_MATCHING_TREATMENT = "no_matching_treatment", _("no matching treatment")
    NO_REFERRAL = "no_referral", _("no referral")
    DUPLICATE_CLAIM = "duplicate_claim", _("already claimed")
    NOT_OUR_MEMBER = "not_our_member", _("not a member")


# Why a registration is not a covered treatment (programs/reimbursement.py), as verdicts.
NOT_COVERED_REASONS = [
    (verdict.value, verdict.label)
    for verdict in (
        ClaimVerdict.NOT_ATTENDED,
        ClaimVerdict.OUTSIDE_PERIOD,
        ClaimVerdict.OVER_LIMIT,
        ClaimVerdict.SAME_DAY,
        ClaimVerdict.NO_REFERRAL,
    )
]


class Claim(TimestampedModel):
    """A claim line an insurer checked that matched a registered treatment, kept as the
    insurer sent it with its verdict. One current claim per treatment: a second line for it
    is a duplicate_claim, unless a recorded correction has changed the treatment's verdict or
    number since; then the line is judged afresh and its claim replaces this one, which is
    kept with ``superseded_at`` set."""

    batch = models.UUIDField(default=uuid.uuid4)
    insurer = models.ForeignKey(Insurer, on_delete=models.PROTECT, related_name="claims")
    attendance = models.ForeignKey(Attendance, on_delete=models.PROTECT, related_name="claims")
    # The registration's revision that was judged.
    attendance_revision = models.PositiveIntegerField()
    superseded_at = models.DateTimeField(null=True, blank=True)
    member_number = models.CharField(max_length=32)
    claim_date = models.DateField()
    practice_agb = models.CharField(max_length=8)
    therapist_agb = models.CharField(max_length=8)
    diagnosis_code = models.CharField(max_length=4)
    verdict = models.CharField(max_length=24, choices=ClaimVerdict.choices)
    number = models.PositiveSmallIntegerField(null=True, blank=True)
    csi_code = models.CharField(max_length=3, blank=True)
    deductible_applies = models.BooleanField(null=True)

    class Meta:
        verbose_name = _("claim line")
        verbose_name_plural = _("claim lines")
        indexes = [models.Index(fields=["insurer", "member_number"], name="claim_insurer_member")]
        constraints = [
            models.CheckConstraint(
                condition=Q(verdict__in=ClaimVerdict.values), name="claim_verdict_valid"
            ),
            models.UniqueConstraint(
                fields=["attendance"],
                condition=Q(superseded_at__isnull=True),
                name="claim_one_current_per_treatment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_number} {self.claim_date} {self.verdict}"


class ClaimCorrection(models.Model):
    """A change to registrations or indications that altered the verdict or number of
    treatments an insurer had already claimed: allowed only as a correction, with its
    reason, who made it and what it changed (issue: insurer check, "a treatment already
    claimed can only be changed by a correction that is itself recorded")."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=300)
    # What was changed: "attendance", "treatment" or "indication", and its id.
    cause = models.CharField(max_length=12)
    cause_id = models.CharField(max_length=64)
    # Per claimed treatment: {"attendance": id, "before": [verdict, number], "after": [...]}.
    changes = models.JSONField()

    class Meta:
        verbose_name = _("claim correction")
        verbose_name_plural = _("claim corrections")
        ordering = ["patient", "recorded_at"]

    def __str__(self) -> str:
        return f"{self.patient_id} {self.recorded_at:%Y-%m-%d} {self.cause}"
