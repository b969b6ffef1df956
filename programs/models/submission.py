"""Form submissions of the dashboard, one row per form shown: a form sent twice (a double
click, a browser's retry after a lost answer) changes nothing the second time."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class FormSubmission(models.Model):
    # The key the page put into the form; the primary key makes a second use fail.
    key = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("by")
    )
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("form submission")
        verbose_name_plural = _("form submissions")
        indexes = [models.Index(fields=["user", "submitted_at"], name="submission_user_time")]

    def __str__(self) -> str:
        return f"{self.key} ({self.submitted_at:%Y-%m-%d %H:%M})"
