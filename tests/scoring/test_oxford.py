"""Oxford Hip Score (docs/domain.md §2): 12 items 0-4 (4 = best), sum 0-48; 1-2 missing items are
each replaced by the mean of the answered items; more than OXFORD_MAX_MISSING: no score."""

import pytest

from programs.scoring import OXFORD_ITEMS, OXFORD_MAX_MISSING, ScoringError, score_oxford


def answered(values: list[int]) -> dict[str, int]:
    """OHS1.. answered with ``values`` in order; the remaining items are absent."""
    return dict(zip(OXFORD_ITEMS, values, strict=False))


def test_items_and_missing_threshold():
    assert tuple(f"OHS{n}" for n in range(1, 13)) == OXFORD_ITEMS
    assert OXFORD_MAX_MISSING == 2


@pytest.mark.parametrize(
    ("values", "score"),
    [
        # 0 missing: 4+3+3+2 + 4+4+3+2 + 1+3+4+3 = 36, the plain sum.
        ([4, 3, 3, 2, 4, 4, 3, 2, 1, 3, 4, 3], 36.0),
        # 1 missing (OHS12): 11 answered, sum 4+3+3+2 + 4+4+3+2 + 1+3+1 = 30, mean 30/11;
        # 30 + 30/11 = 12 x 30/11 = 360/11 = 32.727... -> 32.7
        ([4, 3, 3, 2, 4, 4, 3, 2, 1, 3, 1], 32.7),
        # 1 missing: 11 answered, sum 23, 12 x 23/11 = 276/11 = 25.0909... -> 25.1 (rounded,
        # not truncated to 25.0)
        ([4, 3, 3, 2, 4, 4, 2, 1, 0, 0, 0], 25.1),
        # 2 missing (OHS11, OHS12): 10 answered, sum 4+3+3+2 + 4+4+3+2 + 1+1 = 27, mean 2.7;
        # 27 + 2 x 2.7 = 32.4
        ([4, 3, 3, 2, 4, 4, 3, 2, 1, 1], 32.4),
    ],
)
def test_hand_computed_with_imputation(values, score):
    assert score_oxford(answered(values)) == score


def test_missing_as_none_is_the_same_as_absent():
    """OHS11, OHS12 None: as the 2-missing case above, 27 + 2 x 2.7 = 32.4."""
    values = [4, 3, 3, 2, 4, 4, 3, 2, 1, 1]
    assert score_oxford({**answered(values), "OHS11": None, "OHS12": None}) == 32.4


@pytest.mark.parametrize("missing", [0, 1, 2])
def test_scored_with_up_to_two_missing(missing):
    """Every answered item 3: mean 3, so 12 x 3 = 36 whatever is missing."""
    assert score_oxford(answered([3] * (12 - missing))) == 36.0


@pytest.mark.parametrize("missing", [3, 4, 12])
def test_no_score_with_more_than_two_missing(missing):
    assert score_oxford(answered([3] * (12 - missing))) is None


def test_no_score_when_everything_is_none():
    assert score_oxford(dict.fromkeys(OXFORD_ITEMS)) is None


@pytest.mark.parametrize(("answer", "score"), [(4, 48.0), (0, 0.0)])
@pytest.mark.parametrize("missing", [0, 2])
def test_floor_and_ceiling(answer, score, missing):
    """All 4 (best): 12 x 4 = 48; all 0: 0. Imputing the mean keeps them at 48 and 0."""
    assert score_oxford(answered([answer] * (12 - missing))) == score


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
    answers = {**answered([2] * 12), "OHS5": value}
    with pytest.raises(ScoringError) as raised:
        score_oxford(answers)
    assert raised.value.code == code
    assert raised.value.item == "OHS5"


@pytest.mark.parametrize("item", ["OHS0", "OHS13", "ohs1", "P1"])
def test_unknown_item_code(item):
    with pytest.raises(ScoringError) as raised:
        score_oxford({**answered([2] * 12), item: 2})
    assert raised.value.code == "unknown_item"
    assert raised.value.item == item
