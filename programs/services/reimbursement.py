"""The insurer's check of the 12-treatment rule (DOMAIN.md §5), set-based: the registrations,
coverages, indications and earlier claims of all the people a batch concerns are read in a
handful of queries, whatever the number of lines; the rules themselves are the pure
functions in programs/reimbursement.py."""

import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from programs.models import (
    Attendance,
    AttendanceStatus,
    Claim,
    ClaimVerdict,
    Indication,
    InsuranceCoverage,
    Insurer,
    Patient,
    Physiotherapist,
)
from programs.reimbursement import (
    ALLOWANCE,
    NOT_ATTENDED,
    OUTSIDE_PERIOD,
    OVER_LIMIT,
    SAME_DAY,
    Assessment,
    Episode,
    Registration,
    assess,
)
from programs.reimbursement import Indication as IndicationRule
from programs.services.common import full_clean_or_raise

REASON_VERDICT = {
    NOT_ATTENDED: ClaimVerdict.NOT_ATTENDED,
    OUTSIDE_PERIOD: ClaimVerdict.OUTSIDE_PERIOD,
    OVER_LIMIT: ClaimVerdict.OVER_LIMIT,
    SAME_DAY: ClaimVerdict.SAME_DAY,
}


@dataclass(frozen=True)
class RegistrationInfo:
    """What the insurer may see of a registration, beside the rule's input."""

    attendance_id: int
    patient_id: UUID
    day: date
    practice_agb: str
    therapist_agb: str
    status: str


@dataclass
class PersonAssessment:
    episodes: list[Episode]
    by_attendance: dict[int, Assessment]
    info: dict[int, RegistrationInfo]


def assess_people(patient_ids: Iterable[UUID]) -> dict[UUID, PersonAssessment]:
    """Episodes and verdicts for many people in two queries (registrations, indications)."""
    ids = list(set(patient_ids))
    registrations: dict[UUID, list[Registration]] = defaultdict(list)
    info: dict[UUID, dict[int, RegistrationInfo]] = defaultdict(dict)
    rows = Attendance.objects.filter(patient_id__in=ids).values_list(
        "pk",
        "patient_id",
        "status",
        "treated_at",
        "same_day_necessary",
        "practice__agb_code",
        "therapist__agb_code",
        "patient__time_zone",
    )
    for pk, patient_id, status, treated_at, necessary, practice, therapist, zone in rows:
        day = treated_at.astimezone(ZoneInfo(zone)).date()
        registrations[patient_id].append(
            Registration(
                id=pk,
                at=treated_at,
                day=day,
                attended=status == AttendanceStatus.ATTENDED,
                same_day_necessary=necessary,
            )
        )
        info[patient_id][pk] = RegistrationInfo(pk, patient_id, day, practice, therapist, status)
    indications: dict[UUID, list[IndicationRule]] = defaultdict(list)
    for patient_id, recorded_on, code, referral in Indication.objects.filter(
        patient_id__in=ids
    ).values_list("patient_id", "recorded_on", "diagnosis_code", "referral_date"):
        indications[patient_id].append(IndicationRule(recorded_on, code, referral is not None))
    people = {}
    for patient_id in ids:
        episodes, assessments = assess(registrations[patient_id], indications[patient_id])
        people[patient_id] = PersonAssessment(
            episodes=episodes,
            by_attendance={a.registration.id: a for a in assessments},
            info=info[patient_id],
        )
    return people


def deductible_applies(insurer: Insurer, day: date) -> bool:
    """R6: covered treatments count toward the deductible unless the insurer waives it."""
    waived_from = insurer.deductible_waived_from
    return waived_from is None or day < waived_from


def referral_missing(insurer: Insurer, episode: Episode) -> bool:
    """R7: an insurer that requires a referral does not cover an episode without one."""
    if not insurer.requires_referral:
        return False
    return episode.indication is None or not episode.indication.referral


def claim_codes(verdict: str) -> str:
    """R8: covered treatments are claimed with CSI 012, the 13th and later with CSI 009."""
    codes = settings.REIMBURSEMENT_CODES
    if verdict == ClaimVerdict.COVERED:
        return codes["csi_covered"]
    if verdict == ClaimVerdict.OVER_LIMIT:
        return codes["csi_beyond_limit"]
    return ""


