"""People and organisations: users and their roles, practices, physiotherapists, insurers,
patients and their insurance coverage."""

import uuid
from datetime import date
from functools import lru_cache
from zoneinfo import available_timezones

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from programs.models.base import TimestampedModel

DEFAULT_TIME_ZONE = "Europe/Amsterdam"

# [0-9], not \d: Python's \d also takes fullwidth and other scripts' digits, and a code stored
# in those could never match the ASCII code on a claim line.
validate_agb_code = RegexValidator(
    r"^[0-9]{8}\Z", _("An AGB code consists of exactly 8 digits."), code="invalid_agb_code"
)
validate_uzovi_code = RegexValidator(
    r"^[0-9]{4}\Z", _("A UZOVI code consists of exactly 4 digits."), code="invalid_uzovi_code"
)


@lru_cache(maxsize=1)
def _time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in _time_zones():
        raise ValidationError(
            _("%(value)s is not a known time zone, such as Europe/Amsterdam."),
            code="invalid_time_zone",
            params={"value": value},
        )


class Role(models.TextChoices):
    PATIENT = "patient", _("Patient")
    PHYSIOTHERAPIST = "physiotherapist", _("Physiotherapist")
    INSURER = "insurer", _("Insurer")
    STAFF = "staff", _("Staff")


class Language(models.TextChoices):
    DUTCH = "nl", _("Dutch")
    ENGLISH = "en", _("English")


class UserManager(DjangoUserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.STAFF)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """Every account has exactly one role; the role decides which API a user may call."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="user_role_valid"),
            # The admin is for staff only: a patient or insurer account can never be made staff.
            models.CheckConstraint(
                condition=Q(is_staff=False) | Q(role=Role.STAFF),
                name="user_staff_flag_only_for_staff_role",
            ),
        ]


class Practice(TimestampedModel):
    name = models.CharField(_("name"), max_length=200)
    agb_code = models.CharField(
        _("AGB code"), max_length=8, unique=True, validators=[validate_agb_code]
    )

    class Meta:
        verbose_name = _("practice")
        verbose_name_plural = _("practices")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.agb_code})"


class Physiotherapist(TimestampedModel):
    user = models.OneToOneField(
        User, on_delete=models.PROTECT, related_name="physiotherapist", verbose_name=_("user")
    )
    practice = models.ForeignKey(
        Practice,
        on_delete=models.PROTECT,
        related_name="physiotherapists",
        verbose_name=_("practice"),
    )
    agb_code = models.CharField(
        _("AGB code"), max_length=8, unique=True, validators=[validate_agb_code]
    )

    class Meta:
        verbose_name = _("physiotherapist")
        verbose_name_plural = _("physiotherapists")

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.username

    def clean(self) -> None:
        if self.user_id and self.user.role != Role.PHYSIOTHERAPIST:
            raise ValidationError(
                {"user": _("This account does not have the physiotherapist role.")}
            )
        if self.practice_id and self.agb_code and self.agb_code == self.practice.agb_code:
            # An AGB code names one care provider: the therapist's own is on each claim line
            # beside the practice's, so the two cannot be one code.
            raise ValidationError(
                {
                    "agb_code": ValidationError(
                        _(
                            "This is the practice's AGB code; a physiotherapist's AGB code "
                            "is their own."
                        ),
                        code="practice_agb_code",
                    )
                }
            )


class Insurer(TimestampedModel):
    name = models.CharField(_("name"), max_length=200)
    uzovi_code = models.CharField(
        _("UZOVI code"), max_length=4, unique=True, validators=[validate_uzovi_code]
    )
    # R7: some insurers still require a referral for this care.
    requires_referral = models.BooleanField(_("requires a referral"), default=False)
    # R6: covered treatments count toward the deductible unless the insurer waives it (for
    # hip and knee osteoarthritis), from this date on.
    deductible_waived_from = models.DateField(_("deductible waived from"), null=True, blank=True)

    class Meta:
        verbose_name = _("insurer")
        verbose_name_plural = _("insurers")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.uzovi_code})"


class InsurerEmployee(TimestampedModel):
    """An account that acts for an insurer: sees reimbursement data of that insurer's members."""

    user = models.OneToOneField(
        User, on_delete=models.PROTECT, related_name="insurer_employee", verbose_name=_("user")
    )
    insurer = models.ForeignKey(
        Insurer, on_delete=models.PROTECT, related_name="employees", verbose_name=_("insurer")
    )

    class Meta:
        verbose_name = _("insurer employee")
        verbose_name_plural = _("insurer employees")

    def __str__(self) -> str:
        return f"{self.user.username} ({self.insurer.name})"

    def clean(self) -> None:
        if self.user_id and self.user.role != Role.INSURER:
            raise ValidationError({"user": _("This account does not have the insurer role.")})


