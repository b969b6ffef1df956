"""Enrolling a patient in a programme and changing it (docs/domain.md §1).

Every change is written to the programme's history (ProgrammeChange). Sessions keep their
programme week when they move, so the phase and doses that apply to them never change by a
pause or a new weekday."""

from collections import Counter
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from programs.errors import ConflictError, ValidationFailed
from programs.models import (
    RUNNING_STATUSES,
    ChangeKind,
    EndReason,
    Exercise,
    Patient,
    PlannedSession,
    Programme,
    ProgrammeChange,
    ProgrammeExercise,
    ProgrammePause,
    ProgrammePhase,
    ProgrammeStatus,
    ProgrammeTemplate,
    SessionStatus,
    SyncEntity,
    User,
)
from programs.models.catalogue import Dose
from programs.models.people import Physiotherapist
from programs.scheduling import is_supervised, local_to_utc, programme_slots, reslot
from programs.services.common import full_clean_or_raise
from programs.services.sync import sync_changes_record

# How far back a physiotherapist may date a start or a pause (registering it afterwards).
MAX_BACKDATE = timedelta(days=28)
# How far ahead a start, a resumption or a moved session may lie: plans beyond a year are
# typing errors (and dates near the end of the calendar cannot be planned at all).
MAX_AHEAD = timedelta(days=365)
UNSET = object()


ALL_SESSIONS = "all"


def _record(
    programme: Programme,
    actor: User | None,
    kind: ChangeKind,
    *,
    sessions=(),
    deleted_sessions=(),
    **detail,
) -> None:
    """Write the change to the programme's history and to the patient's app change feed
    (the programme itself, the sessions it touched, tombstones for deleted sessions)."""
    ProgrammeChange.objects.create(programme=programme, actor=actor, kind=kind, detail=detail)
    if sessions == ALL_SESSIONS:
        sessions = programme.sessions.values_list("pk", flat=True)
    sync_changes_record(
        patient_id=programme.patient_id, entity=SyncEntity.PROGRAMME, ids=[programme.pk]
    )
    sync_changes_record(patient_id=programme.patient_id, entity=SyncEntity.SESSION, ids=sessions)
    sync_changes_record(
        patient_id=programme.patient_id,
        entity=SyncEntity.SESSION,
        ids=deleted_sessions,
        deleted=True,
    )


def _too_far_ahead():
    return _("This lies more than a year ahead.")


def _local_today(programme: Programme) -> date:
    return timezone.now().astimezone(ZoneInfo(programme.time_zone)).date()


def _validate_weekdays(
    weekdays: list[int],
    supervised_weekdays: list[int],
    supervised_until_week: int | None,
    weeks: int,
) -> None:
    fields = {}
    if len(set(weekdays)) != len(weekdays):
        fields["weekdays"] = (_("Each weekday can be chosen only once."), "duplicate_weekday")
    elif len(weekdays) not in (2, 3):
        fields["weekdays"] = (
            _("Choose 2 or 3 weekdays (2-3 sessions a week)."),
            "sessions_per_week",
        )
    elif any(day not in range(7) for day in weekdays):
        fields["weekdays"] = (_("Weekdays are numbered 0 (Monday) to 6 (Sunday)."), "invalid")
    if not set(supervised_weekdays) <= set(weekdays):
        fields["supervised_weekdays"] = (
            _("Supervised weekdays must be among the session weekdays."),
            "not_a_session_day",
        )
    if supervised_until_week is not None and not 1 <= supervised_until_week <= weeks:
        fields["supervised_until_week"] = (
            _("Choose a week within the programme."),
            "out_of_range",
        )
    if fields:
        raise ValidationFailed(fields=fields)


def _lock_patient(patient: Patient) -> None:
    Patient.objects.select_for_update().filter(pk=patient.pk).first()