@dataclass
class LineResult:
    index: int
    verdict: str
    number: int | None = None
    deductible_applies: bool | None = None
    csi_code: str = ""
    episode_start: date | None = None
    episode_end: date | None = None
    attendance_id: int | None = None
    extra: dict = field(default_factory=dict)


def _coverage_for(coverages: list[tuple], day: date) -> UUID | None:
    for patient_id, valid_from, valid_to in coverages:
        if valid_from <= day and (valid_to is None or day <= valid_to):
            return patient_id
    return None


def claims_check(*, insurer: Insurer, lines: list[dict], record: bool = True) -> list[LineResult]:
    """Judge a batch of claim lines (already validated one by one) in set-based queries:
    coverages, registrations, indications and earlier claims are read once for all lines.
    Each line gets one verdict; lines that match a treatment are recorded (unless
    ``record`` is false), so that a treatment is claimed once: a second line for it, in this
    batch or a later one, is a duplicate_claim."""
    numbers = {line["member_number"] for line in lines}
    coverages: dict[str, list[tuple]] = defaultdict(list)
    for member, patient_id, valid_from, valid_to in InsuranceCoverage.objects.filter(
        insurer=insurer, member_number__in=numbers
    ).values_list("member_number", "patient_id", "valid_from", "valid_to"):
        coverages[member].append((patient_id, valid_from, valid_to))
    people = assess_people(p for rows in coverages.values() for p, *_rest in rows)
    candidates: dict[tuple, list[RegistrationInfo]] = defaultdict(list)
    for person in people.values():
        for item in person.info.values():
            key = (item.patient_id, item.day, item.practice_agb, item.therapist_agb)
            candidates[key].append(item)
    # Earlier claims, by person rather than by treatment: a few thousand ids in the query
    # instead of every registration of those people.
    taken = set(
        Claim.objects.filter(attendance__patient_id__in=list(people)).values_list(
            "attendance_id", flat=True
        )
    )

    results = []
    for line in lines:
        day = line["date"]
        patient_id = _coverage_for(coverages.get(line["member_number"], []), day)
        if patient_id is None:
            results.append(LineResult(line["index"], ClaimVerdict.NOT_OUR_MEMBER))
            continue
        person = people[patient_id]
        options = sorted(
            candidates.get((patient_id, day, line["practice_agb"], line["therapist_agb"]), []),
            key=lambda item: (
                person.by_attendance[item.attendance_id].registration.at,
                item.attendance_id,
            ),
        )
        if not options:
            results.append(LineResult(line["index"], ClaimVerdict.NO_MATCHING_TREATMENT))
            continue
        free = [item for item in options if item.attendance_id not in taken]
        if not free:
            results.append(LineResult(line["index"], ClaimVerdict.DUPLICATE_CLAIM))
            continue
        item = free[0]
        taken.add(item.attendance_id)
        assessment = person.by_attendance[item.attendance_id]
        episode = person.episodes[assessment.episode] if assessment.episode is not None else None
        if assessment.covered and referral_missing(insurer, episode):
            verdict = ClaimVerdict.NO_REFERRAL
        elif assessment.covered:
            verdict = ClaimVerdict.COVERED
        else:
            verdict = REASON_VERDICT[assessment.reason]
        result = LineResult(
            line["index"],
            verdict,
            number=assessment.number if verdict == ClaimVerdict.COVERED else None,
            deductible_applies=deductible_applies(insurer, day)
            if verdict == ClaimVerdict.COVERED
            else None,
            csi_code=claim_codes(verdict),
            episode_start=episode.start if episode else None,
            episode_end=episode.end if episode else None,
            attendance_id=item.attendance_id,
        )
        results.append(result)

    if record:
        _record(insurer, lines, results)
    return results


