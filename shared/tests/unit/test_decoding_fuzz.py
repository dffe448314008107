"""Hostile input to the shared decoders: every outcome is a value or a clear ValueError, never a crash."""
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from pathways_shared import jsonsafe
from pathways_shared.contracts.referral_parsing import ReferralInvalid, parse_referral
from pathways_shared.events import MalformedEvent, decode_event

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=30,
)
bodies = st.binary(max_size=300) | json_values.map(lambda v: json.dumps(v).encode())


def nested(depth: int, opener: str = "[", closer: str = "]") -> bytes:
    return (opener * depth + "1" + closer * depth).encode()


@settings(max_examples=300, deadline=None)
@given(bodies)
def test_event_decoder_answers_malformed_or_an_event(raw):
    try:
        decode_event(raw)
    except MalformedEvent as exc:
        assert str(exc)


@settings(max_examples=300, deadline=None)
@given(bodies)
def test_referral_parser_answers_problems_or_a_referral(raw):
    try:
        parse_referral(raw)
    except ReferralInvalid as exc:
        assert exc.problems


def test_deep_nesting_is_a_clear_error_not_a_recursion_crash():
    for raw in (nested(100_000), nested(jsonsafe.MAX_DEPTH + 1), b'{"a":' * 5000 + b"1" + b"}" * 5000):
        try:
            decode_event(raw)
            raise AssertionError("decoded")
        except MalformedEvent:
            pass
        try:
            parse_referral(raw)
            raise AssertionError("parsed")
        except ReferralInvalid as exc:
            assert "nested" in str(exc) or "JSON" in str(exc)


def test_the_depth_limit_is_exact():
    assert jsonsafe.loads(nested(jsonsafe.MAX_DEPTH - 1)) is not None
    try:
        jsonsafe.loads(nested(jsonsafe.MAX_DEPTH + 1))
        raise AssertionError("accepted")
    except jsonsafe.JSONTooDeep as exc:
        assert str(jsonsafe.MAX_DEPTH) in str(exc)