def _complete_if_finished(programme: Programme, now: datetime) -> bool:
    """A running programme whose last session lies in the past is completed."""
    if programme.status != ProgrammeStatus.ACTIVE:
        return False
    pending = programme.sessions.filter(
        status__in=[SessionStatus.SCHEDULED, SessionStatus.ON_HOLD], scheduled_at__gt=now
    ).exists()
    if pending:
        return False
    programme.status = ProgrammeStatus.COMPLETED
    programme.ended_at = now
    programme.save(update_fields=["status", "ended_at", "updated_at"])
    _record(programme, None, ChangeKind.COMPLETED)
    return True


@transaction.atomic
def programme_enrol(
    *,
    actor: User,
    physiotherapist: Physiotherapist,
    patient: Patient,
    template: ProgrammeTemplate,
    start_date: date,
    weekdays: list[int],
    session_time: time,
    supervised_weekdays: list[int] | None = None,
    supervised_until_week: int | None = None,
) -> Programme:
    """Enrol a patient of the physiotherapist's practice (docs/domain.md §1): copy the template into
    the patient's own programme (later template edits never reach it) and plan all sessions,
    2 or 3 a week for the template's weeks, at the patient's local time of day.

    At most one running (active or paused) programme per patient: a unique index enforces it;
    a running programme whose sessions all lie in the past is completed first."""
    if patient.practice_id != physiotherapist.practice_id:
        raise ValidationFailed(
            fields={"patient": (_("No such patient in your practice."), "not_found")}
        )
    if not template.is_active:
        raise ValidationFailed(
            fields={"template": (_("This template is no longer in use."), "inactive")}
        )
    weekdays = sorted(weekdays)
    if supervised_weekdays is None:
        # Default: the first session of each programme week (weeks run from the start date).
        supervised_weekdays = [min(weekdays, key=lambda day: (day - start_date.weekday()) % 7)]
    supervised = sorted(set(supervised_weekdays))
    _validate_weekdays(weekdays, supervised, supervised_until_week, template.weeks)
    zone = ZoneInfo(patient.time_zone)
    now = timezone.now()
    if start_date < now.astimezone(zone).date() - MAX_BACKDATE:
        raise ValidationFailed(
            fields={"start_date": (_("The start date lies too far in the past."), "too_early")}
        )
    if start_date > now.astimezone(zone).date() + MAX_AHEAD:
        raise ValidationFailed(fields={"start_date": (_too_far_ahead(), "too_late")})

    _lock_patient(patient)
    for running in Programme.objects.filter(patient=patient, status__in=RUNNING_STATUSES):
        if not _complete_if_finished(running, now):
            raise ConflictError(
                _("This patient already has a running programme."),
                code="programme_already_running",
                fields={
                    "patient": (_("This patient already has a running programme."), "conflict")
                },
            )

    programme = Programme(
        patient=patient,
        template=template,
        enrolled_by=physiotherapist,
        name_nl=template.name_nl,
        name_en=template.name_en,
        start_date=start_date,
        weeks=template.weeks,
        weekdays=weekdays,
        session_time=session_time.replace(second=0, microsecond=0, tzinfo=None),
        time_zone=patient.time_zone,
        supervised_weekdays=supervised,
        supervised_until_week=supervised_until_week,
    )
    try:
        with transaction.atomic():
            programme.save()
    except IntegrityError as exc:  # a concurrent enrolment won the race
        raise ConflictError(
            _("This patient already has a running programme."),
            code="programme_already_running",
            fields={"patient": (_("This patient already has a running programme."), "conflict")},
        ) from exc

    _copy_template(template, programme)
    slots = programme_slots(
        start_date=start_date,
        weeks=programme.weeks,
        weekdays=weekdays,
        session_time=programme.session_time,
        zone=zone,
        supervised_weekdays=supervised,
        supervised_until_week=supervised_until_week,
    )
    PlannedSession.objects.bulk_create(
        PlannedSession(
            programme=programme,
            week=slot.week,
            scheduled_at=slot.scheduled_at,
            local_date=slot.local_date,
            supervised=slot.supervised,
        )
        for slot in slots
    )
    _record(
        programme,
        actor,
        ChangeKind.ENROLLED,
        template=template.slug,
        start_date=start_date.isoformat(),
        weekdays=weekdays,
        session_time=programme.session_time.isoformat(timespec="minutes"),
        supervised_weekdays=supervised,
        session_count=len(slots),
        sessions=ALL_SESSIONS,
    )
    return programme


