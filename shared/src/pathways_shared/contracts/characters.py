"""Strings kept in clear (references, codes, the referring organisation) hold no control characters.

They are stored as they are, as keys and in plain columns, and shown to people: PostgreSQL text
cannot hold a NUL at all, and a tab or line break in a reference or a code is never meant.
"""
from __future__ import annotations

import re

from pydantic_core import PydanticCustomError, core_schema

CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
# The same rule for JSON Schema readers (ECMA-262 regular expression).
PRINTABLE_PATTERN = "^[^\\u0000-\\u001f\\u007f]*$"


def refuse_control_characters(value: str) -> str:
    if CONTROL_CHARACTERS.search(value):
        raise PydanticCustomError("control_character",
                                  "must not contain control characters (such as NUL, a tab or a line break)")
    return value


class NoControlCharacters:
    """Annotated[str, …, NoControlCharacters()]: refused with type `control_character`."""

    def __get_pydantic_core_schema__(self, source, handler):
        return core_schema.no_info_after_validator_function(refuse_control_characters, handler(source))

    def __get_pydantic_json_schema__(self, schema, handler):
        return {**handler(schema), "pattern": PRINTABLE_PATTERN}
