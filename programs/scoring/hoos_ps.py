"""HOOS-PS, the HOOS Physical Function Short form (docs/domain.md §2): 5 items 0-4 (stairs down,
bath/shower, sitting, running, twisting), raw sum 0-20 converted by the published Rasch table.

Direction: the table here gives 100 = no difficulty, like the HOOS subscales. The other
published direction (0 = no difficulty) is 100 minus this; a stored score must record which."""

from collections.abc import Mapping

from programs.scoring._answers import answered_items

HOOS_PS_ITEMS: tuple[str, ...] = ("PS1", "PS2", "PS3", "PS4", "PS5")

# Indexed by the raw sum 0..20 (docs/domain.md §2).
HOOS_PS_RASCH_TABLE: tuple[float, ...] = (
    100.0,
    95.4,
    91.2,
    87.3,
    83.6,
    80.0,
    76.6,
    73.1,
    69.6,
    66.1,
    62.3,
    58.3,
    53.9,
    49.2,
    44.1,
    38.4,
    32.1,
    25.2,
    17.6,
    9.2,
    0.0,
)

_KNOWN_CODES = frozenset(HOOS_PS_ITEMS)


def score_hoos_ps(answers: Mapping[str, int | None]) -> float | None:
    """The HOOS-PS score 0-100, 100 = no difficulty (docs/domain.md §2): the Rasch table value of
    the raw sum of the 5 items. All 5 items are needed; with any missing (absent or None) the
    score is None, because the table is defined only for complete raw sums. Raises ScoringError
    for an unknown item code or an answer that is not an int 0-4 (a bool is not an answer)."""
    answered = answered_items(answers, _KNOWN_CODES)
    if len(answered) < len(HOOS_PS_ITEMS):
        return None
    return HOOS_PS_RASCH_TABLE[sum(answered.values())]