def _copy_template(template: ProgrammeTemplate, programme: Programme) -> None:
    phases = list(template.phases.prefetch_related("exercises").order_by("order"))
    copies = ProgrammePhase.objects.bulk_create(
        ProgrammePhase(
            programme=programme,
            order=phase.order,
            name_nl=phase.name_nl,
            name_en=phase.name_en,
            first_week=phase.first_week,
            last_week=phase.last_week,
        )
        for phase in phases
    )
    ProgrammeExercise.objects.bulk_create(
        ProgrammeExercise(phase=copy, exercise_id=item.exercise_id, order=item.order, **item.dose())
        for phase, copy in zip(phases, copies, strict=True)
        for item in phase.exercises.all()
    )


def _require_running(programme: Programme) -> None:
    if not programme.is_running:
        raise ConflictError(
            _("This programme has ended; it can no longer be changed."),
            code="programme_not_running",
        )


def _unrecorded(sessions):
    """Sessions without a log or an attendance: only these may move, be put on hold or be
    cancelled; what happened stays where it happened."""
    return sessions.filter(logs__isnull=True, attendance__isnull=True)


def _release_recorded(programme: Programme) -> list:
    """Sessions on hold that the patient logged meanwhile (they exercised during the pause)
    took place where they are: they go back to scheduled on their own day, and are neither
    moved nor cancelled. Returns their ids. (A session on hold takes no attendance; a visit
    to the practice during a pause is registered as an extra treatment.)"""
    on_hold = programme.sessions.filter(status=SessionStatus.ON_HOLD)
    ids = list(
        on_hold.exclude(pk__in=_unrecorded(on_hold).values("pk")).values_list("pk", flat=True)
    )
    if not ids:
        return ids
    try:
        with transaction.atomic():
            PlannedSession.objects.filter(pk__in=ids).update(
                status=SessionStatus.SCHEDULED, updated_at=timezone.now()
            )
    except IntegrityError as exc:  # another session was moved onto its day during the pause
        raise ConflictError(
            _(
                "A session that took place during the pause shares its day with another "
                "session: move that one first."
            ),
            code="day_taken",
        ) from exc
    return ids


def _movable_sessions(programme: Programme, *, after: datetime):
    """Sessions that may still move: scheduled, not yet due, nothing recorded."""
    return _unrecorded(
        programme.sessions.filter(status=SessionStatus.SCHEDULED, scheduled_at__gt=after)
    ).order_by("scheduled_at")


def _moved_from(session: PlannedSession, new_date: date) -> None:
    """Keep the earliest day ``session`` had before it moves to ``new_date``: an app offline
    since then may still show it (services/session._require_session_day)."""
    if new_date != session.local_date:
        session.earliest_local_date = min(
            day for day in (session.earliest_local_date, session.local_date) if day is not None
        )


def _apply_slots(sessions: list[PlannedSession], slots, *, status: SessionStatus) -> None:
    """Give sessions their new slots without tripping the one-a-day constraint: they are put on
    hold (outside the constraint) while they move, and set to ``status`` in one statement."""
    ids = [session.pk for session in sessions]
    PlannedSession.objects.filter(pk__in=ids).update(status=SessionStatus.ON_HOLD)
    now = timezone.now()
    for session, slot in zip(sessions, slots, strict=True):
        _moved_from(session, slot.local_date)
        session.week = slot.week
        session.local_date = slot.local_date
        session.scheduled_at = slot.scheduled_at
        session.supervised = slot.supervised
        session.updated_at = now
    PlannedSession.objects.bulk_update(
        sessions,
        ["week", "local_date", "earliest_local_date", "scheduled_at", "supervised", "updated_at"],
    )
    PlannedSession.objects.filter(pk__in=ids).update(status=status)


