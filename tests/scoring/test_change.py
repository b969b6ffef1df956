"""Change against baseline and clinical importance (docs/domain.md §2: NRS pain 2 points or 30%,
Oxford 5 points, HOOS 10; the thresholds are passed in, as the settings would)."""

import dataclasses
import math

import pytest

from programs.scoring import ChangeResult, ScoringError, change_against_baseline


def nrs(baseline: float, value: float) -> ChangeResult:
    return change_against_baseline(
        measure="nrs_pain", baseline=baseline, value=value, mcid_points=2, mcid_percent=30
    )


@pytest.mark.parametrize(
    ("baseline", "value", "change", "improvement", "important", "threshold"),
    [
        # 6 -> 4: 2 points; 30% of 6 = 1.8, so the threshold is 1.8; important.
        (6, 4, -2.0, 2.0, True, 1.8),
        # 6 -> 5: 1 point < 1.8; not important.
        (6, 5, -1.0, 1.0, False, 1.8),
        # 3 -> 2: 1 point < 2, but 1/3 = 33% >= 30% (30% of 3 = 0.9); important.
        (3, 2, -1.0, 1.0, True, 0.9),
        # 4 -> 6: a worsening of 2 points (30% of 4 = 1.2); important, improvement negative.
        (4, 6, 2.0, -2.0, True, 1.2),
        # 5 -> 3.5: 1.5 = exactly 30% of 5; important at the threshold.
        (5, 3.5, -1.5, 1.5, True, 1.5),
        # 5 -> 3.6: 1.4 < 1.5; not important just below it.
        (5, 3.6, -1.4, 1.4, False, 1.5),
        # 10 -> 8.5: 30% of 10 = 3 > 2, so the 2 points apply; 1.5 < 2 not important.
        (10, 8.5, -1.5, 1.5, False, 2.0),
        # 10 -> 8: 2 points; important.
        (10, 8, -2.0, 2.0, True, 2.0),
        # Baseline 0: no percent rule (30% of 0 would make every change important).
        (0, 1, 1.0, -1.0, False, 2.0),
        (0, 2, 2.0, -2.0, True, 2.0),
    ],
)
def test_nrs_pain_points_or_percent(baseline, value, change, improvement, important, threshold):
    result = nrs(baseline, value)
    assert result == ChangeResult(
        baseline=baseline,
        value=value,
        change=change,
        improvement=improvement,
        important=important,
        threshold=threshold,
    )


def test_nrs_threshold_on_the_decimal_values():
    """Weekly means 2.1 -> 4.1: a worsening of exactly 2 points (in binary floating point
    4.1 - 2.1 = 1.9999999999999996). 30% of 2.1 = 0.63 is the smaller threshold."""
    result = nrs(2.1, 4.1)
    assert result.important
    assert result.change == 2.0
    assert result.threshold == 0.63


@pytest.mark.parametrize(
    ("baseline", "value", "improvement", "important"),
    [
        (30, 35, 5.0, True),  # +5 reaches 5 points
        (30, 34, 4.0, False),  # +4 does not
        (30, 25, -5.0, True),  # a worsening of 5 is important too
        # 27.3 -> 32.3 is exactly +5 (binary floating point says 4.9999999999999964).
        (27.3, 32.3, 5.0, True),
    ],
)
def test_oxford_five_points(baseline, value, improvement, important):
    result = change_against_baseline(
        measure="oxford", baseline=baseline, value=value, mcid_points=5
    )
    assert result.improvement == improvement
    assert result.change == improvement  # higher is better: improvement = change
    assert result.important is important
    assert result.threshold == 5.0


@pytest.mark.parametrize(
    ("baseline", "value", "change", "improvement"),
    [(12.0, 10.5, -1.5, 1.5), (10.5, 12.0, 1.5, -1.5)],
)
def test_tug_lower_is_better(baseline, value, change, improvement):
    """Timed Up and Go seconds: 12.0 -> 10.5 s is 1.5 s faster, an improvement of +1.5."""
    result = change_against_baseline(
        measure="tug_seconds", baseline=baseline, value=value, mcid_points=1
    )
    assert result.change == change
    assert result.improvement == improvement
    assert result.important


