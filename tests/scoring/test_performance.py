"""Performance tests and measure directions (docs/domain.md §2)."""

import math

import pytest

from programs.scoring import HIGHER_IS_BETTER, ScoringError, walk_speed_m_per_s


@pytest.mark.parametrize(
    ("seconds", "speed"),
    [
        (25, 1.6),  # 40 / 25
        (32, 1.25),  # 40 / 32
        (30, 1.33),  # 40 / 30 = 1.333...
        (25.6, 1.56),  # 40 / 25.6 = 1.5625 -> 1.56
        (64, 0.63),  # 40 / 64 = 0.625 -> 0.63 half away from zero (banker's: 0.62)
        (21.0, 1.9),  # 40 / 21 = 1.9047... -> 1.90
    ],
)
def test_forty_metre_walk_speed(seconds, speed):
    assert walk_speed_m_per_s(seconds) == speed


def test_other_distance():
    assert walk_speed_m_per_s(24, metres=20) == 0.83  # 20 / 24 = 0.8333...


@pytest.mark.parametrize(
    ("seconds", "code"),
    [
        (0, "not_positive"),
        (-5.0, "not_positive"),
        (math.nan, "not_finite"),
        (math.inf, "not_finite"),
        (True, "not_a_number"),
        ("25", "not_a_number"),
    ],
)
def test_invalid_seconds(seconds, code):
    with pytest.raises(ScoringError) as raised:
        walk_speed_m_per_s(seconds)
    assert raised.value.code == code


def test_invalid_distance():
    with pytest.raises(ScoringError) as raised:
        walk_speed_m_per_s(25, metres=0)
    assert raised.value.code == "not_positive"


def test_directions():
    assert set(HIGHER_IS_BETTER) == {
        "nrs_pain",
        "hoos_pain",
        "hoos_symptoms",
        "hoos_adl",
        "hoos_sport",
        "hoos_qol",
        "oxford",
        "psfs",
        "psk",
        "hoos_ps",
        "chair_stand_30s",
        "walk_40m_speed",
        "tug_seconds",
        "six_minute_walk_m",
    }
    # Pain, PSK hinder and Timed Up and Go seconds: lower is better; everything else higher.
    lower_is_better = {key for key, higher in HIGHER_IS_BETTER.items() if not higher}
    assert lower_is_better == {"nrs_pain", "psk", "tug_seconds"}