def _replan(
    programme: Programme, sessions: list[PlannedSession], weeks: list[int], first_day: date
) -> list:
    """Put the programme weeks ``weeks`` (in order) on the next slots from ``first_day``,
    reusing ``sessions`` (so their ids stay, which offline apps rely on), adding or deleting
    the difference. Returns the ids of deleted sessions."""
    now = timezone.now()
    moving = {s.pk for s in sessions}
    taken = frozenset(
        day
        for pk, day in programme.sessions.filter(
            status=SessionStatus.SCHEDULED, local_date__gte=first_day
        ).values_list("pk", "local_date")
        if pk not in moving
    )
    slots = reslot(
        weeks=weeks,
        first_day=first_day,
        weekdays=programme.weekdays,
        session_time=programme.session_time,
        zone=ZoneInfo(programme.time_zone),
        supervised_weekdays=programme.supervised_weekdays,
        supervised_until_week=programme.supervised_until_week,
        not_before=now,
        skip_dates=taken,
    )
    keep, surplus = sessions[: len(slots)], sessions[len(slots) :]
    deleted = [s.pk for s in surplus]
    if deleted:
        PlannedSession.objects.filter(pk__in=deleted).delete()
    _apply_slots(keep, slots[: len(keep)], status=SessionStatus.SCHEDULED)
    PlannedSession.objects.bulk_create(
        PlannedSession(
            programme=programme,
            week=slot.week,
            scheduled_at=slot.scheduled_at,
            local_date=slot.local_date,
            supervised=slot.supervised,
        )
        for slot in slots[len(keep) :]
    )
    return deleted


@transaction.atomic
def programme_update_schedule(
    *,
    actor: User,
    programme: Programme,
    weekdays: list[int] | None = None,
    session_time: time | None = None,
    supervised_weekdays: list[int] | None = None,
    supervised_until_week=UNSET,
) -> Programme:
    """Change the weekdays, the time of day or which sessions are supervised, for the sessions
    still to come. With other weekdays, the remaining programme weeks are planned again from
    today: each remaining week gets the new number of sessions (minus those already held in
    the current week). Sessions already due are never moved."""
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    _require_running(programme)
    before = {
        "weekdays": programme.weekdays,
        "session_time": programme.session_time.isoformat(timespec="minutes"),
        "supervised_weekdays": programme.supervised_weekdays,
        "supervised_until_week": programme.supervised_until_week,
    }
    new_weekdays = sorted(weekdays) if weekdays is not None else programme.weekdays
    new_supervised = (
        sorted(set(supervised_weekdays))
        if supervised_weekdays is not None
        else [d for d in programme.supervised_weekdays if d in new_weekdays]
    )
    new_until = (
        programme.supervised_until_week if supervised_until_week is UNSET else supervised_until_week
    )
    _validate_weekdays(new_weekdays, new_supervised, new_until, programme.weeks)
    old_count = len(programme.weekdays)
    weekdays_changed = new_weekdays != programme.weekdays
    time_changed = (
        session_time is not None
        and session_time.replace(second=0, microsecond=0, tzinfo=None) != programme.session_time
    )

    if not (
        weekdays_changed
        or time_changed
        or new_supervised != programme.supervised_weekdays
        or new_until != programme.supervised_until_week
    ):
        # The same schedule sent again (a form saved unchanged): nothing to record, and the
        # app has nothing to download again.
        return programme
    programme.weekdays = new_weekdays
    programme.supervised_weekdays = new_supervised
    programme.supervised_until_week = new_until
    if session_time is not None:
        programme.session_time = session_time.replace(second=0, microsecond=0, tzinfo=None)
    programme.save()

    now = timezone.now()
    zone = ZoneInfo(programme.time_zone)
    deleted = []
    touched = []
    if programme.status == ProgrammeStatus.ACTIVE:
        remaining = list(_movable_sessions(programme, after=now))
        if weekdays_changed:
            weeks = _remaining_weeks(programme, remaining, old_count, len(new_weekdays))
            deleted = _replan(programme, remaining, weeks, _local_today(programme))
            touched = ALL_SESSIONS
        else:
            for session in remaining:
                scheduled_at, supervised = session.scheduled_at, session.supervised
                if time_changed:
                    moment = local_to_utc(session.local_date, programme.session_time, zone)
                    if moment > now:
                        session.scheduled_at = moment
                session.supervised = is_supervised(
                    session.local_date, session.week, new_supervised, new_until
                )
                if (session.scheduled_at, session.supervised) != (scheduled_at, supervised):
                    session.updated_at = now
                    touched.append(session)
            PlannedSession.objects.bulk_update(
                touched, ["scheduled_at", "supervised", "updated_at"]
            )
            touched = [session.pk for session in touched]
    # A paused programme keeps its sessions on hold; they get the new pattern on resuming.
    after = {
        "weekdays": programme.weekdays,
        "session_time": programme.session_time.isoformat(timespec="minutes"),
        "supervised_weekdays": programme.supervised_weekdays,
        "supervised_until_week": programme.supervised_until_week,
    }
    _record(
        programme,
        actor,
        ChangeKind.SCHEDULE_CHANGED,
        sessions=touched,
        deleted_sessions=deleted,
        before=before,
        after=after,
    )
    return programme


