"""Reminders: each patient's preferences and devices, and one Notification row per (patient,
kind, subject) under a unique constraint, so no dispatcher, beat or worker can send twice."""

from datetime import time

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from programs.models.base import TimestampedModel
from programs.models.people import Language, Patient
from programs.models.programme import PlannedSession


class ReminderPreference(TimestampedModel):
    patient = models.OneToOneField(
        Patient, on_delete=models.CASCADE, related_name="reminder_preference"
    )
    push_enabled = models.BooleanField(_("push notifications"), default=True)
    email_enabled = models.BooleanField(_("e-mail"), default=False)
    minutes_before = models.PositiveSmallIntegerField(
        _("minutes before a session"),
        default=60,
        validators=[MinValueValidator(5), MaxValueValidator(1440)],
    )
    quiet_start = models.TimeField(_("quiet hours from"), default=time(22, 0))
    quiet_end = models.TimeField(_("quiet hours until"), default=time(8, 0))
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, blank=True)
    upcoming_session = models.BooleanField(_("before a session"), default=True)
    missed_session = models.BooleanField(_("after a missed session"), default=True)
    questionnaire_due = models.BooleanField(_("questionnaire due"), default=True)
    weekly_pain = models.BooleanField(_("weekly pain check"), default=True)

    class Meta:
        verbose_name = _("reminder settings")
        verbose_name_plural = _("reminder settings")
        # The dispatcher reads the longest lead every minute to bound its session range.
        indexes = [models.Index(fields=["minutes_before"], name="reminder_pref_lead")]
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes_before__gte=5, minutes_before__lte=1440),
                name="reminder_minutes_5_1440",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient_id}"


class Platform(models.TextChoices):
    ANDROID = "android", "Android"
    IOS = "ios", "iOS"
    WEB = "web", "Web"


# FCM registration tokens are about 150-200 characters, APNs device tokens 64 hex digits; a
# unique index on PostgreSQL cannot hold entries above about 2700 bytes, so the length is
# bounded well below that and the token is printable ASCII (one byte a character).
PUSH_TOKEN_MAX_LENGTH = 1024
push_token_validator = RegexValidator(
    r"\A[!-~]+\Z",
    message=_("A push token is printable ASCII without spaces."),
    code="invalid_token",
)


class Device(TimestampedModel):
    """A push token of one of the patient's devices. A token the provider reports invalid is
    deactivated, not deleted (the reason stays)."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="devices")
    platform = models.CharField(_("platform"), max_length=10, choices=Platform.choices)
    token = models.CharField(
        _("push token"),
        max_length=PUSH_TOKEN_MAX_LENGTH,
        unique=True,
        validators=[push_token_validator],
    )
    active = models.BooleanField(_("active"), default=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)
    deactivation_reason = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        indexes = [models.Index(fields=["patient", "active"], name="device_patient_active")]

    def __str__(self) -> str:
        return f"{self.platform} {self.token[:12]}..."


class NotificationKind(models.TextChoices):
    UPCOMING_SESSION = "upcoming_session", _("upcoming session")
    MISSED_SESSION = "missed_session", _("missed session")
    QUESTIONNAIRE_DUE = "questionnaire_due", _("questionnaire due")
    WEEKLY_PAIN = "weekly_pain", _("weekly pain check")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("due, not yet queued")
    QUEUED = "queued", _("queued")
    SENDING = "sending", _("sending")
    RETRY = "retry", _("waiting to retry")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")
    SKIPPED = "skipped", _("skipped")


OPEN_STATUSES = (
    NotificationStatus.PENDING,
    NotificationStatus.QUEUED,
    NotificationStatus.RETRY,
)


class Notification(TimestampedModel):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    # What it is about: a session at its time, a questionnaire window, a week.
    subject = models.CharField(_("subject"), max_length=120)
    session = models.ForeignKey(
        PlannedSession, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    fire_at = models.DateTimeField(_("send at"))
    # After this moment it is of no use any more: not sent late, but skipped.
    deadline = models.DateTimeField(_("useful until"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=NotificationStatus.choices,
        default=NotificationStatus.PENDING,
    )
    skip_reason = models.CharField(_("reason skipped or failed"), max_length=100, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["status", "fire_at"], name="notification_due"),
            models.Index(fields=["status", "next_attempt_at"], name="notification_retry"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "kind", "subject"], name="notification_once_per_subject"
            ),
            models.CheckConstraint(
                condition=Q(status__in=NotificationStatus.values),
                name="notification_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject} {self.status}"


class DeliveryChannel(models.TextChoices):
    PUSH = "push", _("push")
    EMAIL = "email", _("e-mail")


class DeliveryOutcome(models.TextChoices):
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")
    TRANSIENT = "transient", _("temporary failure")
    INVALID_TOKEN = "invalid_token", _("invalid token")


class DeliveryAttempt(models.Model):
    """Every attempt on every channel, with its outcome: the notification's delivery history."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(max_length=10, choices=DeliveryChannel.choices)
    device = models.ForeignKey(Device, on_delete=models.SET_NULL, null=True, blank=True)
    attempt = models.PositiveSmallIntegerField()
    attempted_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=15, choices=DeliveryOutcome.choices)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["notification", "attempted_at", "id"]

    def __str__(self) -> str:
        return f"{self.channel} {self.outcome}"
