import hashlib
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pathways_ledger.domain.canonical import NotCanonicalisable, canonical_json
from pathways_ledger.domain.chain import GENESIS_HASH, NewEntry, content_json, seal

OCCURRED = datetime(2026, 10, 1, 9, 30, tzinfo=timezone(timedelta(hours=1)))
RECORDED = datetime(2026, 10, 1, 8, 31, 2, 500, tzinfo=UTC)


def new_entry(n: int = 1, payload: dict | None = None) -> NewEntry:
    return NewEntry.of(entry_id=f"00000000-0000-4000-8000-00000000000{n}", referral_id="ref-1",
                       event_type="pathways.referral.received", occurred_at=OCCURRED,
                       payload=payload if payload is not None else {"b": 2, "a": "é"})


def test_the_hash_is_sha256_of_prev_hash_and_the_canonical_content():
    entry = seal(new_entry(), seq=1, prev_hash=GENESIS_HASH, recorded_at=RECORDED)
    # Spelled out by hand: a change to the format, however small, fails here.
    content = ('{"entry_id":"00000000-0000-4000-8000-000000000001","event_type":"pathways.referral.received",'
               '"occurred_at":"2026-10-01T08:30:00.000000Z","payload":{"a":"é","b":2},'
               '"recorded_at":"2026-10-01T08:31:02.000500Z","referral_id":"ref-1","seq":1}')
    assert entry.hash == hashlib.sha256(("0" * 64 + content).encode("utf-8")).hexdigest()
    assert entry.prev_hash == GENESIS_HASH == "0" * 64
    assert entry.computed_hash() == entry.hash


def test_each_entry_links_to_the_hash_before_it():
    first = seal(new_entry(1), seq=1, prev_hash=GENESIS_HASH, recorded_at=RECORDED)
    second = seal(new_entry(2), seq=2, prev_hash=first.hash, recorded_at=RECORDED)
    assert second.prev_hash == first.hash
    assert second.hash != first.hash


def test_the_same_content_at_another_seq_hashes_differently():
    assert (seal(new_entry(), seq=1, prev_hash=GENESIS_HASH, recorded_at=RECORDED).hash
            != seal(new_entry(), seq=2, prev_hash=GENESIS_HASH, recorded_at=RECORDED).hash)


def test_a_naive_occurred_at_is_refused_before_anything_is_sealed():
    with pytest.raises(NotCanonicalisable):
        NewEntry.of(entry_id="x", referral_id="r", event_type="t", occurred_at=datetime(2026, 1, 1), payload={})


@settings(deadline=None)  # pure CPU; a loaded machine must not fail it
@given(st.dictionaries(st.text(), st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3), max_leaves=10)))
def test_splicing_the_payload_text_gives_exactly_the_canonical_content(payload):
    fields = dict(seq=7, entry_id="e", referral_id="r", event_type="t", occurred_at=OCCURRED, recorded_at=RECORDED)
    spliced = content_json(**fields, payload_json=canonical_json(payload))
    assert spliced == canonical_json({**fields, "payload": payload})
