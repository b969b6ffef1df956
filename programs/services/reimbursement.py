"""The insurer's check of the 12-treatment rule (docs/domain.md §5), set-based: the registrations,
coverages, indications and earlier claims of all the people a batch concerns are read in a
handful of queries, whatever the number of lines; the rules themselves are the pure
functions in programs/reimbursement.py."""

import gc
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple
from uuid import UUID
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from programs.errors import ConflictError
from programs.models import (
    Attendance,
    AttendanceStatus,
    Claim,
    ClaimCorrection,
    ClaimVerdict,
    Indication,
    InsuranceCoverage,
    Insurer,
    Patient,
    Physiotherapist,
    User,
)
from programs.reimbursement import (
    ALLOWANCE,
    NO_REFERRAL,
    NOT_ATTENDED,
    OUTSIDE_PERIOD,
    OVER_LIMIT,
    SAME_DAY,
    Assessment,
    Episode,
    Registration,
    assess,
    diagnoses_on_record,
)
from programs.reimbursement import Indication as IndicationRule
from programs.services.common import validation_failed_from

REASON_VERDICT = {
    NOT_ATTENDED: ClaimVerdict.NOT_ATTENDED,
    OUTSIDE_PERIOD: ClaimVerdict.OUTSIDE_PERIOD,
    OVER_LIMIT: ClaimVerdict.OVER_LIMIT,
    SAME_DAY: ClaimVerdict.SAME_DAY,
    NO_REFERRAL: ClaimVerdict.NO_REFERRAL,
}

# A treatment's verdict and number (1-12 when covered), as a claim records them.
Judgement = tuple[str, int | None]


class RegistrationInfo(NamedTuple):
    """What the insurer may see of a registration, beside the rule's input (a named tuple:
    a batch of 10,000 claim lines reads some 100,000 of them)."""

    attendance_id: int
    patient_id: UUID
    day: date
    practice_agb: str
    therapist_agb: str
    status: str
    revision: int


@dataclass(slots=True)
class PersonAssessment:
    episodes: list[Episode]
    by_attendance: dict[int, Assessment]
    info: dict[int, RegistrationInfo]
    # The indications recorded for this person (R5, R7, R8), by date recorded.
    indications: list[IndicationRule] = field(default_factory=list)


def _coverage_on(periods: list[tuple], day: date):
    for valid_from, valid_to, value in periods:
        if valid_from <= day and (valid_to is None or day <= valid_to):
            return value
    return None


def among(values: Iterable, db_type: str):
    """The right-hand side of an ``__in`` filter for thousands of values: on PostgreSQL one
    array parameter (``IN (SELECT unnest(%s::uuid[]))``) instead of a placeholder per value,
    which psycopg and Django would each handle one by one in Python; elsewhere the list."""
    values = list(values)
    if connection.vendor == "postgresql":
        return RawSQL(f"SELECT unnest(%s::{db_type}[])", [values])  # noqa: S611 (a type name)
    return values


