"""Patient-specific activity scales (docs/domain.md §2): the PSFS and the Dutch PSK.

In both the patient names their own activities and rates each 0-10; the score is the mean of the
ratings. They differ in direction, so a stored score must say which form it came from:

- PSFS (Patient-Specific Functional Scale): 1-5 activities, 0 = unable, 10 = able as before;
  higher is better.
- PSK (Patient Specifieke Klachten, the form the KNGF guideline recommends): 3-5 activities,
  0 = no hinder, 10 = most hinder; higher is WORSE."""

from collections.abc import Sequence
from fractions import Fraction

from programs.scoring._answers import check_answer
from programs.scoring._rounding import round1
from programs.scoring.errors import ScoringError

RATING_MIN = 0
RATING_MAX = 10
PSFS_MIN_ACTIVITIES = 1
PSK_MIN_ACTIVITIES = 3
MAX_ACTIVITIES = 5


def score_psfs(ratings: Sequence[int]) -> float:
    """The PSFS score (docs/domain.md §2): the mean of 1-5 activity ratings 0-10, where 10 means
    able to do the activity as before; higher is better. Rounded to one decimal, half away
    from zero. Raises ScoringError for no or more than 5 activities, or a rating that is not
    an int 0-10 (``item`` "activity_1" for the first rating)."""
    return _mean_rating(ratings, min_activities=PSFS_MIN_ACTIVITIES)


def score_psk(ratings: Sequence[int]) -> float:
    """The PSK score (docs/domain.md §2): the mean of 3-5 activity ratings 0-10 of hinder, rounded
    to one decimal half away from zero. The direction is the opposite of the PSFS: 0 is no
    hinder and 10 the most, so higher is WORSE. Raises ScoringError for fewer than 3 or more
    than 5 activities, or a rating that is not an int 0-10 (``item`` "activity_1" first)."""
    return _mean_rating(ratings, min_activities=PSK_MIN_ACTIVITIES)


def _mean_rating(ratings: Sequence[int], *, min_activities: int) -> float:
    _check_count(len(ratings), min_activities)
    checked = [
        check_answer(value, RATING_MIN, RATING_MAX, item=f"activity_{position}")
        for position, value in enumerate(ratings, start=1)
    ]
    # Exact arithmetic, so that the documented rounding is the only rounding.
    return round1(float(Fraction(sum(checked), len(checked))))


def _check_count(count: int, min_activities: int) -> None:
    if count == 0:
        raise ScoringError("no activities rated", code="no_activities")
    if count < min_activities:
        raise ScoringError(
            f"at least {min_activities} activities are needed, got {count}",
            code="too_few_activities",
        )
    if count > MAX_ACTIVITIES:
        raise ScoringError(
            f"at most {MAX_ACTIVITIES} activities, got {count}", code="too_many_activities"
        )
