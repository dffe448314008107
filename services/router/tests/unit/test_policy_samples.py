"""The decisions listed in ../shared/samples/referrals/README.md, reproduced exactly.

The expectations are read from the README's tables, not copied: a cell is a decision word,
optionally `from DATE`, optionally clause ids that produced it. "—" is a provider the person has
no separate decision for (SHEL-7 household); "included as … carer (TMUK-5)" is a carer listed on
the provider referral. When ../shared is not beside the checkout there is nothing to read:
test_the_samples_are_beside_the_checkout skips, or fails where the run must be complete (CI).
"""
import re
from datetime import date
from pathlib import Path

import pytest

from pathways_router.adapters.rulebook_yaml import load_rulebook
from pathways_router.service_layer.routing import route
from pathways_shared.contracts.referral_parsing import parse_referral
from pathways_shared.testing.fixtures import required_missing

SAMPLES = Path(__file__).resolve().parents[4].parent / "shared" / "samples" / "referrals"
PROVIDERS = ["pops", "tmuk", "shelter", "moms", "magistra"]
OUTCOME_OF = {"ineligible": "fail", "stretch": "stretch", "not_yet": "not_yet", "held": "held", "review": "review"}


def expectations():
    readme = SAMPLES / "README.md"
    if not readme.exists():
        return []
    cases, current = [], None
    for line in readme.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^## (\S+\.json)", line)
        if heading:
            current = heading.group(1)
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if current and line.startswith("|") and len(cells) == 6 and not set(cells[0]) <= set("-") and cells[0] != "person":
            person_ref = cells[0].split()[0]
            for provider, cell in zip(PROVIDERS, cells[1:]):
                cases.append(pytest.param(current, person_ref, provider, cell, id=f"{current[:2]}-{person_ref}-{provider}"))
    assert len(cases) >= 55, "the README tables were not read"
    return cases


def test_the_samples_are_beside_the_checkout():
    if not (SAMPLES / "README.md").exists():
        required_missing("../shared/samples/referrals is not beside this checkout")


@pytest.fixture(scope="module")
def routed():
    book, out = load_rulebook(), {}
    for path in SAMPLES.glob("*.json"):
        routing = route(parse_referral(path.read_text()), book)
        out[path.name] = {(d.person_ref, d.provider): d for d in routing.decisions}
    return out


@pytest.mark.parametrize("sample, person_ref, provider, cell", expectations())
def test_sample_decision(routed, sample, person_ref, provider, cell):
    decision = routed[sample][person_ref, provider]
    named = re.findall(r"\b([A-Z]+-\d+)\b", cell)
    if cell == "—":  # listed on the index person's Shelter referral, no decision of their own
        assert decision.decision.value == "ineligible" and "SHEL-1" in decision.failed
        return
    if cell.startswith("included as"):
        assert decision.included_as == "carer" and decision.included_by == "TMUK-5"
        return
    word = cell.split()[0]
    assert decision.decision.value == word, f"{person_ref} × {provider}: {cell}"
    opens = re.search(r"from (\d{4}-\d{2}-\d{2})", cell)
    assert decision.eligible_from == (date.fromisoformat(opens.group(1)) if opens else None)
    outcomes = {c.id: c.outcome.value for c in decision.clauses}
    for clause_id in named:
        assert outcomes[clause_id] == OUTCOME_OF[word], f"{clause_id} should be why {person_ref} is {word}"
    if "and stretch" in cell:
        assert "stretch" in outcomes.values()