class Patient(TimestampedModel):
    # A random public id: patient URLs must not reveal how many patients there are.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(
        User, on_delete=models.PROTECT, related_name="patient", verbose_name=_("user")
    )
    practice = models.ForeignKey(
        Practice, on_delete=models.PROTECT, related_name="patients", verbose_name=_("practice")
    )
    physiotherapist = models.ForeignKey(
        Physiotherapist,
        on_delete=models.PROTECT,
        related_name="patients",
        verbose_name=_("treating physiotherapist"),
    )
    date_of_birth = models.DateField(_("date of birth"))
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default=DEFAULT_TIME_ZONE,
        validators=[validate_time_zone],
    )
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.DUTCH
    )

    class Meta:
        verbose_name = _("patient")
        verbose_name_plural = _("patients")
        indexes = [models.Index(fields=["practice", "physiotherapist"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(language__in=Language.values), name="patient_language_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.username

    def clean(self) -> None:
        errors = {}
        if self.user_id and self.user.role != Role.PATIENT:
            errors["user"] = _("This account does not have the patient role.")
        if (
            self.physiotherapist_id
            and self.practice_id
            and self.physiotherapist.practice_id != self.practice_id
        ):
            errors["physiotherapist"] = _("The physiotherapist works at another practice.")
        if self.date_of_birth and self.date_of_birth > timezone.localdate():
            errors["date_of_birth"] = _("The date of birth lies in the future.")
        if errors:
            raise ValidationError(errors)


class InsuranceCoverage(TimestampedModel):
    """The patient's basic insurance with one insurer over a period (``valid_to`` inclusive,
    open-ended when empty). A patient who changes insurer has several, never overlapping."""

    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="coverages", verbose_name=_("patient")
    )
    insurer = models.ForeignKey(
        Insurer, on_delete=models.PROTECT, related_name="coverages", verbose_name=_("insurer")
    )
    member_number = models.CharField(_("member number"), max_length=32)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        verbose_name = _("insurance coverage")
        verbose_name_plural = _("insurance coverages")
        ordering = ["patient", "valid_from"]
        indexes = [models.Index(fields=["insurer", "member_number"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="coverage_period_ordered",
            ),
            models.UniqueConstraint(
                fields=["patient", "valid_from"], name="coverage_one_start_per_patient"
            ),
        ]

    def __str__(self) -> str:
        until = self.valid_to or "..."
        return f"{self.insurer.name} {self.member_number} ({self.valid_from} - {until})"

    def covers(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def overlaps(self, other: "InsuranceCoverage") -> bool:
        self_end = self.valid_to or date.max
        other_end = other.valid_to or date.max
        return self.valid_from <= other_end and other.valid_from <= self_end

    def clean(self) -> None:
        if not (self.patient_id and self.insurer_id and self.valid_from):
            return
        if self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("The coverage ends before it starts.")})
        siblings = InsuranceCoverage.objects.filter(patient_id=self.patient_id).exclude(pk=self.pk)
        if any(self.overlaps(other) for other in siblings):
            raise ValidationError(
                {"valid_from": _("This period overlaps another coverage of the same patient.")}
            )
        taken = (
            InsuranceCoverage.objects.filter(
                insurer_id=self.insurer_id, member_number=self.member_number
            )
            .exclude(patient_id=self.patient_id)
            .exists()
        )
        if taken:
            raise ValidationError(
                {"member_number": _("This member number belongs to another patient.")}
            )
