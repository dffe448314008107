"""What changed between two versions of a stored document, as field paths (never values)."""
from __future__ import annotations


# Lists whose order says nothing: the same items in another order are not a change.
UNORDERED = frozenset({"needs"})


def changed_fields(before: dict, after: dict, prefix: str = "") -> list[str]:
    """Paths that differ. Family members are matched by person_ref, not position, so a reordered
    export is not a change; an added or removed member is reported by its person_ref."""
    paths: list[str] = []
    for key in sorted(set(before) | set(after)):
        path = f"{prefix}{key}"
        old, new = before.get(key), after.get(key)
        if old == new:  # nothing below differs either (one comparison, not a walk)
            continue
        if key in UNORDERED and _same_items(old, new):
            continue
        if key == "family_members" and isinstance(old, list | None) and isinstance(new, list | None):
            paths += _members(old or [], new or [], path)
        elif isinstance(old, dict) and isinstance(new, dict):
            paths += changed_fields(old, new, f"{path}.")
        elif old != new:
            paths.append(path)
    return paths


def _members(before: list[dict], after: list[dict], path: str) -> list[str]:
    old = {m.get("person_ref"): m for m in before}
    new = {m.get("person_ref"): m for m in after}
    paths = []
    for ref in sorted(set(old) | set(new), key=str):
        if ref not in new:
            paths.append(f"{path}[{ref}] removed")
        elif ref not in old:
            paths.append(f"{path}[{ref}] added")
        else:
            paths += changed_fields(old[ref], new[ref], f"{path}[{ref}].")
    return paths


def _same_items(old, new) -> bool:
    return (isinstance(old, list) and isinstance(new, list)
            and sorted(old, key=repr) == sorted(new, key=repr))
