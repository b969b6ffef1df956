"""The Dutch basic-insurance rule for exercise therapy in hip and knee osteoarthritis
(docs/domain.md §5), as pure functions: no Django, no database. Each rule lives in one well-named
place with its id in the docstring; services feed them the registrations they read in bulk.

Terms: a *registration* is what the physiotherapist recorded for a supervised session
(attended, no-show, cancelled by the practice); a *treatment* is an attended registration
(R1). An *episode* is the period of one allowance of 12 treatments.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from operator import attrgetter

ALLOWANCE = 12  # R3

# Reasons a registration is not a covered treatment, in the words the insurer API uses.
NOT_ATTENDED = "not_attended"
OUTSIDE_PERIOD = "outside_period"
OVER_LIMIT = "over_limit"
SAME_DAY = "same_day"
NO_REFERRAL = "no_referral"


@dataclass(frozen=True)
class Registration:
    """One registered supervised session; ``day`` is its local date. ``referral_required``:
    the insurer covering the person on that day requires a referral (R7)."""

    id: int
    at: datetime
    day: date
    attended: bool
    same_day_necessary: bool = False
    referral_required: bool = False


@dataclass(frozen=True)
class Indication:
    """A new indication recorded by the therapist (R5), with what R7 and R8 need."""

    recorded_on: date
    diagnosis_code: str
    referral: bool


@dataclass(slots=True)
class Assessment:
    registration: Registration
    covered: bool = False
    number: int | None = None  # 1-12 for a covered treatment (R3)
    reason: str = ""
    episode: int | None = None  # index into the episodes, None when in none


@dataclass
class Episode:
    start: date
    end: date
    indication: Indication | None
    used: int = 0
    treatments: list[Assessment] = field(default_factory=list)

    @property
    def remaining(self) -> int:
        return max(ALLOWANCE - self.used, 0)


def is_treatment(registration: Registration) -> bool:
    """R1: only a session with the therapist that took place counts: attended, at the practice
    or by the therapist at the patient's home. Home sessions without the therapist are never
    registered; no-shows and cancellations are registrations but never treatments."""
    return registration.attended


def period_end(first_treatment_day: date) -> date:
    """R2: the period runs 12 months from the first treatment of the episode and ends the day
    before the same calendar date a year later (first treatment 1 April 2018: the last day
    is 31 March 2019). A first treatment on 29 February has no same date next year; its
    period ends on 28 February."""
    try:
        anniversary = first_treatment_day.replace(year=first_treatment_day.year + 1)
    except ValueError:  # 29 February
        anniversary = date(first_treatment_day.year + 1, 3, 1)
    return anniversary - timedelta(days=1)


def within_allowance(used: int) -> bool:
    """R3: within the period at most 12 treatments are covered, the first 12 by date and
    time; with ``used`` covered before it, a treatment is the 13th or later when this is
    false (over_limit: claimed with CSI 009, from the supplementary insurance or the
    patient)."""
    return used < ALLOWANCE


def allowance_key(diagnosis_code: str | None) -> str:
    """R4: hip and knee, left and right, share one allowance: one episode whatever joint or
    side. Every hip or knee osteoarthritis code (Vektis 6223 hip, 7023 knee; the code has no
    side) and a treatment before any indication fall under the same allowance."""
    return "hip_knee_osteoarthritis"


def opens_new_episode(indication: Indication, previous_end: date) -> bool:
    """R5: a new indication recorded after the previous period ended gives a new allowance
    (recorded on the period's last day is inside it: no new allowance)."""
    return indication.recorded_on > previous_end


def referral_missing(registration: Registration, episode: Episode) -> bool:
    """R7: direct access lets the therapist diagnose osteoarthritis, but an insurer that
    requires a referral covers no treatment of an episode whose indication has none (reason
    no_referral). Such a treatment is not reimbursed, so it uses none of the allowance."""
    if not registration.referral_required:
        return False
    return episode.indication is None or not episode.indication.referral


def second_on_same_day_not_covered(registration: Registration, earlier_same_day: int) -> bool:
    """R9: a treatment is one uninterrupted contact, normally one a day; a second one on the
    same day is not covered unless the therapist marked it medically necessary."""
    return earlier_same_day > 0 and not registration.same_day_necessary


def _indication_for(day: date, indications: Sequence[Indication]) -> Indication | None:
    """The indication a day falls under: the latest recorded on or before it, else the first
    one recorded (a referral registered a little later)."""
    before = [i for i in indications if i.recorded_on <= day]
    if before:
        return before[-1]
    return indications[0] if indications else None


_BY_TIME = attrgetter("at", "id")
_BY_RECORDED = attrgetter("recorded_on")


def assess(
    registrations: Iterable[Registration], indications: Iterable[Indication] = ()
) -> tuple[list[Episode], list[Assessment]]:
    """Episodes and a verdict per registration, for one person. The registrations go in by
    allowance (R4: all of one person's hip and knee treatments share one), each judged by
    ``_assess_allowance``; episodes come back by start date, verdicts by date and time."""
    ordered = sorted(registrations, key=_BY_TIME)
    indications = sorted(indications, key=_BY_RECORDED)
    by_key: dict[str, list[Registration]] = defaultdict(list)
    if not indications:
        # No indication recorded: every treatment falls under the allowance of none (R4).
        if ordered:
            by_key[allowance_key(None)] = ordered
    else:
        keys = {id(i): allowance_key(i.diagnosis_code) for i in indications}
        for registration in ordered:
            indication = _indication_for(registration.day, indications)
            key = keys[id(indication)] if indication else allowance_key(None)
            by_key[key].append(registration)
    if len(by_key) == 1:
        # One allowance (R4 always gives one): its episodes and verdicts are already in order.
        ((key, group),) = by_key.items()
        return _assess_allowance(
            group, [i for i in indications if allowance_key(i.diagnosis_code) == key]
        )
    episodes: list[Episode] = []
    assessments: list[Assessment] = []
    for key, group in by_key.items():
        own = [i for i in indications if allowance_key(i.diagnosis_code) == key]
        group_episodes, group_assessments = _assess_allowance(group, own)
        for assessment in group_assessments:
            if assessment.episode is not None:
                assessment.episode += len(episodes)
        episodes.extend(group_episodes)
        assessments.extend(group_assessments)
    order = sorted(range(len(episodes)), key=lambda i: episodes[i].start)
    new_index = {old: new for new, old in enumerate(order)}
    for assessment in assessments:
        if assessment.episode is not None:
            assessment.episode = new_index[assessment.episode]
    assessments.sort(key=lambda a: (a.registration.at, a.registration.id))
    return [episodes[i] for i in order], assessments


def diagnoses_on_record(
    day: date,
    episode: Episode | None,
    episodes: Sequence[Episode],
    indications: Sequence[Indication],
) -> set[str]:
    """R8 with R4: a claim carries a Vektis diagnosis code (6223 hip, 7023 knee), and since hip
    and knee share one allowance, a claim whose code is not what the therapist recorded gets
    the same verdict; this gives what is on record for a treatment on ``day``, so that the
    difference can be shown: every indication recorded since the previous period ended, up
    to ``day`` (hip and knee recorded days apart before the first treatment, or a second
    joint added during the episode), and the one the episode started under (which may be
    recorded a little after its first treatment). A registration in no episode is taken
    with the episode it follows (the latest that started on or before ``day``). Empty when
    none is recorded (direct access without an indication): then there is nothing to
    compare with."""
    if episode is None:
        episode = next((e for e in reversed(episodes) if e.start <= day), None)
    previous_end = None
    if episode is not None:
        previous_end = max((e.end for e in episodes if e.end < episode.start), default=None)
        anchor = episode.indication
    else:
        anchor = _indication_for(day, sorted(indications, key=_BY_RECORDED))
    codes = {
        i.diagnosis_code
        for i in indications
        if (previous_end is None or i.recorded_on > previous_end) and i.recorded_on <= day
    }
    if anchor is not None:
        codes.add(anchor.diagnosis_code)
    return codes


def _assess_allowance(
    ordered: Sequence[Registration], indications: Sequence[Indication]
) -> tuple[list[Episode], list[Assessment]]:
    """One allowance's registrations, in order of date and time:

    - R1: not attended: never a treatment (reason not_attended).
    - The first treatment starts episode 1; its period (R2) holds at most 12 covered
      treatments, the first 12 by date and time (R3); later ones are over_limit.
    - R9: a second treatment on one day is not covered (same_day) unless marked necessary.
    - R7: without a referral, where the insurer requires one: no_referral.
    - After the period: outside_period, unless a new indication recorded after it ended (R5)
      starts a new episode with the first treatment on or after that indication.
    """
    episodes: list[Episode] = []
    assessments: list[Assessment] = []
    per_day: dict[date, int] = {}
    for registration in ordered:
        assessment = Assessment(registration=registration)
        assessments.append(assessment)
        if not is_treatment(registration):
            assessment.reason = NOT_ATTENDED
            if episodes and registration.day <= episodes[-1].end:
                # Shown within its episode; never counted.
                assessment.episode = len(episodes) - 1
                episodes[-1].treatments.append(assessment)
            continue
        current = episodes[-1] if episodes else None
        if current is None or registration.day > current.end:
            fresh = [
                i
                for i in indications
                if current is not None
                and opens_new_episode(i, current.end)
                and i.recorded_on <= registration.day
            ]
            if current is not None and not fresh:
                assessment.reason = OUTSIDE_PERIOD
                continue
            indication = fresh[-1] if fresh else _indication_for(registration.day, indications)
            current = Episode(
                start=registration.day, end=period_end(registration.day), indication=indication
            )
            episodes.append(current)
        assessment.episode = len(episodes) - 1
        current.treatments.append(assessment)
        earlier = per_day.get(registration.day, 0)
        per_day[registration.day] = earlier + 1
        if second_on_same_day_not_covered(registration, earlier):
            assessment.reason = SAME_DAY
            continue
        if referral_missing(registration, current):
            assessment.reason = NO_REFERRAL
            continue
        if not within_allowance(current.used):
            assessment.reason = OVER_LIMIT
            continue
        current.used += 1
        assessment.covered = True
        assessment.number = current.used
    return episodes, assessments
