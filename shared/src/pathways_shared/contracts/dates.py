"""Dates as the contracts write them: text YYYY-MM-DD (JSON Schema's "date"), nothing else.

Pydantic reads digits in a string as a Unix time even when strict ("1764028800" would become
2025-11-25), and lax, a number too. A date object given in Python (a document built in code) is
taken as it is.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

_WRITTEN = re.compile(r"\d{4}-\d{2}-\d{2}")


def _written_as_a_date(value: Any) -> Any:
    if isinstance(value, date) or value is None:
        return value
    if not isinstance(value, str):
        raise PydanticCustomError("date_type", "Input should be a valid date")
    if not _WRITTEN.fullmatch(value):
        raise PydanticCustomError("date_parsing", "Input should be a valid date in the format YYYY-MM-DD")
    try:  # read here, so strict and lax validation alike get a date
        return date.fromisoformat(value)
    except ValueError as exc:
        raise PydanticCustomError("date_parsing", "Input should be a valid date in the format YYYY-MM-DD, {reason}",
                                  {"reason": str(exc)}) from None


IsoDate = Annotated[date, BeforeValidator(_written_as_a_date)]


def written_date(value: Any) -> date | None:
    """The date text `value` writes, as IsoDate reads it; None for anything else (checks across
    fields look only at what reads)."""
    if not isinstance(value, str):
        return None
    try:
        return _written_as_a_date(value)
    except PydanticCustomError:
        return None
