"""Reading a v1 household referral: every problem in a document reported at once, field errors
and cross-field ones together, each with its field path."""
from __future__ import annotations

import json

from pydantic import ValidationError

from .. import jsonsafe
from .problems import Problem, cross_field_errors
from .referral_v1 import HouseholdReferral


class ReferralInvalid(ValueError):
    """Every problem found in a referral document, field errors and cross-field ones together."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(f"{p.path}: {p.message}" for p in problems))


def parse_referral(data: dict | str | bytes) -> HouseholdReferral:
    """Validate a v1 document, reporting every problem at once (pydantic alone stops short of
    cross-field checks when a field is already wrong).

    JSON text (the API, `pathways route`) is held to the contract's JSON types: read leniently, a
    number given as a date was a Unix time, true an age of 1 and "yes" a flag. A dict is read
    leniently, for the caseload feed, which hands over export cells as text and checks their
    spelling itself (pathways_intake.feed.rows)."""
    strict = not isinstance(data, dict)
    if strict:
        try:
            data = jsonsafe.loads(data, unique_names=True)
        except jsonsafe.RepeatedName as exc:
            raise ReferralInvalid([Problem((), "repeated_name", str(exc), None)]) from None
        except ValueError as exc:
            raise ReferralInvalid([Problem((), "invalid_json", f"not valid JSON: {exc}", None)]) from None
    if not isinstance(data, dict):
        raise ReferralInvalid([Problem((), "not_an_object", "a referral must be a JSON object", None)])
    try:
        return _validated(data, strict)
    except ValidationError as exc:
        problems = [Problem(tuple(e["loc"]), e["type"], e["msg"], e.get("input")) for e in exc.errors()]
        known = {(p.loc, p.type) for p in problems}
        problems += [p for p in cross_field_errors(data) if (p.loc, p.type) not in known]
        raise ReferralInvalid(sorted(problems, key=lambda p: p.path)) from None


def _validated(data: dict, json_types: bool) -> HouseholdReferral:
    if json_types:
        try:  # written again from what was read, so any encoding json accepts is read the same
            return HouseholdReferral.model_validate_json(json.dumps(data), strict=True)
        except ValidationError as exc:
            if not any(e["type"] == "json_invalid" for e in exc.errors()):
                raise
            # A lone surrogate (\ud800), which json reads and the strict parser refuses: read
            # leniently, the field holding it is named.
    return HouseholdReferral.model_validate(data)
