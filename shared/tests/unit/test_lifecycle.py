import pytest

from pathways_shared.contracts.lifecycle import (CLOSED, OPEN, REASON_REQUIRED, TRANSITIONS, Status,
                                                 allowed_next, star_band)


def test_closed_statuses_go_nowhere_and_open_ones_can_be_held():
    assert all(TRANSITIONS[s] == frozenset() for s in CLOSED)
    assert all(Status.on_hold in TRANSITIONS[s] for s in OPEN - {Status.on_hold})
    assert allowed_next(Status.requested) == ["accepted", "cancelled", "on-hold", "rejected"]


def test_the_starred_statuses_need_reasons():
    assert REASON_REQUIRED == {Status.rejected, Status.cancelled, Status.failed, Status.on_hold}


@pytest.mark.parametrize("score,band", [(1, "Stuck"), (2, "Stuck"), (3, "Accepting help"), (6, "Believing"),
                                        (8, "Learning"), (10, "Self-reliance")])
def test_star_bands(score, band):
    assert star_band(score) == band


@pytest.mark.parametrize("score", [0, 11])
def test_scores_outside_one_to_ten_are_refused(score):
    with pytest.raises(ValueError, match="1–10"):
        star_band(score)
