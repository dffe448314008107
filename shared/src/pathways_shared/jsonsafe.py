"""JSON from outside, decoded without letting a hostile document crash the reader.

The standard decoder recurses once per nesting level, so a body of a few kilobytes of `[[[[…`
raises RecursionError — not a ValueError, so it would escape every `except ValueError` and
turn into a 500 or a crashed consumer. Here it is a ValueError with a reason, like any bad JSON.
Documented limit: MAX_DEPTH levels of nesting (no real referral or event comes near it).
"""
from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 64


class JSONTooDeep(ValueError):
    pass


class JSONUnreadable(ValueError):
    """What the standard decoder refuses other than as bad syntax: a number over 4300 digits."""


class RepeatedName(ValueError):
    """An object naming a member twice: json keeps the last, so what was meant cannot be told."""


def _unique(pairs: list[tuple[str, Any]]) -> dict:
    found = dict(pairs)
    if len(found) != len(pairs):
        seen = set()
        for name, _ in pairs:
            if name in seen:
                raise RepeatedName(f"{name!r} appears more than once in one object: which value is meant "
                                   "cannot be told")
            seen.add(name)
    return found


def loads(data: str | bytes | bytearray, *, unique_names: bool = False) -> Any:
    """`unique_names`: refuse an object that names a member twice (RepeatedName)."""
    try:
        value = json.loads(data, object_pairs_hook=_unique) if unique_names else json.loads(data)
    except RecursionError:
        raise JSONTooDeep(f"JSON nested more than {MAX_DEPTH} levels deep") from None
    except ValueError as exc:
        if type(exc) is not ValueError:   # bad syntax, bytes not UTF-8, a repeated name: as raised
            raise
        raise JSONUnreadable(str(exc).split(";")[0]) from None
    if _depth(value) > MAX_DEPTH:
        raise JSONTooDeep(f"JSON nested more than {MAX_DEPTH} levels deep")
    return value


def _depth(value: Any) -> int:
    # Iterative, so checking a deep value cannot itself recurse.
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = item.values()
        elif not isinstance(item, list):
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in item if isinstance(child, (dict, list)))
    return deepest
