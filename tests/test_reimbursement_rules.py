"""The 12-treatment rule (docs/domain.md §5, R1-R9) as pure functions, at its edges."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from programs.reimbursement import (
    NO_REFERRAL,
    NOT_ATTENDED,
    OUTSIDE_PERIOD,
    OVER_LIMIT,
    SAME_DAY,
    Indication,
    Registration,
    allowance_key,
    assess,
    diagnoses_on_record,
    period_end,
    within_allowance,
)


def registration(pk, day, attended=True, hour=10, necessary=False):
    return Registration(
        id=pk,
        at=datetime(day.year, day.month, day.day, hour, tzinfo=UTC),
        day=day,
        attended=attended,
        same_day_necessary=necessary,
    )


def weekly(first: date, count: int, start_id=1):
    return [registration(start_id + i, first + timedelta(weeks=i)) for i in range(count)]


class TestPeriodR2:
    def test_kngf_example_first_treatment_1_april(self):
        assert period_end(date(2018, 4, 1)) == date(2019, 3, 31)

    def test_29_february_ends_on_28_february(self):
        assert period_end(date(2028, 2, 29)) == date(2029, 2, 28)

    def test_28_february_ends_on_27_february(self):
        assert period_end(date(2027, 2, 28)) == date(2028, 2, 27)

    def test_last_day_inside_and_first_day_outside(self):
        first = registration(1, date(2018, 4, 1))
        last_inside = registration(2, date(2019, 3, 31))
        first_outside = registration(3, date(2019, 4, 1))
        episodes, verdicts = assess([first, last_inside, first_outside])
        assert (episodes[0].start, episodes[0].end) == (date(2018, 4, 1), date(2019, 3, 31))
        assert [(v.covered, v.number, v.reason) for v in verdicts] == [
            (True, 1, ""),
            (True, 2, ""),
            (False, None, OUTSIDE_PERIOD),
        ]

    def test_first_treatment_on_29_february(self):
        first = registration(1, date(2028, 2, 29))
        on_28 = registration(2, date(2029, 2, 28))
        on_1_march = registration(3, date(2029, 3, 1))
        _episodes, verdicts = assess([first, on_28, on_1_march])
        assert [v.reason for v in verdicts] == ["", "", OUTSIDE_PERIOD]


class TestAllowanceR3:
    def test_the_12th_is_covered_and_the_13th_is_not(self):
        episodes, verdicts = assess(weekly(date(2027, 3, 1), 14))
        assert [v.number for v in verdicts[:12]] == list(range(1, 13))
        assert [(v.covered, v.reason) for v in verdicts[12:]] == [
            (False, OVER_LIMIT),
            (False, OVER_LIMIT),
        ]
        assert (episodes[0].used, episodes[0].remaining) == (12, 0)

    def test_the_first_12_by_date_and_time_whatever_order_they_come_in(self):
        registrations = weekly(date(2027, 3, 1), 13)
        _episodes, verdicts = assess(list(reversed(registrations)))
        by_id = {v.registration.id: v for v in verdicts}
        assert by_id[13].reason == OVER_LIMIT and by_id[1].number == 1


class TestAttendanceR1:
    def test_no_shows_and_cancellations_never_count(self):
        registrations = [
            registration(1, date(2027, 3, 1)),
            registration(2, date(2027, 3, 8), attended=False),
            registration(3, date(2027, 3, 15)),
        ]
        _episodes, verdicts = assess(registrations)
        assert [(v.covered, v.number, v.reason) for v in verdicts] == [
            (True, 1, ""),
            (False, None, NOT_ATTENDED),
            (True, 2, ""),
        ]

    def test_an_episode_starts_at_the_first_attended_treatment(self):
        registrations = [
            registration(1, date(2027, 3, 1), attended=False),
            registration(2, date(2027, 3, 8)),
        ]
        episodes, _verdicts = assess(registrations)
        assert episodes[0].start == date(2027, 3, 8)


class TestSameDayR9:
    def test_a_second_treatment_on_one_day_is_not_covered(self):
        day = date(2027, 3, 1)
        _episodes, verdicts = assess([registration(1, day, hour=9), registration(2, day, hour=15)])
        assert [(v.number, v.reason) for v in verdicts] == [(1, ""), (None, SAME_DAY)]

    def test_unless_marked_medically_necessary(self):
        day = date(2027, 3, 1)
        _episodes, verdicts = assess(
            [registration(1, day, hour=9), registration(2, day, hour=15, necessary=True)]
        )
        assert [v.number for v in verdicts] == [1, 2]


class TestNewIndicationR5:
    def test_a_new_indication_after_the_period_gives_a_new_allowance(self):
        first = weekly(date(2027, 3, 1), 12)
        later = [registration(100, date(2028, 5, 1)), registration(101, date(2028, 5, 8))]
        indications = [
            Indication(date(2027, 2, 20), "6223", referral=False),
            Indication(date(2028, 4, 20), "7023", referral=True),
        ]
        episodes, verdicts = assess(first + later, indications)
        assert len(episodes) == 2
        assert (episodes[1].start, episodes[1].indication.diagnosis_code) == (
            date(2028, 5, 1),
            "7023",
        )
        assert [v.number for v in verdicts[-2:]] == [1, 2]

    def test_without_a_new_indication_a_later_treatment_is_outside_the_period(self):
        first = weekly(date(2027, 3, 1), 2)
        later = registration(100, date(2028, 5, 1))
        episodes, verdicts = assess([*first, later], [Indication(date(2027, 2, 20), "6223", False)])
        assert len(episodes) == 1 and verdicts[-1].reason == OUTSIDE_PERIOD

    def test_an_indication_recorded_inside_the_period_does_not_renew_it(self):
        first = weekly(date(2027, 3, 1), 12)
        inside = Indication(date(2027, 9, 1), "6223", False)  # recorded during the period
        extra = registration(100, date(2027, 10, 4))
        _episodes, verdicts = assess([*first, extra], [inside])
        assert verdicts[-1].reason == OVER_LIMIT

    def test_an_indication_recorded_on_the_periods_last_day_does_not_renew_it(self):
        first = weekly(date(2027, 3, 1), 12)  # period 1 March 2027 - 29 February 2028
        later = registration(100, date(2028, 3, 6))
        on_last_day = Indication(date(2028, 2, 29), "6223", False)
        _episodes, verdicts = assess([*first, later], [on_last_day])
        assert verdicts[-1].reason == OUTSIDE_PERIOD
        day_after = Indication(date(2028, 3, 1), "6223", False)
        episodes, verdicts = assess([*first, later], [day_after])
        assert (len(episodes), verdicts[-1].number) == (2, 1)


class TestOneAllowanceR4:
    def test_hip_and_knee_of_one_person_share_the_12(self):
        """R4: a hip indication, six treatments, then a knee indication and seven more: one
        episode, and the 13th treatment overall is over the limit."""
        hip = weekly(date(2027, 3, 1), 6)
        knee = weekly(date(2027, 4, 19), 7, start_id=50)
        indications = [
            Indication(date(2027, 2, 25), "6223", referral=False),
            Indication(date(2027, 4, 15), "7023", referral=False),
        ]
        episodes, verdicts = assess(hip + knee, indications)
        assert len(episodes) == 1 and episodes[0].used == 12
        assert [v.number for v in verdicts[:12]] == list(range(1, 13))
        assert (verdicts[12].covered, verdicts[12].reason) == (False, OVER_LIMIT)

    def test_every_hip_and_knee_code_is_one_allowance(self):
        assert allowance_key("6223") == allowance_key("7023") == allowance_key(None)


class TestAllowanceLimitR3:
    @pytest.mark.parametrize(("used", "within"), [(0, True), (11, True), (12, False)])
    def test_within_allowance(self, used, within):
        assert within_allowance(used) is within


class TestReferralR7:
    def test_without_a_required_referral_nothing_is_covered_or_counted(self):
        registrations = [replace(r, referral_required=True) for r in weekly(date(2027, 3, 1), 2)]
        episodes, verdicts = assess(registrations, [Indication(date(2027, 2, 25), "6223", False)])
        assert [(v.covered, v.reason) for v in verdicts] == [(False, NO_REFERRAL)] * 2
        assert (episodes[0].used, episodes[0].remaining) == (0, 12)

    def test_with_the_referral_they_are(self):
        registrations = [replace(r, referral_required=True) for r in weekly(date(2027, 3, 1), 2)]
        _episodes, verdicts = assess(registrations, [Indication(date(2027, 2, 25), "6223", True)])
        assert [v.number for v in verdicts] == [1, 2]

    def test_an_insurer_without_the_requirement_covers_without_one(self):
        _episodes, verdicts = assess(
            weekly(date(2027, 3, 1), 2), [Indication(date(2027, 2, 25), "6223", False)]
        )
        assert [v.number for v in verdicts] == [1, 2]


class TestDiagnosesOnRecordR8:
    """What a claim's diagnosis code is compared with (R8 with R4): every indication recorded
    since the previous period ended, up to the treatment's day, and the episode's own."""

    @staticmethod
    def on_record(registrations, indications, index):
        episodes, verdicts = assess(registrations, indications)
        verdict = verdicts[index]
        episode = episodes[verdict.episode] if verdict.episode is not None else None
        return diagnoses_on_record(
            verdict.registration.day,
            episode,
            episodes,
            sorted(indications, key=lambda i: i.recorded_on),
        )

    def test_hip_and_knee_recorded_before_the_first_treatment_are_both_on_record(self):
        indications = [
            Indication(date(2026, 2, 20), "6223", False),
            Indication(date(2026, 2, 25), "7023", False),
        ]
        assert self.on_record([registration(1, date(2026, 3, 2))], indications, 0) == {
            "6223",
            "7023",
        }

    def test_one_recorded_on_the_last_day_of_the_previous_period_belongs_to_that_period(self):
        treatments = [registration(1, date(2024, 3, 4)), registration(2, date(2025, 5, 5))]
        indications = [
            Indication(date(2024, 3, 1), "6223", False),
            Indication(date(2025, 3, 3), "7023", False),  # last day of period 1: inside it
            Indication(date(2025, 5, 1), "6223", False),  # after it: a new episode (R5)
        ]
        assert self.on_record(treatments, indications, 0) == {"6223"}
        assert self.on_record(treatments, indications, 1) == {"6223"}

    def test_one_recorded_after_the_day_counts_only_as_the_episodes_own(self):
        treatments = weekly(date(2026, 3, 2), 2)
        indications = [
            Indication(date(2026, 3, 4), "7023", False),  # the episode's: recorded late
            Indication(date(2026, 3, 20), "6223", False),  # a second joint, added later
        ]
        assert self.on_record(treatments, indications, 0) == {"7023"}
        assert self.on_record(treatments, indications, 1) == {"7023"}

    def test_a_treatment_after_the_period_has_the_ended_episodes_codes(self):
        treatments = [registration(1, date(2024, 3, 4)), registration(2, date(2025, 4, 7))]
        indications = [Indication(date(2024, 3, 1), "7023", False)]
        _episodes, verdicts = assess(treatments, indications)
        assert verdicts[1].reason == OUTSIDE_PERIOD
        assert self.on_record(treatments, indications, 1) == {"7023"}

    def test_nothing_recorded_is_nothing_on_record(self):
        assert self.on_record([registration(1, date(2026, 3, 2))], [], 0) == set()
