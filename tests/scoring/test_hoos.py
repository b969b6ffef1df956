"""HOOS subscale scoring (docs/domain.md §2): 100 - (mean of answered items x 25), at least half of
a subscale's items answered, two ticked boxes resolved to the worse answer."""

import pytest

from programs.scoring import (
    HOOS_MIN_ANSWERED,
    HOOS_SUBSCALES,
    ScoringError,
    hoos_item_codes,
    resolve_double_tick,
    score_hoos,
)

SUBSCALES = ("pain", "symptoms", "adl", "sport", "qol")


def fill(subscale: str, values: list[int]) -> dict[str, int]:
    """The first len(values) items of ``subscale`` answered with ``values``, in order."""
    return dict(zip(HOOS_SUBSCALES[subscale], values, strict=False))


def test_forty_item_codes_in_subscale_order():
    codes = hoos_item_codes()
    assert len(codes) == 40
    assert len(set(codes)) == 40
    assert codes[:3] == ("P1", "P2", "P3")
    assert codes[10:12] == ("S1", "S2")
    assert codes[15] == "A1"
    assert codes[31:36] == ("A17", "SP1", "SP2", "SP3", "SP4")
    assert codes[-4:] == ("Q1", "Q2", "Q3", "Q4")
    assert tuple(HOOS_SUBSCALES) == SUBSCALES
    assert {key: len(items) for key, items in HOOS_SUBSCALES.items()} == {
        "pain": 10,
        "symptoms": 5,
        "adl": 17,
        "sport": 4,
        "qol": 4,
    }


def test_minimum_answered_is_at_least_half_of_each_subscale():
    assert HOOS_MIN_ANSWERED == {"pain": 5, "symptoms": 3, "adl": 9, "sport": 2, "qol": 2}
    for subscale, minimum in HOOS_MIN_ANSWERED.items():
        size = len(HOOS_SUBSCALES[subscale])
        # At least half, and one fewer would be less than half.
        assert 2 * minimum >= size > 2 * (minimum - 1)


def test_complete_questionnaire_hand_computed():
    """
    pain     P1-P10 = 1,2,0,3,1,2,0,1,2,1: sum 13, mean 13/10 = 1.3; 100 - 1.3 x 25 = 67.5
    symptoms S1-S5  = 2,1,1,0,3:           sum 7,  mean 7/5 = 1.4;   100 - 1.4 x 25 = 65.0
    adl      A1-A17 = 1,1,2,2,0,1,3,1,1,2,0,1,1,2,1,0,1: sum 20, mean 20/17;
             100 - 20/17 x 25 = 100 - 29.41... = 70.588... -> 70.6
    sport    SP1-SP4 = 1,1,1,0: sum 3, mean 0.75; 100 - 18.75 = 81.25 -> 81.3 (half away from
             zero; Python's round(81.25, 1) gives 81.2)
    qol      Q1-Q4 = 2,2,3,1: sum 8, mean 2; 100 - 2 x 25 = 50.0
    """
    answers = {
        **fill("pain", [1, 2, 0, 3, 1, 2, 0, 1, 2, 1]),
        **fill("symptoms", [2, 1, 1, 0, 3]),
        **fill("adl", [1, 1, 2, 2, 0, 1, 3, 1, 1, 2, 0, 1, 1, 2, 1, 0, 1]),
        **fill("sport", [1, 1, 1, 0]),
        **fill("qol", [2, 2, 3, 1]),
    }
    assert len(answers) == 40
    assert score_hoos(answers) == {
        "pain": 67.5,
        "symptoms": 65.0,
        "adl": 70.6,
        "sport": 81.3,
        "qol": 50.0,
    }


def test_rounding_is_half_away_from_zero_not_bankers():
    """qol Q1-Q4 = 1,1,1,0: mean 3/4; 100 - 18.75 = 81.25. Half away from zero gives 81.3;
    banker's rounding (Python's round) would give 81.2."""
    assert round(81.25, 1) == 81.2  # the behaviour the scorer must not have
    assert score_hoos(fill("qol", [1, 1, 1, 0]))["qol"] == 81.3


