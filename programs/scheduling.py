"""Session dates and times: pure functions, no Django.

Policy for local times the clock skips or repeats (PITFALLS.md, "Beat in UTC"):
- a local time that does not exist (spring forward, 02:00-03:00 in Europe/Amsterdam on the
  last Sunday of March) moves later by the size of the gap: 02:30 becomes 03:30;
- a local time that happens twice (fall back, last Sunday of October) is the first of the two
  (summer time), so it happens once.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def local_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a local date and time in ``zone``, with the policy above.

    With ``fold=0`` zoneinfo reads a skipped time with the offset before the gap (so it lands
    after the gap: later) and a repeated time as its first occurrence; both are what we want."""
    return (
        datetime.combine(day, at.replace(tzinfo=None), tzinfo=zone).replace(fold=0).astimezone(UTC)
    )


def slot_dates(first_day: date, weekdays: Sequence[int]) -> Iterator[date]:
    """The dates from ``first_day`` on (inclusive) that fall on ``weekdays`` (Monday = 0)."""
    wanted = set(weekdays)
    day = first_day
    while True:
        if day.weekday() in wanted:
            yield day
        day += timedelta(days=1)


@dataclass(frozen=True)
class Slot:
    week: int
    local_date: date
    scheduled_at: datetime  # aware, UTC
    supervised: bool


def is_supervised(
    day: date, week: int, supervised_weekdays: Sequence[int], supervised_until_week: int | None
) -> bool:
    if day.weekday() not in supervised_weekdays:
        return False
    return supervised_until_week is None or week <= supervised_until_week


def programme_slots(
    *,
    start_date: date,
    weeks: int,
    weekdays: Sequence[int],
    session_time: time,
    zone: ZoneInfo,
    supervised_weekdays: Sequence[int],
    supervised_until_week: int | None = None,
) -> list[Slot]:
    """All sessions of a programme. Programme week w is the seven days from
    ``start_date + 7 (w - 1)``, so each week holds one session on each chosen weekday:
    weeks x len(weekdays) sessions (24 for two a week, 36 for three)."""
    slots = []
    for week in range(1, weeks + 1):
        week_start = start_date + timedelta(days=7 * (week - 1))
        for offset in range(7):
            day = week_start + timedelta(days=offset)
            if day.weekday() in weekdays:
                slots.append(
                    Slot(
                        week=week,
                        local_date=day,
                        scheduled_at=local_to_utc(day, session_time, zone),
                        supervised=is_supervised(
                            day, week, supervised_weekdays, supervised_until_week
                        ),
                    )
                )
    return slots


def reslot(
    *,
    weeks: Sequence[int],
    first_day: date,
    weekdays: Sequence[int],
    session_time: time,
    zone: ZoneInfo,
    supervised_weekdays: Sequence[int],
    supervised_until_week: int | None = None,
    not_before: datetime | None = None,
    skip_dates: frozenset[date] = frozenset(),
) -> list[Slot]:
    """New dates for sessions that keep their programme week, in order: the next free slots on
    ``weekdays`` from ``first_day`` on, skipping any slot not later than ``not_before`` and any
    day in ``skip_dates`` (days that already have a session). Used when a programme resumes
    after a pause or its weekdays change."""
    slots = []
    dates = slot_dates(first_day, weekdays)
    for week in weeks:
        day = next(dates)
        moment = local_to_utc(day, session_time, zone)
        while day in skip_dates or (not_before is not None and moment <= not_before):
            day = next(dates)
            moment = local_to_utc(day, session_time, zone)
        slots.append(
            Slot(
                week=week,
                local_date=day,
                scheduled_at=moment,
                supervised=is_supervised(day, week, supervised_weekdays, supervised_until_week),
            )
        )
    return slots
