"""The Dutch basic-insurance rule for exercise therapy in hip and knee osteoarthritis
(DOMAIN.md §5), as pure functions: no Django, no database. Each rule lives in one well-named
place with its id in the docstring; services feed them the registrations they read in bulk.

Terms: a *registration* is what the physiotherapist recorded for a supervised session
(attended, no-show, cancelled by the practice); a *treatment* is an attended registration
(R1). An *episode* is the period of one allowance of 12 treatments.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

ALLOWANCE = 12  # R3

# Reasons a registration is not a covered treatment, in the words the insurer API uses.
NOT_ATTENDED = "not_attended"
OUTSIDE_PERIOD = "outside_period"
OVER_LIMIT = "over_limit"
SAME_DAY = "same_day"


@dataclass(frozen=True)
class Registration:
    """One registered supervised session; ``day`` is its local date."""

    id: int
    at: datetime
    day: date
    attended: bool
    same_day_necessary: bool = False


@dataclass(frozen=True)
class Indication:
    """A new indication recorded by the therapist (R5), with what R7 and R8 need."""

    recorded_on: date
    diagnosis_code: str
    referral: bool


@dataclass
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


def opens_new_episode(indication: Indication, previous_end: date) -> bool:
    """R5: a new indication recorded after the previous period ended gives a new allowance."""
    return indication.recorded_on > previous_end


def second_on_same_day_not_covered(registration: Registration, earlier_same_day: int) -> bool:
    """R9: a treatment is one uninterrupted contact, normally one a day; a second one on the
    same day is not covered unless the therapist marked it medically necessary."""
    return earlier_same_day > 0 and not registration.same_day_necessary


def _indication_for(start: date, indications: Sequence[Indication]) -> Indication | None:
    """The indication an episode rests on: the latest recorded on or before its start, else
    the first one recorded (a referral registered a little later)."""
    before = [i for i in indications if i.recorded_on <= start]
    if before:
        return before[-1]
    return indications[0] if indications else None


def assess(
    registrations: Iterable[Registration], indications: Iterable[Indication] = ()
) -> tuple[list[Episode], list[Assessment]]:
    """Episodes and a verdict per registration, for one person (R4: hip and knee, left and
    right share one allowance, so all their registrations go in together).

    - R1: not attended: never a treatment (reason not_attended).
    - The first treatment starts episode 1; its period (R2) holds at most 12 covered
      treatments, the first 12 by date and time (R3); later ones are over_limit.
    - R9: a second treatment on one day is not covered (same_day) unless marked necessary.
    - After the period: outside_period, unless a new indication recorded after it ended (R5)
      starts a new episode with the first treatment on or after that indication.
    """
    ordered = sorted(registrations, key=lambda r: (r.at, r.id))
    indications = sorted(indications, key=lambda i: i.recorded_on)
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
        if current.used >= ALLOWANCE:
            assessment.reason = OVER_LIMIT
            continue
        current.used += 1
        assessment.covered = True
        assessment.number = current.used
    return episodes, assessments
