"""The exercise catalogue and programme templates (docs/domain.md §1). Edited in the admin; a
patient's programme is a copy (models/programme.py), so template edits never change it."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from programs.models.base import TimestampedModel


def in_language(nl: str, en: str) -> str:
    """The Dutch or English text for the active language, falling back to the other one."""
    if (get_language() or "nl").startswith("en"):
        return en or nl
    return nl or en


class ExerciseKind(models.TextChoices):
    STRENGTH = "strength", _("strength")
    NEUROMUSCULAR = "neuromuscular", _("neuromuscular control")
    FUNCTIONAL = "functional", _("functional")
    MOBILITY = "mobility", _("mobility")
    AEROBIC = "aerobic", _("aerobic")


class Exercise(TimestampedModel):
    slug = models.SlugField(_("code"), max_length=80, unique=True)
    name_nl = models.CharField(_("name (Dutch)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    instructions_nl = models.TextField(_("instructions (Dutch)"))
    instructions_en = models.TextField(_("instructions (English)"))
    kind = models.CharField(_("kind"), max_length=20, choices=ExerciseKind.choices)
    equipment_nl = models.CharField(_("equipment (Dutch)"), max_length=120, blank=True)
    equipment_en = models.CharField(_("equipment (English)"), max_length=120, blank=True)
    media_url = models.URLField(_("media URL"), blank=True)
    difficulty = models.PositiveSmallIntegerField(
        _("difficulty (1-5)"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    easier_variant = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("easier variant"),
    )
    harder_variant = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("harder variant"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("exercise")
        verbose_name_plural = _("exercises")
        ordering = ["kind", "difficulty", "slug"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ExerciseKind.values), name="exercise_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(difficulty__gte=1, difficulty__lte=5), name="exercise_difficulty_1_5"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return in_language(self.name_nl, self.name_en)

    @property
    def instructions(self) -> str:
        return in_language(self.instructions_nl, self.instructions_en)

    @property
    def equipment(self) -> str:
        return in_language(self.equipment_nl, self.equipment_en)


# Bounds of a dose, shared by the database constraints and the API's validation.
DOSE_BOUNDS = {
    "sets": (1, 10),
    "repetitions": (1, 100),
    "hold_seconds": (1, 600),
    "duration_seconds": (1, 7200),
    "rest_seconds": (0, 600),
    "target_exertion": (0, 10),
}


def _bounded(field: str) -> list:
    low, high = DOSE_BOUNDS[field]
    return [MinValueValidator(low), MaxValueValidator(high)]


def dose_constraints(prefix: str) -> list[models.CheckConstraint]:
    checks = [
        models.CheckConstraint(
            condition=(
                Q(repetitions__isnull=False)
                | Q(hold_seconds__isnull=False)
                | Q(duration_seconds__isnull=False)
            ),
            name=f"{prefix}_dose_has_a_measure",
        )
    ]
    for field, (low, high) in DOSE_BOUNDS.items():
        checks.append(
            models.CheckConstraint(
                condition=Q(**{f"{field}__isnull": True})
                | Q(**{f"{field}__gte": low, f"{field}__lte": high}),
                name=f"{prefix}_{field}_in_range",
            )
        )
    return checks


class Dose(models.Model):
    """What is prescribed for one exercise: sets of repetitions, of a held position, or of a
    duration (aerobic); load in words; rest; target exertion on the Borg CR-10 scale (0-10)."""

    sets = models.PositiveSmallIntegerField(_("sets"), validators=_bounded("sets"))
    repetitions = models.PositiveSmallIntegerField(
        _("repetitions"), null=True, blank=True, validators=_bounded("repetitions")
    )
    hold_seconds = models.PositiveSmallIntegerField(
        _("hold (seconds)"), null=True, blank=True, validators=_bounded("hold_seconds")
    )
    duration_seconds = models.PositiveIntegerField(
        _("duration (seconds)"), null=True, blank=True, validators=_bounded("duration_seconds")
    )
    load_nl = models.CharField(_("load (Dutch)"), max_length=200, blank=True)
    load_en = models.CharField(_("load (English)"), max_length=200, blank=True)
    rest_seconds = models.PositiveSmallIntegerField(
        _("rest (seconds)"), default=60, validators=_bounded("rest_seconds")
    )
    target_exertion = models.PositiveSmallIntegerField(
        _("target exertion (Borg CR-10)"),
        null=True,
        blank=True,
        validators=_bounded("target_exertion"),
    )

    class Meta:
        abstract = True

    @property
    def load(self) -> str:
        return in_language(self.load_nl, self.load_en)

    DOSE_FIELDS = (
        "sets",
        "repetitions",
        "hold_seconds",
        "duration_seconds",
        "load_nl",
        "load_en",
        "rest_seconds",
        "target_exertion",
    )

    def dose(self) -> dict:
        return {field: getattr(self, field) for field in self.DOSE_FIELDS}


class ProgrammeTemplate(TimestampedModel):
    slug = models.SlugField(_("code"), max_length=80, unique=True)
    name_nl = models.CharField(_("name (Dutch)"), max_length=160)
    name_en = models.CharField(_("name (English)"), max_length=160)
    description_nl = models.TextField(_("description (Dutch)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    weeks = models.PositiveSmallIntegerField(
        _("weeks"), default=12, validators=[MinValueValidator(1), MaxValueValidator(52)]
    )
    sessions_per_week = models.PositiveSmallIntegerField(
        _("default sessions a week"),
        default=2,
        validators=[MinValueValidator(2), MaxValueValidator(3)],
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("programme template")
        verbose_name_plural = _("programme templates")
        ordering = ["slug"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weeks__gte=1, weeks__lte=52), name="template_weeks_1_52"
            ),
            models.CheckConstraint(
                condition=Q(sessions_per_week__in=[2, 3]), name="template_sessions_2_or_3"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return in_language(self.name_nl, self.name_en)

    @property
    def description(self) -> str:
        return in_language(self.description_nl, self.description_en)


class TemplatePhase(models.Model):
    template = models.ForeignKey(ProgrammeTemplate, on_delete=models.CASCADE, related_name="phases")
    order = models.PositiveSmallIntegerField(_("order"))
    name_nl = models.CharField(_("name (Dutch)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    first_week = models.PositiveSmallIntegerField(_("first week"))
    last_week = models.PositiveSmallIntegerField(_("last week"))

    class Meta:
        verbose_name = _("template phase")
        verbose_name_plural = _("template phases")
        ordering = ["template", "order"]
        constraints = [
            models.UniqueConstraint(fields=["template", "order"], name="template_phase_order"),
            models.CheckConstraint(
                condition=Q(first_week__gte=1) & Q(last_week__gte=models.F("first_week")),
                name="template_phase_weeks_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template.slug} {self.first_week}-{self.last_week}"

    @property
    def name(self) -> str:
        return in_language(self.name_nl, self.name_en)


class TemplateExercise(Dose):
    phase = models.ForeignKey(TemplatePhase, on_delete=models.CASCADE, related_name="exercises")
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField(_("order"))

    class Meta:
        verbose_name = _("template exercise")
        verbose_name_plural = _("template exercises")
        ordering = ["phase", "order"]
        constraints = [
            models.UniqueConstraint(fields=["phase", "order"], name="template_exercise_order"),
            models.UniqueConstraint(fields=["phase", "exercise"], name="template_exercise_once"),
            *dose_constraints("template_exercise"),
        ]

    def __str__(self) -> str:
        return f"{self.phase} {self.exercise.slug}"
