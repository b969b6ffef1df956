"""Session times: 2 or 3 a week for 12 weeks, at the patient's local time across the clock
changes (Europe/Amsterdam: last Sunday of March and of October)."""

from collections import Counter
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from programs.scheduling import (
    after_quiet_hours,
    in_quiet_hours,
    local_to_utc,
    programme_slots,
    reslot,
)

AMS = ZoneInfo("Europe/Amsterdam")


def slots(weekdays, start=date(2027, 1, 4), supervised=None, until=None, at=time(18, 0)):
    return programme_slots(
        start_date=start,
        weeks=12,
        weekdays=weekdays,
        session_time=at,
        zone=AMS,
        supervised_weekdays=supervised if supervised is not None else weekdays[:1],
        supervised_until_week=until,
    )


@pytest.mark.parametrize(("weekdays", "total"), [([0, 3], 24), ([0, 2, 4], 36)])
def test_twelve_weeks_of_two_or_three_sessions(weekdays, total):
    planned = slots(weekdays)
    assert len(planned) == total
    assert Counter(s.week for s in planned) == {week: len(weekdays) for week in range(1, 13)}
    assert {s.local_date.weekday() for s in planned} == set(weekdays)
    assert [s.scheduled_at for s in planned] == sorted(s.scheduled_at for s in planned)


def test_a_programme_may_start_mid_week_and_its_weeks_are_seven_days_from_the_start():
    # Start on a Wednesday with Monday and Thursday sessions: week 1 is Wed 6 Jan - Tue 12 Jan.
    planned = slots([0, 3], start=date(2027, 1, 6))
    assert [(s.week, s.local_date) for s in planned[:3]] == [
        (1, date(2027, 1, 7)),
        (1, date(2027, 1, 11)),
        (2, date(2027, 1, 14)),
    ]


def test_the_first_session_of_each_week_is_supervised_by_default():
    planned = slots([0, 3])
    assert [s.supervised for s in planned[:4]] == [True, False, True, False]
    assert sum(s.supervised for s in planned) == 12


def test_supervision_can_taper_off_after_a_week():
    planned = slots([0, 2, 4], supervised=[0, 4], until=6)
    assert sum(s.supervised for s in planned) == 12  # two a week in weeks 1-6
    assert not any(s.supervised for s in planned if s.week > 6)


def test_eighteen_hundred_stays_eighteen_hundred_across_the_march_change():
    # Sundays: 21 March 2027 in winter time, 28 March (the change) and 4 April in summer time.
    planned = slots([2, 6], start=date(2027, 3, 15))
    sundays = [s for s in planned if s.local_date.weekday() == 6][:3]
    assert [s.local_date for s in sundays] == [
        date(2027, 3, 21),
        date(2027, 3, 28),
        date(2027, 4, 4),
    ]
    assert [s.scheduled_at.astimezone(AMS).time() for s in sundays] == [time(18, 0)] * 3
    assert [s.scheduled_at.hour for s in sundays] == [17, 16, 16]  # UTC+1, then UTC+2


def test_eighteen_hundred_stays_eighteen_hundred_across_the_october_change():
    planned = slots([2, 6], start=date(2027, 10, 18))
    sundays = [s for s in planned if s.local_date.weekday() == 6][:2]
    assert [s.local_date for s in sundays] == [date(2027, 10, 24), date(2027, 10, 31)]
    assert [s.scheduled_at.astimezone(AMS).time() for s in sundays] == [time(18, 0)] * 2
    assert [s.scheduled_at.hour for s in sundays] == [16, 17]  # UTC+2, then UTC+1


def test_a_local_time_skipped_by_spring_forward_moves_later():
    moment = local_to_utc(date(2027, 3, 28), time(2, 30), AMS)
    assert moment == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
    assert moment.astimezone(AMS).time() == time(3, 30)


def test_a_local_time_repeated_by_fall_back_happens_once_at_its_first_occurrence():
    moment = local_to_utc(date(2027, 10, 31), time(2, 30), AMS)
    assert moment == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)  # 02:30 summer time


def test_reslot_keeps_the_weeks_in_order_on_the_next_free_days():
    moved = reslot(
        weeks=[5, 6, 6],
        first_day=date(2027, 2, 10),  # a Wednesday
        weekdays=[0, 3],
        session_time=time(18, 0),
        zone=AMS,
        supervised_weekdays=[0],
        skip_dates=frozenset({date(2027, 2, 11)}),
    )
    assert [(s.week, s.local_date, s.supervised) for s in moved] == [
        (5, date(2027, 2, 15), True),
        (6, date(2027, 2, 18), False),
        (6, date(2027, 2, 22), True),
    ]


def test_reslot_skips_a_slot_that_has_already_begun():
    moved = reslot(
        weeks=[3],
        first_day=date(2027, 2, 15),
        weekdays=[0, 3],
        session_time=time(9, 0),
        zone=AMS,
        supervised_weekdays=[],
        not_before=datetime(2027, 2, 15, 10, 0, tzinfo=AMS),
    )
    assert moved[0].local_date == date(2027, 2, 18)


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        ((2027, 3, 1, 21, 59), (2027, 3, 1, 21, 59)),  # just before quiet hours
        ((2027, 3, 1, 22, 0), (2027, 3, 2, 8, 0)),  # quiet from 22:00: tomorrow 08:00
        ((2027, 3, 2, 3, 0), (2027, 3, 2, 8, 0)),  # after midnight: this morning 08:00
        ((2027, 3, 2, 7, 59), (2027, 3, 2, 8, 0)),
        ((2027, 3, 2, 8, 0), (2027, 3, 2, 8, 0)),  # quiet hours are over
        ((2027, 3, 27, 23, 0), (2027, 3, 28, 8, 0)),  # into the spring-forward night
        ((2027, 10, 30, 23, 0), (2027, 10, 31, 8, 0)),  # into the fall-back night
    ],
)
def test_after_quiet_hours_moves_to_local_eight(local, expected):
    moment = datetime(*local, tzinfo=AMS).astimezone(UTC)
    moved = after_quiet_hours(moment, AMS, time(22, 0), time(8, 0))
    assert moved.astimezone(AMS) == datetime(*expected, tzinfo=AMS)


def test_quiet_hours_within_one_day_and_none_at_all():
    assert in_quiet_hours(time(13, 30), time(13, 0), time(14, 0))
    assert not in_quiet_hours(time(14, 0), time(13, 0), time(14, 0))
    assert not in_quiet_hours(time(3, 0), time(8, 0), time(8, 0))  # equal: no quiet hours
