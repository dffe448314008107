import pytest

from pathways_notifier.domain.outcome_star import (
    InvalidScores, ReadingOutOfOrder, banded, check_reading_order, check_scores,
)
from pathways_shared.contracts.lifecycle import STAR_FACTORS, star_band

ALL_FIVES = {factor: 5 for factor in STAR_FACTORS}


def test_ten_whole_scores_from_1_to_10_are_accepted_in_factor_order():
    scores = dict(reversed(list({f: i + 1 for i, f in enumerate(STAR_FACTORS)}.items())))
    checked = check_scores(scores)
    assert list(checked) == list(STAR_FACTORS)
    assert checked["offending"] == 10


@pytest.mark.parametrize("bad", [0, 11, -3, 5.5, "5", True, None])
def test_a_bad_score_is_named_by_its_factor(bad):
    with pytest.raises(InvalidScores) as refused:
        check_scores(ALL_FIVES | {"managing_money": bad})
    assert [f for f, _ in refused.value.problems] == ["managing_money"]


def test_every_problem_is_reported_at_once():
    scores = {f: 5 for f in STAR_FACTORS[:8]} | {"offending": 12, "wellbeing": 4}
    with pytest.raises(InvalidScores) as refused:
        check_scores(scores)
    named = {f for f, _ in refused.value.problems}
    assert named == {"wellbeing", "managing_tenancy_and_accommodation", "offending"}


@pytest.mark.parametrize(("score", "band"), [(1, "Stuck"), (2, "Stuck"), (3, "Accepting help"), (4, "Accepting help"),
                                             (5, "Believing"), (6, "Believing"), (7, "Learning"), (8, "Learning"),
                                             (9, "Self-reliance"), (10, "Self-reliance")])
def test_bands(score, band):
    assert star_band(score) == band
    assert banded(ALL_FIVES | {"offending": score})["offending"] == {"score": score, "band": band}


def test_readings_come_opening_first_reviews_then_one_closing():
    check_reading_order([], "opening")
    check_reading_order(["opening"], "review")
    check_reading_order(["opening", "review", "review"], "review")
    check_reading_order(["opening", "review"], "closing")
    check_reading_order(["opening"], "closing")
    for earlier, reading in [([], "review"), ([], "closing"), (["opening"], "opening"),
                             (["opening", "closing"], "review"), (["opening", "closing"], "closing")]:
        with pytest.raises(ReadingOutOfOrder):
            check_reading_order(earlier, reading)
