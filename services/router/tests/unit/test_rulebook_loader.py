"""A broken rulebook fails loudly at load time with file, line and reason; the line is the line
of the offending entry, computed here from the fixture text itself."""
import pytest

from pathways_router.adapters.rulebook_yaml import RulebookError, load_rulebook, parse_rulebook
from pathways_router.domain.outcomes import Decision

BASE = """\
# a minimal valid rulebook
rulebook: test-book
version: "0.1"
effective_from: 2026-11-01
policy: test
sets:
  merseyside: [liverpool, knowsley]
  imprisoned_stages: [custody, licence]
providers:
  - id: alpha
    name: Alpha
    serves: the index person
    capacity: has_capacity
    channels: [webhook]
    fields: [index.given_name]
    params:
      window: 84
    clauses:
      - id: ALP-1
        title: subject
        rules:
          - when: {subject.role: {eq: index}}
            outcome: pass
            reason: "{who} is the index person"
        otherwise: {outcome: fail, reason: "{who} is not the index person"}
      - id: ALP-2
        title: stage
        rules:
          - when: {index.stage: {eq: custody}, index.days_to_release: {gt: $window}}
            outcome: not_yet
            from: {date: index.release_date, minus_days: $window}
            reason: "opens on {eligible_from}"
        otherwise: {outcome: pass, reason: "the index person is {stage}"}
"""
SECOND_PROVIDER = BASE[BASE.index("  - id: alpha"):]


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based number of the line holding the n-th occurrence of needle."""
    hits = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(hits) >= occurrence, f"{needle!r} occurs {len(hits)} times in the fixture"
    return hits[occurrence - 1]


def edit(old: str, new: str) -> str:
    assert BASE.count(old) == 1, old
    return BASE.replace(old, new)


def problems(text: str, source: str = "book.yaml") -> list:
    with pytest.raises(RulebookError) as caught:
        parse_rulebook(text, source)
    error = caught.value
    assert error.path == source and error.problems
    for line, _ in error.problems:
        assert f"{source}:{line}:" in str(error)
    return error.problems


def test_the_minimal_fixture_is_valid_and_routes(household):
    book = parse_rulebook(BASE, "book.yaml")
    assert [p.id for p in book.providers] == ["alpha"] and book.version == "0.1"
    routing = household().custody(100).route(book)
    assert [(d.person_ref, d.provider, d.decision) for d in routing.decisions] == [("ix", "alpha", Decision.not_yet)]


def test_the_packaged_rulebook_loads():
    book = load_rulebook()
    assert [p.id for p in book.providers] == ["pops", "tmuk", "shelter", "moms", "magistra"]
    assert book.version == "1.0.0"
    assert book.imprisoned_stages == {"remand", "custody", "recalled", "licence", "approved_premises"}


BROKEN = [
    pytest.param(edit("            outcome: pass\n", "            outcome: maybe\n"),
                 ("outcome: maybe", 1), "outcome", id="unknown-outcome"),
    pytest.param(edit("{subject.role: {eq: index}}", "{subject.shoe_size: {eq: 3}}"),
                 ("subject.shoe_size", 1), "unknown fact 'subject.shoe_size'", id="unknown-fact"),
    pytest.param(edit("{gt: $window}", "{gt: $nope}"),
                 ("$nope", 1), "unknown reference '$nope'", id="unknown-reference"),
    pytest.param(edit('"{who} is the index person"', '"{who} is {shoe}"'),
                 ("{shoe}", 1), "unknown placeholder(s) ['shoe']", id="unknown-placeholder"),
    pytest.param(edit("            from: {date: index.release_date, minus_days: $window}\n", ""),
                 ("index.days_to_release: {gt: $window}", 1), "'from' is required", id="not-yet-without-from"),
    pytest.param(edit("      - id: ALP-2\n", "      - id: ALP-1\n"),
                 ("- id: ALP-1", 2), "clause ids must be unique", id="duplicate-clause-id"),
    pytest.param(BASE + SECOND_PROVIDER,
                 ("- id: alpha", 2), "provider ids must be unique", id="duplicate-provider-id"),
    pytest.param(edit("    name: Alpha\n", "    name: Alpha\n    name: Beta\n"),
                 ("name: Beta", 1), "duplicate key 'name'", id="duplicate-mapping-key"),
    pytest.param(edit("  imprisoned_stages: [custody, licence]\n", ""),
                 ("sets:", 1), "imprisoned_stages", id="missing-imprisoned-stages"),
    pytest.param(edit("        title: stage\n", "       title: stage\n"),
                 ("       title: stage", 1), "not valid YAML", id="yaml-bad-indentation"),
    pytest.param(edit('reason: "opens on {eligible_from}"', 'reason: "opens on" {eligible_from}'),
                 ('reason: "opens on" {', 1), "not valid YAML", id="yaml-text-after-quoted-string"),
    pytest.param(edit("{index.stage: {eq: custody},", "{index.stage: {like: custody},"),
                 ("{like: custody}", 1), "unknown operator 'like'", id="unknown-operator"),
    pytest.param(edit("    capacity: has_capacity\n", "    capacity: plenty\n"),
                 ("capacity: plenty", 1), "capacity", id="unknown-capacity"),
    pytest.param(edit("otherwise: {outcome: pass, reason:", "otherwise: {outcome: pass, mark: [loud], reason:"),
                 ("mark: [loud]", 1), "mark", id="unknown-mark"),
]


@pytest.mark.parametrize("text, where, reason", BROKEN)
def test_broken_rulebook_names_line_and_reason(text, where, reason):
    found = problems(text)
    expected_line = line_of(text, *where)
    assert any(line == expected_line and reason in why for line, why in found), \
        f"expected line {expected_line} with {reason!r}; got {found}"


def test_missing_sets_section_is_reported(household):
    start, end = BASE.index("sets:\n"), BASE.index("providers:\n")
    found = problems(BASE[:start] + BASE[end:])
    assert any("imprisoned_stages" in why and line is not None for line, why in found), found


def test_every_problem_in_a_document_is_reported_together():
    text = edit("capacity: has_capacity", "capacity: plenty").replace("outcome: pass\n", "outcome: maybe\n", 1)
    found = problems(text)
    assert {line for line, _ in found} >= {line_of(text, "capacity: plenty"), line_of(text, "outcome: maybe")}


def test_empty_rulebook_is_an_error():
    assert problems("# nothing here\n") == [(1, "the rulebook is empty")]


def test_load_rulebook_reports_the_file_path(tmp_path):
    path = tmp_path / "broken.yaml"
    text = edit("{subject.role: {eq: index}}", "{subject.shoe_size: {eq: 3}}")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulebookError) as caught:
        load_rulebook(path)
    assert str(caught.value).startswith(f"{path}:{line_of(text, 'subject.shoe_size')}: ")


def test_load_rulebook_reports_a_missing_file(tmp_path):
    path = tmp_path / "absent.yaml"
    with pytest.raises(RulebookError) as caught:
        load_rulebook(path)
    assert str(path) in str(caught.value) and "cannot read" in str(caught.value)
