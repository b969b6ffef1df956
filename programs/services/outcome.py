"""Pain and function outcomes (docs/domain.md §2): weekly pain, questionnaires and performance
tests, each scored by the pure functions in programs/scoring/ when it is written."""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from programs.errors import ConflictError, NotFoundError, ValidationFailed, field_error
from programs.models import (
    RUNNING_STATUSES,
    Instrument,
    OutcomeScore,
    Patient,
    PerformanceTest,
    PerformanceTestKind,
    Physiotherapist,
    PlannedSession,
    Programme,
    QuestionnaireAnswer,
    QuestionnaireResponse,
    Timepoint,
    WeeklyPain,
)
from programs.scoring import (
    HOOS_PS_ITEMS,
    OXFORD_ITEMS,
    ScoringError,
    hoos_item_codes,
    score_hoos,
    score_hoos_ps,
    score_oxford,
    score_psfs,
    score_psk,
    walk_speed_m_per_s,
)
from programs.selectors.outcome import programme_windows
from programs.services.alert import alerts_for_scores, alerts_for_weekly_pain

# Versions we store answers for. Item texts are licensed and live in the app; a new version
# with other items gets its own entry here and its own scoring.
INSTRUMENT_VERSIONS = {
    Instrument.HOOS: ("2.0",),
    Instrument.OXFORD: ("1998",),
    Instrument.PSFS: ("1995",),
    Instrument.PSK: ("KNGF-2018",),
    Instrument.HOOS_PS: ("2.0",),
}
ITEM_CODES = {
    Instrument.HOOS: hoos_item_codes(),
    Instrument.OXFORD: OXFORD_ITEMS,
    Instrument.HOOS_PS: HOOS_PS_ITEMS,
}
ACTIVITY_INSTRUMENTS = (Instrument.PSFS, Instrument.PSK)
CLOCK_SKEW = timedelta(minutes=10)
# A weekly report is about the past week: this week or, synced late, up to this many before.
WEEKLY_PAIN_LATE_WEEKS = 3


def _scoring_failed(error: ScoringError, prefix: str) -> ValidationFailed:
    name = f"{prefix}.{error.item}" if error.item else prefix
    return ValidationFailed(fields={name: [field_error(str(error), error.code)]})


def _local(patient: Patient, moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo(patient.time_zone))


def _programme_of(patient: Patient) -> Programme | None:
    """The programme outcomes belong to: the running one, else the most recent."""
    running = Programme.objects.filter(patient=patient, status__in=RUNNING_STATUSES).first()
    return running or Programme.objects.filter(patient=patient).order_by("-start_date").first()


# --- Weekly pain ---------------------------------------------------------------------------


@dataclass(frozen=True)
class WeeklyPainResult:
    report: WeeklyPain
    outcome: str


@transaction.atomic
def weekly_pain_report(
    *, patient: Patient, week_start: date, nrs: int, reported_at: datetime
) -> WeeklyPainResult:
    """The patient's average pain over the past week (NRS 0-10, docs/domain.md §2), once per ISO
    week: the week is the key, so a repeated report updates it instead of adding one."""
    today = timezone.now().astimezone(ZoneInfo(patient.time_zone)).date()
    this_week = today - timedelta(days=today.weekday())
    if week_start.weekday() != 0:
        raise ValidationFailed(fields={"week": (_("A week starts on a Monday."), "invalid")})
    if week_start > this_week:
        raise ValidationFailed(fields={"week": (_("This week has not begun."), "in_the_future")})
    if week_start < this_week - timedelta(weeks=WEEKLY_PAIN_LATE_WEEKS):
        raise ValidationFailed(fields={"week": (_("This week lies too far back."), "too_early")})
    if reported_at > timezone.now() + CLOCK_SKEW:
        raise ValidationFailed(
            fields={"reported_at": (_("This lies in the future."), "in_the_future")}
        )
    programme = _programme_of(patient)
    report = WeeklyPain(
        patient=patient,
        programme=programme,
        week_start=week_start,
        nrs=nrs,
        reported_at=reported_at,
    )
    try:
        with transaction.atomic():
            report.save(force_insert=True)
        alerts_for_weekly_pain(report=report)
        return WeeklyPainResult(report=report, outcome="created")
    except IntegrityError:
        existing = WeeklyPain.objects.select_for_update().get(
            patient=patient, week_start=week_start
        )
    if existing.nrs == nrs:
        return WeeklyPainResult(report=existing, outcome="unchanged")
    existing.nrs = nrs
    existing.reported_at = reported_at
    existing.revision += 1
    existing.save()
    alerts_for_weekly_pain(report=existing)
    return WeeklyPainResult(report=existing, outcome="updated")


# --- Questionnaires ------------------------------------------------------------------------