def _remaining_weeks(
    programme: Programme, remaining: list[PlannedSession], old_count: int, new_count: int
) -> list[int]:
    """Programme weeks of the sessions to plan: each remaining week gets ``new_count``
    sessions, less those of that week that are already behind us."""
    remaining_ids = {s.pk for s in remaining}
    held = Counter(
        week
        for pk, week in programme.sessions.exclude(status=SessionStatus.CANCELLED).values_list(
            "pk", "week"
        )
        if pk not in remaining_ids
    )
    weeks = []
    for week in sorted({s.week for s in remaining}):
        weeks += [week] * max(0, new_count - held[week])
    return weeks


@transaction.atomic
def session_reschedule(
    *,
    actor: User,
    session: PlannedSession,
    local_date: date,
    local_time: time | None,
    reason: str = "",
) -> PlannedSession:
    """Move one session to another day or time (it keeps its programme week and supervision).
    Only a session still to come can move, and only into the future, onto a day without
    another session of the programme."""
    session = (
        PlannedSession.objects.select_for_update().select_related("programme").get(pk=session.pk)
    )
    programme = session.programme
    _require_running(programme)
    now = timezone.now()
    recorded = session.logs.exists() or hasattr(session, "attendance")
    if session.status != SessionStatus.SCHEDULED or session.scheduled_at <= now or recorded:
        raise ConflictError(
            _("Only a scheduled session that has not started can be moved."),
            code="session_not_movable",
        )
    today = _local_today(programme)
    if local_date < today:
        raise ValidationFailed(
            fields={"date": (_("The new time lies in the past."), "in_the_past")}
        )
    if local_date > today + MAX_AHEAD:
        raise ValidationFailed(fields={"date": (_too_far_ahead(), "too_late")})
    at = (local_time or programme.session_time).replace(second=0, microsecond=0, tzinfo=None)
    moment = local_to_utc(local_date, at, ZoneInfo(programme.time_zone))
    if moment <= now:
        raise ValidationFailed(
            fields={"date": (_("The new time lies in the past."), "in_the_past")}
        )
    before = session.scheduled_at
    if session.originally_scheduled_at is None:
        session.originally_scheduled_at = before
    _moved_from(session, local_date)
    session.scheduled_at = moment
    session.local_date = local_date
    try:
        with transaction.atomic():
            session.save()
    except IntegrityError as exc:
        raise ValidationFailed(
            fields={"date": (_("Another session is planned on that day."), "day_taken")}
        ) from exc
    _record(
        programme,
        actor,
        ChangeKind.SESSION_RESCHEDULED,
        sessions=[session.pk],
        session=str(session.pk),
        before=before.isoformat(),
        after=moment.isoformat(),
        reason=reason,
    )
    return session