@contextmanager
def collector_paused():
    """Pause CPython's cyclic garbage collector while a batch builds its working set: a
    10,000-line check holds some 100,000 registrations with their verdicts, none of them in
    a reference cycle, and the collector would walk them again each time a few thousand more
    were allocated (measured: a third to half of the check's time, and most of its
    variance). Reference counting frees them as always; the collector resumes after."""
    if not gc.isenabled():  # nested, or paused by the caller
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def assess_people(patient_ids: Iterable[UUID]) -> dict[UUID, PersonAssessment]:
    """Episodes and verdicts for many people in four queries (coverages: whether the insurer
    of each treatment's day requires a referral, R7; registrations; indications)."""
    ids = list(set(patient_ids))
    if not ids:
        return {}
    # Only people with a coverage that requires a referral need the per-day look-up (R7).
    referral_policy: dict[UUID, list[tuple]] = defaultdict(list)
    for patient_id, valid_from, valid_to, required in InsuranceCoverage.objects.filter(
        patient_id__in=among(ids, "uuid")
    ).values_list("patient_id", "valid_from", "valid_to", "insurer__requires_referral"):
        referral_policy[patient_id].append((valid_from, valid_to, required))
    referral_policy = {
        patient_id: periods
        for patient_id, periods in referral_policy.items()
        if any(required for _from, _to, required in periods)
    }
    # Per person: the rule's input, and what the insurer may see of each registration.
    registrations: dict[UUID, tuple[list[Registration], dict[int, RegistrationInfo]]] = {}
    zones: dict[str, ZoneInfo] = {}
    attended = AttendanceStatus.ATTENDED.value
    rows = Attendance.objects.filter(patient_id__in=among(ids, "uuid")).values_list(
        "pk",
        "patient_id",
        "status",
        "treated_at",
        "same_day_necessary",
        "practice__agb_code",
        "therapist__agb_code",
        "patient__time_zone",
        "revision",
    )
    for pk, patient_id, status, treated_at, necessary, practice, therapist, zone, rev in rows:
        tz = zones.get(zone)
        if tz is None:
            tz = zones[zone] = ZoneInfo(zone)
        day = treated_at.astimezone(tz).date()
        person = registrations.get(patient_id)
        if person is None:
            person = registrations[patient_id] = ([], {}, referral_policy.get(patient_id))
        own, info, policy = person
        own.append(
            Registration(
                pk,
                treated_at,
                day,
                status == attended,
                necessary,
                policy is not None and bool(_coverage_on(policy, day)),
            )
        )
        info[pk] = RegistrationInfo(pk, patient_id, day, practice, therapist, status, rev)
    indications: dict[UUID, list[IndicationRule]] = defaultdict(list)
    for patient_id, recorded_on, code, referral in (
        Indication.objects.filter(patient_id__in=among(ids, "uuid"))
        .order_by("recorded_on", "pk")
        .values_list("patient_id", "recorded_on", "diagnosis_code", "referral_date")
    ):
        indications[patient_id].append(IndicationRule(recorded_on, code, referral is not None))
    people = {}
    nothing: tuple = ((), {}, None)
    for patient_id in ids:
        registered, info, _policy = registrations.get(patient_id, nothing)
        recorded = indications.get(patient_id, [])
        episodes, assessments = assess(registered, recorded)
        people[patient_id] = PersonAssessment(
            episodes=episodes,
            by_attendance={a.registration.id: a for a in assessments},
            info=info,
            indications=recorded,
        )
    return people


def judgement(assessment: Assessment) -> Judgement:
    """The verdict of one treatment in the insurer's words, and its number when covered."""
    if assessment.covered:
        return ClaimVerdict.COVERED, assessment.number
    return REASON_VERDICT[assessment.reason], None


def deductible_applies(insurer: Insurer, day: date) -> bool:
    """R6: covered treatments count toward the deductible unless the insurer waives it."""
    waived_from = insurer.deductible_waived_from
    return waived_from is None or day < waived_from


def claim_codes(verdict: str, codes: dict | None = None) -> str | None:
    """R8: covered treatments are claimed with CSI 012, the 13th and later with CSI 009;
    no CSI code for any other verdict."""
    codes = codes or settings.REIMBURSEMENT_CODES
    if verdict == ClaimVerdict.COVERED:
        return codes["csi_covered"]
    if verdict == ClaimVerdict.OVER_LIMIT:
        return codes["csi_beyond_limit"]
    return None


@dataclass(slots=True)
class LineResult:
    index: int
    verdict: str
    number: int | None = None
    deductible_applies: bool | None = None
    # R8: 012 covered, 009 beyond the 12; None for every other verdict.
    csi_code: str | None = None
    episode_start: date | None = None
    episode_end: date | None = None
    attendance_id: int | None = None
    attendance_revision: int | None = None
    # The earlier claim of this treatment that this line's verdict replaces (after a
    # recorded correction changed it): its id, verdict and number.
    replaces: dict | None = None
    # The person the line is about (the member on the line's date), for the access log.
    patient_id: UUID | None = None
    # The diagnosis codes the therapist recorded for the treatment, when the line's code is
    # not among them (a warning: R4 makes it one allowance, so the verdict is the same).
    diagnosis_on_record: tuple[str, ...] | None = None


def _coverage_for(coverages: list[tuple], day: date) -> UUID | None:
    for patient_id, valid_from, valid_to in coverages:
        if valid_from <= day and (valid_to is None or day <= valid_to):
            return patient_id
    return None


def _claimable(claim: tuple | None, person: PersonAssessment, attendance_id: int) -> bool:
    """Not claimed yet, or claimed with a verdict or number a correction has changed since."""
    return claim is None or (claim[1], claim[2]) != judgement(person.by_attendance[attendance_id])


