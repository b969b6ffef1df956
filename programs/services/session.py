"""Session logs from the app and attendance from the physiotherapist (docs/domain.md §3-4).

Idempotency lives in the database: the app's UUID is the log's primary key and a planned
session has at most one log (a unique index), so a retried or doubled request can never create
a second record or count a session twice."""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, router, transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.db.models.constants import OnConflict
from django.db.models.sql import InsertQuery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from programs.errors import ConflictError, NotFoundError, ValidationFailed
from programs.models import (
    RUNNING_STATUSES,
    Attendance,
    AttendanceRevision,
    AttendanceStatus,
    Claim,
    Dose,
    LogStatus,
    Patient,
    Physiotherapist,
    PlannedSession,
    Programme,
    ProgrammeExercise,
    SessionLog,
    SessionLogExercise,
    SessionLogRevision,
    SessionStatus,
    SyncEntity,
    TreatmentLocation,
    User,
)
from programs.services.alert import alerts_for_log
from programs.services.reimbursement import claimed_judgements, claims_correction_check
from programs.services.sync import sync_changes_record

LOG_FIELDS = (
    "status",
    "skip_reason",
    "exertion",
    "pain_before",
    "pain_during_max",
    "pain_next_morning",
    "note",
)
EXERCISE_DONE_FIELDS = (
    "sets_done",
    "repetitions_done",
    "hold_seconds_done",
    "duration_seconds_done",
    "load_done",
)
# The app's clock may run a little ahead of ours.
CLOCK_SKEW = timedelta(minutes=10)
# An attendance is of its planned session: treated within a week of the planned time.
ATTENDANCE_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class LogResult:
    log: SessionLog
    outcome: str  # "created", "updated" or "unchanged"


