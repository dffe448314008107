"""The rulebook's condition language, compiled once into plain Python predicates.

A condition is a mapping of fact name → {operator: argument}; all entries must hold. The keys
`all`, `any` and `not` combine conditions. An argument written `$name` refers to a provider
parameter or a rulebook set. `params.NAME` as a fact tests a provider parameter itself (a
switch such as POPS-6's index restriction). Unknown facts never match a comparison: a missing
release date fails `lte` and `gt` alike, so rulebooks test `present` first where it matters.
"""
from __future__ import annotations

from typing import Any, Callable

from .facts import FACT_NAMES

Predicate = Callable[[dict], bool]


class RulebookProblem(ValueError):
    def __init__(self, path: tuple, message: str):
        self.path, self.message = path, message
        super().__init__(message)


def _cmp(op):
    return lambda v, a: v is not None and op(v, a)


OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda v, a: v == a,
    "ne": lambda v, a: v != a,
    "in": lambda v, a: v in a,
    "not_in": lambda v, a: v not in a,
    "lt": _cmp(lambda v, a: v < a),
    "lte": _cmp(lambda v, a: v <= a),
    "gt": _cmp(lambda v, a: v > a),
    "gte": _cmp(lambda v, a: v >= a),
    "between": _cmp(lambda v, a: a[0] <= v <= a[1]),
    "not_between": _cmp(lambda v, a: not a[0] <= v <= a[1]),
    "is": lambda v, a: v is a,
    "present": lambda v, a: (v is not None) is a,
    "any_of": lambda v, a: bool(v and not v.isdisjoint(a)),
    "none_of": lambda v, a: not v or v.isdisjoint(a),
}
SET_OPERATORS = {"in", "not_in", "any_of", "none_of"}
RANGE_OPERATORS = {"between", "not_between"}


class ConditionCompiler:
    def __init__(self, params: dict[str, Any], sets: dict[str, frozenset]):
        self.params, self.sets = params, sets
        self.read: set[str] = set()  # the facts the conditions compiled so far test

    def resolve(self, value: Any, path: tuple) -> Any:
        if isinstance(value, str) and value.startswith("$"):
            name = value[1:]
            if name in self.params:
                return self.params[name]
            if name in self.sets:
                return self.sets[name]
            raise RulebookProblem(path, f"unknown reference {value!r}: not a provider parameter or a rulebook set")
        return value

    def compile(self, cond: Any, path: tuple) -> Predicate:
        if not isinstance(cond, dict) or not cond:
            raise RulebookProblem(path, "a condition must be a non-empty mapping of fact → {operator: value}")
        parts = [self._entry(key, value, path + (key,)) for key, value in cond.items()]
        if len(parts) == 1:
            return parts[0]
        return lambda facts: all(p(facts) for p in parts)

    def _entry(self, key: str, value: Any, path: tuple) -> Predicate:
        if key in ("all", "any"):
            if not isinstance(value, list) or not value:
                raise RulebookProblem(path, f"'{key}' takes a non-empty list of conditions")
            parts = [self.compile(c, path + (i,)) for i, c in enumerate(value)]
            combine = all if key == "all" else any
            return lambda facts: combine(p(facts) for p in parts)
        if key == "not":
            inner = self.compile(value, path)
            return lambda facts: not inner(facts)
        if key.startswith("params."):
            return self._param_switch(key, value, path)
        if key not in FACT_NAMES:
            raise RulebookProblem(path, f"unknown fact {key!r}; known facts: {', '.join(sorted(FACT_NAMES))}")
        op_name, fn, arg = self._operator(value, path)
        self.read.add(key)
        return lambda facts: fn(facts[key], arg)

    def _operator(self, value: Any, path: tuple):
        if not isinstance(value, dict) or len(value) != 1:
            raise RulebookProblem(path, "a fact takes exactly one {operator: value}")
        (op_name, raw), = value.items()
        if op_name not in OPERATORS:
            raise RulebookProblem(path + (op_name,), f"unknown operator {op_name!r}; use one of {', '.join(OPERATORS)}")
        arg = self.resolve(raw, path + (op_name,))
        if op_name in SET_OPERATORS:
            if not isinstance(arg, (list, tuple, set, frozenset)):
                raise RulebookProblem(path + (op_name,), f"'{op_name}' takes a list or a set reference")
            arg = frozenset(arg)
        elif op_name in RANGE_OPERATORS:
            if not (isinstance(arg, (list, tuple)) and len(arg) == 2 and all(isinstance(x, int) for x in arg)
                    and arg[0] <= arg[1]):
                raise RulebookProblem(path + (op_name,), f"'{op_name}' takes [low, high] whole numbers, low ≤ high")
            arg = tuple(arg)
        elif op_name in ("is", "present") and not isinstance(arg, bool):
            raise RulebookProblem(path + (op_name,), f"'{op_name}' takes true or false")
        return op_name, OPERATORS[op_name], arg

    def _param_switch(self, key: str, value: Any, path: tuple) -> Predicate:
        name = key.split(".", 1)[1]
        if name not in self.params:
            raise RulebookProblem(path, f"unknown provider parameter {name!r}")
        _, fn, arg = self._operator(value, path)
        result = fn(self.params[name], arg)  # parameters are fixed for the rulebook's life
        return lambda facts: result