def claims_check(*, insurer: Insurer, lines: list[dict], record: bool = True) -> list[LineResult]:
    """Judge a batch of claim lines (already validated one by one) in set-based queries:
    coverages, registrations, indications and earlier claims are read once for all lines.
    Each line gets one verdict; lines that match a treatment are recorded (unless
    ``record`` is false), so that a treatment is claimed once: a second line for it, in this
    batch or a later one, is a duplicate_claim. Unless a recorded correction has changed the
    treatment's verdict or number since its claim: then the line is judged afresh, says which
    verdict it replaces, and its claim replaces the earlier one.

    A line whose diagnosis code (R8) is not the one the therapist recorded for the treatment
    gets the same verdict (R4: hip and knee share one allowance) and says what is on
    record (``diagnosis_on_record``)."""
    with collector_paused():
        results = _judge(insurer, lines)
    if record and any(result.attendance_id is not None for result in results):
        _record(insurer, lines, results)
    return results


def _judge(insurer: Insurer, lines: list[dict]) -> list[LineResult]:
    numbers = {line["member_number"] for line in lines}
    coverages: dict[str, list[tuple]] = defaultdict(list)
    for member, patient_id, valid_from, valid_to in InsuranceCoverage.objects.filter(
        insurer=insurer, member_number__in=among(numbers, "text")
    ).values_list("member_number", "patient_id", "valid_from", "valid_to"):
        coverages[member].append((patient_id, valid_from, valid_to))
    people = assess_people(p for rows in coverages.values() for p, *_rest in rows)
    # Earlier claims of the treatments of these people: by person rather than by treatment,
    # a few thousand ids in the query instead of every registration of those people.
    earlier = {
        attendance_id: (pk, verdict, number)
        for pk, attendance_id, verdict, number in Claim.objects.filter(
            attendance__patient_id__in=among(people, "uuid"), superseded_at__isnull=True
        ).values_list("pk", "attendance_id", "verdict", "number")
    }
    taken: set[int] = set()  # matched by a line of this batch
    codes = settings.REIMBURSEMENT_CODES
    waived_from = insurer.deductible_waived_from
    covered = ClaimVerdict.COVERED.value

    results = []
    for line in lines:
        day = line["date"]
        patient_id = _coverage_for(coverages.get(line["member_number"], ()), day)
        if patient_id is None:
            results.append(LineResult(line["index"], ClaimVerdict.NOT_OUR_MEMBER))
            continue
        person = people[patient_id]
        practice, therapist = line["practice_agb"], line["therapist_agb"]
        options = [
            item
            for item in person.info.values()
            if item.day == day and item.practice_agb == practice and item.therapist_agb == therapist
        ]
        if len(options) > 1:
            options.sort(
                key=lambda item: (
                    person.by_attendance[item.attendance_id].registration.at,
                    item.attendance_id,
                )
            )
        if not options:
            results.append(
                LineResult(line["index"], ClaimVerdict.NO_MATCHING_TREATMENT, patient_id=patient_id)
            )
            continue
        item = next(
            (
                item
                for item in options
                if item.attendance_id not in taken
                and _claimable(earlier.get(item.attendance_id), person, item.attendance_id)
            ),
            None,
        )
        if item is None:
            results.append(
                LineResult(line["index"], ClaimVerdict.DUPLICATE_CLAIM, patient_id=patient_id)
            )
            continue
        taken.add(item.attendance_id)
        assessment = person.by_attendance[item.attendance_id]
        episode = person.episodes[assessment.episode] if assessment.episode is not None else None
        verdict, number = judgement(assessment)
        previous = earlier.get(item.attendance_id)
        on_record = diagnoses_on_record(day, episode, person.episodes, person.indications)
        results.append(
            LineResult(
                line["index"],
                verdict,
                number=number,
                # R6, as deductible_applies() says, without a call per line.
                deductible_applies=(waived_from is None or day < waived_from)
                if verdict == covered
                else None,
                csi_code=claim_codes(verdict, codes),
                episode_start=episode.start if episode else None,
                episode_end=episode.end if episode else None,
                attendance_id=item.attendance_id,
                attendance_revision=item.revision,
                replaces={"claim": previous[0], "verdict": previous[1], "number": previous[2]}
                if previous
                else None,
                patient_id=patient_id,
                diagnosis_on_record=tuple(sorted(on_record))
                if on_record and line["diagnosis_code"] not in on_record
                else None,
            )
        )

    return results


