"""Adherence (docs/domain.md §4), computed by the database: one grouped query, no loop over logs.

- Due: planned sessions whose time has come, not cancelled and not on hold (a paused programme
  has nothing due; sessions the practice cancelled do not count).
- Done: a supervised session when the physiotherapist registered it as attended ("Supervised
  sessions count as done when the physiotherapist registers attendance"), and only then: the
  patient's own log of it does not make it done (a no-show, or nothing registered yet, is not
  done whatever was logged). A home session when logged "completed", or "partial" with at
  least half of its prescribed sets done.
- Exercise adherence: sets done (at most the prescribed number per exercise) over sets
  prescribed, over the due sessions. A logged session keeps the prescription it was logged
  against; an unlogged one counts the current prescription of its week. A supervised session
  counts sets only when attended: the sets logged, or all its prescribed sets without a
  detailed log. A home session logged as completed without detail counts all its sets.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Least
from django.db.models.lookups import GreaterThanOrEqual
from django.utils import timezone

from programs.models import (
    AttendanceStatus,
    LogStatus,
    PlannedSession,
    ProgrammeExercise,
    SessionLog,
    SessionLogExercise,
    SessionState,
    SessionStatus,
)


def _int_subquery(queryset) -> Subquery:
    return Subquery(queryset, output_field=IntegerField())


def with_outcome(
    sessions: QuerySet[PlannedSession], *, sets: bool = True
) -> QuerySet[PlannedSession]:
    """The planned sessions with, per session, what happened (log and attendance status),
    how many sets were prescribed and done, and whether it counts as done (``done``, 1 or 0):
    the rule of this module's docstring, in one place for adherence and for the status the
    sessions list shows (``session_state``).

    ``sets=False`` selects only the statuses and ``done``: the set counts it is decided from
    stay inside the query (``alias``) instead of being selected. SQL cannot name a selected
    value in another one, so each selected count repeats its subqueries in the SQL: the list
    of sessions, which shows no counts, was a query of 7 kB that took Django longer to write
    than PostgreSQL to run."""
    per_log = SessionLogExercise.objects.filter(log__planned_session=OuterRef("pk")).values(
        "log__planned_session"
    )
    logged_prescribed = per_log.annotate(total=Sum("sets_prescribed")).values("total")
    logged_done = per_log.annotate(total=Sum(Least("sets_done", "sets_prescribed"))).values("total")
    prescribed_now = (
        ProgrammeExercise.objects.filter(
            phase__programme=OuterRef("programme"),
            phase__first_week__lte=OuterRef("week"),
            phase__last_week__gte=OuterRef("week"),
        )
        .values("phase__programme")
        .annotate(total=Sum("sets"))
        .values("total")
    )
    counts = {
        "sets_prescribed": Coalesce(
            _int_subquery(logged_prescribed), _int_subquery(prescribed_now), Value(0)
        ),
        "sets_logged": _int_subquery(logged_done),
    }
    half = {
        "half_sets_done": Case(
            When(GreaterThanOrEqual(F("sets_logged") * 2, F("sets_prescribed")), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    }
    sessions = sessions.annotate(
        # Joins, not subqueries: a session has at most one log (a unique constraint) and
        # one attendance (one-to-one), so no row is repeated; a correlated subquery ran
        # again at every use of the value below.
        log_status=F("logs__status"),
        attendance_status=F("attendance__status"),
    )
    sessions = (
        sessions.annotate(**counts).annotate(**half)
        if sets
        else sessions.alias(**counts).alias(**half)
    )
    done = Case(
        When(supervised=True, attendance_status=AttendanceStatus.ATTENDED, then=Value(1)),
        When(supervised=True, then=Value(0)),
        When(log_status=LogStatus.COMPLETED, then=Value(1)),
        When(log_status=LogStatus.PARTIAL, half_sets_done=True, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    if not sets:
        return sessions.annotate(done=done)
    return sessions.annotate(
        done=done,
        sets_done=Case(
            When(
                supervised=True,
                attendance_status=AttendanceStatus.ATTENDED,
                then=Coalesce(F("sets_logged"), F("sets_prescribed")),
            ),
            When(supervised=True, then=Value(0)),
            When(
                log_status=LogStatus.COMPLETED,
                then=Coalesce(F("sets_logged"), F("sets_prescribed")),
            ),
            default=Coalesce(F("sets_logged"), Value(0)),
            output_field=IntegerField(),
        ),
    )


def due_sessions(now: datetime | None = None) -> QuerySet[PlannedSession]:
    """Planned sessions that are due (see the module docstring), each with its outcome
    (``with_outcome``); filter by programme before aggregating."""
    now = now or timezone.now()
    return with_outcome(
        PlannedSession.objects.filter(status=SessionStatus.SCHEDULED, scheduled_at__lte=now)
    )


def session_state(session: PlannedSession, *, now: datetime, time_zone: str) -> SessionState:
    """The one status an app shows for a planned session annotated by ``with_outcome``.

    Consistent with adherence: a session whose time has come is ``done`` exactly when it
    counts as done above; every other state of a due session is not done. Cancelled (also by
    the practice) and on hold are never due. A supervised session follows the
    physiotherapist's registration: attended is done, a no-show missed; nothing registered
    yet is ``awaiting_attendance`` after its day (the patient's own log does not make it
    done). A home session: a partial log with fewer than half the sets is ``partial``, a
    session not logged is ``due`` on its own (local) day once its time has come and
    ``missed`` after it, as the missed-session reminder has it. A skipped log is ``skipped``.
    A session logged before its time is shown as logged; it counts once it is due."""
    if session.status == SessionStatus.CANCELLED:
        return SessionState.CANCELLED
    if session.status == SessionStatus.ON_HOLD:
        return SessionState.ON_HOLD
    if session.done:
        return SessionState.DONE
    if session.supervised and session.attendance_status == AttendanceStatus.NO_SHOW:
        return SessionState.MISSED
    if session.log_status == LogStatus.SKIPPED:
        return SessionState.SKIPPED
    if session.log_status == LogStatus.PARTIAL and not session.supervised:
        return SessionState.PARTIAL
    if session.scheduled_at > now:
        return SessionState.UPCOMING
    if session.local_date >= now.astimezone(ZoneInfo(time_zone)).date():
        return SessionState.DUE
    return SessionState.AWAITING_ATTENDANCE if session.supervised else SessionState.MISSED


AGGREGATES = {
    "due": Count("pk"),
    "done": Sum("done"),
    "sets_prescribed": Sum("sets_prescribed"),
    "sets_done": Sum("sets_done"),
}


def _ratio(part: int | None, whole: int | None) -> float | None:
    if not whole:
        return None
    return round((part or 0) / whole, 4)


@dataclass
class Adherence:
    due: int
    done: int
    sets_prescribed: int
    sets_done: int
    threshold: float
    session_adherence: float | None = field(init=False)
    exercise_adherence: float | None = field(init=False)
    adherent: bool | None = field(init=False)

    def __post_init__(self) -> None:
        self.session_adherence = _ratio(self.done, self.due)
        self.exercise_adherence = _ratio(self.sets_done, self.sets_prescribed)
        self.adherent = (
            None if self.session_adherence is None else self.session_adherence >= self.threshold
        )

    @classmethod
    def total(cls, parts: Iterable["Adherence"]) -> "Adherence":
        """The figures of several weeks together: every count is a sum over the same due
        sessions, so a programme's overall adherence is the sum of its weeks' (one grouped
        query gives both)."""
        parts = list(parts)
        return cls(
            due=sum(part.due for part in parts),
            done=sum(part.done for part in parts),
            sets_prescribed=sum(part.sets_prescribed for part in parts),
            sets_done=sum(part.sets_done for part in parts),
            threshold=settings.ADHERENCE_THRESHOLD,
        )

    @classmethod
    def from_row(cls, row: dict) -> "Adherence":
        return cls(
            due=row.get("due") or 0,
            done=row.get("done") or 0,
            sets_prescribed=row.get("sets_prescribed") or 0,
            sets_done=row.get("sets_done") or 0,
            threshold=settings.ADHERENCE_THRESHOLD,
        )


def adherence_by_programme(
    programme_ids: Iterable[UUID], now: datetime | None = None
) -> dict[UUID, Adherence]:
    """Overall adherence for many programmes in one query (caseload lists)."""
    ids = list(programme_ids)
    rows = (
        due_sessions(now)
        .filter(programme_id__in=ids)
        .values("programme_id")
        .annotate(**AGGREGATES)
        .order_by()
    )
    result = {row["programme_id"]: Adherence.from_row(row) for row in rows}
    for programme_id in ids:
        result.setdefault(programme_id, Adherence.from_row({}))
    return result


def adherence_by_week(
    programme_id: UUID, now: datetime | None = None
) -> list[tuple[int, Adherence]]:
    """Per programme week, for the weeks that have sessions due (one query)."""
    rows = (
        due_sessions(now)
        .filter(programme_id=programme_id)
        .values("week")
        .annotate(**AGGREGATES)
        .order_by("week")
    )
    return [(row["week"], Adherence.from_row(row)) for row in rows]


def extra_sessions_count(programme_id: UUID) -> int:
    """Sessions the patient logged on their own, beside the plan (shown, not counted)."""
    return (
        SessionLog.objects.filter(programme_id=programme_id, planned_session__isnull=True)
        .exclude(status=LogStatus.SKIPPED)
        .count()
    )


@dataclass
class WeekFigures:
    """One programme week: its adherence so far (the due sessions) and its plan (every
    scheduled session of the week, also those still to come; one logged ahead of its time
    counts as done)."""

    adherence: Adherence
    planned: int
    done: int
    last_date: date | None
    on_hold: int

    @property
    def due(self) -> int:
        return self.adherence.due


def weeks_by_programme(
    programme_ids: Iterable[UUID], now: datetime | None = None
) -> dict[tuple[UUID, int], WeekFigures]:
    """Per (programme, week), for many programmes in one grouped query: the adherence of the
    due sessions (summed, the programme's overall adherence) and the week's plan (the
    caseload's "this week" and the current week's bar). Sessions more than a week ahead are
    left out (the current week lies within it; each session costs its subqueries), so a
    week whose sessions all lie further ahead has no entry."""
    now = now or timezone.now()
    due = Q(status=SessionStatus.SCHEDULED, scheduled_at__lte=now)
    scheduled = Q(status=SessionStatus.SCHEDULED)
    rows = (
        with_outcome(PlannedSession.objects.all())
        .filter(
            Q(status=SessionStatus.SCHEDULED, scheduled_at__lte=now + timedelta(days=7))
            | Q(status=SessionStatus.ON_HOLD),
            programme_id__in=list(programme_ids),
        )
        .values("programme_id", "week")
        # Aggregates named apart from the per-session annotations they sum.
        .annotate(
            week_due=Count("pk", filter=due),
            week_done=Sum("done", filter=due),
            week_sets_prescribed=Sum("sets_prescribed", filter=due),
            week_sets_done=Sum("sets_done", filter=due),
            week_planned=Count("pk", filter=scheduled),
            week_planned_done=Sum("done", filter=scheduled),
            week_last_date=Max("local_date", filter=scheduled),
            week_on_hold=Count("pk", filter=Q(status=SessionStatus.ON_HOLD)),
        )
        .order_by()
    )
    return {
        (row["programme_id"], row["week"]): WeekFigures(
            adherence=Adherence.from_row(
                {
                    "due": row["week_due"],
                    "done": row["week_done"],
                    "sets_prescribed": row["week_sets_prescribed"],
                    "sets_done": row["week_sets_done"],
                }
            ),
            planned=row["week_planned"],
            done=row["week_planned_done"] or 0,
            last_date=row["week_last_date"],
            on_hold=row["week_on_hold"],
        )
        for row in rows
    }
