"""Reminders (issue: session reminders with Celery), exactly once, at the patient's local time.

How it is safe (PITFALLS.md, "Celery and reminders"):
- Beat runs one dispatcher a minute, in UTC. It selects what is due from our own tables with
  indexed queries, in batches, and inserts one Notification per (patient, kind, subject) under
  a unique constraint (a second dispatcher, beat or run inserts nothing new).
- Due rows are claimed with SELECT ... FOR UPDATE SKIP LOCKED, marked queued, and the send
  tasks are published after commit. Rows that stayed queued (broker down) are queued again.
- A send claims its row with one UPDATE from queued to sending, in the same transaction that
  reads what the send needs; only the winner calls the provider, so a duplicated or retried
  task, or two workers, never send twice. A database error before the provider call rolls the
  claim back, so the retried task sends it. Transient provider failures wait (status retry)
  for the dispatcher to queue them again after their backoff.
- Right before sending, the reminder is checked again: one that is past its use (the session
  started, it moved, the patient logged it, opted out) is skipped with its reason, never sent
  late.
"""

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from dataclasses import fields as fields_of
from datetime import date, datetime, time, timedelta
from itertools import islice
from uuid import UUID
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import (
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from programs.delivery import push
from programs.delivery.messages import reminder_text
from programs.errors import NotFoundError
from programs.models import (
    RUNNING_STATUSES,
    DeliveryAttempt,
    DeliveryChannel,
    DeliveryOutcome,
    Device,
    Notification,
    NotificationKind,
    NotificationStatus,
    Patient,
    PlannedSession,
    Platform,
    Programme,
    ProgrammeStatus,
    QuestionnaireResponse,
    ReminderPreference,
    SessionLog,
    SessionStatus,
    WeeklyPain,
)
from programs.scheduling import after_quiet_hours, local_to_utc, next_morning, questionnaire_windows
from programs.selectors.outcome import SCHEDULED_INSTRUMENTS
from programs.services.common import full_clean_or_raise

logger = logging.getLogger(__name__)

BATCH = 1000
SEND_CHUNK = 100  # notifications per send task
# The longest lead a patient can choose (24 h): sessions further ahead need no look yet.
MAX_LEAD = timedelta(minutes=1440)
# A session that started this long ago without any reminder (beat or broker were down) is
# recorded as skipped, too late; an outage longer than this shows in the logs, not per session.
UPCOMING_LOOKBACK = timedelta(hours=6)
# A missed-session reminder is of use on the morning after; not days later.
MISSED_LOOKBACK = timedelta(days=3)
MISSED_USEFUL_FOR = timedelta(hours=12)
WEEKLY_PAIN_USEFUL_FOR = timedelta(hours=27)
# Queued longer than this without being sent: the task was lost (broker down); queue again.
STALE_QUEUED = timedelta(minutes=5)
# Sending longer than this: the worker died mid-send. We cannot know whether the provider got
# it, and a second send is worse than none: mark it failed.
STALE_SENDING = timedelta(minutes=15)
PREFERENCE_FIELD = {
    NotificationKind.UPCOMING_SESSION: "upcoming_session",
    NotificationKind.MISSED_SESSION: "missed_session",
    NotificationKind.QUESTIONNAIRE_DUE: "questionnaire_due",
    NotificationKind.WEEKLY_PAIN: "weekly_pain",
}


def _preference(patient: Patient) -> ReminderPreference:
    """The patient's settings, or the defaults when they never changed them."""
    try:
        return patient.reminder_preference
    except ReminderPreference.DoesNotExist:
        return ReminderPreference(patient=patient)


def _clock(value: str) -> time:
    return time.fromisoformat(value)


# --- Settings and devices ----------------------------------------------------------------------


@transaction.atomic
def reminder_settings_update(*, patient: Patient, changes: dict) -> ReminderPreference:
    preference, _created = ReminderPreference.objects.select_for_update().get_or_create(
        patient=patient
    )
    for name, value in changes.items():
        setattr(preference, name, value)
    full_clean_or_raise(preference)
    preference.save()
    return preference


@transaction.atomic
def device_register(*, patient: Patient, platform: Platform, token: str) -> tuple[Device, bool]:
    """Register a push token. A token is one device: registering it again (after a reinstall,
    or another patient signing in on it) moves it to this patient and reactivates it."""
    device, created = Device.objects.select_for_update().get_or_create(
        token=token, defaults={"patient": patient, "platform": platform}
    )
    if not created:
        device.patient = patient
        device.platform = platform
        device.active = True
        device.deactivated_at = None
        device.deactivation_reason = ""
        device.save()
    return device, created


def device_remove(*, patient: Patient, device_id: int) -> None:
    deleted, _detail = Device.objects.filter(patient=patient, pk=device_id).delete()
    if not deleted:
        raise NotFoundError(_("Device not found."))


# --- Dispatch: what is due ----------------------------------------------------------------------


@dataclass
class DispatchReport:
    planned: int = 0
    queued: int = 0
    skipped: int = 0
    requeued: int = 0
    interrupted: int = 0
    tasks: list[list[int]] = field(default_factory=list)


def _session_subject(session_id: UUID, scheduled_at: datetime) -> str:
    # The time is part of the subject: a session moved after its reminder gets a new one.
    return f"{session_id}@{scheduled_at:%Y%m%dT%H%MZ}"


@dataclass(frozen=True)
class _Prefs:
    """The reminder settings a planner needs, read as plain values with a LEFT JOIN (no model
    instance per row: a dispatcher run may read 100,000 due sessions)."""

    minutes_before: int
    quiet_start: time
    quiet_end: time
    upcoming_session: bool
    missed_session: bool
    questionnaire_due: bool
    weekly_pain: bool


PREF_FIELDS = tuple(f.name for f in fields_of(_Prefs))


def _prefs_lookups(path: str) -> dict[str, F]:
    return {f"pref_{name}": F(f"{path}reminder_preference__{name}") for name in PREF_FIELDS}


def _prefs(row: dict) -> _Prefs:
    """Missing settings (no row yet) are the model's defaults."""
    return _Prefs(
        **{
            name: row[f"pref_{name}"]
            if row[f"pref_{name}"] is not None
            else ReminderPreference._meta.get_field(name).default
            for name in PREF_FIELDS
        }
    )


def _streamed(queryset, fields: dict[str, F]) -> Iterator[dict]:
    """Rows as dicts from one query, streamed in chunks (a server-side cursor on PostgreSQL):
    no OFFSET, and no keyset that would sort the many sessions sharing one time (18:00)."""
    return queryset.values("pk", "scheduled_at", **fields).iterator(chunk_size=BATCH)


SESSION_FIELDS = {
    "patient_ref": F("programme__patient_id"),
    "zone": F("programme__patient__time_zone"),
    "day": F("local_date"),
    **_prefs_lookups("programme__patient__"),
}


def _lead() -> Coalesce:
    """The patient's minutes before a session, the default when they have no settings row."""
    return Coalesce(
        F("programme__patient__reminder_preference__minutes_before"),
        Value(ReminderPreference._meta.get_field("minutes_before").default),
        output_field=IntegerField(),
    )


def _longest_lead() -> timedelta:
    """The longest lead any patient chose (an index lookup): no session further ahead can be
    due, so the session range scanned is as short as the patients allow."""
    longest = ReminderPreference.objects.aggregate(longest=Max("minutes_before"))["longest"]
    default = ReminderPreference._meta.get_field("minutes_before").default
    return min(timedelta(minutes=max(longest or 0, default)), MAX_LEAD)


def _plan_upcoming(now: datetime) -> Iterator[Notification]:
    """Upcoming-session reminders whose time has come: minutes_before the session, moved to
    the end of quiet hours when they would fall inside; skipped (and recorded) when that is
    not before the session any more. Issue 6: what is past its session is skipped, not sent
    late, and recorded: a session that started within UPCOMING_LOOKBACK without a reminder
    (beat or broker were down) gets a row "skipped, too_late".

    What is due is decided in SQL (scheduled_at - lead <= now, over the (status,
    scheduled_at) index range), so sessions whose reminder is not due yet never reach Python;
    opted-out patients are left out in SQL too. Quiet hours, local time, stay in Python, for
    the due rows only."""
    minute = Value(timedelta(minutes=1), output_field=DurationField())
    remind_at = ExpressionWrapper(
        F("scheduled_at") - ExpressionWrapper(_lead() * minute, output_field=DurationField()),
        output_field=DateTimeField(),
    )
    opted_in = Q(programme__patient__reminder_preference__isnull=True) | Q(
        programme__patient__reminder_preference__upcoming_session=True
    )
    due = (
        PlannedSession.objects.filter(
            opted_in,
            status=SessionStatus.SCHEDULED,
            scheduled_at__gt=now - UPCOMING_LOOKBACK,
            scheduled_at__lte=now + _longest_lead(),
            programme__status=ProgrammeStatus.ACTIVE,
        )
        .alias(remind_at=remind_at)
        .filter(remind_at__lte=now)
        .exclude(
            Exists(
                Notification.objects.filter(
                    kind=NotificationKind.UPCOMING_SESSION,
                    session=OuterRef("pk"),
                    deadline=OuterRef("scheduled_at"),
                )
            )
        )
    )
    for row in _streamed(due, SESSION_FIELDS):
        prefs = _prefs(row)
        session_at = row["scheduled_at"]
        planned = session_at - timedelta(minutes=prefs.minutes_before)
        fire_at = after_quiet_hours(
            planned, ZoneInfo(row["zone"]), prefs.quiet_start, prefs.quiet_end
        )
        status, reason = NotificationStatus.PENDING, ""
        if fire_at >= session_at:
            status, reason = NotificationStatus.SKIPPED, "quiet_hours"
        elif session_at <= now:
            status, reason = NotificationStatus.SKIPPED, "too_late"
        yield Notification(
            patient_id=row["patient_ref"],
            kind=NotificationKind.UPCOMING_SESSION,
            subject=_session_subject(row["pk"], session_at),
            session_id=row["pk"],
            fire_at=fire_at,
            deadline=session_at,
            status=status,
            skip_reason=reason,
        )


def _plan_missed(now: datetime) -> list[Notification]:
    """The morning after a due session that has no log (and no attendance), a reminder to log
    it or say why it was skipped; of use for half a day."""
    candidates = (
        PlannedSession.objects.filter(
            status=SessionStatus.SCHEDULED,
            scheduled_at__lte=now,
            scheduled_at__gt=now - MISSED_LOOKBACK,
            programme__status=ProgrammeStatus.ACTIVE,
            attendance__isnull=True,
        )
        .exclude(Exists(SessionLog.objects.filter(planned_session=OuterRef("pk"))))
        .exclude(
            Exists(
                Notification.objects.filter(
                    kind=NotificationKind.MISSED_SESSION, session=OuterRef("pk")
                )
            )
        )
    )
    rows = []
    for row in _streamed(candidates, SESSION_FIELDS):
        prefs = _prefs(row)
        if not prefs.missed_session:
            continue
        zone = ZoneInfo(row["zone"])
        fire_at = next_morning(row["day"], zone, prefs.quiet_end, prefs.quiet_start)
        if fire_at > now:
            continue
        deadline = fire_at + MISSED_USEFUL_FOR
        late = now > deadline
        rows.append(
            Notification(
                patient_id=row["patient_ref"],
                kind=NotificationKind.MISSED_SESSION,
                subject=str(row["pk"]),
                session_id=row["pk"],
                fire_at=fire_at,
                deadline=deadline,
                status=NotificationStatus.SKIPPED if late else NotificationStatus.PENDING,
                skip_reason="too_late" if late else "",
            )
        )
    return rows


PROGRAMME_FIELDS = {
    "patient_ref": F("patient_id"),
    "zone": F("patient__time_zone"),
    **_prefs_lookups("patient__"),
}


def _followed_programmes(now: datetime) -> list[dict]:
    """Programmes whose questionnaires may still be due: running, or ended within 13 months
    (the 12-month follow-up)."""
    recent = now - timedelta(days=400)
    return list(
        Programme.objects.filter(
            Q(status__in=RUNNING_STATUSES)
            | Q(ended_at__gte=recent)
            | Q(start_date__gte=recent.date())
        ).values("pk", "start_date", "weeks", "status", "ended_at", **PROGRAMME_FIELDS)
    )


def _plan_questionnaires(now: datetime) -> list[Notification]:
    """When a questionnaire window opens (docs/domain.md §2 schedule), one reminder per window, at
    QUESTIONNAIRE_REMINDER_TIME local time, useful until the window closes. Windows come from
    one grouped query over all programmes, not one query per programme."""
    programmes = [p for p in _followed_programmes(now) if _prefs(p).questionnaire_due]
    if not programmes:
        return []
    ids = [p["pk"] for p in programmes]
    anchors = {
        row["programme"]: row
        for row in PlannedSession.objects.filter(programme_id__in=ids)
        .exclude(status=SessionStatus.CANCELLED)
        .values("programme")
        .annotate(
            week_6=Min("local_date", filter=Q(week=6)),
            week_12=Min("local_date", filter=Q(week=12)),
            last=Max("local_date"),
        )
    }
    at = _clock(settings.QUESTIONNAIRE_REMINDER_TIME)
    open_windows = []
    for programme in programmes:
        zone = ZoneInfo(programme["zone"])
        today = now.astimezone(zone).date()
        anchor = anchors.get(programme["pk"], {})
        start = programme["start_date"]
        end = anchor.get("last") or start + timedelta(weeks=programme["weeks"])
        if programme["status"] == ProgrammeStatus.ENDED and programme["ended_at"]:
            end = min(end, programme["ended_at"].astimezone(zone).date())
        windows = questionnaire_windows(
            start_date=start,
            week_6_start=anchor.get("week_6") or start + timedelta(weeks=5),
            week_12_start=anchor.get("week_12") or start + timedelta(weeks=11),
            end_date=end,
        )
        for window in windows:
            if window.contains(today):
                open_windows.append((programme, zone, window))
    if not open_windows:
        return []
    subjects = {f"questionnaire:{p['pk']}:{w.timepoint}" for p, _zone, w in open_windows}
    notified = set(
        Notification.objects.filter(
            kind=NotificationKind.QUESTIONNAIRE_DUE, subject__in=subjects
        ).values_list("subject", flat=True)
    )
    answered = set(
        QuestionnaireResponse.objects.filter(
            programme_id__in={p["pk"] for p, _zone, _w in open_windows}, in_window=True
        ).values_list("programme_id", "timepoint", "instrument")
    )
    rows = []
    for programme, zone, window in open_windows:
        subject = f"questionnaire:{programme['pk']}:{window.timepoint}"
        if subject in notified or all(
            (programme["pk"], window.timepoint, instrument) in answered
            for instrument in SCHEDULED_INSTRUMENTS
        ):
            continue
        prefs = _prefs(programme)
        fire_at = after_quiet_hours(
            local_to_utc(window.start, at, zone), zone, prefs.quiet_start, prefs.quiet_end
        )
        if fire_at > now:
            continue
        rows.append(
            Notification(
                patient_id=programme["patient_ref"],
                kind=NotificationKind.QUESTIONNAIRE_DUE,
                subject=subject,
                fire_at=fire_at,
                deadline=local_to_utc(window.end + timedelta(days=1), time(0, 0), zone),
            )
        )
    return rows


def _plan_weekly_pain(now: datetime) -> list[Notification]:
    """Once a week (Sunday 19:00 local by default), patients in an active programme who have
    not reported this week's pain are asked to."""
    at = _clock(settings.WEEKLY_PAIN_REMINDER_TIME)
    candidates = []
    programmes = Programme.objects.filter(status=ProgrammeStatus.ACTIVE).values(
        "pk", "start_date", **PROGRAMME_FIELDS
    )
    for programme in programmes:
        prefs = _prefs(programme)
        if not prefs.weekly_pain:
            continue
        zone = ZoneInfo(programme["zone"])
        today = now.astimezone(zone).date()
        week_start = today - timedelta(days=today.weekday())
        day = week_start + timedelta(days=settings.WEEKLY_PAIN_REMINDER_WEEKDAY)
        fire_at = after_quiet_hours(
            local_to_utc(day, at, zone), zone, prefs.quiet_start, prefs.quiet_end
        )
        if fire_at > now or week_start < programme["start_date"] - timedelta(days=6):
            continue
        year, week, _day = week_start.isocalendar()
        subject = f"weekly_pain:{year}-W{week:02d}"
        candidates.append((programme["patient_ref"], week_start, subject, fire_at))
    if not candidates:
        return []
    patients = {c[0] for c in candidates}
    reported = set(
        WeeklyPain.objects.filter(
            patient_id__in=patients, week_start__in={c[1] for c in candidates}
        ).values_list("patient_id", "week_start")
    )
    notified = set(
        Notification.objects.filter(
            kind=NotificationKind.WEEKLY_PAIN,
            patient_id__in=patients,
            subject__in={c[2] for c in candidates},
        ).values_list("patient_id", "subject")
    )
    return [
        Notification(
            patient_id=patient_id,
            kind=NotificationKind.WEEKLY_PAIN,
            subject=subject,
            fire_at=fire_at,
            deadline=fire_at + WEEKLY_PAIN_USEFUL_FOR,
        )
        for patient_id, week_start, subject, fire_at in candidates
        if (patient_id, week_start) not in reported and (patient_id, subject) not in notified
    ]


def _insert(rows: Iterable[Notification]) -> int:
    """Insert, BATCH rows at a time as the planner yields them, leaving alone what exists: the
    unique key (patient, kind, subject) is what makes a second dispatcher harmless."""
    rows, count = iter(rows), 0
    while batch := list(islice(rows, BATCH)):
        Notification.objects.bulk_create(batch, ignore_conflicts=True)
        count += len(batch)
    return count


def _publish(ids: list[int]) -> None:
    from programs.tasks import reminders_send

    for start in range(0, len(ids), SEND_CHUNK):
        reminders_send.delay(ids[start : start + SEND_CHUNK])


PLANNERS = {
    NotificationKind.UPCOMING_SESSION: _plan_upcoming,
    NotificationKind.MISSED_SESSION: _plan_missed,
    NotificationKind.QUESTIONNAIRE_DUE: _plan_questionnaires,
    NotificationKind.WEEKLY_PAIN: _plan_weekly_pain,
}
# Planned every minute: a session reminder must not be late.
SESSION_KINDS = (NotificationKind.UPCOMING_SESSION, NotificationKind.MISSED_SESSION)
# Planned every ten minutes: they fire at a fixed local time of day and are not urgent, and
# planning them looks at every followed programme.
DAILY_KINDS = (NotificationKind.QUESTIONNAIRE_DUE, NotificationKind.WEEKLY_PAIN)


def reminder_dispatch_due(
    *, now: datetime | None = None, kinds: tuple[str, ...] = tuple(PLANNERS)
) -> DispatchReport:
    """The dispatcher beat runs: plan what has come due (of ``kinds``), then queue everything
    that is due, whatever its kind."""
    now = now or timezone.now()
    report = DispatchReport()
    for kind in kinds:
        report.planned += _insert(PLANNERS[kind](now))

    # Workers that died while sending: at most once, so these are not sent again.
    report.interrupted = Notification.objects.filter(
        status=NotificationStatus.SENDING, updated_at__lt=now - STALE_SENDING
    ).update(status=NotificationStatus.FAILED, skip_reason="interrupted", updated_at=now)

    due = (
        Q(status=NotificationStatus.PENDING, fire_at__lte=now)
        | Q(status=NotificationStatus.RETRY, next_attempt_at__lte=now)
        | Q(status=NotificationStatus.QUEUED, queued_at__lt=now - STALE_QUEUED)
    )
    # The ids first (one indexed query), then claim them batch by batch: each batch is locked
    # with SKIP LOCKED and re-checked, so a concurrent dispatcher takes other rows or none.
    candidates = list(Notification.objects.filter(due).values_list("pk", flat=True))
    for start in range(0, len(candidates), BATCH):
        with transaction.atomic():
            batch = list(
                Notification.objects.select_for_update(skip_locked=True)
                .filter(due, pk__in=candidates[start : start + BATCH])
                .values_list("pk", "deadline", "status")
            )
            late = [pk for pk, deadline, _status in batch if deadline <= now]
            ready = [pk for pk, deadline, _status in batch if deadline > now]
            requeued = sum(1 for *_row, status in batch if status == NotificationStatus.QUEUED)
            Notification.objects.filter(pk__in=late).update(
                status=NotificationStatus.SKIPPED, skip_reason="too_late", updated_at=now
            )
            Notification.objects.filter(pk__in=ready).update(
                status=NotificationStatus.QUEUED, queued_at=now, updated_at=now
            )
            # Published only once the rows say "queued"; if the broker is down the rows stay
            # queued and are published again after STALE_QUEUED.
            if ready:
                transaction.on_commit(lambda ids=ready: _publish(ids), robust=True)
        report.skipped += len(late)
        report.queued += len(ready)
        report.requeued += requeued
        if ready:
            report.tasks.append(ready)
    return report


# --- Sending -------------------------------------------------------------------------------------


def _claim(notification_id: int, now: datetime) -> bool:
    """One UPDATE decides who sends: a duplicate task or a second worker finds nothing to do.
    Only a queued row is claimed: one waiting to retry is queued again by the dispatcher once
    its backoff has passed, so a duplicated task cannot send it early."""
    return bool(
        Notification.objects.filter(pk=notification_id, status=NotificationStatus.QUEUED).update(
            status=NotificationStatus.SENDING, attempts=F("attempts") + 1, updated_at=now
        )
    )


def _no_longer_useful(notification: Notification, preference: ReminderPreference, now) -> str:
    """Why this reminder should not go out now (empty: it should)."""
    if now >= notification.deadline:
        return "too_late"
    if not getattr(preference, PREFERENCE_FIELD[notification.kind]):
        return "opted_out"
    session = notification.session
    if notification.kind == NotificationKind.UPCOMING_SESSION:
        if session is None or session.status != SessionStatus.SCHEDULED:
            return "session_cancelled"
        if session.scheduled_at != notification.deadline:
            return "session_moved"
        if session.programme.status != ProgrammeStatus.ACTIVE:
            return "programme_not_active"
    if notification.kind == NotificationKind.MISSED_SESSION:
        if session is None or session.status != SessionStatus.SCHEDULED:
            return "session_cancelled"
        if SessionLog.objects.filter(planned_session=session).exists():
            return "logged"
        if hasattr(session, "attendance"):
            return "attendance_registered"
    if notification.kind == NotificationKind.WEEKLY_PAIN:
        week = date.fromisoformat(notification.subject.split(":", 1)[1] + "-1")
        if WeeklyPain.objects.filter(patient=notification.patient, week_start=week).exists():
            return "reported"
    if notification.kind == NotificationKind.QUESTIONNAIRE_DUE:
        _kind, programme_id, timepoint = notification.subject.split(":")
        answered = set(
            QuestionnaireResponse.objects.filter(
                programme_id=UUID(programme_id), timepoint=timepoint, in_window=True
            ).values_list("instrument", flat=True)
        )
        if answered >= set(SCHEDULED_INSTRUMENTS):
            return "answered"
    return ""


def _finish(notification_id: int, **values) -> None:
    Notification.objects.filter(pk=notification_id).update(updated_at=timezone.now(), **values)


def _backoff(attempt: int) -> timedelta:
    return timedelta(minutes=min(2 ** (attempt - 1), 30))


@dataclass
class _Send:
    """Everything a send needs from the database, read before the provider is called."""

    notification: Notification
    title: str
    body: str
    devices: list[Device]
    email: str
    sent_before: bool


def _claim_and_prepare(notification_id: int, now: datetime) -> _Send | str:
    """Claim the row and read what the send needs, in one transaction. A database error on the
    way rolls the claim back with it: the row stays queued and the retried task (or the
    dispatcher's re-queue) claims it again. Only a committed claim lets the provider be
    called, so the row says "sending" exactly when a send may have happened."""
    with transaction.atomic():
        if not _claim(notification_id, now):
            return "not_claimed"
        notification = Notification.objects.select_related(
            "patient__user",
            "patient__reminder_preference",
            "session__programme",
            "session__attendance",
        ).get(pk=notification_id)
        patient = notification.patient
        preference = _preference(patient)
        reason = _no_longer_useful(notification, preference, now)
        if reason:
            _finish(notification_id, status=NotificationStatus.SKIPPED, skip_reason=reason)
            return NotificationStatus.SKIPPED
        done = set(
            notification.deliveries.filter(outcome=DeliveryOutcome.SENT).values_list(
                "channel", "device_id"
            )
        )
        devices = []
        if preference.push_enabled:
            devices = [
                device
                for device in Device.objects.filter(patient=patient, active=True).order_by("pk")
                if (DeliveryChannel.PUSH, device.pk) not in done
            ]
        email = patient.user.email
        if not (preference.email_enabled and email and (DeliveryChannel.EMAIL, None) not in done):
            email = ""
        if not devices and not email:
            if done:  # every channel got it on an earlier attempt
                _finish(notification_id, status=NotificationStatus.SENT, sent_at=now)
                return NotificationStatus.SENT
            _finish(notification_id, status=NotificationStatus.SKIPPED, skip_reason="no_channel")
            return NotificationStatus.SKIPPED
        language = preference.language or patient.language
        title, body = reminder_text(notification, language=language, zone=patient.time_zone)
    return _Send(notification, title, body, devices, email, sent_before=bool(done))


def _deliver(send: _Send) -> list[tuple[str, Device | None, str, str]]:
    """Call the providers (no database here): (channel, device, outcome, detail) per target."""
    attempts = []
    if send.devices:
        data = {"kind": send.notification.kind, "subject": send.notification.subject}
        messages = [push.PushMessage(d.token, send.title, send.body, data) for d in send.devices]
        try:
            results = push.push_backend().send(messages)
        except Exception as exc:  # a provider outage is a transient failure
            logger.warning("push provider failed: %r", exc)
            results = [push.PushResult(DeliveryOutcome.TRANSIENT, repr(exc)[:300])] * len(messages)
        for device, result in zip(send.devices, results, strict=True):
            attempts.append((DeliveryChannel.PUSH, device, result.outcome, result.detail))
    if send.email:
        try:
            EmailMessage(subject=send.title, body=send.body, to=[send.email]).send()
            outcome, detail = DeliveryOutcome.SENT, ""
        except Exception as exc:  # SMTP trouble is usually temporary
            outcome, detail = DeliveryOutcome.TRANSIENT, repr(exc)[:300]
        attempts.append((DeliveryChannel.EMAIL, None, outcome, detail))
    return attempts


def reminder_send(*, notification_id: int) -> str:
    """Send one reminder on the patient's channels, at most once (issue 6). Returns the final
    status, or "not_claimed" when another task has it or it is not queued."""
    now = timezone.now()
    send = _claim_and_prepare(notification_id, now)
    if isinstance(send, str):
        return send
    notification = send.notification
    attempts = _deliver(send)
    outcomes = [outcome for _channel, _device, outcome, _detail in attempts]
    with transaction.atomic():
        for _channel, device, outcome, detail in attempts:
            if outcome == DeliveryOutcome.INVALID_TOKEN:
                Device.objects.filter(pk=device.pk).update(
                    active=False, deactivated_at=now, deactivation_reason=detail[:100]
                )
        DeliveryAttempt.objects.bulk_create(
            DeliveryAttempt(
                notification_id=notification_id,
                channel=channel,
                device=device,
                attempt=notification.attempts,
                outcome=outcome,
                detail=detail,
            )
            for channel, device, outcome, detail in attempts
        )
        retry_left = notification.attempts < settings.REMINDER_MAX_ATTEMPTS
        if DeliveryOutcome.TRANSIENT in outcomes and retry_left:
            _finish(
                notification_id,
                status=NotificationStatus.RETRY,
                next_attempt_at=now + _backoff(notification.attempts),
            )
            return NotificationStatus.RETRY
        if DeliveryOutcome.SENT in outcomes or send.sent_before:
            _finish(notification_id, status=NotificationStatus.SENT, sent_at=now)
            return NotificationStatus.SENT
        _finish(
            notification_id,
            status=NotificationStatus.FAILED,
            skip_reason=(attempts[-1][3] or attempts[-1][2])[:100],
        )
        return NotificationStatus.FAILED