def _as_duplicate(result: LineResult) -> None:
    result.verdict = ClaimVerdict.DUPLICATE_CLAIM
    result.number = result.deductible_applies = result.replaces = result.csi_code = None
    result.episode_start = result.episode_end = result.diagnosis_on_record = None


@transaction.atomic
def _record(insurer: Insurer, lines: list[dict], results: list[LineResult]) -> None:
    """Keep the matched lines. The one-current-claim-per-treatment key decides between two
    batches checked at the same moment: a line whose row another batch wrote (or whose
    earlier claim another batch replaced) is a duplicate_claim."""
    batch = uuid.uuid4()
    now = timezone.now()
    by_index = {line["index"]: line for line in lines}
    matched = [r for r in results if r.attendance_id is not None]
    replacing = [r for r in matched if r.replaces]
    if replacing:
        # Locked, then re-read: an earlier claim another batch replaced meanwhile is not ours
        # to replace.
        still_current = set(
            Claim.objects.select_for_update()
            .filter(pk__in=[r.replaces["claim"] for r in replacing], superseded_at__isnull=True)
            .values_list("pk", flat=True)
        )
        Claim.objects.filter(pk__in=still_current).update(superseded_at=now)
        for result in replacing:
            if result.replaces["claim"] not in still_current:
                _as_duplicate(result)
                matched.remove(result)
    rows = [
        {
            "batch": batch,
            "insurer_id": insurer.pk,
            "attendance_id": result.attendance_id,
            "attendance_revision": result.attendance_revision,
            "member_number": by_index[result.index]["member_number"],
            "claim_date": by_index[result.index]["date"],
            "practice_agb": by_index[result.index]["practice_agb"],
            "therapist_agb": by_index[result.index]["therapist_agb"],
            "diagnosis_code": by_index[result.index]["diagnosis_code"],
            "verdict": result.verdict,
            "number": result.number,
            "csi_code": result.csi_code or "",
            "deductible_applies": result.deductible_applies,
        }
        for result in matched
    ]
    ours = _insert_claims(rows, batch, now)
    for result in matched:
        if result.attendance_id not in ours:
            _as_duplicate(result)


def _insert_claims(rows: list[dict], batch: UUID, now) -> set[int]:
    """Insert claim rows, skipping those the one-current-claim-per-treatment key refuses
    (another batch claimed that treatment meanwhile); the treatments this batch claimed.

    On PostgreSQL one INSERT ... SELECT FROM unnest(one array per column) ... ON CONFLICT
    DO NOTHING RETURNING: 10,000 claims in some 0.1 s, where bulk_create spends a second on
    model instances and 150,000 parameters. Elsewhere bulk_create, then a re-read."""
    if not rows:
        return set()
    if connection.vendor != "postgresql":
        Claim.objects.bulk_create(
            [Claim(created_at=now, updated_at=now, **row) for row in rows], ignore_conflicts=True
        )
        return {
            attendance_id
            for attendance_id, claim_batch in Claim.objects.filter(
                attendance_id__in=[row["attendance_id"] for row in rows],
                superseded_at__isnull=True,
            ).values_list("attendance_id", "batch")
            if claim_batch == batch
        }
    fixed = {"created_at": now, "updated_at": now, "superseded_at": None}
    fields = [f for f in Claim._meta.concrete_fields if not f.primary_key]
    arrays = [
        [fixed[f.attname]] * len(rows) if f.attname in fixed else [row[f.attname] for row in rows]
        for f in fields
    ]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    unnest = ", ".join(f"%s::{f.cast_db_type(connection)}[]" for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(Claim._meta.db_table)} ({columns}) "  # noqa: S608 (names)
            f"SELECT * FROM unnest({unnest}) ON CONFLICT DO NOTHING "
            f"RETURNING {quote('attendance_id')}",
            arrays,
        )
        return {attendance_id for (attendance_id,) in cursor.fetchall()}


# --- Corrections of claimed treatments ---------------------------------------------------------


def claimed_judgements(*, patient_id: UUID) -> dict[int, Judgement]:
    """The verdict and number each treatment of this person that an insurer has claimed gets
    now (one query when nothing is claimed)."""
    claimed = list(
        Claim.objects.filter(
            attendance__patient_id=patient_id, superseded_at__isnull=True
        ).values_list("attendance_id", flat=True)
    )
    if not claimed:
        return {}
    person = assess_people([patient_id])[patient_id]
    return {pk: judgement(person.by_attendance[pk]) for pk in claimed}


