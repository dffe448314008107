"""Outcomes Star readings: ten factors scored 1–10, taken at the case's opening, at every review
and at closing, for each person the provider works with."""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from pathways_shared.contracts.lifecycle import STAR_FACTORS, StarReading, star_band


class InvalidScores(ValueError):
    """Every problem with a set of scores, each as (factor, message)."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{factor}: {message}" for factor, message in problems))


class ReadingOutOfOrder(ValueError):
    pass


def check_scores(scores: Mapping[str, object]) -> dict[str, int]:
    """The scores, in factor order, when all ten factors are there as whole numbers 1–10."""
    problems = [(factor, "not an Outcomes Star factor") for factor in scores if factor not in STAR_FACTORS]
    for factor in STAR_FACTORS:
        value = scores.get(factor)
        if value is None:
            problems.append((factor, "missing: every reading scores all ten factors"))
        elif isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10:
            problems.append((factor, f"a score is a whole number from 1 to 10, not {value!r}"))
    if problems:
        raise InvalidScores(problems)
    return {factor: int(scores[factor]) for factor in STAR_FACTORS}


def banded(scores: Mapping[str, int]) -> dict[str, dict]:
    """{factor: {"score": 7, "band": "Learning"}} in factor order."""
    return {f: {"score": scores[f], "band": star_band(scores[f])} for f in STAR_FACTORS if f in scores}


def check_reading_order(earlier: Iterable[StarReading | str], reading: StarReading | str) -> None:
    """One opening reading first, reviews after it, one closing reading last (per person)."""
    taken = [StarReading(r) for r in earlier]
    reading = StarReading(reading)
    if StarReading.closing in taken:
        raise ReadingOutOfOrder("this person's closing reading is already recorded")
    if reading is StarReading.opening and StarReading.opening in taken:
        raise ReadingOutOfOrder("this person's opening reading is already recorded")
    if reading is not StarReading.opening and StarReading.opening not in taken:
        raise ReadingOutOfOrder(f"a {reading} reading needs this person's opening reading first")
