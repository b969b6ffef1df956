"""Change against baseline and whether it is clinically important (docs/domain.md §2).

The default thresholds (NRS pain 2 points or 30%, Oxford 5, HOOS 10, PSFS 2) are settings of
the application, partly marked *(verify)*; they are arguments here, never constants."""

import math
from dataclasses import dataclass
from decimal import Decimal

from programs.scoring._rounding import round1, round2
from programs.scoring.errors import ScoringError
from programs.scoring.performance import DECIMALS, HIGHER_IS_BETTER


@dataclass(frozen=True)
class ChangeResult:
    """A measurement compared with its baseline.

    ``change`` is value - baseline, ``improvement`` the same amount signed so that positive is
    better for this measure (for NRS pain a fall is an improvement); both rounded half away
    from zero to the measure's decimals (one; walking speed two). ``important`` says whether
    the change, in either direction, reaches the clinically important difference;
    ``threshold`` is the absolute size that was needed. A measure without a threshold has
    neither (None)."""

    baseline: float
    value: float
    change: float
    improvement: float
    important: bool | None
    threshold: float | None


def change_against_baseline(
    *,
    measure: str,
    baseline: float,
    value: float,
    mcid_points: float | None,
    mcid_percent: float | None = None,
) -> ChangeResult:
    """Compare ``value`` with ``baseline`` for ``measure`` (a key of HIGHER_IS_BETTER),
    docs/domain.md §2 "Clinically important change".

    The change is important when its absolute size, improvement or worsening, is at least
    ``mcid_points``, or, when ``mcid_percent`` is given (NRS pain: 2 points OR 30%), at least
    ``mcid_percent`` % of the absolute baseline; with a baseline of 0 the percent rule does not
    apply. ``threshold`` is the smaller of the applicable thresholds. The decision uses the
    exact difference, not the rounded ``change``. ``mcid_points`` None: the measure has no
    threshold (set), so the change and improvement come without a verdict. Raises ScoringError
    for an unknown measure (code "unknown_measure"), a threshold that is not above zero or a
    value that is not a finite number."""
    higher_is_better = _direction(measure)
    exact_baseline = _decimal("baseline", baseline)
    difference = _decimal("value", value) - exact_baseline
    threshold = (
        None if mcid_points is None else _threshold(exact_baseline, mcid_points, mcid_percent)
    )
    improvement = difference if higher_is_better else -difference
    rounded = round2 if DECIMALS.get(measure, 1) == 2 else round1
    return ChangeResult(
        baseline=float(baseline),
        value=float(value),
        change=rounded(float(difference)),
        improvement=rounded(float(improvement)),
        important=None if threshold is None else abs(difference) >= threshold,
        threshold=None if threshold is None else float(threshold),
    )


def _direction(measure: str) -> bool:
    try:
        return HIGHER_IS_BETTER[measure]
    except KeyError:
        raise ScoringError(f"unknown measure {measure!r}", code="unknown_measure") from None


def _threshold(baseline: Decimal, mcid_points: float, mcid_percent: float | None) -> Decimal:
    points = _decimal("mcid_points", mcid_points, code="invalid_threshold")
    if points <= 0:
        raise ScoringError("mcid_points must be above zero", code="invalid_threshold")
    if mcid_percent is None or baseline == 0:
        return points
    percent = _decimal("mcid_percent", mcid_percent, code="invalid_threshold")
    if percent <= 0:
        raise ScoringError("mcid_percent must be above zero", code="invalid_threshold")
    return min(points, percent / 100 * abs(baseline))


def _decimal(name: str, x: float, code: str = "not_finite") -> Decimal:
    # Decimal of the text, so that 30% of 7 is exactly 2.1 and a difference that sits exactly on
    # the threshold is not pushed below it by binary floating point.
    if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x):
        raise ScoringError(f"{name} must be a finite number, got {x!r}", code=code)
    return Decimal(str(x))
