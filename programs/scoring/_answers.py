"""Validation shared by the item-based questionnaires (HOOS, Oxford Hip Score, HOOS-PS)."""

from collections.abc import Collection, Mapping

from programs.scoring.errors import ScoringError


def check_answer(value: object, low: int, high: int, *, item: str | None) -> int:
    """``value`` as an int answer in ``low..high``, or ScoringError naming ``item``."""
    label = item or "answer"
    # bool is a subclass of int: True would silently score as 1.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ScoringError(
            f"{label}: must be a whole number {low}-{high}, got {value!r}",
            code="not_integer",
            item=item,
        )
    if not low <= value <= high:
        raise ScoringError(
            f"{label}: must be {low}-{high}, got {value}", code="out_of_range", item=item
        )
    return value


def answered_items(
    answers: Mapping[str, int | None], known: Collection[str], low: int = 0, high: int = 4
) -> dict[str, int]:
    """The answered items of ``answers``, validated; an absent item and None both mean missing.

    An unknown code is an error even when its value is None: it means the form and the scorer
    disagree about the instrument version, and a silently dropped answer would go unnoticed."""
    answered: dict[str, int] = {}
    for item, value in answers.items():
        if item not in known:
            raise ScoringError(f"unknown item code {item!r}", code="unknown_item", item=item)
        if value is not None:
            answered[item] = check_answer(value, low, high, item=item)
    return answered
