"""The peer: routing policy v1 as JDM decision graphs (bench/jdm/) run by GoRules' zen-engine.

The engine resolves graphs by key through a loader, as the zen documentation recommends for more
than one decision: every graph is read and pre-compiled once (ZenDecisionContent), then cached.
Two ways to call it, both natural JDM usage:
  per_provider: one `evaluate("<provider>.json", person)` per person × provider (the default:
                each provider's criteria are a decision of their own, as in the rulebook);
  per_person:   one `evaluate("routing.json", person)` per person, whose decision nodes run every
                provider's graph inside the engine.
"""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import zen

JDM = Path(__file__).resolve().parent / "jdm"
PROVIDERS = ("pops", "tmuk", "shelter", "moms", "magistra")
MODES = ("per_person", "per_provider")


def make_engine(folder: Path = JDM) -> zen.ZenEngine:
    cache: dict[str, zen.ZenDecisionContent] = {}

    def loader(key: str) -> zen.ZenDecisionContent:
        if key not in cache:
            cache[key] = zen.ZenDecisionContent((folder / key).read_text(encoding="utf-8"))
        return cache[key]

    return zen.ZenEngine({"loader": loader})


def _plain(value):
    # JSON has no dates or sets: dates become ISO strings, sets sorted lists.
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, frozenset):
        return sorted(value)
    return value


def zen_input(facts: dict) -> dict:
    """The engine's fact dict ("subject.age": 24, ...) as the nested JSON a JDM graph reads."""
    subject, index = {}, {}
    for key, value in facts.items():
        group, name = key.split(".", 1)
        (subject if group == "subject" else index)[name] = _plain(value)
    return {"subject": subject, "index": index}


def decide(engine: zen.ZenEngine, households: list, mode: str, detail: bool = False) -> list[tuple]:
    """(referral_id, person_ref, provider, decision, eligible_from[, clause outcomes]) for every
    person × provider, from the same per-person facts our engine starts from."""
    out = []
    evaluate = engine.evaluate
    for referral, people in households:
        referral_id = str(referral.referral_id)
        for person, facts in people:
            context = zen_input(facts)
            if mode == "per_person":
                results = evaluate("routing.json", context)["result"]
                decided = [(p, results[p]) for p in PROVIDERS]
            else:
                decided = [(p, evaluate(f"{p}.json", context)["result"]) for p in PROVIDERS]
            for provider, result in decided:
                row = (referral_id, person.person_ref, provider, result["decision"], result.get("eligible_from"))
                if detail:
                    row += (tuple(sorted((c, v["outcome"]) for c, v in result["clauses"].items())),)
                out.append(row)
    return out


def graph_clause_ids(provider: str) -> list[str]:
    graph = json.loads((JDM / f"{provider}.json").read_text(encoding="utf-8"))
    return [n["id"] for n in graph["nodes"] if n["type"] == "decisionTableNode" and n["id"] != "worst"]
