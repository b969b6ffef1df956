"""Reminder texts, in Dutch or English, with times in the patient's own zone."""

from zoneinfo import ZoneInfo

from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from programs.models import Notification, NotificationKind, Timepoint


def reminder_text(notification: Notification, *, language: str, zone: str) -> tuple[str, str]:
    """(title, body) of a reminder."""
    with translation.override(language):
        local = None
        if notification.session is not None:
            local = notification.session.scheduled_at.astimezone(ZoneInfo(zone))
        if notification.kind == NotificationKind.UPCOMING_SESSION:
            place = _("at the practice") if notification.session.supervised else _("at home")
            return (
                _("Time for your exercises"),
                _("Your session %(place)s starts at %(time)s on %(date)s.")
                % {
                    "place": place,
                    "time": local.strftime("%H:%M"),
                    "date": date_format(local, "l j F"),
                },
            )
        if notification.kind == NotificationKind.MISSED_SESSION:
            return (
                _("Did you do your exercises?"),
                _(
                    "You had a session planned on %(date)s. Log it in the app, or tell us why "
                    "you skipped it."
                )
                % {"date": date_format(local, "l j F")},
            )
        if notification.kind == NotificationKind.QUESTIONNAIRE_DUE:
            timepoint = notification.subject.rsplit(":", 1)[-1]
            return (
                _("Your questionnaires are waiting"),
                _("Please fill in your questionnaires (%(moment)s) in the app.")
                % {"moment": Timepoint(timepoint).label},
            )
        return (
            _("How was your hip this week?"),
            _("Rate your average pain over the past week in the app."),
        )