def _validated_answers(instrument: str, data: dict[str, Any]) -> list[QuestionnaireAnswer]:
    """Answers by item code, checked against the instrument: an unknown item or an answer out
    of range is a 400 naming the item ("answers.P11")."""
    if instrument in ACTIVITY_INSTRUMENTS:
        activities = data.get("activities") or []
        if data.get("answers"):
            raise ValidationFailed(
                fields={"answers": (_("This questionnaire has activities, not items."), "invalid")}
            )
        return [
            QuestionnaireAnswer(
                item_code=f"activity_{index}", value=activity["rating"], text=activity["name"]
            )
            for index, activity in enumerate(activities, start=1)
        ]
    if data.get("activities"):
        raise ValidationFailed(
            fields={"activities": (_("This questionnaire has items, not activities."), "invalid")}
        )
    answers = data.get("answers") or {}
    known = set(ITEM_CODES[instrument])
    unknown = sorted(code for code in answers if code not in known)
    if unknown:
        raise ValidationFailed(
            fields={
                f"answers.{code}": (_("Not an item of this questionnaire."), "unknown_item")
                for code in unknown
            }
        )
    return [QuestionnaireAnswer(item_code=code, value=answers[code]) for code in answers]


def _scores(instrument: str, answers: list[QuestionnaireAnswer]) -> dict[str, float | None]:
    """Score with the pure functions (docs/domain.md §2); a subscale without enough answers has no
    score rather than a wrong one."""
    values = {answer.item_code: answer.value for answer in answers}
    prefix = "activities" if instrument in ACTIVITY_INSTRUMENTS else "answers"
    try:
        if instrument == Instrument.HOOS:
            return {f"hoos_{scale}": value for scale, value in score_hoos(values).items()}
        if instrument == Instrument.OXFORD:
            return {"oxford": score_oxford(values)}
        if instrument == Instrument.HOOS_PS:
            return {"hoos_ps": score_hoos_ps(values)}
        ratings = [answer.value for answer in answers]
        if instrument == Instrument.PSFS:
            return {"psfs": score_psfs(ratings)}
        return {"psk": score_psk(ratings)}
    except ScoringError as error:
        if error.item and error.item.startswith("activity_"):
            error.item = f"{int(error.item.split('_')[1]) - 1}.rating"
        raise _scoring_failed(error, prefix) from error


def _canonical(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "instrument": data["instrument"],
        "instrument_version": data["instrument_version"],
        "timepoint": data.get("timepoint") or None,
        "answered_at": data["answered_at"].astimezone(UTC).isoformat(),
        "answers": dict(sorted((data.get("answers") or {}).items())),
        "activities": data.get("activities") or [],
    }


@dataclass(frozen=True)
class ResponseResult:
    response: QuestionnaireResponse
    outcome: str


def _place(patient: Patient, programme: Programme | None, data: dict, answered: date) -> tuple:
    """The timepoint (given, or the window the answer falls in) and whether it is in window."""
    windows = programme_windows(programme) if programme is not None else []
    given = data.get("timepoint")
    if given:
        window = next((w for w in windows if w.timepoint == given), None)
        return given, bool(window and window.contains(answered))
    for window in windows:
        if window.contains(answered):
            return window.timepoint, True
    return Timepoint.UNSCHEDULED, False


@transaction.atomic
def questionnaire_response_upsert(
    *, patient: Patient, response_id: UUID, data: dict[str, Any]
) -> ResponseResult:
    """Store a questionnaire from the app by its UUID, idempotent like session logs: the same
    body again changes nothing; another body updates it (within SESSION_LOG_EDITABLE_DAYS);
    another patient's id is a 404. Answers are kept per item code with the instrument
    version; scores are computed now (docs/domain.md §2). A response outside its window is kept and
    marked ``in_window=False``."""
    instrument = data["instrument"]
    if data["instrument_version"] not in INSTRUMENT_VERSIONS[instrument]:
        raise ValidationFailed(
            fields={
                "instrument_version": (
                    _("Unknown version; known: %(versions)s.")
                    % {"versions": ", ".join(INSTRUMENT_VERSIONS[instrument])},
                    "unknown_version",
                )
            }
        )
    if data["answered_at"] > timezone.now() + CLOCK_SKEW:
        raise ValidationFailed(
            fields={"answered_at": (_("This lies in the future."), "in_the_future")}
        )
    answers = _validated_answers(instrument, data)
    scores = _scores(instrument, answers)
    body = _canonical(data)
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
    programme = _programme_of(patient)
    timepoint, in_window = _place(
        patient, programme, data, _local(patient, data["answered_at"]).date()
    )
    values = {
        "patient": patient,
        "programme": programme,
        "instrument": instrument,
        "instrument_version": data["instrument_version"],
        "timepoint": timepoint,
        "answered_at": data["answered_at"],
        "in_window": in_window,
        "body_hash": digest,
    }
    response = QuestionnaireResponse(id=response_id, **values)
    try:
        with transaction.atomic():
            response.save(force_insert=True)
        outcome = "created"
    except IntegrityError:
        response = QuestionnaireResponse.objects.select_for_update().get(pk=response_id)
        if response.patient_id != patient.pk:
            raise NotFoundError(_("Questionnaire response not found.")) from None
        if response.body_hash == digest:
            return ResponseResult(response=response, outcome="unchanged")
        deadline = response.created_at + timedelta(days=settings.SESSION_LOG_EDITABLE_DAYS)
        if timezone.now() > deadline:
            raise ConflictError(
                _("This questionnaire can no longer be changed."), code="response_locked"
            ) from None
        for key, value in values.items():
            setattr(response, key, value)
        response.revision += 1
        response.save()
        response.answers.all().delete()
        response.scores.all().delete()
        outcome = "updated"
    for answer in answers:
        answer.response = response
    QuestionnaireAnswer.objects.bulk_create(answers)
    OutcomeScore.objects.bulk_create(
        OutcomeScore(
            patient=patient,
            programme=programme,
            measure=measure,
            value=value,
            timepoint=timepoint,
            measured_at=data["answered_at"],
            in_window=in_window,
            response=response,
        )
        for measure, value in scores.items()
        if value is not None
    )
    alerts_for_scores(patient=patient)
    return ResponseResult(response=response, outcome=outcome)


