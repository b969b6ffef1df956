"""PSFS and PSK (docs/domain.md §2): the mean of the patient's activity ratings 0-10. PSFS takes
1-5 activities and 10 is best; PSK takes 3-5 and 10 is the most hinder (the opposite)."""

import pytest

from programs.scoring import ScoringError, score_psfs, score_psk


@pytest.mark.parametrize(
    ("ratings", "score"),
    [
        ([5], 5.0),  # one activity: its rating
        ([0, 10], 5.0),  # (0 + 10) / 2
        ([2, 7, 9, 4, 6], 5.6),  # 28 / 5
        ([7, 8, 8], 7.7),  # 23 / 3 = 7.666... -> 7.7
        ([3, 4, 3, 3], 3.3),  # 13 / 4 = 3.25 -> 3.3 half away from zero (banker's: 3.2)
        ([0, 0, 0, 0, 0], 0.0),
        ([10, 10, 10, 10, 10], 10.0),
    ],
)
def test_psfs_mean_hand_computed(ratings, score):
    assert score_psfs(ratings) == score


def test_psfs_accepts_a_tuple():
    assert score_psfs((1, 2)) == 1.5  # 3 / 2


@pytest.mark.parametrize(
    ("ratings", "score"),
    [
        ([8, 6, 7], 7.0),  # 21 / 3
        ([6, 5, 5, 5], 5.3),  # 21 / 4 = 5.25 -> 5.3 half away from zero (banker's: 5.2)
        ([1, 2, 2, 1, 1], 1.4),  # 7 / 5
    ],
)
def test_psk_mean_hand_computed(ratings, score):
    assert score_psk(ratings) == score


@pytest.mark.parametrize(
    ("scorer", "ratings", "code"),
    [
        (score_psfs, [], "no_activities"),
        (score_psfs, [5] * 6, "too_many_activities"),
        (score_psk, [], "no_activities"),
        (score_psk, [5], "too_few_activities"),
        (score_psk, [5, 5], "too_few_activities"),
        (score_psk, [5] * 6, "too_many_activities"),
    ],
)
def test_number_of_activities(scorer, ratings, code):
    with pytest.raises(ScoringError) as raised:
        scorer(ratings)
    assert raised.value.code == code
    assert raised.value.item is None


@pytest.mark.parametrize("scorer", [score_psfs, score_psk])
@pytest.mark.parametrize(
    ("value", "code"),
    [
        (11, "out_of_range"),
        (-1, "out_of_range"),
        (7.5, "not_integer"),
        ("7", "not_integer"),
        (True, "not_integer"),
    ],
)
def test_invalid_rating_names_the_activity(scorer, value, code):
    with pytest.raises(ScoringError) as raised:
        scorer([5, 5, value, 5])
    assert raised.value.code == code
    assert raised.value.item == "activity_3"  # 1-based
