"""What the physiotherapist monitors: the caseload (every patient of the practice in a constant
number of queries) and one patient's progress."""

from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Max, Min, Prefetch, Q, QuerySet
from django.utils import timezone

from programs.models import (
    UNRESOLVED,
    Alert,
    Attendance,
    AttendanceStatus,
    InsuranceCoverage,
    OutcomeScore,
    Patient,
    Physiotherapist,
    PlannedSession,
    Programme,
    ProgrammeExercise,
    ProgrammePhase,
    ProgrammeStatus,
    SessionLog,
    SessionLogExercise,
    SessionStatus,
    Timepoint,
    WeeklyPain,
)
from programs.models.outcome import MEASURE_LABELS, measure_label
from programs.scoring.pain import session_pain_signals
from programs.selectors.adherence import (
    Adherence,
    WeekFigures,
    extra_sessions_count,
    weeks_by_programme,
)
from programs.selectors.outcome import scores_with_change, weekly_pain_series
from programs.selectors.programme import programme_history

# Scores the caseload shows beside each patient (latest value and change against baseline).
CASELOAD_MEASURES = ("oxford", "hoos_pain", "hoos_adl", "psfs")


@dataclass
class CaseloadRow:
    patient: Patient
    programme: Programme | None = None
    programme_week: int | None = None
    adherence_week: Adherence | None = None
    this_week: WeekFigures | None = None
    adherence_overall: Adherence | None = None
    last_activity: datetime | None = None
    weekly_pain: int | None = None
    weekly_pain_trend: int | None = None
    scores: dict[str, dict] = field(default_factory=dict)
    alert_kinds: list[str] = field(default_factory=list)

    @property
    def open_alerts(self) -> int:
        return len(self.alert_kinds)


def _patients_programmes(patient_ids: list[UUID]) -> list[Programme]:
    return list(
        Programme.objects.filter(patient_id__in=patient_ids).order_by(
            "patient_id", "-start_date", "-created_at"
        )
    )


def _current_programmes(
    patient_ids: list[UUID], programmes: list[Programme] | None = None
) -> dict[UUID, Programme]:
    """The running programme of each patient, else the most recent one (of ``programmes``,
    the patients' programmes from _patients_programmes, when given)."""
    chosen: dict[UUID, Programme] = {}
    if programmes is None:
        programmes = _patients_programmes(patient_ids)
    for programme in programmes:
        current = chosen.get(programme.patient_id)
        if current is None or (programme.is_running and not current.is_running):
            chosen[programme.patient_id] = programme
    return chosen


def local_today(programme: Programme, now: datetime) -> date:
    return now.astimezone(ZoneInfo(programme.time_zone)).date()


def current_week(programme: Programme, weeks: dict[int, WeekFigures], now: datetime) -> int | None:
    """The programme week the patient is in: by the calendar (week w is the seven days from
    start + 7 (w - 1)), held back to the first week that still has sessions to come or on
    hold (a pause moves sessions later; they keep their week). None before the start. An
    ended programme stays at the week it ended in, a completed one at its last week.

    Not the week of the next session: on the Friday after a Thursday session the next one
    falls in the next week, and this week would show nothing done."""
    if programme.status == ProgrammeStatus.COMPLETED:
        return programme.weeks
    today = local_today(programme, now)
    if programme.status == ProgrammeStatus.ENDED and programme.ended_at:
        today = min(today, local_today(programme, programme.ended_at))
    by_calendar = (today - programme.start_date).days // 7 + 1
    if by_calendar < 1:
        return None
    to_come = [
        week
        for week, figures in weeks.items()
        if figures.on_hold or (figures.last_date is not None and figures.last_date >= today)
    ]
    return max(1, min(by_calendar, min(to_come, default=programme.weeks), programme.weeks))


def programme_current_week(*, programme: Programme, now: datetime | None = None) -> int | None:
    """current_week of one programme, with its week figures fetched (one grouped query): for
    pages that show the week but not the figures (the programme page)."""
    now = now or timezone.now()
    plan = {
        week: figures for (_id, week), figures in weeks_by_programme([programme.pk], now).items()
    }
    return current_week(programme, plan, now)


