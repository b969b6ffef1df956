"""A programme's history (ProgrammeChange) in words for the dashboard: who, when, what changed,
before -> after, in the reader's language. The detail each service records is in
services/programme.py (``_record``)."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.utils import formats
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _

from programs.models import (
    ChangeKind,
    EndReason,
    Exercise,
    PlannedSession,
    Programme,
    ProgrammeChange,
    ProgrammePhase,
)
from programs.models.catalogue import in_language

NONE = "\u2013"  # an en dash where there is no value


@dataclass
class ChangeInWords:
    occurred_at: datetime
    actor: str
    kind: str
    title: str
    lines: list[str] = field(default_factory=list)


def weekday_names(days: Iterable[int]) -> str:
    names = [str(WEEKDAYS_ABBR[day]) for day in sorted(days) if day in WEEKDAYS_ABBR]
    return ", ".join(names) if names else _("none")


def _moment(value: str | None, zone: ZoneInfo) -> str:
    if not value:
        return NONE
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return formats.date_format(moment.astimezone(zone), "D j M Y H:i")


def _day(value: str | None) -> str:
    if not value:
        return NONE
    try:
        return formats.date_format(date.fromisoformat(value), "D j M Y")
    except ValueError:
        return value


def dose_in_words(dose: dict) -> str:
    """'3 x 10', '2 x 30 s hold', '1 x 20 min' (with a multiplication sign), with load, rest
    and exertion."""
    sets = dose.get("sets")
    if dose.get("repetitions") and dose.get("hold_seconds"):
        main = _("%(sets)s × %(repetitions)s, %(seconds)s s hold") % {  # noqa: RUF001
            "sets": sets,
            "repetitions": dose["repetitions"],
            "seconds": dose["hold_seconds"],
        }
    elif dose.get("repetitions"):
        main = f"{sets} × {dose['repetitions']}"  # noqa: RUF001
    elif dose.get("hold_seconds"):
        main = _("%(sets)s × %(seconds)s s hold") % {"sets": sets, "seconds": dose["hold_seconds"]}  # noqa: RUF001
    elif dose.get("duration_seconds"):
        seconds = dose["duration_seconds"]
        if seconds % 60 == 0:
            main = _("%(sets)s × %(minutes)s min") % {"sets": sets, "minutes": seconds // 60}  # noqa: RUF001
        else:
            main = _("%(sets)s × %(seconds)s s") % {"sets": sets, "seconds": seconds}  # noqa: RUF001
    else:
        main = _("%(sets)s sets") % {"sets": sets}
    parts = [main]
    load = in_language(dose.get("load_nl") or "", dose.get("load_en") or "")
    if load:
        parts.append(load)
    if dose.get("rest_seconds") is not None:
        parts.append(_("rest %(seconds)s s") % {"seconds": dose["rest_seconds"]})
    if dose.get("target_exertion") is not None:
        parts.append(_("exertion %(value)s/10") % {"value": dose["target_exertion"]})
    return ", ".join(parts)


def _dose_labels() -> dict[str, str]:
    return {
        "sets": _("sets"),
        "repetitions": _("repetitions"),
        "hold_seconds": _("hold (s)"),
        "duration_seconds": _("duration (s)"),
        "load_nl": _("load (Dutch)"),
        "load_en": _("load (English)"),
        "rest_seconds": _("rest (s)"),
        "target_exertion": _("exertion (0-10)"),
    }


def _value(value) -> str:
    if value is None or value == "":
        return NONE
    return str(value)


def dose_differences(before: dict, after: dict) -> list[str]:
    labels = _dose_labels()
    return [
        _("%(what)s: %(before)s → %(after)s")
        % {"what": label, "before": _value(before.get(key)), "after": _value(after.get(key))}
        for key, label in labels.items()
        if before.get(key) != after.get(key)
    ]


def _schedule_differences(before: dict, after: dict) -> list[str]:
    lines = []
    pairs = [
        ("weekdays", _("session days"), weekday_names),
        ("session_time", _("time of day"), _value),
        ("supervised_weekdays", _("supervised on"), weekday_names),
        (
            "supervised_until_week",
            _("supervised up to week"),
            lambda week: _("whole programme") if week is None else str(week),
        ),
    ]
    for key, label, shown in pairs:
        if before.get(key) != after.get(key):
            lines.append(
                _("%(what)s: %(before)s → %(after)s")
                % {"what": label, "before": shown(before.get(key)), "after": shown(after.get(key))}
            )
    return lines or [_("no difference")]


def describe_changes(
    changes: list[ProgrammeChange],
    *,
    programme: Programme,
    phase_names: dict[int, str],
    session_weeks: dict[str, int],
    exercise_names: dict[str, str] | None = None,
) -> list[ChangeInWords]:
    """The changes in words, in the order given. ``phase_names``: phase order -> name;
    ``session_weeks``: session id -> programme week; ``exercise_names``: code -> name of the
    exercises already at hand (one query for any others, such as one no longer in use)."""
    zone = ZoneInfo(programme.time_zone)
    exercises = dict(exercise_names or {})
    missing = {change.detail.get("exercise") for change in changes} - {None} - set(exercises)
    if missing:
        exercises.update(
            (exercise.slug, exercise.name) for exercise in Exercise.objects.filter(slug__in=missing)
        )
    described = []
    for change in changes:
        detail = change.detail or {}
        actor = (
            (change.actor.get_full_name() or change.actor.username)
            if change.actor
            else _("automatically")
        )
        words = ChangeInWords(
            occurred_at=change.occurred_at,
            actor=actor,
            kind=change.kind,
            title=str(ChangeKind(change.kind).label).capitalize()
            if change.kind in ChangeKind.values
            else change.kind,
        )
        exercise = exercises.get(detail.get("exercise"), detail.get("exercise"))
        phase = phase_names.get(detail.get("phase"), detail.get("phase"))
        kind = change.kind
        if kind == ChangeKind.ENROLLED:
            words.lines = [
                _("starts %(day)s: %(days)s at %(time)s; supervised on %(supervised)s")
                % {
                    "day": _day(detail.get("start_date")),
                    "days": weekday_names(detail.get("weekdays", [])),
                    "time": _value(detail.get("session_time")),
                    "supervised": weekday_names(detail.get("supervised_weekdays", [])),
                },
                _("%(count)s sessions planned") % {"count": detail.get("session_count", NONE)},
            ]
        elif kind == ChangeKind.SCHEDULE_CHANGED:
            words.lines = _schedule_differences(detail.get("before", {}), detail.get("after", {}))
        elif kind == ChangeKind.EXERCISE_ADDED:
            words.title = _("Exercise added: %(exercise)s (%(phase)s)") % {
                "exercise": exercise,
                "phase": phase,
            }
            words.lines = [dose_in_words(detail.get("dose", {}))]
        elif kind == ChangeKind.EXERCISE_CHANGED:
            words.title = _("Dose changed: %(exercise)s (%(phase)s)") % {
                "exercise": exercise,
                "phase": phase,
            }
            words.lines = dose_differences(detail.get("before", {}), detail.get("after", {})) or [
                _("no difference")
            ]
        elif kind == ChangeKind.EXERCISE_REMOVED:
            words.title = _("Exercise removed: %(exercise)s (%(phase)s)") % {
                "exercise": exercise,
                "phase": phase,
            }
            words.lines = [_("was %(dose)s") % {"dose": dose_in_words(detail.get("dose", {}))}]
        elif kind == ChangeKind.SESSION_RESCHEDULED:
            week = session_weeks.get(detail.get("session"))
            if week is not None:
                words.title = _("Session of week %(week)s moved") % {"week": week}
            words.lines = [
                _("%(before)s → %(after)s")
                % {
                    "before": _moment(detail.get("before"), zone),
                    "after": _moment(detail.get("after"), zone),
                }
            ]
        elif kind == ChangeKind.PAUSED:
            words.lines = [
                _("from %(day)s; %(count)s sessions on hold")
                % {"day": _day(detail.get("start_date")), "count": detail.get("on_hold", NONE)}
            ]
        elif kind == ChangeKind.RESUMED:
            words.lines = [
                _("on %(day)s; %(count)s sessions planned again")
                % {
                    "day": _day(detail.get("resume_date")),
                    "count": detail.get("sessions_moved", NONE),
                }
            ]
            if detail.get("first_session_before"):
                words.lines.append(
                    _("first session: %(before)s → %(after)s")
                    % {
                        "before": _moment(detail.get("first_session_before"), zone),
                        "after": _moment(detail.get("first_session_after"), zone),
                    }
                )
        elif kind == ChangeKind.ENDED:
            reason = detail.get("reason")
            words.lines = [
                str(EndReason(reason).label) if reason in EndReason.values else _value(reason),
                _("%(count)s sessions still to come cancelled")
                % {"count": detail.get("sessions_cancelled", NONE)},
            ]
        if detail.get("reason") and kind in (ChangeKind.SESSION_RESCHEDULED, ChangeKind.PAUSED):
            words.lines.append(_("reason: %(reason)s") % {"reason": detail["reason"]})
        if detail.get("note"):
            words.lines.append(_("note: %(note)s") % {"note": detail["note"]})
        described.append(words)
    return described


def history_in_words(
    *,
    programme: Programme,
    changes: list[ProgrammeChange],
    phases: list[ProgrammePhase] | None = None,
    session_weeks: dict[str, int] | None = None,
    exercise_names: dict[str, str] | None = None,
) -> list[ChangeInWords]:
    """The programme's ``changes`` (selectors.programme.programme_history) in words, in the
    order given, for every page that shows a programme's history. What the caller has at hand
    is used; the rest costs at most one query each, however long the history: the phases'
    names, the weeks of the sessions moved, the exercises not named in ``exercise_names``."""
    if phases is None:
        phases = list(ProgrammePhase.objects.filter(programme=programme))
    if session_weeks is None:
        moved = {
            change.detail.get("session")
            for change in changes
            if change.kind == ChangeKind.SESSION_RESCHEDULED and change.detail
        } - {None}
        session_weeks = (
            {
                str(pk): week
                for pk, week in PlannedSession.objects.filter(
                    programme=programme, pk__in=moved
                ).values_list("pk", "week")
            }
            if moved
            else {}
        )
    return describe_changes(
        changes,
        programme=programme,
        phase_names={phase.order: phase.name for phase in phases},
        session_weeks=session_weeks,
        exercise_names=exercise_names,
    )
