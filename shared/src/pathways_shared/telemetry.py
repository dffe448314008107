"""Structured logs: one JSON object per line, carrying the correlation id of the work in hand.

Log records may carry extra fields (`log.info("routed", extra={"decision": "refer"})`). Keys that
look like personal data are withheld rather than written, because logs leave the service.
"""
from __future__ import annotations

import contextlib
import json
import logging
import sys
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Iterator

correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)

PERSONAL_KEYS = frozenset({
    "name", "first_name", "given_name", "last_name", "surname", "family_name", "full_name",
    "date_of_birth", "dob", "birth_date", "crn", "noms", "noms_number", "pnc", "address",
    "postcode", "phone", "telephone", "email", "contact_name", "contact_email", "nhs_number",
})
WITHHELD = "[withheld]"
# Attributes every LogRecord has; anything else on a record came from `extra=`.
_RECORD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


def new_correlation_id() -> str:
    return str(uuid.uuid4())


@contextlib.contextmanager
def correlation_scope(value: str | None = None) -> Iterator[str]:
    """Run a block of work under a correlation id (a fresh one when none is given)."""
    value = value or new_correlation_id()
    token = correlation_id.set(value)
    try:
        yield value
    finally:
        correlation_id.reset(token)


def is_personal_key(key: str) -> bool:
    return key.lower().replace("-", "_") in PERSONAL_KEYS


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
            "correlation_id": correlation_id.get(),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRS and not key.startswith("_") and key not in entry:
                entry[key] = WITHHELD if is_personal_key(key) else value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(service: str, level: int | str = "INFO", stream=None) -> logging.Handler:
    """Send every log record, ours and the libraries', to one JSON-lines handler."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h.formatter, JsonFormatter)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # The Kafka clients are chatty at INFO about every connection they open; httpx logs every
    # request's URL at INFO, and a case API's URL names the person (a CRN or NOMS number).
    for noisy in ("kafka", "aiokafka", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return handler