def search_patients(patients: QuerySet[Patient], q: str) -> QuerySet[Patient]:
    """Patients whose first name, last name or username holds every word of ``q`` (case
    does not matter): "anna", "bakker", "Anna Bakker" and "de jong" all find their patient."""
    for word in q.split():
        patients = patients.filter(
            Q(user__first_name__icontains=word)
            | Q(user__last_name__icontains=word)
            | Q(user__username__icontains=word)
        )
    return patients


def caseload_patients(*, physiotherapist: Physiotherapist, q: str = "") -> list[Patient]:
    """The patients of the practice matching the search ``q``, as the caseload lists them
    (with user and therapist)."""
    return list(
        search_patients(
            Patient.objects.filter(practice_id=physiotherapist.practice_id), q
        ).select_related("user", "physiotherapist__user")
    )


def caseload(
    *,
    physiotherapist: Physiotherapist,
    now: datetime | None = None,
    q: str = "",
    patients: list[Patient] | None = None,
) -> list[CaseloadRow]:
    """Every patient of the practice (matching the search ``q``) with programme week, this
    week's sessions (done of planned, and due so far), adherence overall, last activity,
    latest weekly pain and its trend, latest scores and unresolved alerts. About ten queries
    whatever the number of patients: everything is fetched grouped. ``patients`` (of this
    practice, from caseload_patients) limits the figures to those, in that order: a page
    ordered by name needs no more."""
    now = now or timezone.now()
    if patients is None:
        patients = caseload_patients(physiotherapist=physiotherapist, q=q)
    ids = [p.pk for p in patients]
    programmes = _current_programmes(ids)
    programme_ids = [p.pk for p in programmes.values()]
    weeks_of: dict[UUID, dict[int, WeekFigures]] = {pk: {} for pk in programme_ids}
    for (programme_id, week), figures in weeks_by_programme(programme_ids, now).items():
        weeks_of[programme_id][week] = figures
    overall = {
        programme_id: Adherence.total(figures.adherence for figures in weeks.values())
        for programme_id, weeks in weeks_of.items()
    }
    logged = dict(
        SessionLog.objects.filter(patient_id__in=ids)
        .values("patient_id")
        .annotate(at=Max("performed_at"))
        .values_list("patient_id", "at")
    )
    attended = dict(
        Attendance.objects.filter(patient_id__in=ids, status=AttendanceStatus.ATTENDED)
        .values("patient_id")
        .annotate(at=Max("treated_at"))
        .values_list("patient_id", "at")
    )
    pain: dict[UUID, list[int]] = {}
    for patient_id, nrs in (
        WeeklyPain.objects.filter(patient_id__in=ids)
        .order_by("patient_id", "-week_start")
        .values_list("patient_id", "nrs")
    ):
        pain.setdefault(patient_id, []).append(nrs)
    # Each programme has its own baseline (docs/domain.md §2): only the current programme's
    # scores (those without a programme for a patient without one), as on the patient page.
    scores: dict[UUID, dict[str, dict]] = {}
    for patient_id, measure, value, timepoint in (
        OutcomeScore.objects.filter(measure__in=CASELOAD_MEASURES)
        .filter(
            Q(programme_id__in=programme_ids)
            | Q(patient_id__in=set(ids) - set(programmes), programme__isnull=True)
        )
        .order_by("measured_at", "id")
        .values_list("patient_id", "measure", "value", "timepoint")
    ):
        entry = scores.setdefault(patient_id, {}).setdefault(measure, {"baseline": None})
        first_baseline = timepoint == Timepoint.BASELINE and entry["baseline"] is None
        if first_baseline:
            entry["baseline"] = value
        entry["value"] = value
        later = entry["baseline"] is not None and not first_baseline
        entry["change"] = round(value - entry["baseline"], 1) if later else None
    alerts: dict[UUID, list[str]] = {}
    for patient_id, kind in Alert.objects.filter(
        patient_id__in=ids, status__in=UNRESOLVED
    ).values_list("patient_id", "kind"):
        alerts.setdefault(patient_id, []).append(kind)

    rows = []
    for patient in patients:
        programme = programmes.get(patient.pk)
        row = CaseloadRow(patient=patient, programme=programme)
        if programme is not None:
            weeks = weeks_of[programme.pk]
            row.programme_week = current_week(programme, weeks, now)
            row.adherence_overall = overall.get(programme.pk)
            if programme.is_running and row.programme_week is not None:
                row.this_week = weeks.get(row.programme_week)
                if row.this_week is not None and row.this_week.due:
                    row.adherence_week = row.this_week.adherence
        moments = [m for m in (logged.get(patient.pk), attended.get(patient.pk)) if m]
        row.last_activity = max(moments) if moments else None
        reports = pain.get(patient.pk, [])
        if reports:
            row.weekly_pain = reports[0]
            row.weekly_pain_trend = reports[0] - reports[1] if len(reports) > 1 else None
        row.scores = scores.get(patient.pk, {})
        row.alert_kinds = sorted(alerts.get(patient.pk, []))
        rows.append(row)
    return rows


