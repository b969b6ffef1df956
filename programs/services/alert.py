"""Raising and handling alerts (issue: physiotherapist monitoring).

Evaluated when a log or a report arrives, and by a nightly task for what only time reveals
(dropping out). Three rules keep an alert from being raised twice or coming back:

- Each alert names its subject, the data that raised it; (patient, kind, subject) is unique
  over all alerts, resolved ones included: the same log, week or score never raises it again.
- At most one unresolved alert per patient, kind and scope (a score decline's scope is its
  measure): while one is open, further signals of that scope add nothing.
- Data the physiotherapist had in front of them when they resolved an alert of that kind and
  scope (observed before the resolution) does not raise it again.

The database's keys decide, not a check first."""

from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from programs.errors import ConflictError
from programs.models import (
    UNRESOLVED,
    Alert,
    AlertKind,
    AlertStatus,
    Attendance,
    AttendanceStatus,
    OutcomeScore,
    Patient,
    PlannedSession,
    Programme,
    ProgrammeStatus,
    SessionLog,
    SessionStatus,
    User,
    WeeklyPain,
)
from programs.scoring.pain import (
    P1_PAIN_DURING,
    P2_NOT_RECOVERED,
    session_pain_signals,
    weekly_pain_signal,
)
from programs.selectors.adherence import adherence_by_week
from programs.selectors.outcome import scores_with_change

# DOMAIN-independent product rules (issue: monitoring), kept together.
DROPOUT_DAYS = 7
LOW_WEEKLY_ADHERENCE = 0.5
LOW_WEEKS_RUNNING = 2
SIGNAL_KINDS = {
    P1_PAIN_DURING: AlertKind.PAIN_DURING,
    P2_NOT_RECOVERED: AlertKind.PAIN_NOT_RECOVERED,
}


def _raise(
    *,
    patient_id: UUID,
    programme_id: UUID | None,
    kind: AlertKind,
    subject: str,
    observed_at: datetime,
    detail: dict,
    scope: str = "",
    now: datetime | None = None,
) -> Alert | None:
    """A new alert, or None when this subject raised one before, when one of this kind and
    scope is still unresolved, or when one of this kind and scope was resolved after the data
    was observed (``observed_at``: when it arrived, or when the condition came about)."""
    # The keys decide (below); asking first spares the usual case, an alert of this kind
    # already open, a failed insert and its savepoint (three round trips on a flare log).
    known = Alert.objects.filter(patient_id=patient_id, kind=kind).filter(
        Q(subject=subject)
        | Q(scope=scope, status__in=UNRESOLVED)
        | Q(scope=scope, status=AlertStatus.RESOLVED, resolved_at__gte=observed_at)
    )
    if known.exists():
        return None
    try:
        with transaction.atomic():
            return Alert.objects.create(
                patient_id=patient_id,
                programme_id=programme_id,
                kind=kind,
                subject=subject,
                scope=scope,
                raised_at=now or timezone.now(),
                detail=detail,
            )
    except IntegrityError:
        return None


def alerts_for_log(*, log: SessionLog) -> list[Alert]:
    """P1 and P2 (docs/domain.md §3) from one session log; its subject is the log."""
    signals = session_pain_signals(
        pain_before=log.pain_before,
        pain_during_max=log.pain_during_max,
        pain_next_morning=log.pain_next_morning,
        during_acceptable_max=settings.PAIN_DURING_ACCEPTABLE_MAX,
    )
    raised = []
    for signal in signals:
        alert = _raise(
            patient_id=log.patient_id,
            programme_id=log.programme_id,
            kind=SIGNAL_KINDS[signal],
            subject=f"log:{log.pk}",
            observed_at=log.updated_at,
            detail={
                "rule": signal,
                "session_log": str(log.pk),
                "performed_at": log.performed_at.isoformat(),
                "pain_before": log.pain_before,
                "pain_during_max": log.pain_during_max,
                "pain_next_morning": log.pain_next_morning,
            },
        )
        if alert:
            raised.append(alert)
    return raised


def alerts_for_weekly_pain(*, report: WeeklyPain) -> Alert | None:
    """P3 (docs/domain.md §3): weekly pain 2 or more above the baseline (the first report of the
    same programme, as on the progress chart); its subject is the report's week."""
    baseline = (
        WeeklyPain.objects.filter(patient_id=report.patient_id, programme_id=report.programme_id)
        .order_by("week_start")
        .values_list("nrs", flat=True)
        .first()
    )
    if not weekly_pain_signal(
        baseline=baseline, weekly=report.nrs, rise=settings.PAIN_WEEKLY_RISE_SIGNAL
    ):
        return None
    return _raise(
        patient_id=report.patient_id,
        programme_id=report.programme_id,
        kind=AlertKind.PAIN_WEEKLY_RISE,
        subject=f"week:{report.week_start.isoformat()}",
        observed_at=report.updated_at,
        detail={
            "rule": "P3",
            "week_start": report.week_start.isoformat(),
            "nrs": report.nrs,
            "baseline": baseline,
        },
    )


def alerts_for_scores(*, patient: Patient) -> list[Alert]:
    """A score whose latest value is worse than its baseline by at least the clinically
    important difference (docs/domain.md §2 thresholds). One unresolved alert per measure; its
    subject is the measure and the questionnaire or test the latest value came from."""
    latest: dict[str, dict] = {}
    for row in scores_with_change(patient=patient):
        latest[row["measure"]] = row
    declined = {
        row["score_id"]: row
        for row in latest.values()
        if row["important"] and row["improvement"] is not None and row["improvement"] < 0
    }
    if not declined:
        return []
    sources = OutcomeScore.objects.filter(pk__in=declined).select_related(
        "response", "performance_test"
    )
    raised = []
    for score in sources:
        row = declined[score.pk]
        source = score.response or score.performance_test
        kind_of_source = "response" if score.response_id else "test"
        alert = _raise(
            patient_id=patient.pk,
            programme_id=None,
            kind=AlertKind.SCORE_DECLINE,
            subject=f"{score.measure}:{kind_of_source}:{source.pk}",
            scope=score.measure,
            observed_at=source.updated_at,
            detail={
                "measure": score.measure,
                "baseline": row["baseline"],
                "value": row["value"],
                "change": row["change"],
            },
        )
        if alert:
            raised.append(alert)
    return raised


