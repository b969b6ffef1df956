"""Alerts for the physiotherapist: pain flares (docs/domain.md §3 P1-P3), dropping out, and a score
that declines by the clinically important difference. The physiotherapist acknowledges and
resolves them. Two keys in the database keep them from coming back:

- ``subject`` names what raised it (the session log, the week's report, the score's source,
  the last activity, the weeks of low adherence): an alert is raised once per subject, ever,
  so a resolved alert does not return while its data stays the same.
- ``scope`` is what one unresolved alert stands for: the kind, and for a score decline also the
  measure; at most one unresolved alert per patient, kind and scope."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from programs.models.base import TimestampedModel
from programs.models.people import Patient
from programs.models.programme import Programme


class AlertKind(models.TextChoices):
    PAIN_DURING = "pain_during", _("pain during exercise above 5 (P1)")
    PAIN_NOT_RECOVERED = "pain_not_recovered", _("pain not back to its level by the morning (P2)")
    PAIN_WEEKLY_RISE = "pain_weekly_rise", _("weekly pain 2 or more above baseline (P3)")
    DROPOUT_NO_LOG = "dropout_no_log", _("no session logged for 7 days")
    DROPOUT_LOW_ADHERENCE = "dropout_low_adherence", _("adherence below 50% two weeks running")
    SCORE_DECLINE = "score_decline", _("score declined by the clinically important difference")


class AlertStatus(models.TextChoices):
    OPEN = "open", _("open")
    ACKNOWLEDGED = "acknowledged", _("acknowledged")
    RESOLVED = "resolved", _("resolved")


UNRESOLVED = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)


class Alert(TimestampedModel):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="alerts")
    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("alert"), max_length=24, choices=AlertKind.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=AlertStatus.choices, default=AlertStatus.OPEN
    )
    raised_at = models.DateTimeField(_("raised at"))
    subject = models.CharField(max_length=100)
    scope = models.CharField(max_length=24, blank=True)
    # What triggered it: the rule's values, the log or week it came from.
    detail = models.JSONField(_("detail"), default=dict)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-raised_at"]
        indexes = [models.Index(fields=["patient", "status"], name="alert_patient_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "kind", "scope"],
                condition=Q(status__in=[s.value for s in UNRESOLVED]),
                name="alert_one_unresolved_per_scope",
            ),
            models.UniqueConstraint(
                fields=["patient", "kind", "subject"], name="alert_once_per_subject"
            ),
            models.CheckConstraint(
                condition=Q(status__in=AlertStatus.values), name="alert_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.status}"
