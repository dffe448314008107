"""Canonical JSON: the one byte string every ledger hash is computed over.

The same value always gives the same bytes, on any machine, so a hash computed when an entry
was written can be recomputed years later. The rules:

1. Objects: keys must be strings; members are sorted by key in Unicode code point order (the
   order of Python's ``sorted`` on ``str``); duplicate keys cannot occur.
2. No insignificant whitespace: separators are exactly ``,`` and ``:``.
3. Strings are written as UTF-8, non-ASCII characters literally (not ``\\uXXXX``). Only ``"``,
   ``\\`` and control characters below U+0020 are escaped: ``\\b \\f \\n \\r \\t`` by name, the
   rest as ``\\u00XX`` with lowercase hex. Strings must be valid Unicode (no lone surrogates).
4. Datetimes must carry a timezone; they are converted to UTC and written as a string
   ``YYYY-MM-DDTHH:MM:SS.ffffffZ``, always six fractional digits. Naive datetimes are refused.
   Dates are written ``YYYY-MM-DD``; UUIDs lowercase with hyphens. Strings that merely look like
   dates are left exactly as they are.
5. ``true``, ``false``, ``null``; integers in decimal; finite floats as Python's shortest
   round-trip ``repr`` (NaN and infinities are refused). Tuples are written as arrays.

The output is the UTF-8 encoding of the resulting text. This is close to, but not the same as,
RFC 8785 (which sorts keys by UTF-16 code unit and formats numbers as ECMAScript does); the
two agree on ASCII keys and integers, which is all the ledger's own fields use.
"""
from __future__ import annotations

import json
import math
import uuid
from datetime import UTC, date, datetime
from typing import Any

_encoder = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"), sort_keys=True)


class NotCanonicalisable(ValueError):
    """A value has no canonical JSON form (naive datetime, non-string key, NaN, unknown type)."""


def canonical_datetime(value: datetime) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise NotCanonicalisable(f"naive datetime {value.isoformat()} has no canonical form")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_json(value: Any) -> str:
    """The canonical JSON text of ``value`` (encode as UTF-8 for the bytes)."""
    text = _encoder.encode(_plain(value))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate has no UTF-8 form
        raise NotCanonicalisable(str(exc)) from None
    return text


def canonical_bytes(value: Any) -> bytes:
    return canonical_json(value).encode("utf-8")


def _plain(value: Any) -> Any:
    """Reduce ``value`` to str/int/float/bool/None/list/dict, enforcing the rules above."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise NotCanonicalisable(f"{value!r} is not a JSON number")
        return value
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                raise NotCanonicalisable(f"object key {key!r} is not a string")
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, datetime):  # before date: a datetime is a date
        return canonical_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    raise NotCanonicalisable(f"{type(value).__name__} has no canonical JSON form")
