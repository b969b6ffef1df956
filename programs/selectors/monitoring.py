"""What the physiotherapist monitors: the caseload (every patient of the practice in a constant
number of queries) and one patient's progress."""

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from django.conf import settings
from django.db.models import Max, Min, Q
from django.utils import timezone

from programs.models import (
    UNRESOLVED,
    Alert,
    Attendance,
    AttendanceStatus,
    OutcomeScore,
    Patient,
    Physiotherapist,
    PlannedSession,
    Programme,
    SessionLog,
    SessionStatus,
    Timepoint,
    WeeklyPain,
)
from programs.scoring.pain import session_pain_signals
from programs.selectors.adherence import (
    Adherence,
    adherence_by_programme_week,
    adherence_by_week,
)
from programs.selectors.outcome import scores_with_change, weekly_pain_series

# Scores the caseload shows beside each patient (latest value and change against baseline).
CASELOAD_MEASURES = ("oxford", "hoos_pain", "hoos_adl", "psfs")


@dataclass
class CaseloadRow:
    patient: Patient
    programme: Programme | None = None
    programme_week: int | None = None
    adherence_week: Adherence | None = None
    adherence_overall: Adherence | None = None
    last_activity: datetime | None = None
    weekly_pain: int | None = None
    weekly_pain_trend: int | None = None
    scores: dict[str, dict] = field(default_factory=dict)
    alert_kinds: list[str] = field(default_factory=list)

    @property
    def open_alerts(self) -> int:
        return len(self.alert_kinds)


def _current_programmes(patient_ids: list[UUID]) -> dict[UUID, Programme]:
    """The running programme of each patient, else the most recent one."""
    chosen: dict[UUID, Programme] = {}
    for programme in Programme.objects.filter(patient_id__in=patient_ids).order_by(
        "patient_id", "-start_date", "-created_at"
    ):
        current = chosen.get(programme.patient_id)
        if current is None or (programme.is_running and not current.is_running):
            chosen[programme.patient_id] = programme
    return chosen


def caseload_patients(*, physiotherapist: Physiotherapist) -> list[Patient]:
    """The patients of the practice, as the caseload lists them (with user and therapist)."""
    return list(
        Patient.objects.filter(practice_id=physiotherapist.practice_id).select_related(
            "user", "physiotherapist__user"
        )
    )


def caseload(
    *,
    physiotherapist: Physiotherapist,
    now: datetime | None = None,
    patients: list[Patient] | None = None,
) -> list[CaseloadRow]:
    """Every patient of the practice with programme week, adherence this week and overall,
    last activity, latest weekly pain and its trend, latest scores and unresolved alerts.
    About ten queries whatever the number of patients: everything is fetched grouped.
    ``patients`` (of this practice, from caseload_patients) limits the figures to those,
    in that order: a page ordered by name needs no more."""
    now = now or timezone.now()
    if patients is None:
        patients = caseload_patients(physiotherapist=physiotherapist)
    ids = [p.pk for p in patients]
    programmes = _current_programmes(ids)
    programme_ids = [p.pk for p in programmes.values()]
    weekly = adherence_by_programme_week(programme_ids, now)
    weeks_of: dict[UUID, list[Adherence]] = {programme_id: [] for programme_id in programme_ids}
    for (programme_id, _week), figures in weekly.items():
        weeks_of[programme_id].append(figures)
    overall = {programme_id: Adherence.total(parts) for programme_id, parts in weeks_of.items()}
    weeks = {
        row["programme_id"]: row["next_week"] or row["last_week"]
        for row in PlannedSession.objects.filter(programme_id__in=programme_ids)
        .exclude(status=SessionStatus.CANCELLED)
        .values("programme_id")
        .annotate(
            next_week=Min("week", filter=Q(scheduled_at__gt=now)),
            last_week=Max("week"),
        )
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
    scores: dict[UUID, dict[str, dict]] = {}
    for patient_id, measure, value, timepoint in (
        OutcomeScore.objects.filter(patient_id__in=ids, measure__in=CASELOAD_MEASURES)
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
            row.programme_week = weeks.get(programme.pk)
            row.adherence_overall = overall.get(programme.pk)
            row.adherence_week = weekly.get((programme.pk, row.programme_week))
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
    signals (DOMAIN.md §3)."""
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
    """One patient over their programme: weekly adherence, pain (weekly and per session),
    scores with change against baseline, performance tests, the programme with its changes,
    and alerts."""
    now = now or timezone.now()
    programme = _current_programmes([patient.pk]).get(patient.pk)
    scores = scores_with_change(patient=patient)
    weeks = adherence_by_week(programme.pk, now) if programme else []
    return {
        "programme": programme,
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
        "changes": list(programme.changes.select_related("actor").order_by("occurred_at"))
        if programme
        else [],
        "alerts": list(
            Alert.objects.filter(patient=patient)
            .select_related("acknowledged_by", "resolved_by")
            .order_by("status", "-raised_at")
        ),
    }