@pytest.mark.parametrize(("value", "important"), [(70.0, True), (69.9, False)])
def test_hoos_subscale_ten_points(value, important):
    result = change_against_baseline(measure="hoos_adl", baseline=60.0, value=value, mcid_points=10)
    assert result.important is important


def test_change_is_rounded_but_the_decision_uses_the_exact_difference():
    """Timed Up and Go 10.0 -> 9.05 s: change -0.95, shown as -1.0 (one decimal, half away
    from zero), an improvement of 1.0, yet below a 1-second threshold."""
    result = change_against_baseline(
        measure="tug_seconds", baseline=10.0, value=9.05, mcid_points=1
    )
    assert result.change == -1.0
    assert result.improvement == 1.0
    assert not result.important


def test_walking_speed_change_has_two_decimals_like_the_speed():
    """1.25 -> 1.40 m/s: change 0.15 m/s (two decimals, as the speed is shown), below a 0.2
    threshold."""
    result = change_against_baseline(
        measure="walk_40m_speed", baseline=1.25, value=1.40, mcid_points=0.2
    )
    assert (result.change, result.improvement, result.important) == (0.15, 0.15, False)


@pytest.mark.parametrize(
    ("measure", "baseline", "value", "change", "improvement"),
    [
        # TUG 12.0 -> 10.25 s: -1.75 rounds half away from zero to -1.8; faster is better.
        ("tug_seconds", 12.0, 10.25, -1.8, 1.8),
        # Chair stand 9 -> 12 stands: +3.
        ("chair_stand_30s", 9, 12, 3.0, 3.0),
    ],
)
def test_without_a_threshold_change_and_direction_but_no_verdict(
    measure, baseline, value, change, improvement
):
    result = change_against_baseline(
        measure=measure, baseline=baseline, value=value, mcid_points=None
    )
    assert (result.change, result.improvement) == (change, improvement)
    assert (result.important, result.threshold) == (None, None)


@pytest.mark.parametrize(
    ("measure", "baseline", "value"),
    [("tug_seconds", 9, 9), ("hoos_adl", 60.0, 59.96), ("tug_seconds", 9.0, 9.04)],
)
def test_no_or_tiny_change_is_not_negative_zero(measure, baseline, value):
    """-0.04 rounds to 0.0, which must not be shown as "-0.0" (a worsening)."""
    result = change_against_baseline(
        measure=measure, baseline=baseline, value=value, mcid_points=0.1
    )
    assert result.change == 0.0
    assert result.improvement == 0.0
    assert math.copysign(1, result.change) == 1
    assert math.copysign(1, result.improvement) == 1
    assert not result.important


def test_result_is_frozen():
    result = nrs(6, 4)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.important = False  # type: ignore[misc]


def test_unknown_measure():
    with pytest.raises(ScoringError) as raised:
        change_against_baseline(measure="womac", baseline=1, value=2, mcid_points=1)
    assert raised.value.code == "unknown_measure"


@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        ({"mcid_points": 0}, "invalid_threshold"),
        ({"mcid_points": -2}, "invalid_threshold"),
        ({"mcid_points": 2, "mcid_percent": 0}, "invalid_threshold"),
        ({"mcid_points": math.nan}, "invalid_threshold"),
        ({"mcid_points": 2, "baseline": math.nan}, "not_finite"),
        ({"mcid_points": 2, "value": math.inf}, "not_finite"),
    ],
)
def test_invalid_arguments(arguments, code):
    values = {"measure": "nrs_pain", "baseline": 6, "value": 4, **arguments}
    with pytest.raises(ScoringError) as raised:
        change_against_baseline(**values)
    assert raised.value.code == code
