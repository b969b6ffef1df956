"""HOOS, the Hip disability and Osteoarthritis Outcome Score (docs/domain.md §2; HOOS user
guide 2013).

40 items answered 0 (none) to 4 (extreme) in five subscales, each scored on its own:
100 - (mean of the answered items x 25), so 100 means no problems and 0 extreme problems."""

from collections.abc import Mapping, Sequence
from fractions import Fraction

from programs.scoring._answers import answered_items, check_answer
from programs.scoring._rounding import round1
from programs.scoring.errors import ScoringError


def _codes(prefix: str, count: int) -> tuple[str, ...]:
    return tuple(f"{prefix}{number}" for number in range(1, count + 1))


HOOS_SUBSCALES: dict[str, tuple[str, ...]] = {
    "pain": _codes("P", 10),
    "symptoms": _codes("S", 5),
    "adl": _codes("A", 17),
    "sport": _codes("SP", 4),
    "qol": _codes("Q", 4),
}

# At least half of each subscale's items, rounded up (docs/domain.md §2 lists these numbers).
HOOS_MIN_ANSWERED: dict[str, int] = {
    "pain": 5,
    "symptoms": 3,
    "adl": 9,
    "sport": 2,
    "qol": 2,
}

HOOS_ANSWER_MIN = 0
HOOS_ANSWER_MAX = 4


def hoos_item_codes() -> tuple[str, ...]:
    """All 40 HOOS item codes, subscale by subscale in the order of docs/domain.md §2."""
    return tuple(code for codes in HOOS_SUBSCALES.values() for code in codes)


def score_hoos(answers: Mapping[str, int | None]) -> dict[str, float | None]:
    """The five HOOS subscale scores (docs/domain.md §2), keyed like ``HOOS_SUBSCALES``.

    Each subscale is 100 - (mean of its answered items x 25), rounded to one decimal half away
    from zero. A subscale with fewer answered items than ``HOOS_MIN_ANSWERED`` is None: an
    invalid subscale has no score rather than a wrong one. A missing item may be absent from
    ``answers`` or None. Raises ScoringError for an unknown item code or an answer that is not
    an int 0-4 (a bool is not an answer)."""
    answered = answered_items(answers, _KNOWN_CODES, HOOS_ANSWER_MIN, HOOS_ANSWER_MAX)
    return {
        subscale: _subscale_score(
            [answered[code] for code in codes if code in answered], HOOS_MIN_ANSWERED[subscale]
        )
        for subscale, codes in HOOS_SUBSCALES.items()
    }


def resolve_double_tick(values: Sequence[int]) -> int:
    """The answer to record when a HOOS item has more than one box ticked: the worse one, which
    for HOOS is the higher number (docs/domain.md §2, HOOS user guide 2013: "take the worse").

    This is a data-entry rule, applied before ``score_hoos``. Raises ScoringError when
    ``values`` is empty or holds anything but ints 0-4."""
    if not values:
        raise ScoringError("no ticked answers to choose from", code="no_values")
    checked = [check_answer(value, HOOS_ANSWER_MIN, HOOS_ANSWER_MAX, item=None) for value in values]
    return max(checked)


_KNOWN_CODES = frozenset(hoos_item_codes())


def _subscale_score(values: list[int], min_answered: int) -> float | None:
    if len(values) < min_answered:
        return None
    # Exact arithmetic, so that the documented rounding is the only rounding.
    score = 100 - Fraction(sum(values), len(values)) * 25
    return round1(float(score))