# The longest search the caseload accepts (a name, not a document).
CASELOAD_SEARCH_MAX = 100
CASELOAD_FILTERS = ("all", "mine", "alerts", "not_adherent")
CASELOAD_SORTS = ("name", "week", "adherence", "last_activity", "pain", "alerts")


# Filters and sort orders that need only the patient, not the figures.
CASELOAD_BY_PATIENT = ({"all", "mine"}, {"name"})


def filter_and_sort(
    rows: list[CaseloadRow], *, physiotherapist: Physiotherapist, filter_by: str, sort: str
) -> list[CaseloadRow]:
    if filter_by == "mine":
        rows = [r for r in rows if r.patient.physiotherapist_id == physiotherapist.pk]
    elif filter_by == "alerts":
        rows = [r for r in rows if r.open_alerts]
    elif filter_by == "not_adherent":
        rows = [r for r in rows if r.adherence_overall and r.adherence_overall.adherent is False]
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    missing_last = float("-inf") if descending else float("inf")

    def value(row: CaseloadRow):
        if key == "week":
            return row.programme_week if row.programme_week is not None else missing_last
        if key == "adherence":
            ratio = row.adherence_overall.session_adherence if row.adherence_overall else None
            return ratio if ratio is not None else missing_last
        if key == "last_activity":
            return row.last_activity.timestamp() if row.last_activity else missing_last
        if key == "pain":
            return row.weekly_pain if row.weekly_pain is not None else missing_last
        if key == "alerts":
            return row.open_alerts
        return (row.patient.user.last_name.lower(), row.patient.user.first_name.lower())

    return sorted(rows, key=value, reverse=descending)


def session_pain(*, programme: Programme) -> list[dict]:
    """Pain around each logged session: before, highest during, the next morning, and the
    signals (docs/domain.md §3)."""
    rows = []
    for log in (
        SessionLog.objects.filter(programme=programme)
        .select_related("planned_session")
        .order_by("performed_at")
    ):
        rows.append(
            {
                "performed_at": log.performed_at,
                "week": log.planned_session.week if log.planned_session else None,
                "pain_before": log.pain_before,
                "pain_during_max": log.pain_during_max,
                "pain_next_morning": log.pain_next_morning,
                "signals": session_pain_signals(
                    pain_before=log.pain_before,
                    pain_during_max=log.pain_during_max,
                    pain_next_morning=log.pain_next_morning,
                    during_acceptable_max=settings.PAIN_DURING_ACCEPTABLE_MAX,
                ),
            }
        )
    return rows