@transaction.atomic
def programme_pause(
    *, actor: User, programme: Programme, start_date: date | None = None, reason: str = ""
) -> Programme:
    """Pause (for instance illness) from ``start_date`` (default today): the sessions from that
    day on that are still to come are put on hold; no reminders, not due for adherence."""
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    if programme.status != ProgrammeStatus.ACTIVE:
        raise ConflictError(
            _("Only an active programme can be paused."), code="programme_not_active"
        )
    today = _local_today(programme)
    start_date = start_date or today
    if start_date > today:
        raise ValidationFailed(
            fields={"start_date": (_("A pause starts today or earlier."), "in_the_future")}
        )
    if start_date < max(programme.start_date, today - MAX_BACKDATE):
        raise ValidationFailed(
            fields={"start_date": (_("The pause starts too far in the past."), "too_early")}
        )
    on_hold = _unrecorded(
        programme.sessions.filter(status=SessionStatus.SCHEDULED, local_date__gte=start_date)
    ).update(status=SessionStatus.ON_HOLD, updated_at=timezone.now())
    ProgrammePause.objects.create(programme=programme, start_date=start_date, reason=reason)
    programme.status = ProgrammeStatus.PAUSED
    programme.save(update_fields=["status", "updated_at"])
    _record(
        programme,
        actor,
        ChangeKind.PAUSED,
        sessions=ALL_SESSIONS,
        start_date=start_date.isoformat(),
        reason=reason,
        on_hold=on_hold,
    )
    return programme


@transaction.atomic
def programme_resume(
    *, actor: User, programme: Programme, resume_date: date | None = None
) -> Programme:
    """Resume a paused programme on ``resume_date`` (default today): the sessions on hold are
    planned again, in order and keeping their programme week, on the next slots of the
    programme's weekdays from that day on. The programme ends later by the length of the pause.
    A session on hold that was logged or attended meanwhile stays on its day (scheduled)."""
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    if programme.status != ProgrammeStatus.PAUSED:
        raise ConflictError(
            _("Only a paused programme can be resumed."), code="programme_not_paused"
        )
    pause = programme.pauses.get(end_date__isnull=True)
    today = _local_today(programme)
    resume_date = resume_date or today
    if resume_date < pause.start_date:
        raise ValidationFailed(
            fields={
                "resume_date": (
                    _("The programme cannot resume before the pause began."),
                    "too_early",
                )
            }
        )
    if resume_date < today:
        raise ValidationFailed(fields={"resume_date": (_("Resume today or later."), "in_the_past")})
    if resume_date > today + MAX_AHEAD:
        raise ValidationFailed(fields={"resume_date": (_too_far_ahead(), "too_late")})
    _release_recorded(programme)
    held = list(programme.sessions.filter(status=SessionStatus.ON_HOLD).order_by("scheduled_at"))
    first_before = held[0].scheduled_at if held else None
    deleted = _replan(programme, held, [s.week for s in held], resume_date)
    pause.end_date = resume_date
    pause.save(update_fields=["end_date"])
    programme.status = ProgrammeStatus.ACTIVE
    programme.save(update_fields=["status", "updated_at"])
    _record(
        programme,
        actor,
        ChangeKind.RESUMED,
        sessions=ALL_SESSIONS,
        deleted_sessions=deleted,
        resume_date=resume_date.isoformat(),
        sessions_moved=len(held),
        first_session_before=first_before.isoformat() if first_before else None,
        first_session_after=held[0].scheduled_at.isoformat() if held else None,
    )
    return programme