def test_mean_is_over_answered_items_only():
    """pain: 5 of 10 answered, each 4: mean 20/5 = 4; 100 - 4 x 25 = 0.0. Counting the five
    missing items as 0 would give mean 20/10 = 2 and a wrong 50.0."""
    assert score_hoos(fill("pain", [4, 4, 4, 4, 4]))["pain"] == 0.0


@pytest.mark.parametrize("subscale", SUBSCALES)
@pytest.mark.parametrize("missing_as", ["absent", "none"])
def test_scored_at_the_minimum_none_one_below(subscale, missing_as):
    """With each answered item 2: mean 2, 100 - 2 x 25 = 50.0, when at least the minimum
    number of items is answered; one item fewer and the subscale has no score."""
    minimum = HOOS_MIN_ANSWERED[subscale]
    codes = HOOS_SUBSCALES[subscale]

    def answers_with(answered: int) -> dict[str, int | None]:
        answers: dict[str, int | None] = dict.fromkeys(codes[:answered], 2)
        if missing_as == "none":
            answers.update(dict.fromkeys(codes[answered:], None))
        return answers

    assert score_hoos(answers_with(minimum))[subscale] == 50.0
    assert score_hoos(answers_with(minimum - 1))[subscale] is None


def test_invalid_subscale_leaves_the_others_scored():
    """pain fully answered with 1 (100 - 25 = 75.0); symptoms only 2 of 5 answered (min 3)."""
    answers = {**fill("pain", [1] * 10), **fill("symptoms", [0, 0])}
    assert score_hoos(answers) == {
        "pain": 75.0,
        "symptoms": None,
        "adl": None,
        "sport": None,
        "qol": None,
    }


def test_no_answers_no_scores():
    assert score_hoos({}) == dict.fromkeys(SUBSCALES)


@pytest.mark.parametrize(("answer", "score"), [(0, 100.0), (4, 0.0)])
def test_floor_and_ceiling(answer, score):
    """All 0 (no problems): 100 - 0 x 25 = 100; all 4 (extreme): 100 - 4 x 25 = 0."""
    answers = dict.fromkeys(hoos_item_codes(), answer)
    assert score_hoos(answers) == dict.fromkeys(SUBSCALES, score)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (5, "out_of_range"),
        (-1, "out_of_range"),
        (2.5, "not_integer"),
        ("3", "not_integer"),
        (True, "not_integer"),
        (False, "not_integer"),
    ],
)
def test_invalid_answer(value, code):
    answers = {**fill("pain", [1] * 10), "P3": value}
    with pytest.raises(ScoringError) as raised:
        score_hoos(answers)
    assert raised.value.code == code
    assert raised.value.item == "P3"


@pytest.mark.parametrize("item", ["P11", "S0", "A18", "SP5", "Q5", "p1", "OHS1", "PS1"])
@pytest.mark.parametrize("value", [2, None])
def test_unknown_item_code(item, value):
    """Even an unanswered unknown item is refused: the form and the scorer disagree."""
    with pytest.raises(ScoringError) as raised:
        score_hoos({"P1": 1, item: value})
    assert raised.value.code == "unknown_item"
    assert raised.value.item == item


def test_scoring_error_is_a_value_error():
    with pytest.raises(ValueError, match="P1"):
        score_hoos({"P1": 9})


@pytest.mark.parametrize(
    ("ticked", "recorded"),
    [((1, 3), 3), ((3, 1), 3), ((0, 4), 4), ((2, 2), 2), ((0, 1, 2), 2), ((2,), 2)],
)
def test_double_tick_takes_the_worse_answer(ticked, recorded):
    """In HOOS a higher answer is worse (0 none ... 4 extreme), so the worse is the larger."""
    assert resolve_double_tick(ticked) == recorded


@pytest.mark.parametrize(
    ("ticked", "code"),
    [
        ((), "no_values"),
        ((2, 5), "out_of_range"),
        ((-1, 2), "out_of_range"),
        ((1, True), "not_integer"),
        ((1, 2.0), "not_integer"),
    ],
)
def test_double_tick_refuses_invalid_answers(ticked, code):
    with pytest.raises(ScoringError) as raised:
        resolve_double_tick(ticked)
    assert raised.value.code == code
    assert raised.value.item is None
