"""A rulebook compiled for evaluation: every condition a predicate, every reference resolved,
every reason template checked, so that nothing in the rulebook can fail at routing time."""
from __future__ import annotations

from collections import ChainMap
from dataclasses import dataclass, field
from datetime import timedelta
from string import Formatter
from typing import Any

from .conditions import ConditionCompiler, Predicate, RulebookProblem
from .memo import ClauseMemo
from .outcomes import Capacity, Outcome
from .results import ClauseResult
from .rulebook import Include, Rulebook, Verdict

# Keys a reason template may use besides the provider's own parameters.
CONTEXT_KEYS = frozenset({
    "who", "age", "sex", "relationship", "local_authority", "consent", "stage", "release_date",
    "days_to_release", "days_since_release", "establishment", "establishment_name", "resettlement_area",
    "index_consent", "index_age", "provider", "eligible_from",
})
# Those set per person (domain/engine.py's context): the provider's name and a window's date are not.
PERSON_CONTEXT_KEYS = CONTEXT_KEYS - {"provider", "eligible_from"}


@dataclass(frozen=True, slots=True)
class CompiledVerdict:
    outcome: Outcome
    template: str
    offset_days: int | None
    marks: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CompiledClause:
    id: str
    gate: str | None
    rules: tuple[tuple[Predicate, CompiledVerdict], ...]
    otherwise: CompiledVerdict
    # All its result depends on (domain/memo.py): the facts its conditions and window read, and
    # the person's context keys its reasons name (provider parameters are fixed).
    reads: tuple[str, ...] = ()
    says: tuple[str, ...] = ()

    def evaluate(self, facts: dict, context: ChainMap) -> ClauseResult:
        verdict = self.otherwise
        for predicate, candidate in self.rules:
            if predicate(facts):
                verdict = candidate
                break
        opens = None
        if verdict.offset_days is not None:
            opens = facts["index.release_date"] - timedelta(days=verdict.offset_days)
            context = context.new_child({"eligible_from": opens.isoformat()})
        return ClauseResult(self.id, verdict.outcome, opens, verdict.marks, verdict.template, context)


@dataclass(frozen=True, slots=True)
class CompiledProvider:
    id: str
    name: str
    capacity: Capacity
    clauses: tuple[CompiledClause, ...]
    includes: tuple[Include, ...]
    template_params: dict[str, Any]


@dataclass(frozen=True)
class CompiledRulebook:
    source: Rulebook
    providers: tuple[CompiledProvider, ...]
    imprisoned_stages: frozenset[str]
    labels: dict[str, dict[str, str]]
    # Clause results remembered across households; None evaluates every clause every time.
    memo: ClauseMemo | None = field(default_factory=ClauseMemo, compare=False, repr=False)

    @property
    def version(self) -> str:
        return self.source.version


def _render_param(value: Any) -> Any:
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return f"{value[0]}–{value[1]}"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return value


def _check_template(template: str, allowed: frozenset, path: tuple) -> set[str]:
    """The names the template uses, all allowed."""
    try:
        names = {field.split(".")[0].split("[")[0] for _, field, _, _ in Formatter().parse(template) if field}
    except ValueError as exc:
        raise RulebookProblem(path, f"reason template is malformed: {exc}") from None
    unknown = sorted(n for n in names if n not in allowed)
    if unknown:
        raise RulebookProblem(path, f"reason uses unknown placeholder(s) {unknown}; allowed: {sorted(allowed)}")
    return names


def _unique(named, what: str) -> None:
    """Report a repeated id at the repetition, so the loader can name its line."""
    seen = set()
    for path, value in named:
        if value in seen:
            raise RulebookProblem(path, f"{what}: {value!r} is used twice")
        seen.add(value)


def compile_rulebook(book: Rulebook) -> CompiledRulebook:
    sets = {name: frozenset(values) for name, values in book.sets.items()}
    if "imprisoned_stages" not in sets:
        raise RulebookProblem(("sets",), "the set 'imprisoned_stages' is required (POLICY.md §2, 'has been imprisoned')")
    providers = []
    _unique(((("providers", i, "id"), p.id) for i, p in enumerate(book.providers)), "provider ids must be unique")
    for p_index, provider in enumerate(book.providers):
        base = ("providers", p_index)
        _unique([((base + ("clauses", i, "id")), c.id) for i, c in enumerate(provider.clauses)]
                + [((base + ("includes", i, "clause")), inc.clause) for i, inc in enumerate(provider.includes)],
                f"clause ids must be unique within provider {provider.id!r}")
        compiler = ConditionCompiler(dict(provider.params), sets)
        allowed = CONTEXT_KEYS | frozenset(provider.params)

        def verdict(v: Verdict, path: tuple) -> CompiledVerdict:
            said.update(_check_template(v.reason, allowed, path + ("reason",)))
            offset = None
            if v.eligible_from is not None:
                offset = compiler.resolve(v.eligible_from.minus_days, path + ("from", "minus_days"))
                if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
                    raise RulebookProblem(path + ("from", "minus_days"), "minus_days must be a whole number ≥ 0")
            return CompiledVerdict(v.outcome, v.reason, offset, tuple(v.mark))

        clauses = []
        for c_index, clause in enumerate(provider.clauses):
            cpath = base + ("clauses", c_index)
            compiler.read, said = set(), set()
            rules = tuple(
                (compiler.compile(rule.when, cpath + ("rules", r, "when")), verdict(rule, cpath + ("rules", r)))
                for r, rule in enumerate(clause.rules))
            otherwise = verdict(clause.otherwise, cpath + ("otherwise",))
            if any(v.offset_days is not None for _, v in rules):
                compiler.read.add("index.release_date")
            clauses.append(CompiledClause(clause.id, clause.gate, rules, otherwise, tuple(sorted(compiler.read)),
                                          tuple(sorted(said & PERSON_CONTEXT_KEYS))))
        params = {k: _render_param(v) for k, v in provider.params.items()} | {"provider": provider.name}
        providers.append(CompiledProvider(provider.id, provider.name, provider.capacity, tuple(clauses),
                                          tuple(provider.includes), params))
    return CompiledRulebook(book, tuple(providers), sets["imprisoned_stages"], book.labels)