@transaction.atomic
def programme_end(
    *, actor: User, programme: Programme, reason: EndReason, note: str = ""
) -> Programme:
    """End a programme early (for instance referred for surgery). Sessions still to come are
    cancelled, so they are neither reminded nor counted as due."""
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    _require_running(programme)
    _release_recorded(programme)
    now = timezone.now()
    cancelled = _unrecorded(
        programme.sessions.filter(
            status__in=[SessionStatus.SCHEDULED, SessionStatus.ON_HOLD], scheduled_at__gt=now
        )
    ).update(status=SessionStatus.CANCELLED, cancel_reason="programme ended", updated_at=now)
    # Sessions on hold from before today did not take place either.
    _unrecorded(programme.sessions.filter(status=SessionStatus.ON_HOLD)).update(
        status=SessionStatus.CANCELLED, cancel_reason="programme paused, then ended", updated_at=now
    )
    programme.pauses.filter(end_date__isnull=True).update(end_date=_local_today(programme))
    programme.status = ProgrammeStatus.ENDED
    programme.ended_at = now
    programme.end_reason = reason
    programme.end_note = note
    programme.save()
    _record(
        programme,
        actor,
        ChangeKind.ENDED,
        sessions=ALL_SESSIONS,
        reason=reason,
        note=note,
        sessions_cancelled=cancelled,
    )
    return programme


def programmes_complete_finished() -> int:
    """Nightly: active programmes whose last session lies behind us are completed."""
    now = timezone.now()
    done = 0
    for programme_id in Programme.objects.filter(status=ProgrammeStatus.ACTIVE).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            programme = Programme.objects.select_for_update().get(pk=programme_id)
            done += _complete_if_finished(programme, now)
    return done


# --- Exercises and doses per patient --------------------------------------------------------


def _dose_changes(dose: dict) -> dict:
    return {field: value for field, value in dose.items() if field in Dose.DOSE_FIELDS}


@transaction.atomic
def programme_exercise_add(
    *, actor: User, phase: ProgrammePhase, exercise: Exercise, dose: dict
) -> ProgrammeExercise:
    """Add an exercise to one phase of this patient's programme."""
    _require_running(phase.programme)
    if not exercise.is_active:
        raise ValidationFailed(
            fields={"exercise": (_("This exercise is no longer in use."), "inactive")}
        )
    if phase.exercises.filter(exercise=exercise).exists():
        raise ValidationFailed(
            fields={"exercise": (_("This exercise is already in this phase."), "duplicate")}
        )
    order = (phase.exercises.aggregate(top=Max("order"))["top"] or 0) + 1
    item = ProgrammeExercise(phase=phase, exercise=exercise, order=order, **_dose_changes(dose))
    full_clean_or_raise(item)
    item.save()
    _record(
        phase.programme,
        actor,
        ChangeKind.EXERCISE_ADDED,
        phase=phase.order,
        exercise=exercise.slug,
        dose=item.dose(),
    )
    return item


@transaction.atomic
def programme_exercise_update(
    *, actor: User, item: ProgrammeExercise, dose: dict
) -> ProgrammeExercise:
    """Adjust the dose of one exercise in one phase (for instance after a pain flare)."""
    item = (
        ProgrammeExercise.objects.select_for_update()
        .select_related("phase__programme", "exercise")
        .get(pk=item.pk)
    )
    _require_running(item.phase.programme)
    before = item.dose()
    for field, value in _dose_changes(dose).items():
        setattr(item, field, value)
    full_clean_or_raise(item)
    item.save()
    _record(
        item.phase.programme,
        actor,
        ChangeKind.EXERCISE_CHANGED,
        phase=item.phase.order,
        exercise=item.exercise.slug,
        before=before,
        after=item.dose(),
    )
    return item


@transaction.atomic
def programme_exercise_remove(*, actor: User, item: ProgrammeExercise) -> None:
    item = (
        ProgrammeExercise.objects.select_for_update()
        .select_related("phase__programme", "exercise")
        .get(pk=item.pk)
    )
    _require_running(item.phase.programme)
    _record(
        item.phase.programme,
        actor,
        ChangeKind.EXERCISE_REMOVED,
        phase=item.phase.order,
        exercise=item.exercise.slug,
        dose=item.dose(),
    )
    item.delete()
