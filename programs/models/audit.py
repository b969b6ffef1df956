"""The access log (NEN 7513, docs/domain.md §6): who read or changed which patient's data, when and
from where. Append-only: the application offers no way to change or delete an entry, and on
PostgreSQL a trigger refuses UPDATE and DELETE as well (migration 0002)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AccessLogImmutableError(Exception):
    """Raised on any attempt to change or delete an access-log entry."""


class AccessAction(models.TextChoices):
    READ = "read", _("read")
    LIST = "list", _("list")
    CREATE = "create", _("create")
    UPDATE = "update", _("update")
    DELETE = "delete", _("delete")
    EXPORT = "export", _("export")


class AccessLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AccessLogImmutableError("The access log is append-only.")

    def delete(self):
        raise AccessLogImmutableError("The access log is append-only.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AccessLogImmutableError("The access log is append-only.")

    def update_or_create(self, defaults=None, create_defaults=None, **kwargs):
        raise AccessLogImmutableError("The access log is append-only.")


class AccessLogEntry(models.Model):
    # No foreign keys: the log must outlive accounts and records, and keeps what it knew then.
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    actor_id = models.BigIntegerField(_("user id"), null=True)
    actor_username = models.CharField(_("user"), max_length=150)
    actor_name = models.CharField(_("name"), max_length=300, blank=True)
    actor_role = models.CharField(_("role"), max_length=20)
    organisation = models.CharField(_("organisation"), max_length=255, blank=True)
    on_behalf_of = models.CharField(_("on behalf of"), max_length=150, blank=True)
    patient_id = models.UUIDField(_("patient"))
    action = models.CharField(_("action"), max_length=10, choices=AccessAction.choices)
    resource = models.CharField(_("data"), max_length=64)
    object_id = models.CharField(_("record"), max_length=64, blank=True)
    method = models.CharField(_("HTTP method"), max_length=8, blank=True)
    path = models.CharField(_("path"), max_length=500, blank=True)
    client_address = models.GenericIPAddressField(_("client address"), null=True)
    user_agent = models.CharField(_("user agent"), max_length=255, blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["patient_id", "-occurred_at"], name="accesslog_patient_time"),
            models.Index(fields=["actor_id", "-occurred_at"], name="accesslog_actor_time"),
        ]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return (
            f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_username} {self.action} {self.resource}"
        )

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AccessLogImmutableError("The access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AccessLogImmutableError("The access log is append-only.")
