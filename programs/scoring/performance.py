"""Performance tests and the direction of every measure (docs/domain.md §2)."""

import math
from fractions import Fraction

from programs.scoring._rounding import round2
from programs.scoring.errors import ScoringError

# Whether a higher value is better, per measure key: change.py needs it to tell an improvement
# from a worsening. NRS pain, PSK hinder and TUG seconds are the measures where lower is better.
HIGHER_IS_BETTER: dict[str, bool] = {
    "nrs_pain": False,
    "hoos_pain": True,
    "hoos_symptoms": True,
    "hoos_adl": True,
    "hoos_sport": True,
    "hoos_qol": True,
    "oxford": True,
    "psfs": True,
    "psk": False,
    "hoos_ps": True,
    "chair_stand_30s": True,
    "walk_40m_speed": True,
    "tug_seconds": False,
    "six_minute_walk_m": True,
}

# Decimals a measure (and its change against baseline) is shown with: one, except walking
# speed in m/s, which is shown to two (a tenth of a metre a second is a clinically relevant step).
DECIMALS: dict[str, int] = {"walk_40m_speed": 2}

WALK_TEST_METRES = 40.0


def walk_speed_m_per_s(seconds: float, metres: float = WALK_TEST_METRES) -> float:
    """Speed in the 40 m fast-paced walk test (docs/domain.md §2: 4 x 10 m): metres / seconds in
    m/s, rounded to two decimals half away from zero. Raises ScoringError when ``seconds`` or
    ``metres`` is not a finite number above zero."""
    _check_positive("seconds", seconds)
    _check_positive("metres", metres)
    # The exact quotient of the decimal inputs: binary division cannot then nudge a tie such as
    # 40 / 64 = 0.625 below the half before the documented rounding.
    return round2(float(Fraction(str(metres)) / Fraction(str(seconds))))


def _check_positive(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScoringError(f"{name} must be a number, got {value!r}", code="not_a_number")
    if not math.isfinite(value):
        raise ScoringError(f"{name} must be finite, got {value}", code="not_finite")
    if value <= 0:
        raise ScoringError(f"{name} must be above zero, got {value}", code="not_positive")
