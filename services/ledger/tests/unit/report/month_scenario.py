"""A month (November 2026) of known events, with every figure the report should give for it."""
from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from pathways_ledger.testing.events import Events

R1, R2 = uuid.UUID(int=0xA1), uuid.UUID(int=0xA2)
STAR = {"managing_money": 3, "offending": 6}
STAR_LATER = {"managing_money": 6, "offending": 5}


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def profile(band: str, sex: str = "female", eth: str = "white", la: str = "liverpool", missing=("postcode",)):
    return {"age_band": band, "sex": sex, "ethnicity_group": eth, "local_authority": la, "missing": list(missing)}


def november() -> tuple[Events, dict]:
    e = Events()
    e.submitted(R1, at(10, 1), source="probation_auto_feed", persons={
        "ix": ("pp_a1", profile("25-29", sex="male")), "p1": ("pp_b1", profile("25-29", missing=())),
        "c1": ("pp_c1", profile("5-10", sex="not_known", eth="mixed"))})
    z = e.raised(R1, at(10, 5), "pops", [("p1", "pp_b1")], source="probation_auto_feed")
    e.status(R1, z, "pops", at(10, 25), "in-progress", "completed")
    a = e.raised(R1, at(10, 10), "magistra", [("ix", "pp_a1")], source="probation_auto_feed")
    e.delivered(R1, a, "magistra", at(10, 10))
    e.status(R1, a, "magistra", at(10, 12), "requested", "accepted")
    e.status(R1, a, "magistra", at(10, 20), "accepted", "in-progress")
    e.capacity("pops", at(10, 1), "has_capacity", "waitlist")
    # November: Magistra → POPS → TMUK
    b = e.raised(R1, at(11, 3), "pops", [("p1", "pp_b1")], source="provider:magistra", parent=a,
                 onward_reason="family_support")
    e.delivered(R1, b, "pops", at(11, 3, 11))
    e.first_contact(R1, b, "pops", at(11, 5), date(2026, 11, 5))
    e.status(R1, b, "pops", at(11, 6), "requested", "accepted")
    e.status(R1, b, "pops", at(11, 10), "accepted", "in-progress")
    e.star(R1, b, "pops", at(11, 6), "pp_b1", "opening", STAR)
    e.star(R1, b, "pops", at(11, 25), "pp_b1", "review", STAR_LATER)
    c = e.raised(R1, at(11, 12), "tmuk", [("c1", "pp_c1")], source="provider:pops", parent=b)
    e.delivered(R1, c, "tmuk", at(11, 12))
    e.status(R1, c, "tmuk", at(11, 14), "requested", "rejected", "family_refused")
    e.status(R1, a, "magistra", at(11, 20), "in-progress", "completed")
    # A court referral: one provider referral never contacted, one duplicate presentation.
    e.submitted(R2, at(11, 4, 9), source="court", persons={
        "ix": ("pp_d1", profile("30-49", sex="not_disclosed", eth="not_stated", la="wirral",
                                missing=("ethnicity", "postcode", "contact"))),
        "c2": ("pp_c2", profile("0-4")), "p2": ("pp_b1", None)})
    e.routed(R2, at(11, 4, 9), [
        ("ix", "pops", "eligible", []), ("c2", "tmuk", "ineligible", [("TMUK-1", "fail")]),
        ("ix", "tmuk", "ineligible", [("TMUK-1", "fail"), ("TMUK-2", "fail")]),
        ("ix", "shelter", "ineligible", [("SHEL-2", "stretch"), ("SHEL-3", "fail")]),
        ("ix", "moms", "review", [("MOMS-6", "review")]), ("p2", "pops", "eligible", [])])
    d = e.raised(R2, at(11, 4), "pops", [("ix", "pp_d1")], source="court")
    e.delivered(R2, d, "pops", at(11, 4, 12))   # Wednesday: due Wednesday 11 November
    e.duplicate(R2, "pops", at(11, 4), "p2", "pp_b1", b)
    e.reminder(R2, d, "pops", at(11, 11), date(2026, 11, 4), date(2026, 11, 11))
    # December: ignored by November's report.
    e.status(R2, d, "pops", at(12, 2), "requested", "cancelled", "no_contact")
    return e, {"a": a, "b": b, "c": c, "d": d, "z": z}
