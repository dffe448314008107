import json
import math
import uuid
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pathways_ledger.domain.canonical import NotCanonicalisable, canonical_bytes, canonical_datetime, canonical_json

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


def test_keys_are_sorted_at_every_depth_and_there_is_no_whitespace():
    assert canonical_json({"b": 1, "a": [1, {"d": 2, "c": 3}], "A": None}) == '{"A":null,"a":[1,{"c":3,"d":2}],"b":1}'


def test_text_is_utf8_with_non_ascii_written_literally():
    assert canonical_bytes({"note": "né"}) == b'{"note":"n\xc3\xa9"}'


def test_only_quote_backslash_and_control_characters_are_escaped():
    assert canonical_json(["\"\\/\n\t\x01\x7f"]) == '["\\"\\\\/\\n\\t\\u0001\x7f"]'


def test_datetimes_are_utc_with_six_fractional_digits():
    plus_one = timezone(timedelta(hours=1))
    assert canonical_json({"at": datetime(2026, 10, 1, 9, 0, tzinfo=plus_one)}) == '{"at":"2026-10-01T08:00:00.000000Z"}'
    assert canonical_datetime(datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)) == "2026-01-02T03:04:05.000006Z"


def test_dates_and_uuids_have_one_spelling_and_date_like_strings_are_left_alone():
    value = {"d": date(2026, 1, 2), "u": uuid.UUID("A1B2C3D4-0000-4000-8000-000000000001"),
             "s": "2026-10-01T09:00:00+01:00"}
    assert canonical_json(value) == ('{"d":"2026-01-02","s":"2026-10-01T09:00:00+01:00",'
                                     '"u":"a1b2c3d4-0000-4000-8000-000000000001"}')


@pytest.mark.parametrize("value", [
    datetime(2026, 10, 1, 9, 0),  # naive: which 09:00?
    {1: "integer key"},
    math.nan,
    math.inf,
    "lone \ud800 surrogate",
    {"a set"},
    b"bytes",
])
def test_values_without_a_canonical_form_are_refused(value):
    with pytest.raises(NotCanonicalisable):
        canonical_json({"v": value})


@settings(deadline=None)  # pure CPU; a loaded machine must not fail it
@given(json_values)
def test_round_trips_and_is_a_fixed_point(value):
    text = canonical_json(value)
    assert json.loads(text) == value
    assert canonical_json(json.loads(text)) == text


@settings(deadline=None)  # pure CPU; a loaded machine must not fail it
@given(st.dictionaries(st.text(), json_values, max_size=6))
def test_insertion_order_does_not_matter(value):
    assert canonical_json(dict(reversed(list(value.items())))) == canonical_json(value)