def patient_progress(*, patient: Patient, now: datetime | None = None) -> dict:
    """One patient over their programme (the running one, else the most recent): weekly
    adherence, pain (weekly and per session), the programme's scores with change against its
    baseline, performance tests, its changes, the patient's other programmes, and alerts."""
    now = now or timezone.now()
    programmes = _patients_programmes([patient.pk])
    programme = _current_programmes([patient.pk], programmes).get(patient.pk)
    # This programme's scores against its own baseline (docs/domain.md §2), as in the report:
    # another programme's week 12 is not a point on this programme's course.
    scores = scores_with_change(patient=patient, programme=programme)
    weeks: list[tuple[int, Adherence]] = []
    this_week = week = None
    if programme is not None:
        # One grouped query for the weekly adherence and the current week's plan: the weeks
        # with sessions due are those adherence_by_week gives, with the same figures.
        plan = {w: figures for (_id, w), figures in weeks_by_programme([programme.pk], now).items()}
        weeks = [(w, plan[w].adherence) for w in sorted(plan) if plan[w].due]
        week = current_week(programme, plan, now)
        this_week = plan.get(week) if programme.is_running and week is not None else None
    return {
        "programme": programme,
        "other_programmes": [p for p in programmes if p != programme],
        "current_week": week,
        "this_week": this_week,
        "weeks": weeks,
        "overall": Adherence.total(figures for _week, figures in weeks) if programme else None,
        # The current programme's weeks only: an earlier programme's reports (and baseline)
        # are not this programme's 12 weeks.
        "weekly_pain": weekly_pain_series(patient=patient, programme=programme)
        if programme
        else [],
        "session_pain": session_pain(programme=programme) if programme else [],
        "scores": [s for s in scores if s["source"] == "questionnaire"],
        "performance_tests": [s for s in scores if s["source"] == "performance_test"],
        "changes": list(programme_history(programme=programme)) if programme else [],
        "alerts": list(
            Alert.objects.filter(patient=patient)
            .select_related("acknowledged_by", "resolved_by")
            .order_by("status", "-raised_at")
        ),
    }


# --- The patient page and the progress report ---------------------------------------------------

LOGS_PER_PAGE = 20


def session_logs(*, programme: Programme) -> QuerySet[SessionLog]:
    """The programme's session logs, newest first, each with its planned session and the
    attendance of it, and its exercises (prescribed beside done): two queries per page."""
    return (
        SessionLog.objects.filter(programme=programme)
        .select_related("planned_session__attendance")
        .prefetch_related(
            Prefetch(
                "exercises",
                queryset=SessionLogExercise.objects.select_related(
                    "exercise", "programme_exercise"
                ).order_by("programme_exercise__order", "id"),
            )
        )
        .order_by("-performed_at", "-id")
    )


def programme_phases(*, programme: Programme) -> list[ProgrammePhase]:
    """The programme's phases in order, each with its exercises and doses (two queries)."""
    return list(
        ProgrammePhase.objects.filter(programme=programme)
        .order_by("order")
        .prefetch_related(
            Prefetch(
                "exercises",
                queryset=ProgrammeExercise.objects.select_related("exercise").order_by(
                    "order", "id"
                ),
            )
        )
    )


