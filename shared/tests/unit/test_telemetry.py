"""JSON-lines logging with the correlation id, and personal-data keys withheld."""
from __future__ import annotations

import io
import json
import logging

from pathways_shared.telemetry import WITHHELD, configure_logging, correlation_scope


def _capture():
    stream = io.StringIO()
    handler = configure_logging("router", stream=stream)
    return stream, handler


def test_each_record_is_one_json_object_with_the_correlation_id():
    stream, handler = _capture()
    try:
        log = logging.getLogger("pathways.test")
        with correlation_scope("corr-123"):
            log.info("referral routed", extra={"decision": "refer", "providers": 2})
        log.warning("outside any scope")
    finally:
        logging.getLogger().removeHandler(handler)
    first, second = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert first["message"] == "referral routed"
    assert first["service"] == "router" and first["level"] == "info"
    assert first["correlation_id"] == "corr-123"
    assert first["decision"] == "refer" and first["providers"] == 2
    assert "ts" in first
    assert second["correlation_id"] is None


def test_personal_data_keys_are_withheld():
    stream, handler = _capture()
    try:
        logging.getLogger("pathways.test").info(
            "oops", extra={"surname": "Smith", "date_of_birth": "2001-01-01", "CRN": "X123456", "count": 3})
    finally:
        logging.getLogger().removeHandler(handler)
    entry = json.loads(stream.getvalue())
    assert entry["surname"] == entry["date_of_birth"] == entry["CRN"] == WITHHELD
    assert entry["count"] == 3
    assert "Smith" not in stream.getvalue() and "X123456" not in stream.getvalue()


def test_a_fresh_correlation_id_is_made_when_none_arrives():
    with correlation_scope() as cid:
        assert len(cid) == 36