def _offset_minutes(moment: datetime) -> int:
    return int(moment.utcoffset().total_seconds() // 60)


def _canonical(data: dict[str, Any], *, with_offset: bool = True) -> dict[str, Any]:
    """The body in one stable form (UTC times and the offset given, sorted exercises) for
    hashing and history. ``with_offset=False`` gives the form of logs stored before the
    offset was kept, so that their replays still match."""
    body = {field: data.get(field) for field in LOG_FIELDS}
    body["skip_reason"] = body["skip_reason"] or ""
    body["note"] = body["note"] or ""
    body["planned_session"] = str(data["planned_session"]) if data.get("planned_session") else None
    body["performed_at"] = data["performed_at"].astimezone(UTC).isoformat()
    if with_offset:
        body["performed_offset_minutes"] = data.get(
            "performed_offset_minutes", _offset_minutes(data["performed_at"])
        )
    body["exercises"] = sorted(
        (
            {"programme_exercise": item["programme_exercise"]}
            | {field: item.get(field) for field in EXERCISE_DONE_FIELDS}
            for item in data.get("exercises") or []
        ),
        key=lambda item: item["programme_exercise"],
    )
    for item in body["exercises"]:
        item["load_done"] = item["load_done"] or ""
    return body


def _digest(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _lock_deadline(log: SessionLog) -> datetime:
    return log.created_at + timedelta(days=settings.SESSION_LOG_EDITABLE_DAYS)


@dataclass(frozen=True)
class _Target:
    """What a body refers to: its planned session (None for an extra session) and programme,
    and whether the request's log id is taken already (by whichever patient)."""

    planned: PlannedSession | None
    programme: Programme
    log_exists: bool


def _target(patient: Patient, data: dict[str, Any], log_id: UUID) -> _Target:
    """The planned session (with its programme and the id of the log it has, as
    ``existing_log``), or for an extra session the programme of the stored log or else the
    running programme, and whether ``log_id`` exists: one query. Another patient's session
    is simply not found."""
    taken = Exists(SessionLog.objects.filter(pk=log_id))
    if data.get("planned_session"):
        planned = (
            PlannedSession.objects.select_related("programme")
            .filter(pk=data["planned_session"], programme__patient=patient)
            .annotate(
                log_exists=taken,
                existing_log=Subquery(
                    SessionLog.objects.filter(
                        planned_session=OuterRef("pk"), patient=patient
                    ).values("pk")[:1]
                ),
            )
            .first()
        )
        if planned is None:
            raise NotFoundError(
                _("Planned session not found."),
                fields={"planned_session": (_("Planned session not found."), "not_found")},
            )
        return _Target(planned=planned, programme=planned.programme, log_exists=planned.log_exists)
    # An extra session's log, once stored, keeps its programme: edited after that programme
    # ended (the next morning's pain), or while a new one runs, it stays where it was done.
    holds_log = Exists(
        SessionLog.objects.filter(pk=log_id, patient=patient, programme=OuterRef("pk"))
    )
    programme = (
        Programme.objects.filter(patient=patient)
        .annotate(log_exists=taken, holds_log=holds_log)
        .filter(Q(holds_log=True) | Q(status__in=RUNNING_STATUSES))
        .order_by("-holds_log")
        .first()
    )
    if programme is None:
        raise ValidationFailed(
            fields={
                "planned_session": (
                    _("An extra session needs a running programme."),
                    "no_running_programme",
                )
            }
        )
    return _Target(planned=None, programme=programme, log_exists=programme.log_exists)


def _prescriptions(
    programme: Programme, planned: PlannedSession | None, items: list[dict]
) -> dict[int, ProgrammeExercise]:
    """The prescriptions a log needs, by id, in the programme's order: those listed and, for a
    planned session, those of every phase holding its week (one query; none for an extra
    session that lists no exercises). Only the columns a log row and its answer use."""
    wanted = Q(pk__in=[item["programme_exercise"] for item in items])
    if planned is not None:
        wanted |= Q(phase__first_week__lte=planned.week, phase__last_week__gte=planned.week)
    elif not items:
        return {}
    rows = (
        ProgrammeExercise.objects.filter(wanted, phase__programme=programme)
        .select_related("exercise", "phase")
        .only(
            *Dose.DOSE_FIELDS,
            "phase__order",
            "phase__first_week",
            "phase__last_week",
            "exercise__slug",
            "exercise__name_nl",
            "exercise__name_en",
        )
        .order_by("phase__order", "order")
    )
    return {row.pk: row for row in rows}


def _check(target: _Target, data: dict[str, Any]) -> dict[int, ProgrammeExercise]:
    """Check the body against what it refers to (its moment, its exercises); return the
    prescriptions it needs (``_prescriptions``)."""
    planned, programme = target.planned, target.programme
    performed_at = data["performed_at"]
    if performed_at > timezone.now() + CLOCK_SKEW:
        raise ValidationFailed(
            fields={"performed_at": (_("This lies in the future."), "in_the_future")}
        )
    if performed_at.date() < programme.start_date - timedelta(days=1):
        raise ValidationFailed(
            fields={"performed_at": (_("This lies before the programme started."), "too_early")}
        )
    _require_session_day(planned, programme, data)

    items = data.get("exercises") or []
    prescriptions = _prescriptions(programme, planned, items)
    # A log has one row per exercise (sessionlog_exercise_once): the week's own prescriptions
    # are written whether listed or not, so a listed prescription of the same exercise from
    # another phase (or two phases' versions of it in an extra session) has no row to go to.
    due = _due(planned, prescriptions)
    covered = {prescribed.exercise_id: pk for pk, prescribed in due.items()}
    fields = {}
    seen = set()
    for index, item in enumerate(items):
        item_id = item["programme_exercise"]
        name = f"exercises.{index}.programme_exercise"
        prescribed = prescriptions.get(item_id)
        if prescribed is None:
            fields[name] = (_("Not an exercise of this programme."), "not_found")
        elif item_id in seen:
            fields[name] = (_("This exercise is listed twice."), "duplicate")
        elif item_id not in due and prescribed.exercise_id in covered and planned is not None:
            fields[name] = (_other_phase(prescribed, planned, covered), "other_phase")
        elif covered.setdefault(prescribed.exercise_id, item_id) != item_id:
            fields[name] = (
                _("This exercise is already listed with the dose of another phase: log it once."),
                "duplicate_exercise",
            )
        seen.add(item_id)
    if data["status"] == LogStatus.PARTIAL and not items:
        fields["exercises"] = (
            _("A partly done session lists the exercises with the sets done."),
            "required",
        )
    if fields:
        raise ValidationFailed(fields=fields)
    return prescriptions


def _other_phase(prescribed: ProgrammeExercise, planned: PlannedSession, covered: dict) -> str:
    return _(
        "This is the prescription of phase %(phase)s (weeks %(first)s-%(last)s), but this "
        "session is in week %(week)s: log this exercise against that week's prescription "
        "(%(due)s)."
    ) % {
        "phase": prescribed.phase.order,
        "first": prescribed.phase.first_week,
        "last": prescribed.phase.last_week,
        "week": planned.week,
        "due": covered[prescribed.exercise_id],
    }


def _require_session_day(
    planned: PlannedSession | None, programme: Programme, data: dict[str, Any]
) -> None:
    """A planned session is done on its day or later: a completed or partial log performed
    before the session's (local) day is refused, naming ``performed_at``. Where the app cannot
    know better, the rule gives way:

    - the day is the session's date where the patient was (the UTC offset the app sent) or in
      the programme's time zone, whichever is reached first, and the app's clock may run
      CLOCK_SKEW behind;
    - a session that moved (the physiotherapist moved it, a resume or new weekdays planned it
      again) counts from the earliest day it ever had (``earliest_local_date``): an app
      offline since may still show that day, and the patient's data is not to be lost.
      Only a real change of day counts; a schedule saved unchanged, a new time of day or a
      pause opens no earlier day. "Ever" rather than "by the moment given": a move never goes
      to a day before the one it is made on, so the two differ only for a log done on a day
      the session was moved to later that same day, a day it really had;
    - a skipped log may be made in advance: the patient says beforehand that it will not
      happen (the physiotherapist sees it, and no reminder is sent for it)."""
    if planned is None or data["status"] == LogStatus.SKIPPED:
        return
    latest = data["performed_at"] + CLOCK_SKEW
    day = max(latest.date(), latest.astimezone(ZoneInfo(programme.time_zone)).date())
    first_day = min(d for d in (planned.local_date, planned.earliest_local_date) if d is not None)
    if day >= first_day:
        return
    if first_day == planned.local_date:
        message = _(
            "This session is on %(date)s: it can be logged as done from that day on "
            "(or as skipped, in advance)."
        ) % {"date": planned.local_date.isoformat()}
    else:
        message = _(
            "This session is on %(date)s and was on %(first)s before: it can be logged as "
            "done from %(first)s on (or as skipped, in advance)."
        ) % {"date": planned.local_date.isoformat(), "first": first_day.isoformat()}
    raise ValidationFailed(fields={"performed_at": (message, "before_session_day")})


def _due(planned: PlannedSession | None, prescriptions: dict) -> dict:
    """The prescriptions of the planned session's programme week (none for an extra session):
    those of the first phase holding the week, as the app is shown (phase_for_week)."""
    if planned is None:
        return {}
    phases = [
        item.phase
        for item in prescriptions.values()
        if item.phase.first_week <= planned.week <= item.phase.last_week
    ]
    if not phases:
        return {}
    phase_id = min(phases, key=lambda phase: phase.order).pk
    return {pk: item for pk, item in prescriptions.items() if item.phase_id == phase_id}


def _write_exercises(
    log: SessionLog, planned: PlannedSession | None, data: dict[str, Any], prescriptions: dict
) -> list[SessionLogExercise]:
    """One row per exercise prescribed for the session's week, done beside prescribed, so
    that "at least half of the prescribed sets" (docs/domain.md §4) is a sum over the log's rows.
    Exercises the body leaves out count as not done; a "completed" log without detail as
    done as prescribed. Listed exercises from outside the week's phase were not prescribed
    for this session (0 sets prescribed). Returns the rows written."""
    listed = {item["programme_exercise"]: item for item in data.get("exercises") or []}
    due = _due(planned, prescriptions)
    quick_complete = data["status"] == LogStatus.COMPLETED and not listed
    rows = []
    for item_id, prescribed in {**due, **{pk: prescriptions[pk] for pk in listed}}.items():
        item = listed.get(item_id)
        in_week = item_id in due
        if item is not None:
            done = {field: item.get(field) for field in EXERCISE_DONE_FIELDS}
        elif quick_complete:
            done = {
                "sets_done": prescribed.sets,
                "repetitions_done": prescribed.repetitions,
                "hold_seconds_done": prescribed.hold_seconds,
                "duration_seconds_done": prescribed.duration_seconds,
            }
        else:
            done = {"sets_done": 0}
        rows.append(
            SessionLogExercise(
                log=log,
                programme_exercise=prescribed,
                exercise=prescribed.exercise,
                sets_prescribed=prescribed.sets if in_week else 0,
                repetitions_prescribed=prescribed.repetitions if in_week else None,
                hold_seconds_prescribed=prescribed.hold_seconds if in_week else None,
                duration_seconds_prescribed=prescribed.duration_seconds if in_week else None,
                load_prescribed=prescribed.load if in_week else "",
                sets_done=done.get("sets_done") or 0,
                repetitions_done=done.get("repetitions_done"),
                hold_seconds_done=done.get("hold_seconds_done"),
                duration_seconds_done=done.get("duration_seconds_done"),
                load_done=done.get("load_done") or "",
            )
        )
    SessionLogExercise.objects.bulk_create(rows)
    return rows


def _snapshot(log: SessionLog) -> dict[str, Any]:
    """The stored body of a log, in the canonical form (for its history)."""
    return _canonical(
        {
            **{field: getattr(log, field) for field in LOG_FIELDS},
            "planned_session": log.planned_session_id,
            "performed_at": log.performed_at,
            "performed_offset_minutes": log.performed_offset_minutes,
            "exercises": [
                {"programme_exercise": item.programme_exercise_id}
                | {field: getattr(item, field) for field in EXERCISE_DONE_FIELDS}
                for item in log.exercises.all()
                if item.programme_exercise_id is not None
            ],
        }
    )


def _existing_log(patient_id: UUID, planned: PlannedSession | None) -> UUID | None:
    """The log a planned session has, once an insert or a move found it taken meanwhile.
    The session was found among this patient's own, so its log is theirs; looked up by
    patient too all the same, so that no other patient's log id could ever come out here
    (as in ``_target``'s ``existing_log``)."""
    if planned is None:
        return None
    return (
        SessionLog.objects.filter(planned_session=planned, patient_id=patient_id)
        .values_list("pk", flat=True)
        .first()
    )


def _require_loggable(planned: PlannedSession | None, log_id: UUID) -> None:
    """What the session's state says before the body is looked at: a session with another
    log is a 409 naming that log, a cancelled one a 409. The app hears what it can act on
    (fetch and merge, or drop the log), not a 400 about a body that could never be stored."""
    if planned is None:
        return
    if planned.existing_log is not None and planned.existing_log != log_id:
        raise _already_logged(planned.existing_log)
    if planned.status == SessionStatus.CANCELLED:
        raise _session_cancelled()


def _already_logged(existing: UUID | None) -> ConflictError:
    """409 for a second log of a planned session, carrying the id of the log it has
    (``existing_log``) so that the app can fetch that one and merge."""
    message = _("This session has already been logged.")
    return ConflictError(
        message,
        code="session_already_logged",
        fields={"planned_session": (message, "duplicate")},
        extra={"existing_log": str(existing)} if existing else None,
    )


def _session_cancelled() -> ConflictError:
    return ConflictError(
        _("This session was cancelled."),
        code="session_cancelled",
        fields={"planned_session": (_("This session was cancelled."), "cancelled")},
    )


def session_log_upsert(
    *,
    patient: Patient,
    log_id: UUID,
    data: dict[str, Any],
    audit: Callable[[LogResult], object] | None = None,
) -> LogResult:
    """Create or update the log ``log_id`` from the app (docs/domain.md §3-4).

    - The same body again: nothing changes, the same record comes back ("unchanged").
    - Two identical requests at once: the primary key lets one insert win; the other finds
      that row and is a replay.
    - Another body: the log is updated and the previous body kept in its history, for
      SESSION_LOG_EDITABLE_DAYS after it was first received; then it is locked (409).
    - A log id or planned session of another patient: 404, never an overwrite.
    - A second log of a planned session: 409 naming the log it has (``existing_log``).

    A replay is answered before the body is checked again: the same request retried after
    the programme ended or an exercise was removed still returns the stored record. What
    the stored state says comes before the body's checks too: a locked log is a 409
    ``log_locked`` and a session with another log a 409 ``session_already_logged``,
    whatever the body.
    ``audit`` is called with the result inside the transaction (the API writes the access log
    there, so that the entry commits with the write or not at all).
    The log's rows come back on ``result.log.exercise_rows`` for the response, and its
    programme on ``result.log.programme``: nothing needs to be read again."""
    body = _canonical(data)
    digest = _digest(body)
    with transaction.atomic():
        result = _upsert(patient, log_id, data, body, digest)
        if audit is not None:
            audit(result)
    return result


def _upsert(
    patient: Patient, log_id: UUID, data: dict[str, Any], body: dict, digest: str
) -> LogResult:
    try:
        target = _target(patient, data, log_id)
    except (NotFoundError, ValidationFailed):
        # What the body refers to is gone (the programme ended, say): a replay still answers.
        stored = _locked(log_id)
        if stored is not None and (answer := _answer_stored(stored, patient, data, digest)):
            return answer
        raise
    if target.log_exists and (stored := _locked(log_id)) is not None:
        answer = _answer_stored(stored, patient, data, digest)
        return answer or _update(stored, data, body, digest, target)
    planned = target.planned
    _require_loggable(planned, log_id)
    prescriptions = _check(target, data)
    log = SessionLog(
        id=log_id,
        patient=patient,
        programme=target.programme,
        planned_session=planned,
        performed_at=data["performed_at"],
        performed_offset_minutes=body["performed_offset_minutes"],
        body_hash=digest,
        **{field: body[field] for field in LOG_FIELDS},
    )
    if not _insert_new(log):
        # Taken since we looked: by a concurrent twin of this request (committed by now, so
        # this is its replay or update), or the planned session was logged under another id.
        stored = _locked(log_id)
        if stored is None:
            raise _already_logged(_existing_log(patient.pk, planned))
        answer = _answer_stored(stored, patient, data, digest)
        return answer or _update(stored, data, body, digest, target)
    log.exercise_rows = _write_exercises(log, planned, data, prescriptions)
    sync_changes_record(patient_id=patient.pk, entity=SyncEntity.SESSION_LOG, ids=[log.pk])
    alerts_for_log(log=log)
    return LogResult(log=log, outcome="created")


def _insert_new(log: SessionLog) -> bool:
    """Insert ``log`` unless its id or its planned session is taken: INSERT ... ON CONFLICT DO
    NOTHING (SQLite: INSERT OR IGNORE). True when it went in. A taken key does not abort the
    transaction, so no savepoint is needed around the insert (two round trips fewer for every
    new log); a concurrent insert of the same key is waited for, as with a plain INSERT.
    (SQLite's INSERT OR IGNORE would skip a row breaking a CHECK constraint too; the input's
    bounds, checked before, keep such a row from coming here.)"""
    using = router.db_for_write(SessionLog)
    query = InsertQuery(SessionLog, on_conflict=OnConflict.IGNORE)
    query.insert_values([f for f in SessionLog._meta.concrete_fields if not f.generated], [log])
    compiler = query.get_compiler(using=using)
    with compiler.connection.cursor() as cursor:
        for sql, params in compiler.as_sql():
            cursor.execute(sql, params)
        inserted = cursor.rowcount == 1
    log._state.adding, log._state.db = False, using
    return inserted


def _answer_stored(
    log: SessionLog, patient: Patient, data: dict[str, Any], digest: str
) -> LogResult | None:
    """The stored log ``log`` for this request: 404 when it is another patient's; the stored
    record, unchanged, for a replay; None when the body changes it."""
    if log.patient_id != patient.pk:
        raise NotFoundError(_("Session log not found."))
    if not _is_replay(log, data, digest):
        return None
    log.exercise_rows = list(log.exercises.select_related("exercise").order_by("id"))
    return LogResult(log=log, outcome="unchanged")


def _is_replay(log: SessionLog, data: dict[str, Any], digest: str) -> bool:
    """The same body as stored. A log stored before offsets were kept has the hash of the
    body without it."""
    if log.body_hash == digest:
        return True
    return log.performed_offset_minutes is None and log.body_hash == _digest(
        _canonical(data, with_offset=False)
    )


def _locked(log_id: UUID) -> SessionLog | None:
    return (
        SessionLog.objects.select_for_update().select_related("programme").filter(pk=log_id)
    ).first()


def _update(
    log: SessionLog, data: dict[str, Any], body: dict, digest: str, target: _Target
) -> LogResult:
    """A changed body for the patient's own stored ``log`` (checked by the caller). The lock,
    and the state of a session the log moves to, are checked before the body."""
    if timezone.now() > _lock_deadline(log):
        raise ConflictError(
            _("This log is locked: a log can be changed for %(days)s days after it was made.")
            % {"days": settings.SESSION_LOG_EDITABLE_DAYS},
            code="log_locked",
        )
    planned = target.planned
    moved = planned is not None and planned.pk != log.planned_session_id
    if moved:
        _require_loggable(planned, log.pk)
    prescriptions = _check(target, data)
    SessionLogRevision.objects.create(log=log, revision=log.revision, body=_snapshot(log))
    log.planned_session = planned
    log.programme = target.programme
    log.performed_at = data["performed_at"]
    log.performed_offset_minutes = body["performed_offset_minutes"]
    for field in LOG_FIELDS:
        setattr(log, field, body[field])
    log.body_hash = digest
    log.revision += 1
    if moved:  # onto another planned session, which may have a log of its own
        try:
            with transaction.atomic():
                log.save()
        except IntegrityError:
            raise _already_logged(_existing_log(log.patient_id, planned)) from None
    else:
        log.save()
    log.exercises.all().delete()
    log.exercise_rows = _write_exercises(log, planned, data, prescriptions)
    sync_changes_record(patient_id=log.patient_id, entity=SyncEntity.SESSION_LOG, ids=[log.pk])
    alerts_for_log(log=log)
    return LogResult(log=log, outcome="updated")


# --- Attendance -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttendanceResult:
    attendance: Attendance
    outcome: str


def _change_attendance(
    current: Attendance, values: dict, actor: User, correction_reason: str
) -> tuple[Attendance, str]:
    """Update a registration, keeping the previous one. Once claimed by an insurer, only as a
    correction with a reason (recorded with it)."""
    if all(getattr(current, key) == value for key, value in values.items()):
        return current, "unchanged"
    if Claim.objects.filter(attendance=current).exists() and not correction_reason.strip():
        raise ConflictError(
            _("This treatment has been claimed: change it as a correction, with a reason."),
            code="attendance_claimed",
            fields={"correction_reason": (_("Give the reason for the correction."), "required")},
        )
    AttendanceRevision.objects.create(
        attendance=current,
        revision=current.revision,
        replaced_by=actor,
        correction_reason=correction_reason.strip(),
        body={
            "status": current.status,
            "therapist": current.therapist.agb_code,
            "treated_at": current.treated_at.isoformat(),
            "location": current.location,
            "same_day_necessary": current.same_day_necessary,
            "registered_by": current.registered_by_id,
        },
    )
    for key, value in values.items():
        setattr(current, key, value)
    current.registered_by = actor
    current.revision += 1
    current.save()
    return current, "updated"


def _require_attendable(session: PlannedSession, current: Attendance | None) -> None:
    """Only a session that is (or was) due has an attendance: not one on hold (the programme
    is paused) nor one cancelled otherwise than by the practice's own registration, which
    stays open to correction."""
    if session.status == SessionStatus.ON_HOLD:
        message = _("This session is on hold: the programme is paused.")
        raise ConflictError(
            message, code="session_on_hold", fields={"session": (message, "on_hold")}
        )
    cancelled_by_practice = (
        current is not None and current.status == AttendanceStatus.CANCELLED_BY_PRACTICE
    )
    if session.status == SessionStatus.CANCELLED and not cancelled_by_practice:
        message = _("This session was cancelled.")
        raise ConflictError(
            message, code="session_cancelled", fields={"session": (message, "cancelled")}
        )


@transaction.atomic
def attendance_register(
    *,
    actor: User,
    session: PlannedSession,
    status: AttendanceStatus,
    therapist: Physiotherapist,
    treated_at: datetime | None = None,
    location: TreatmentLocation = TreatmentLocation.PRACTICE,
    same_day_necessary: bool = False,
    correction_reason: str = "",
) -> AttendanceResult:
    """Register a supervised session as attended, a no-show, or cancelled by the practice,
    with the therapist who treated (docs/domain.md §4-5: the record the insurer check counts).

    One attendance per planned session (a one-to-one key): registering again updates it, and
    the previous registration is kept. A session cancelled by the practice stops being due;
    correcting that makes it due again, unless another session has taken its day (409).
    A session on hold or cancelled otherwise has no attendance (409).
    Once an insurer has claimed the treatment it changes only as a correction with a reason,
    which is recorded with the previous registration; so does any registration that changes
    the verdict of another claimed treatment (services/reimbursement.claims_correction_check)."""
    session = (
        PlannedSession.objects.select_for_update()
        .select_related("programme__patient")
        .get(pk=session.pk)
    )
    patient = session.programme.patient
    claimed_before = claimed_judgements(patient_id=patient.pk)
    if not session.supervised:
        raise ValidationFailed(
            fields={
                "session": (_("Only supervised sessions have an attendance."), "not_supervised")
            }
        )
    if therapist.practice_id != patient.practice_id:
        raise ValidationFailed(
            fields={"therapist": (_("No such therapist in your practice."), "not_found")}
        )
    current = Attendance.objects.select_for_update().filter(planned_session=session).first()
    _require_attendable(session, current)
    treated_at = treated_at or session.scheduled_at
    if abs(treated_at - session.scheduled_at) > ATTENDANCE_WINDOW:
        raise ValidationFailed(
            fields={
                "treated_at": (
                    _(
                        "More than a week from the planned session: reschedule the session, or "
                        "register an extra treatment."
                    ),
                    "far_from_session",
                )
            }
        )
    if (
        status != AttendanceStatus.CANCELLED_BY_PRACTICE
        and treated_at > timezone.now() + CLOCK_SKEW
    ):
        raise ValidationFailed(
            fields={
                "treated_at": (_("A treatment cannot be registered in advance."), "in_the_future")
            }
        )
    values = {
        "status": status,
        "therapist": therapist,
        "treated_at": treated_at,
        "location": location,
        "same_day_necessary": same_day_necessary,
    }
    if current is None:
        attendance = Attendance.objects.create(
            planned_session=session,
            patient=patient,
            practice_id=patient.practice_id,
            registered_by=actor,
            **values,
        )
        outcome = "created"
    else:
        attendance, outcome = _change_attendance(current, values, actor, correction_reason)
        if outcome == "unchanged":
            return AttendanceResult(attendance=attendance, outcome=outcome)

    # Cancelled by the practice: no longer due, no reminder. Reverting makes it due again.
    if status == AttendanceStatus.CANCELLED_BY_PRACTICE:
        session.status = SessionStatus.CANCELLED
        session.cancel_reason = "cancelled by the practice"
    elif (
        session.status == SessionStatus.CANCELLED
        and session.cancel_reason == "cancelled by the practice"
    ):
        session.status = SessionStatus.SCHEDULED
        session.cancel_reason = ""
    try:
        with transaction.atomic():
            session.save(update_fields=["status", "cancel_reason", "updated_at"])
    except IntegrityError as exc:  # another session was moved onto its day meanwhile
        message = _(
            "Another session is now planned on this day: move that one first, then register "
            "this one."
        )
        raise ConflictError(
            message, code="day_taken", fields={"status": (message, "day_taken")}
        ) from exc
    claims_correction_check(
        patient_id=patient.pk,
        before=claimed_before,
        actor=actor,
        correction_reason=correction_reason,
        cause="attendance",
        cause_id=attendance.pk,
    )
    sync_changes_record(patient_id=patient.pk, entity=SyncEntity.SESSION, ids=[session.pk])
    return AttendanceResult(attendance=attendance, outcome=outcome)


@transaction.atomic
def treatment_register_extra(
    *,
    actor: User,
    patient: Patient,
    reference: UUID,
    therapist: Physiotherapist,
    treated_at: datetime,
    location: TreatmentLocation = TreatmentLocation.PRACTICE,
    same_day_necessary: bool = False,
    correction_reason: str = "",
) -> AttendanceResult:
    """A treatment outside the plan (an extra one, or a second one on the same day), attended
    by definition (R1). Keyed by the client's ``reference``: registering it again updates it."""
    if therapist.practice_id != patient.practice_id:
        raise ValidationFailed(
            fields={"therapist": (_("No such therapist in your practice."), "not_found")}
        )
    if treated_at > timezone.now() + CLOCK_SKEW:
        raise ValidationFailed(
            fields={
                "treated_at": (_("A treatment cannot be registered in advance."), "in_the_future")
            }
        )
    values = {
        "status": AttendanceStatus.ATTENDED,
        "therapist": therapist,
        "treated_at": treated_at,
        "location": location,
        "same_day_necessary": same_day_necessary,
    }
    claimed_before = claimed_judgements(patient_id=patient.pk)
    current = Attendance.objects.select_for_update().filter(reference=reference).first()
    if current is not None:
        if current.patient_id != patient.pk:
            raise NotFoundError(_("Treatment not found."))
        attendance, outcome = _change_attendance(current, values, actor, correction_reason)
    else:
        try:
            with transaction.atomic():
                attendance = Attendance.objects.create(
                    reference=reference,
                    patient=patient,
                    practice_id=patient.practice_id,
                    registered_by=actor,
                    **values,
                )
        except IntegrityError:  # the same reference registered at the same moment
            attendance = Attendance.objects.get(reference=reference, patient=patient)
            return AttendanceResult(attendance=attendance, outcome="unchanged")
        outcome = "created"
    if outcome != "unchanged":
        claims_correction_check(
            patient_id=patient.pk,
            before=claimed_before,
            actor=actor,
            correction_reason=correction_reason,
            cause="treatment",
            cause_id=attendance.pk,
        )
    return AttendanceResult(attendance=attendance, outcome=outcome)