def coverage_on(*, patient: Patient, day: date) -> InsuranceCoverage | None:
    """The patient's basic insurance on ``day`` (periods never overlap)."""
    return (
        InsuranceCoverage.objects.filter(patient=patient, valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .select_related("insurer")
        .order_by("-valid_from")
        .first()
    )


# Columns of the score table, in order; a column is shown when some measure has a value there.
SCORE_TIMEPOINTS = (
    Timepoint.BASELINE,
    Timepoint.WEEK_6,
    Timepoint.WEEK_12,
    Timepoint.MONTH_6,
    Timepoint.MONTH_12,
)


@dataclass
class ScoreLine:
    """One measure: its value at each scheduled timepoint and the latest with its change
    against baseline (rows of selectors.outcome.scores_with_change)."""

    measure: str
    label: str
    source: str
    cells: list[dict | None]
    latest: dict


def score_table(rows: list[dict]) -> tuple[list[str], list[ScoreLine]]:
    """Scores (oldest first) as a table: the timepoints that have values (columns) and one
    line per measure, questionnaires first, in the order measures are named. A measure
    answered twice at one timepoint shows the later answer."""
    by_measure: dict[str, dict] = {}
    for row in rows:
        entry = by_measure.setdefault(row["measure"], {"at": {}, "latest": row, "source": ""})
        entry["at"][row["timepoint"]] = row
        entry["latest"] = row
        entry["source"] = row["source"]
    columns = [t for t in SCORE_TIMEPOINTS if any(t in e["at"] for e in by_measure.values())]
    order = list(MEASURE_LABELS)

    def rank(measure: str) -> tuple:
        source = by_measure[measure]["source"]
        position = order.index(measure) if measure in order else len(order)
        return (source != "questionnaire", position, measure)

    lines = [
        ScoreLine(
            measure=measure,
            label=measure_label(measure),
            source=by_measure[measure]["source"],
            cells=[by_measure[measure]["at"].get(t) for t in columns],
            latest=by_measure[measure]["latest"],
        )
        for measure in sorted(by_measure, key=rank)
    ]
    return [str(Timepoint(t).label) for t in columns], lines


def _mean(values: list[int]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def session_pain_summary(rows: list[dict]) -> dict:
    """Session pain (rows of session_pain, oldest first) in the first and the last programme
    week with logged pain: mean before, highest during and next morning, and how many
    sessions gave a P1 or P2 signal."""
    by_week: dict[int, list[dict]] = {}
    for row in rows:
        if row["week"] is not None:
            by_week.setdefault(row["week"], []).append(row)

    def means(week: int) -> dict:
        logs = by_week[week]
        return {
            "week": week,
            "sessions": len(logs),
            **{
                field: _mean([r[field] for r in logs if r[field] is not None])
                for field in ("pain_before", "pain_during_max", "pain_next_morning")
            },
        }

    weeks = sorted(by_week)
    return {
        "first": means(weeks[0]) if weeks else None,
        "last": means(weeks[-1]) if len(weeks) > 1 else None,
        "sessions": len(rows),
        "p1": sum("P1" in r["signals"] for r in rows),
        "p2": sum("P2" in r["signals"] for r in rows),
    }


def weekly_pain_summary(series: list[dict]) -> dict | None:
    """The weekly NRS first against last (rows of weekly_pain_series): the change and whether
    it is clinically important (docs/domain.md §2: 2 points or 30%)."""
    if not series:
        return None
    return {"first": series[0], "last": series[-1] if len(series) > 1 else None}


def programme_sessions_summary(*, programme: Programme) -> dict:
    """The programme's sessions in one query: planned (not cancelled), cancelled,
    supervised, attended and missed supervised sessions, first and last date."""
    live = ~Q(status=SessionStatus.CANCELLED)
    return PlannedSession.objects.filter(programme=programme).aggregate(
        planned=Count("pk", filter=live),
        cancelled=Count("pk", filter=Q(status=SessionStatus.CANCELLED)),
        supervised=Count("pk", filter=live & Q(supervised=True)),
        attended=Count("pk", filter=Q(attendance__status=AttendanceStatus.ATTENDED)),
        no_show=Count("pk", filter=Q(attendance__status=AttendanceStatus.NO_SHOW)),
        first_date=Min("local_date", filter=live),
        last_date=Max("local_date", filter=live),
    )


def programme_report(*, patient: Patient, programme: Programme, now: datetime | None = None):
    """Everything the progress report for the GP or referrer shows about one programme, in a
    fixed number of queries: the plan and what became of it, adherence overall and per week,
    pain (weekly first against last, per session), scores and performance tests against
    their baseline, pauses and changes."""
    now = now or timezone.now()
    plan = {w: f for (_id, w), f in weeks_by_programme([programme.pk], now).items()}
    week = current_week(programme, plan, now)
    weeks = [(w, plan[w]) for w in sorted(plan)]
    weekly = weekly_pain_series(patient=patient, programme=programme)
    pain = session_pain(programme=programme)
    scores = scores_with_change(patient=patient, programme=programme)
    columns, lines = score_table(scores)
    return {
        "programme": programme,
        "current_week": week,
        "this_week": plan.get(week) if programme.is_running and week is not None else None,
        "weeks": weeks,
        "adherence_weeks": [(w, figures.adherence) for w, figures in weeks if figures.due],
        "overall": Adherence.total(figures.adherence for _w, figures in weeks),
        "sessions": programme_sessions_summary(programme=programme),
        "extra_sessions": extra_sessions_count(programme.pk),
        "pauses": list(programme.pauses.order_by("start_date")),
        "changes": list(programme_history(programme=programme)),
        "weekly_pain": weekly,
        "weekly_pain_summary": weekly_pain_summary(weekly),
        "session_pain": pain,
        "session_pain_summary": session_pain_summary(pain),
        "score_columns": columns,
        "score_lines": lines,
    }
