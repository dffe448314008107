"""Write the JDM decision graphs in this folder from policy_tables.py.

One graph per provider (`<provider>.json`): the request feeds one decision table per clause, a
"Clause outcomes" expression node lists what they said, and a "Worst outcome" table turns that into
the decision. `routing.json` evaluates every provider for one person through decision nodes, which
the engine resolves with its loader. Run `python bench/jdm/author.py` after editing the tables;
the bench's unit test fails while the JSON files are stale.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))  # run as a script too
from bench.jdm.policy_tables import PROVIDERS, WORST_OUTCOME  # noqa: E402

LATEST_OPENING = "max(map(opens, d(#))).format('%Y-%m-%d')"


def _node(node_id: str, name: str, kind: str, x: int, y: int, content: dict | None = None) -> dict:
    node = {"id": node_id, "name": name, "type": kind, "position": {"x": x, "y": y}}
    if content is not None:
        node["content"] = content
    return node


def _edge(source: str, target: str) -> dict:
    return {"id": f"{source}->{target}", "type": "edge", "sourceId": source, "targetId": target}


def clause_table(clause_id: str, title: str, fields: list[str], rows: list[tuple], y: int) -> dict:
    inputs = [{"id": f"{clause_id}.in{i}", "name": field, "field": field} for i, field in enumerate(fields)]
    outputs = [{"id": f"{clause_id}.outcome", "name": "outcome", "field": f"clauses.{clause_id}.outcome"},
               {"id": f"{clause_id}.from", "name": "eligible from", "field": f"clauses.{clause_id}.from"}]
    rules = []
    for r, (cells, outcome, *opens) in enumerate(rows, start=1):
        rule = {"_id": f"{clause_id}.r{r}"}
        rule.update({column["id"]: cell for column, cell in zip(inputs, cells, strict=True)})
        rule[f"{clause_id}.outcome"] = f"'{outcome}'"
        rule[f"{clause_id}.from"] = opens[0] if opens else ""
        rules.append(rule)
    content = {"hitPolicy": "first", "inputs": inputs, "outputs": outputs, "rules": rules}
    return _node(clause_id, f"{clause_id} {title}", "decisionTableNode", 300, y, content)


def provider_graph(clauses: list[tuple]) -> dict:
    nodes = [_node("request", "Request", "inputNode", 0, 0)]
    edges = []
    for i, (clause_id, title, fields, rows) in enumerate(clauses):
        nodes.append(clause_table(clause_id, title, fields, rows, i * 160))
        edges += [_edge("request", clause_id), _edge(clause_id, "collect")]
    nodes.append(_node("collect", "Clause outcomes", "expressionNode", 800, 0, {
        "passThrough": True,
        "expressions": [
            {"id": "collect.outcomes", "key": "outcomes", "value": "map(values(clauses), #.outcome)"},
            {"id": "collect.opens", "key": "opens", "value": "filter(map(values(clauses), #.from), # != null)"}]}))
    worst_rules = [{"_id": f"worst.r{r}", "worst.in": cell, "worst.decision": f"'{decision}'",
                    "worst.from": LATEST_OPENING if decision == "not_yet" else ""}
                   for r, (cell, decision) in enumerate(WORST_OUTCOME, start=1)]
    nodes.append(_node("worst", "Worst outcome", "decisionTableNode", 1100, 0, {
        "hitPolicy": "first", "passThrough": True,
        "inputs": [{"id": "worst.in", "name": "clause outcomes", "field": "outcomes"}],
        "outputs": [{"id": "worst.decision", "name": "decision", "field": "decision"},
                    {"id": "worst.from", "name": "eligible from", "field": "eligible_from"}],
        "rules": worst_rules}))
    nodes.append(_node("response", "Response", "outputNode", 1400, 0))
    edges += [_edge("collect", "worst"), _edge("worst", "response")]
    return {"contentType": "application/vnd.gorules.decision", "nodes": nodes, "edges": edges}


def routing_graph(providers: list[str]) -> dict:
    nodes = [_node("request", "Request", "inputNode", 0, 0), _node("response", "Response", "outputNode", 700, 0)]
    edges = []
    for i, provider in enumerate(providers):
        nodes.append(_node(provider, provider, "decisionNode", 350, i * 120,
                           {"key": f"{provider}.json", "outputPath": provider}))
        edges += [_edge("request", provider), _edge(provider, "response")]
    return {"contentType": "application/vnd.gorules.decision", "nodes": nodes, "edges": edges}


def graphs() -> dict[str, str]:
    """File name → JSON text, exactly as written to this folder."""
    out = {f"{p}.json": provider_graph(clauses) for p, clauses in PROVIDERS.items()}
    out["routing.json"] = routing_graph(list(PROVIDERS))
    return {name: json.dumps(graph, indent=1, ensure_ascii=False) + "\n" for name, graph in out.items()}


if __name__ == "__main__":
    for name, text in graphs().items():
        (HERE / name).write_text(text, encoding="utf-8")
        print(f"wrote {name}")