def _last_activity(programme: Programme) -> datetime | None:
    logged = SessionLog.objects.filter(programme=programme).aggregate(at=Max("performed_at"))
    attended = Attendance.objects.filter(
        planned_session__programme=programme, status=AttendanceStatus.ATTENDED
    ).aggregate(at=Max("treated_at"))
    moments = [m for m in (logged["at"], attended["at"]) if m is not None]
    return max(moments) if moments else None


def alerts_for_dropout(*, programme: Programme, now: datetime | None = None) -> list[Alert]:
    """Dropping out: no session logged (or attended) for DROPOUT_DAYS while sessions were due
    (subject: the last activity, so one alert per silence); or weekly adherence below 50%
    for two completed programme weeks running (subject: those two weeks)."""
    now = now or timezone.now()
    if programme.status != ProgrammeStatus.ACTIVE:
        return []
    raised = []
    last = _last_activity(programme)
    since = last or datetime.combine(
        programme.start_date, datetime.min.time(), tzinfo=timezone.get_current_timezone()
    )
    due_since = PlannedSession.objects.filter(
        programme=programme,
        status=SessionStatus.SCHEDULED,
        scheduled_at__gt=since,
        scheduled_at__lte=now,
    ).exists()
    if due_since and now - since >= timedelta(days=DROPOUT_DAYS):
        alert = _raise(
            patient_id=programme.patient_id,
            programme_id=programme.pk,
            kind=AlertKind.DROPOUT_NO_LOG,
            subject=f"{programme.pk}:since:{last.isoformat() if last else 'start'}",
            observed_at=since + timedelta(days=DROPOUT_DAYS),
            detail={
                "last_activity": last.isoformat() if last else None,
                "days": (now - since).days,
            },
            now=now,
        )
        if alert:
            raised.append(alert)

    current_week = (
        programme.sessions.filter(scheduled_at__gt=now)
        .exclude(status=SessionStatus.CANCELLED)
        .order_by("scheduled_at")
        .values_list("week", flat=True)
        .first()
    )
    completed = [
        (week, figures)
        for week, figures in adherence_by_week(programme.pk, now)
        if current_week is None or week < current_week
    ]
    recent = completed[-LOW_WEEKS_RUNNING:]
    consecutive = len(recent) == LOW_WEEKS_RUNNING and recent[-1][0] - recent[0][0] == (
        LOW_WEEKS_RUNNING - 1
    )
    low = all(
        figures.session_adherence is not None and figures.session_adherence < LOW_WEEKLY_ADHERENCE
        for _week, figures in recent
    )
    if consecutive and low:
        first_week, last_week = recent[0][0], recent[-1][0]
        week_ended = programme.sessions.filter(week=last_week).aggregate(at=Max("scheduled_at"))
        alert = _raise(
            patient_id=programme.patient_id,
            programme_id=programme.pk,
            kind=AlertKind.DROPOUT_LOW_ADHERENCE,
            subject=f"{programme.pk}:weeks:{first_week}-{last_week}",
            observed_at=week_ended["at"] or now,
            detail={"weeks": {str(week): figures.session_adherence for week, figures in recent}},
            now=now,
        )
        if alert:
            raised.append(alert)
    return raised


def alerts_evaluate_nightly(*, now: datetime | None = None) -> int:
    """The nightly task: dropping out (only time reveals it), and the latest weekly pain and
    scores again, should a report have come in by another path (harmless: a subject raises
    an alert once, and a resolved alert stays resolved for the data it was resolved on)."""
    now = now or timezone.now()
    raised = 0
    for programme in Programme.objects.filter(status=ProgrammeStatus.ACTIVE).select_related(
        "patient"
    ):
        raised += len(alerts_for_dropout(programme=programme, now=now))
        latest = (
            WeeklyPain.objects.filter(patient=programme.patient).order_by("-week_start").first()
        )
        if latest is not None:
            raised += alerts_for_weekly_pain(report=latest) is not None
        raised += len(alerts_for_scores(patient=programme.patient))
    return raised


@transaction.atomic
def alert_acknowledge(*, alert: Alert, actor: User) -> Alert:
    """The physiotherapist has seen it (who and when are kept)."""
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.status == AlertStatus.RESOLVED:
        raise ConflictError(_("This alert has been resolved."), code="alert_resolved")
    if alert.status == AlertStatus.OPEN:
        alert.status = AlertStatus.ACKNOWLEDGED
        alert.acknowledged_by = actor
        alert.acknowledged_at = timezone.now()
        alert.save()
    return alert


@transaction.atomic
def alert_resolve(*, alert: Alert, actor: User, note: str = "") -> Alert:
    """Done with it. A new alert of this kind is raised again only by data observed after
    this moment (a new log, week, score or silence), never by the data it was resolved on."""
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.status == AlertStatus.RESOLVED:
        return alert
    now = timezone.now()
    if alert.acknowledged_at is None:
        alert.acknowledged_by, alert.acknowledged_at = actor, now
    alert.status = AlertStatus.RESOLVED
    alert.resolved_by = actor
    alert.resolved_at = now
    alert.resolution_note = note
    alert.save()
    return alert