# --- Performance tests ---------------------------------------------------------------------

PERFORMANCE_MEASURE = {
    PerformanceTestKind.CHAIR_STAND: "chair_stand_30s",
    PerformanceTestKind.WALK_40M: "walk_40m_speed",
    PerformanceTestKind.TUG: "tug_seconds",
    PerformanceTestKind.SIX_MINUTE_WALK: "six_minute_walk_m",
}
PERFORMANCE_LIMITS = {
    PerformanceTestKind.CHAIR_STAND: (0, 60),
    PerformanceTestKind.WALK_40M: (5, 600),
    PerformanceTestKind.TUG: (2, 300),
    PerformanceTestKind.SIX_MINUTE_WALK: (0, 1500),
}


def supervised_bounds(programme: Programme) -> tuple[UUID | None, UUID | None]:
    """The first and the last supervised session: where the tests are done by default."""
    supervised = programme.sessions.filter(supervised=True).exclude(status="cancelled")
    first = supervised.order_by("scheduled_at").values_list("pk", flat=True).first()
    last = supervised.order_by("-scheduled_at").values_list("pk", flat=True).first()
    return first, last


@transaction.atomic
def performance_test_record(
    *,
    physiotherapist: Physiotherapist,
    session: PlannedSession,
    kind: PerformanceTestKind,
    value: Decimal,
    measured_at: datetime | None = None,
) -> tuple[PerformanceTest, str]:
    """Record a performance test at a supervised session (docs/domain.md §2: 30-second chair
    stand, 40 m fast-paced walk as m/s, Timed Up and Go, 6-minute walk); one per session and
    kind, recording again corrects it. The first supervised session counts as baseline, the
    last as week 12."""
    session = PlannedSession.objects.select_related("programme__patient").get(pk=session.pk)
    programme = session.programme
    patient = programme.patient
    if patient.practice_id != physiotherapist.practice_id:
        raise NotFoundError(_("Session not found."))
    if not session.supervised:
        raise ValidationFailed(
            fields={"session": (_("Tests are done at supervised sessions."), "not_supervised")}
        )
    if kind == PerformanceTestKind.CHAIR_STAND and value != value.to_integral_value():
        raise ValidationFailed(
            fields={"value": (_("The chair stand counts whole stands."), "not_a_whole_number")}
        )
    low, high = PERFORMANCE_LIMITS[kind]
    if not low <= value <= high:
        raise ValidationFailed(
            fields={
                "value": (
                    _("Expected between %(low)s and %(high)s.") % {"low": low, "high": high},
                    "out_of_range",
                )
            }
        )
    measured_at = measured_at or session.scheduled_at
    if measured_at > timezone.now() + CLOCK_SKEW:
        raise ValidationFailed(
            fields={"measured_at": (_("This lies in the future."), "in_the_future")}
        )
    first, last = supervised_bounds(programme)
    timepoint = (
        Timepoint.BASELINE
        if session.pk == first
        else Timepoint.WEEK_12
        if session.pk == last
        else Timepoint.UNSCHEDULED
    )
    test, created = PerformanceTest.objects.select_for_update().get_or_create(
        session=session,
        kind=kind,
        defaults={
            "patient": patient,
            "programme": programme,
            "value": value,
            "measured_at": measured_at,
            "therapist": physiotherapist,
        },
    )
    if not created:
        if test.value == value and test.measured_at == measured_at:
            return test, "unchanged"
        test.value = value
        test.measured_at = measured_at
        test.therapist = physiotherapist
        test.save()
        test.scores.all().delete()
    measure = PERFORMANCE_MEASURE[kind]
    score = float(value)
    if kind == PerformanceTestKind.WALK_40M:
        score = walk_speed_m_per_s(float(value))
    OutcomeScore.objects.create(
        patient=patient,
        programme=programme,
        measure=measure,
        value=score,
        timepoint=timepoint,
        measured_at=measured_at,
        performance_test=test,
    )
    alerts_for_scores(patient=patient)
    return test, "created" if created else "updated"
