"""Load a rulebook from YAML. A broken rulebook fails loudly: file, line and reason."""
from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import yaml
from pydantic import ValidationError

from ..domain.compiled import CompiledRulebook, compile_rulebook
from ..domain.conditions import RulebookProblem
from ..domain.rulebook import Rulebook

DEFAULT_RULEBOOK = "policy-v1.yaml"


class RulebookError(ValueError):
    def __init__(self, path: str, problems: list[tuple[int | None, str]]):
        self.path, self.problems = path, problems
        super().__init__("\n".join(f"{path}:{line or '?'}: {reason}" for line, reason in problems))


def _plain(node: yaml.Node, path: tuple, lines: dict) -> object:
    """Build plain data from a composed YAML node, remembering the line of every path."""
    lines.setdefault(path, node.start_mark.line + 1)  # a key's own line wins over its value's
    if isinstance(node, yaml.MappingNode):
        out = {}
        for key_node, value_node in node.value:
            key = yaml.safe_load(yaml.serialize(key_node))
            duplicate = key in out
            lines[path + (key,)] = key_node.start_mark.line + 1
            if duplicate:
                raise RulebookProblem(path + (key,), f"duplicate key {key!r}")
            out[key] = _plain(value_node, path + (key,), lines)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_plain(item, path + (i,), lines) for i, item in enumerate(node.value)]
    return yaml.safe_load(yaml.serialize(node))


def _line(lines: dict, loc: tuple) -> int | None:
    # Pydantic's locations may carry union tags; the nearest known ancestor is the useful line.
    loc = tuple(loc)
    while loc and loc not in lines:
        loc = loc[:-1]
    return lines.get(loc)


def _dotted(loc) -> str:
    return ".".join(str(p) for p in loc) or "(top)"


def parse_rulebook(text: str, source: str = "<rulebook>") -> CompiledRulebook:
    lines: dict = {}
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        if root is None:
            raise RulebookError(source, [(1, "the rulebook is empty")])
        data = _plain(root, (), lines)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise RulebookError(source, [(mark.line + 1 if mark else None, f"not valid YAML: {exc}")]) from None
    except RulebookProblem as exc:
        raise RulebookError(source, [(_line(lines, exc.path), f"{_dotted(exc.path)}: {exc.message}")]) from None
    try:
        book = Rulebook.model_validate(data)
    except ValidationError as exc:
        problems = [(_line(lines, e["loc"]), f"{_dotted(e['loc'])}: {e['msg']}") for e in exc.errors()]
        raise RulebookError(source, problems) from None
    try:
        return compile_rulebook(book)
    except RulebookProblem as exc:
        raise RulebookError(source, [(_line(lines, exc.path), f"{_dotted(exc.path)}: {exc.message}")]) from None


def load_rulebook(path: str | Path | None = None) -> CompiledRulebook:
    """The given rulebook file, or the packaged policy rulebook."""
    if path is None:
        resource = files("pathways_router.rulebooks") / DEFAULT_RULEBOOK
        return parse_rulebook(resource.read_text(encoding="utf-8"), f"rulebooks/{DEFAULT_RULEBOOK}")
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulebookError(str(path), [(None, f"cannot read the rulebook: {exc.strerror}")]) from None
    return parse_rulebook(text, str(path))