def claims_correction_check(
    *,
    patient_id: UUID,
    before: dict[int, Judgement],
    actor: User,
    correction_reason: str,
    cause: str,
    cause_id: object,
) -> ClaimCorrection | None:
    """Issue 8: "a treatment already claimed can only be changed by a correction that is
    itself recorded". Called inside the transaction of a change to registrations or
    indications, after it, with ``claimed_judgements`` from before it. When the change
    altered the verdict or number of a claimed treatment (a no-show corrected, an earlier
    treatment registered late, a backdated indication), it needs a reason: without one a
    409 naming correction_reason rolls the change back; with one it is recorded."""
    if not before:
        return None
    after = claimed_judgements(patient_id=patient_id)
    changed = {pk: (was, after[pk]) for pk, was in before.items() if after.get(pk) != was}
    if not changed:
        return None
    if not correction_reason.strip():
        days = [
            a.treated_at.astimezone(ZoneInfo(a.patient.time_zone)).date()
            for a in Attendance.objects.filter(pk__in=changed)
            .select_related("patient")
            .order_by("treated_at")
        ]
        message = _(
            "This change alters the verdict of treatments an insurer has already claimed "
            "(%(dates)s): record it as a correction, with a reason."
        ) % {"dates": ", ".join(date_format(day, "j F Y") for day in days)}
        raise ConflictError(
            message,
            code="claimed_verdict_changed",
            fields={"correction_reason": (_("Give the reason for the correction."), "required")},
        )
    return ClaimCorrection.objects.create(
        patient_id=patient_id,
        recorded_by=actor,
        reason=correction_reason.strip(),
        cause=cause,
        cause_id=str(cause_id),
        changes=[
            {"attendance": pk, "before": list(was), "after": list(now)}
            for pk, (was, now) in sorted(changed.items())
        ],
    )


# --- What insurers, physiotherapists and patients read ----------------------------------------


def member_coverages(
    *, insurer: Insurer, member_number: str
) -> dict[tuple[UUID, str], list[tuple]]:
    """This insurer's coverage periods of a member number, by (patient, member number)."""
    periods: dict[tuple[UUID, str], list[tuple]] = defaultdict(list)
    for patient_id, valid_from, valid_to in InsuranceCoverage.objects.filter(
        insurer=insurer, member_number=member_number
    ).values_list("patient_id", "valid_from", "valid_to"):
        periods[(patient_id, member_number)].append((valid_from, valid_to))
    return periods


def _covered_by(periods: list[tuple], day: date) -> bool:
    return any(start <= day and (end is None or day <= end) for start, end in periods)


def insurer_episodes(
    *, insurer: Insurer, coverages: dict[tuple[UUID, str], list[tuple]]
) -> Iterator[dict]:
    """Per coverage (a person under one member number): episodes with the treatments dated
    within that coverage (a member who changed insurer mid-episode shows each insurer only
    its own), each with attended, covered or not and why, in the same verdicts as the claims
    check. Counts (used, remaining) are the episode's: the allowance is the person's.
    Nothing clinical."""
    patient_ids = {patient_id for patient_id, _member in coverages}
    people = assess_people(patient_ids)
    claimed = dict(
        Claim.objects.filter(
            attendance__patient_id__in=list(patient_ids),
            insurer=insurer,
            superseded_at__isnull=True,
        ).values_list("attendance_id", "verdict")
    )
    for (patient_id, member_number), periods in coverages.items():
        person = people[patient_id]
        episodes = []
        for index, episode in enumerate(person.episodes):
            treatments = [
                _treatment_row(person, assessment, claimed, insurer)
                for assessment in sorted(
                    (a for a in person.by_attendance.values() if a.episode == index),
                    key=lambda a: a.registration.at,
                )
                if _covered_by(periods, assessment.registration.day)
            ]
            if treatments:
                episodes.append(
                    {
                        "start": episode.start,
                        "end": episode.end,
                        "allowance": ALLOWANCE,
                        "used": episode.used,
                        "remaining": episode.remaining,
                        # The indication it started under; none recorded: no code (the claims
                        # check has nothing to compare a claim's code with either).
                        "diagnosis_code": episode.indication.diagnosis_code
                        if episode.indication
                        else None,
                        "referral": bool(episode.indication and episode.indication.referral),
                        "treatments": treatments,
                    }
                )
        loose = [
            _treatment_row(person, assessment, claimed, insurer)
            for assessment in sorted(
                (a for a in person.by_attendance.values() if a.episode is None),
                key=lambda a: a.registration.at,
            )
            if _covered_by(periods, assessment.registration.day)
        ]
        yield {
            "patient_id": patient_id,
            "member_number": member_number,
            "episodes": episodes,
            "other_registrations": loose,
        }


