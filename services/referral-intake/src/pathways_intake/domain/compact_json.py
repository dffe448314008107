"""Compact JSON text of a stored document or field, as the standard library writes it.

The content hash and the sealed fields are made from `json.dumps(value, separators=(",", ":"))`
(sorted keys for the hash); orjson writes the same bytes many times faster whenever its output is
plain printable ASCII (the standard library escapes everything else, orjson does not), so it is
used then and the standard library otherwise. Values are JSON values as the v1 contract's JSON
form gives them: text, integers, booleans, null, lists and objects with text keys, never a float
(which the two would write differently; the contract has none).
"""
from __future__ import annotations

import json
from json.encoder import encode_basestring_ascii

import orjson

# Types orjson would write but the standard library refuses: left to the standard library.
_PASS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS


def compact_json(value, *, sort_keys: bool = False) -> bytes:
    """json.dumps(value, sort_keys=sort_keys, separators=(",", ":")).encode(), byte for byte."""
    if type(value) is str:  # most sealed fields: no encoder needed at all
        return encode_basestring_ascii(value).encode()
    try:
        text = orjson.dumps(value, option=_PASS | orjson.OPT_SORT_KEYS if sort_keys else _PASS)
    except TypeError:
        text = None
    if text is not None and text.isascii() and b"\x7f" not in text:
        return text
    return json.dumps(value, sort_keys=sort_keys, separators=(",", ":")).encode()

