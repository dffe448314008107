"""Clause results remembered across persons and households.

A clause's result depends only on the facts its conditions (and its window's date) read and on
the context values its reasons name (domain/compiled.py collects both when compiling), so a
person with the same values gets the same result, reason and all, without evaluating or
rendering again. Households repeat those values often: most clauses have a handful of results.

Each clause remembers at most LIMIT results and forgets them all when full, so memory stays flat
however many households are routed.
"""
from __future__ import annotations

from collections import ChainMap
from operator import itemgetter
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from .compiled import ClauseResult, CompiledClause

LIMIT = 4096


class ClauseMemo:
    def __init__(self, limit: int = LIMIT):
        self.limit = limit
        # id(a provider's clauses) → for each clause: (it, what its key is read with, its results by
        # key). The book keeps its clauses alive, so an id is never another's.
        self._entries: dict[int, list[tuple[CompiledClause, Callable, dict]]] = {}

    def results(self, clauses: tuple[CompiledClause, ...], facts: dict, values: dict, context: dict,
                params: dict) -> tuple[ClauseResult, ...]:
        """Each clause's result for a person: `values` are the person's facts and reason context in
        one mapping (their names never clash); a clause evaluated is given the context with the
        provider's parameters."""
        entries = self._entries.get(id(clauses))
        if entries is None:
            entries = self._entries[id(clauses)] = [(c, _getter(c.reads + c.says), {}) for c in clauses]
        out = []
        for clause, read, known in entries:
            key = read(values)
            found = known.get(key)
            if found is None:
                if len(known) >= self.limit:
                    known.clear()
                found = known[key] = clause.evaluate(facts, ChainMap(context, params)).settled()
            out.append(found)
        return tuple(out)

    def size(self) -> int:
        return sum(len(known) for entries in self._entries.values() for _, _, known in entries)


def _getter(names: tuple[str, ...]) -> Callable[[dict], object]:
    """The values of `names` in a mapping, as one hashable value (a tuple, or the value itself for one name)."""
    return itemgetter(*names) if names else _nothing


def _nothing(_mapping) -> tuple:
    return ()