@transaction.atomic
def _record(insurer: Insurer, lines: list[dict], results: list[LineResult]) -> None:
    """Keep the matched lines. The one-claim-per-treatment key decides between two batches
    checked at the same moment: a line whose row another batch wrote is a duplicate_claim."""
    batch = uuid.uuid4()
    by_index = {line["index"]: line for line in lines}
    matched = [r for r in results if r.attendance_id is not None]
    Claim.objects.bulk_create(
        [
            Claim(
                batch=batch,
                insurer=insurer,
                attendance_id=result.attendance_id,
                member_number=by_index[result.index]["member_number"],
                claim_date=by_index[result.index]["date"],
                practice_agb=by_index[result.index]["practice_agb"],
                therapist_agb=by_index[result.index]["therapist_agb"],
                diagnosis_code=by_index[result.index]["diagnosis_code"],
                verdict=result.verdict,
                number=result.number,
                csi_code=result.csi_code,
                deductible_applies=result.deductible_applies,
            )
            for result in matched
        ],
        ignore_conflicts=True,
    )
    ours = set(Claim.objects.filter(batch=batch).values_list("attendance_id", flat=True))
    for result in matched:
        if result.attendance_id not in ours:
            result.verdict = ClaimVerdict.DUPLICATE_CLAIM
            result.number = result.deductible_applies = None
            result.csi_code = ""


# --- What insurers, physiotherapists and patients read ----------------------------------------


def member_patients(*, insurer: Insurer, member_number: str) -> dict[UUID, list[tuple]]:
    """This insurer's coverage periods of a member number, by patient."""
    periods: dict[UUID, list[tuple]] = defaultdict(list)
    for patient_id, valid_from, valid_to in InsuranceCoverage.objects.filter(
        insurer=insurer, member_number=member_number
    ).values_list("patient_id", "valid_from", "valid_to"):
        periods[patient_id].append((valid_from, valid_to))
    return periods


def _covered_by(periods: list[tuple], day: date) -> bool:
    return any(start <= day and (end is None or day <= end) for start, end in periods)


def insurer_episodes(
    *, insurer: Insurer, periods_by_patient: dict[UUID, list[tuple]]
) -> Iterator[dict]:
    """Per member: episodes with the treatments dated within this insurer's coverage (a member
    who changed insurer mid-episode shows each insurer only its own), each with attended,
    covered or not and why. Counts (used, remaining) are the episode's: the allowance is the
    person's. Nothing clinical."""
    people = assess_people(periods_by_patient)
    claimed = dict(
        Claim.objects.filter(
            attendance__patient_id__in=list(periods_by_patient), insurer=insurer
        ).values_list("attendance_id", "verdict")
    )
    for patient_id, periods in periods_by_patient.items():
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
                        "diagnosis_code": episode.indication.diagnosis_code
                        if episode.indication
                        else settings.REIMBURSEMENT_CODES["default_diagnosis"],
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
        yield {"patient_id": patient_id, "episodes": episodes, "other_registrations": loose}


def _treatment_row(person, assessment: Assessment, claimed: dict, insurer: Insurer) -> dict:
    info = person.info[assessment.registration.id]
    return {
        "date": info.day,
        "practice_agb": info.practice_agb,
        "therapist_agb": info.therapist_agb,
        "attended": assessment.registration.attended,
        "covered": assessment.covered,
        "number": assessment.number,
        "reason": assessment.reason,
        "deductible_applies": deductible_applies(insurer, info.day) if assessment.covered else None,
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
    """The count patient and physiotherapist both see: treatments used of the current episode
    (the one holding today, else the latest) and when its period ends."""
    today = today or timezone.localdate()
    episodes = assess_people([patient.pk])[patient.pk].episodes
    if not episodes:
        return Allowance(0, ALLOWANCE, ALLOWANCE, None, None)
    current = next((e for e in episodes if e.start <= today <= e.end), episodes[-1])
    return Allowance(current.used, ALLOWANCE, current.remaining, current.start, current.end)


@transaction.atomic
def indication_record(
    *,
    physiotherapist: Physiotherapist,
    patient: Patient,
    recorded_on: date,
    diagnosis_code: str,
    referral_date: date | None = None,
) -> Indication:
    """A (new) indication (R5: after a period ended it opens a new allowance)."""
    indication = Indication(
        patient=patient,
        recorded_on=recorded_on,
        recorded_by=physiotherapist,
        diagnosis_code=diagnosis_code,
        referral_date=referral_date,
    )
    full_clean_or_raise(indication)
    indication.save()
    return indication
