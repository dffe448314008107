"""Hostile HMPPS messages and caseload lines: a clear dead-letter error or a quarantined row, never a crash."""
import io
import json
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from pathways_shared.inbox import DEAD_LETTER_ERRORS
from pathways_intake.feed.format import ExportFormat
from pathways_intake.feed.parser import read_export
from pathways_intake.feed.rows import ExportContext
from pathways_intake.hmpps.messages import decode, identify

CONTEXT = ExportContext(exported_at=datetime(2026, 11, 1, tzinfo=UTC), case_key=b"test-pseudonym-key-0123456789")
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=30,
)
sns_wrapped = json_values.map(lambda v: json.dumps({"Type": "Notification", "MessageId": "m-1",
                                                    "Message": json.dumps(v)}))
messages = st.binary(max_size=300) | json_values.map(json.dumps) | sns_wrapped
deep = "[" * 50_000 + "]" * 50_000


@settings(max_examples=300, deadline=None)
@given(messages)
def test_hmpps_messages_are_events_or_dead_letters(raw):
    identify(raw if isinstance(raw, bytes) else raw.encode())  # never raises: every message is kept
    try:
        decode(raw)
    except DEAD_LETTER_ERRORS:
        pass


def test_deeply_nested_hmpps_messages_are_dead_letters():
    for raw in (deep, json.dumps({"Type": "Notification", "MessageId": "m-2", "Message": deep})):
        assert identify(raw.encode()).message_id
        try:
            decode(raw)
            raise AssertionError("decoded")
        except DEAD_LETTER_ERRORS as exc:
            assert not isinstance(exc, ValidationError) or "eventType" in str(exc)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=80) | json_values.map(json.dumps), max_size=6))
def test_every_jsonl_line_comes_out_as_a_row_with_a_result(lines):
    lines = [line.replace("\n", " ").replace("\r", " ") for line in lines] + [deep]
    export = read_export(io.StringIO("\n".join(lines) + "\n", newline=""), ExportFormat.jsonl, CONTEXT)
    rows = list(export.rows)
    assert len(rows) == sum(1 for line in lines if line.strip())
    for row in rows:
        assert row.result.referral is not None or row.result.problems


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_any_csv_text_is_refused_whole_or_read_into_rows(text):
    export = read_export(io.StringIO("crn,stage\n" + text, newline=""), ExportFormat.csv, CONTEXT)
    if export.refused:
        assert export.file_problems
    else:
        for row in export.rows:
            assert row.result.referral is not None or row.result.problems
