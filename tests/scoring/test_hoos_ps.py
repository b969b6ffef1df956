"""HOOS-PS (docs/domain.md §2): raw sum 0-20 of 5 items, converted by the Rasch table to 0-100 with
100 = no difficulty; all 5 items needed."""

import itertools

import pytest

from programs.scoring import HOOS_PS_ITEMS, HOOS_PS_RASCH_TABLE, ScoringError, score_hoos_ps


def answers(*values: int | None) -> dict[str, int | None]:
    return dict(zip(HOOS_PS_ITEMS, values, strict=True))


def test_table_shape():
    assert HOOS_PS_ITEMS == ("PS1", "PS2", "PS3", "PS4", "PS5")
    assert len(HOOS_PS_RASCH_TABLE) == 21  # raw sums 0..20
    assert all(a > b for a, b in itertools.pairwise(HOOS_PS_RASCH_TABLE))


@pytest.mark.parametrize(
    ("values", "score"),
    [
        ((0, 0, 0, 0, 0), 100.0),  # raw sum 0 -> 100 (no difficulty)
        ((4, 4, 4, 4, 4), 0.0),  # raw sum 20 -> 0
        ((2, 2, 2, 2, 2), 62.3),  # raw sum 10 -> 62.3
        ((0, 1, 2, 4, 0), 73.1),  # raw sum 7 -> 73.1
        ((4, 0, 2, 1, 0), 73.1),  # another order, same raw sum 7
        ((4, 4, 4, 1, 0), 49.2),  # raw sum 13 -> 49.2
        ((1, 0, 0, 0, 0), 95.4),  # raw sum 1 -> 95.4
        ((4, 4, 4, 4, 3), 9.2),  # raw sum 19 -> 9.2
    ],
)
def test_raw_sum_converted_by_the_table(values, score):
    assert score_hoos_ps(answers(*values)) == score


@pytest.mark.parametrize(
    "values",
    [{"PS1": 1, "PS2": 1, "PS3": 1, "PS4": 1}, answers(1, 1, None, 1, 1), {}],
)
def test_all_five_items_needed(values):
    assert score_hoos_ps(values) is None


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (5, "out_of_range"),
        (-1, "out_of_range"),
        (2.5, "not_integer"),
        ("3", "not_integer"),
        (True, "not_integer"),
    ],
)
def test_invalid_answer(value, code):
    with pytest.raises(ScoringError) as raised:
        score_hoos_ps(answers(1, value, 1, 1, 1))
    assert raised.value.code == code
    assert raised.value.item == "PS2"


@pytest.mark.parametrize("item", ["PS0", "PS6", "P1", "A1"])
def test_unknown_item_code(item):
    with pytest.raises(ScoringError) as raised:
        score_hoos_ps({**answers(1, 1, 1, 1, 1), item: 1})
    assert raised.value.code == "unknown_item"
    assert raised.value.item == item