def _treatment_row(person, assessment: Assessment, claimed: dict, insurer: Insurer) -> dict:
    info = person.info[assessment.registration.id]
    verdict, number = judgement(assessment)
    return {
        "date": info.day,
        "practice_agb": info.practice_agb,
        "therapist_agb": info.therapist_agb,
        "attended": assessment.registration.attended,
        "covered": verdict == ClaimVerdict.COVERED,
        "number": number,
        # The verdict a claim of this treatment gets now, and why not covered (None if it is).
        "verdict": verdict,
        "reason": assessment.reason or None,
        "deductible_applies": deductible_applies(insurer, info.day)
        if verdict == ClaimVerdict.COVERED
        else None,
        "claimed": claimed.get(info.attendance_id),
    }


@dataclass(frozen=True)
class Allowance:
    used: int
    allowance: int
    remaining: int
    period_start: date | None
    period_end: date | None


def allowance_for(*, patient: Patient, today: date | None = None) -> Allowance:
    """The count patient and physiotherapist both see: covered treatments of the current
    episode (the one holding today, else the latest) and when its period ends; the same
    count as the insurer's (a treatment without a required referral is not counted, R7)."""
    today = today or timezone.localdate()
    episodes = assess_people([patient.pk])[patient.pk].episodes
    if not episodes:
        return Allowance(0, ALLOWANCE, ALLOWANCE, None, None)
    current = next((e for e in episodes if e.start <= today <= e.end), episodes[-1])
    return Allowance(current.used, ALLOWANCE, current.remaining, current.start, current.end)


@dataclass(frozen=True)
class IndicationResult:
    indication: Indication
    outcome: str  # "created", "updated" or "unchanged"


class _Keep:
    """A referral date the request did not send: the recorded one stays."""


KEEP_REFERRAL = _Keep()


@transaction.atomic
def indication_record(
    *,
    physiotherapist: Physiotherapist,
    patient: Patient,
    recorded_on: date,
    diagnosis_code: str,
    referral_date: date | _Keep | None = KEEP_REFERRAL,
    correction_reason: str = "",
) -> IndicationResult:
    """A (new) indication (R5: after a period ended it opens a new allowance; R7: its
    referral). One per patient, day and diagnosis code (a unique key): the same request
    again returns the same record; the same key with another referral date (or None, to take
    it back) updates it, one without a referral date leaves the recorded one alone (an older
    retried request must not erase a referral, R7). When it changes the verdict of a
    treatment already claimed it is a correction and needs a reason
    (``claims_correction_check``)."""
    before = claimed_judgements(patient_id=patient.pk)
    indication = Indication(
        patient=patient,
        recorded_on=recorded_on,
        recorded_by=physiotherapist,
        diagnosis_code=diagnosis_code,
        referral_date=None if isinstance(referral_date, _Keep) else referral_date,
    )
    try:
        # Its own fields only: the unique key is the insert's to decide (a retry is no error).
        indication.full_clean(validate_constraints=False)
    except DjangoValidationError as exc:
        raise validation_failed_from(exc) from exc
    try:
        with transaction.atomic():
            indication.save(force_insert=True)
        outcome = "created"
    except IntegrityError:  # a retry, or the same indication recorded at the same moment
        indication = Indication.objects.select_for_update().get(
            patient=patient, recorded_on=recorded_on, diagnosis_code=diagnosis_code
        )
        if isinstance(referral_date, _Keep) or indication.referral_date == referral_date:
            return IndicationResult(indication, "unchanged")
        indication.referral_date = referral_date
        indication.save(update_fields=["referral_date", "updated_at"])
        outcome = "updated"
    claims_correction_check(
        patient_id=patient.pk,
        before=before,
        actor=physiotherapist.user,
        correction_reason=correction_reason,
        cause="indication",
        cause_id=indication.pk,
    )
    return IndicationResult(indication, outcome)
