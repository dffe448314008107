"""The routing benchmark's peer (JDM graphs run by zen-engine) decides exactly as the router's
rulebook does, clause by clause, so that its speed is compared on the same work; and the
benchmark fails when they disagree."""
from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # bench/ is a folder of scripts at the repository root, not an installed package

from pathways_router.adapters.rulebook_yaml import load_rulebook  # noqa: E402
from pathways_router.domain.engine import evaluate  # noqa: E402
from pathways_shared.testing.households import generate_households  # noqa: E402

from bench import routing, zen_peer  # noqa: E402
from bench.jdm import author  # noqa: E402
from bench.our_engine import ours, prepare  # noqa: E402

HOUSEHOLDS = 300
DECISIONS = {"eligible", "stretch", "not_yet", "held", "review", "ineligible"}


@pytest.fixture(scope="module")
def book():
    return load_rulebook()


@pytest.fixture(scope="module")
def households(book):
    return prepare(list(generate_households(HOUSEHOLDS, seed=7)), book)


@pytest.fixture(scope="module")
def our_rows(households, book):
    return ours(households, book, detail=True)


def test_the_committed_graphs_are_what_the_tables_write():
    written = author.graphs()
    assert sorted(p.name for p in zen_peer.JDM.glob("*.json")) == sorted(written), "bench/jdm holds other graphs"
    for name, text in written.items():
        assert (zen_peer.JDM / name).read_text(encoding="utf-8") == text, f"{name} is stale: run bench/jdm/author.py"


def test_every_rulebook_clause_has_its_table_under_the_same_id(book):
    assert [p.id for p in book.providers] == list(zen_peer.PROVIDERS)
    for provider in book.providers:
        assert zen_peer.graph_clause_ids(provider.id) == [c.id for c in provider.clauses]


def test_our_side_decides_as_the_router_does_from_its_own_facts(households, book, our_rows):
    direct = [(str(r.referral_id), d.person_ref, d.provider, d.decision.value,
               d.eligible_from.isoformat() if d.eligible_from else None)
              for r, _ in households for d in evaluate(r, book)]
    assert [row[:5] for row in our_rows] == direct


def test_the_sample_reaches_every_decision(our_rows):
    assert {row[3] for row in our_rows} == DECISIONS
    assert any(row[4] for row in our_rows if row[3] == "not_yet")


@pytest.mark.parametrize("mode", zen_peer.MODES)
def test_zen_decides_every_person_and_provider_as_ours_clause_by_clause(households, our_rows, mode):
    peer_rows = zen_peer.decide(zen_peer.make_engine(), households, mode, detail=True)
    assert len(peer_rows) == len(our_rows)
    assert routing.differences(our_rows, peer_rows) == []


def test_a_disagreement_is_named_with_its_person_and_provider(our_rows):
    changed = list(our_rows[:20])
    key = changed[3][:3]
    changed[3] = (*key, "review" if changed[3][3] != "review" else "held", None)
    del changed[7]
    found = routing.differences(our_rows[:20], changed)
    assert len(found) == 2
    assert str(key) in found[0] and "peer missing" in found[1]


def _args(**overrides) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    routing.add_arguments(parser)
    args = parser.parse_args(["--households", "40", "--repeat", "1", "--no-write"])
    return argparse.Namespace(**{**vars(args), **overrides})


def test_the_benchmark_passes_when_both_agree(capsys):
    assert routing.run(_args(peer_modes=list(zen_peer.MODES))) == 0
    out = capsys.readouterr().out
    assert "equal per_provider: yes" in out and "equal per_person: yes" in out


def test_the_benchmark_fails_loudly_when_a_graph_drifts(tmp_path, capsys):
    jdm = tmp_path / "jdm"
    shutil.copytree(zen_peer.JDM, jdm)
    graph = json.loads((jdm / "pops.json").read_text(encoding="utf-8"))
    table = next(n for n in graph["nodes"] if n["id"] == "POPS-1")
    table["content"]["rules"][1]["POPS-1.in1"] = "< 16"  # POPS's adult age moved from 18 to 16
    (jdm / "pops.json").write_text(json.dumps(graph), encoding="utf-8")
    assert routing.run(_args(households=300, jdm=jdm)) == 1
    out = capsys.readouterr().out
    assert "MISMATCH ours vs zen per_provider" in out and "'pops')" in out
