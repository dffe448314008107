"""The router decides on the routing view exactly as on the clear document: ages computed by the
intake (`age_years`, no date of birth) give the decisions the policy's samples give."""
from datetime import date
from pathlib import Path

import pytest

from pathways_router.service_layer.routing import decision_row, route
from pathways_shared.contracts.ages import ages_day
from pathways_shared.contracts.referral_parsing import parse_referral
from pathways_shared.contracts.referral_v1 import HouseholdReferral
from pathways_shared.contracts.routing_views import routing_view
from pathways_shared.testing.fixtures import required_missing

from .conftest import packaged_book

SAMPLES = Path(__file__).resolve().parents[4].parent / "shared" / "samples" / "referrals"
EXAMPLES = Path(__file__).resolve().parents[4] / "examples"


def documents() -> list:
    paths = sorted(SAMPLES.glob("*.json")) + sorted(EXAMPLES.glob("*.json"))
    assert paths, "examples/ holds no referrals"
    return [pytest.param(p, id=p.name) for p in paths]


def test_the_published_samples_are_here_too():
    if not SAMPLES.is_dir():
        required_missing("../shared/samples/referrals is not beside this checkout")
    assert list(SAMPLES.glob("*.json")), "../shared/samples/referrals holds no referrals"


@pytest.mark.parametrize("path", documents())
@pytest.mark.parametrize("later_days", [0, 200, 800])
def test_the_routing_view_routes_like_the_clear_document(path, later_days):
    clear = parse_referral(path.read_text(encoding="utf-8"))
    on = date.fromordinal(ages_day(clear, date(2000, 1, 1)).toordinal() + later_days)
    view = routing_view(clear, on)
    assert all("date_of_birth" not in p for p in [view["index_person"], *view.get("family_members", [])])
    from_view = route(HouseholdReferral.model_validate(view), packaged_book(), on, name_people=False)
    from_clear = route(clear, packaged_book(), on, name_people=False)
    assert [decision_row(d) for d in from_view.decisions] == [decision_row(d) for d in from_clear.decisions]
    assert len(from_view.provider_referrals) == len(from_clear.provider_referrals)
