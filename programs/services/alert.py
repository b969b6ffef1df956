"""Raising and handling alerts (issue: physiotherapist monitoring).

Evaluated when a log or a report arrives, and by a nightly task for what only time reveals
(dropping out). An alert of a kind is raised once until the physiotherapist resolves it: the
partial unique index on (patient, kind) for unresolved alerts decides, not a check first."""

from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from programs.errors import ConflictError
from programs.models import (
    Alert,
    AlertKind,
    AlertStatus,
    Attendance,
    AttendanceStatus,
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
    *, patient_id: UUID, programme_id: UUID | None, kind: AlertKind, detail: dict, now=None
) -> Alert | None:
    """A new alert, or None when one of this kind is still unresolved for the patient."""
    try:
        with transaction.atomic():
            return Alert.objects.create(
                patient_id=patient_id,
                programme_id=programme_id,
                kind=kind,
                raised_at=now or timezone.now(),
                detail=detail,
            )
    except IntegrityError:
        return None


def alerts_for_log(*, log: SessionLog) -> list[Alert]:
    """P1 and P2 (DOMAIN.md §3) from one session log."""
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
    """P3 (DOMAIN.md §3): weekly pain 2 or more above the baseline (the first report)."""
    baseline = (
        WeeklyPain.objects.filter(patient_id=report.patient_id)
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
        detail={
            "rule": "P3",
            "week_start": report.week_start.isoformat(),
            "nrs": report.nrs,
            "baseline": baseline,
        },
    )


def alerts_for_scores(*, patient: Patient) -> list[Alert]:
    """A score whose latest value is worse than its baseline by at least the clinically
    important difference (DOMAIN.md §2 thresholds)."""
    latest: dict[str, dict] = {}
    for row in scores_with_change(patient=patient):
        latest[row["measure"]] = row
    raised = []
    for measure, row in latest.items():
        if row["important"] and row["improvement"] is not None and row["improvement"] < 0:
            alert = _raise(
                patient_id=patient.pk,
                programme_id=None,
                kind=AlertKind.SCORE_DECLINE,
                detail={
                    "measure": measure,
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
    """Dropping out: no session logged (or attended) for DROPOUT_DAYS while sessions were due;
    or weekly adherence below 50% for two completed programme weeks running."""
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
        alert = _raise(
            patient_id=programme.patient_id,
            programme_id=programme.pk,
            kind=AlertKind.DROPOUT_LOW_ADHERENCE,
            detail={"weeks": {str(week): figures.session_adherence for week, figures in recent}},
            now=now,
        )
        if alert:
            raised.append(alert)
    return raised


def alerts_evaluate_nightly(*, now: datetime | None = None) -> int:
    """The nightly task: dropping out (only time reveals it), and the latest weekly pain and
    scores again (harmless: an unresolved alert is never raised twice)."""
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
    """Done with it; a new alert of this kind can be raised again after this."""
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
