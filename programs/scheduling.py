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


# --- When questionnaires are due (docs/domain.md §2: baseline before week 1, week 6, week 12, and
# 6 and 12 months after the programme ends). The window around each is a product choice:
# (timepoint, anchor, days before the anchor, days after the anchor).
QUESTIONNAIRE_WINDOWS = (
    ("baseline", "start", 28, 6),  # up to the end of week 1
    ("week_6", "week_6", 7, 13),  # the week before week 6 to the end of week 7
    ("week_12", "week_12", 7, None),  # from the week before week 12 to two weeks after the end
    ("month_6", "end+182", 28, 28),
    ("month_12", "end+365", 28, 28),
)
WEEK_12_AFTER_END_DAYS = 14


@dataclass(frozen=True)
class Window:
    timepoint: str
    start: date
    end: date

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def questionnaire_windows(
    *, start_date: date, week_6_start: date, week_12_start: date, end_date: date
) -> list[Window]:
    """The answer windows of a programme. ``week_6_start`` and ``week_12_start`` are the first
    days of those programme weeks (later than start + 35 / + 77 days after a pause);
    ``end_date`` is the day of the last session, or the day the programme ended early."""
    anchors = {
        "start": start_date,
        "week_6": week_6_start,
        "week_12": week_12_start,
        "end+182": end_date + timedelta(days=182),
        "end+365": end_date + timedelta(days=365),
    }
    windows = []
    for timepoint, anchor, before, after in QUESTIONNAIRE_WINDOWS:
        day = anchors[anchor]
        last = (
            end_date + timedelta(days=WEEK_12_AFTER_END_DAYS)
            if after is None
            else day + timedelta(days=after)
        )
        windows.append(Window(timepoint, day - timedelta(days=before), last))
    return windows


def timepoint_for(windows: Sequence[Window], day: date) -> str | None:
    """The timepoint whose window holds ``day`` (the first, where two overlap), else None."""
    return next((w.timepoint for w in windows if w.contains(day)), None)


# --- Reminder times -----------------------------------------------------------------------


def in_quiet_hours(moment: time, quiet_start: time, quiet_end: time) -> bool:
    """Quiet hours run from ``quiet_start`` up to ``quiet_end``, across midnight when the start
    is later than the end (22:00-08:00). Equal times mean no quiet hours."""
    if quiet_start == quiet_end:
        return False
    if quiet_start < quiet_end:
        return quiet_start <= moment < quiet_end
    return moment >= quiet_start or moment < quiet_end


def after_quiet_hours(
    fire_at: datetime, zone: ZoneInfo, quiet_start: time, quiet_end: time
) -> datetime:
    """``fire_at`` itself, or, when its local time falls in quiet hours, the end of those
    quiet hours (local time, so 08:00 stays 08:00 across a clock change)."""
    local = fire_at.astimezone(zone)
    if not in_quiet_hours(local.time(), quiet_start, quiet_end):
        return fire_at
    day = local.date()
    if quiet_start > quiet_end and local.time() >= quiet_start:
        day += timedelta(days=1)  # the quiet hours end tomorrow morning
    return local_to_utc(day, quiet_end, zone)


def next_morning(day: date, zone: ZoneInfo, quiet_end: time, quiet_start: time) -> datetime:
    """The morning after ``day``: when quiet hours end (08:00 by default), or 09:00 when the
    patient has no quiet hours."""
    at = quiet_end if quiet_start != quiet_end else time(9, 0)
    return local_to_utc(day + timedelta(days=1), at, zone)
