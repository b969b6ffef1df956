"""The Oxford Hip Score (docs/domain.md §2): 12 items 0-4 where 4 is best, summed to 0-48.

The item texts are licensed; this module knows the items only by code (OHS1..OHS12)."""

from collections.abc import Mapping
from fractions import Fraction

from programs.scoring._answers import answered_items
from programs.scoring._rounding import round1

OXFORD_ITEMS: tuple[str, ...] = tuple(f"OHS{number}" for number in range(1, 13))

# docs/domain.md §2 marks this threshold *(verify)*: it is kept here, named, so that a correction is
# a one-line change. With more missing items than this the questionnaire has no score.
OXFORD_MAX_MISSING = 2

_KNOWN_CODES = frozenset(OXFORD_ITEMS)


def score_oxford(answers: Mapping[str, int | None]) -> float | None:
    """The Oxford Hip Score 0-48, higher is better (docs/domain.md §2).

    With all 12 items answered: their sum. With 1 to ``OXFORD_MAX_MISSING`` items missing each
    missing item is replaced by the mean of the person's answered items, which makes the score
    mean x 12; it is rounded to one decimal half away from zero. With more missing: None.
    A missing item may be absent from ``answers`` or None. Raises ScoringError for an unknown
    item code or an answer that is not an int 0-4 (a bool is not an answer)."""
    answered = answered_items(answers, _KNOWN_CODES)
    if len(OXFORD_ITEMS) - len(answered) > OXFORD_MAX_MISSING:
        return None
    # Exact arithmetic so that only the final, documented rounding can change the value.
    mean = Fraction(sum(answered.values()), len(answered))
    return round1(float(mean * len(OXFORD_ITEMS)))
