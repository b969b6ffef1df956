"""Rounding for every reported score: half away from zero (docs/domain.md §2 scores are shown to one
decimal, walking speed to two).

Python's ``round`` rounds half to even ("banker's rounding": ``round(81.25, 1) == 81.2``), which
is not what a clinician or a published scoring manual does by hand (81.3). Going through
``str(x)`` first makes the tie the decimal number the user sees, not the binary float behind it
(``Decimal(2.675)`` is 2.67499999...)."""

from decimal import ROUND_HALF_UP, Decimal

# In the decimal module ROUND_HALF_UP means half away from zero, negative numbers included.
_ONE_DECIMAL = Decimal("0.1")
_TWO_DECIMALS = Decimal("0.01")


def _half_away_from_zero(x: float, step: Decimal) -> float:
    # "+ 0.0" turns -0.0 (from -0.04, say) into 0.0: a change of "-0.0" would read as a worsening.
    return float(Decimal(str(x)).quantize(step, rounding=ROUND_HALF_UP)) + 0.0


def round1(x: float) -> float:
    """``x`` to one decimal, half away from zero: 81.25 -> 81.3, -0.25 -> -0.3."""
    return _half_away_from_zero(x, _ONE_DECIMAL)


def round2(x: float) -> float:
    """``x`` to two decimals, half away from zero: 0.625 -> 0.63."""
    return _half_away_from_zero(x, _TWO_DECIMALS)
