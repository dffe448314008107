from dataclasses import replace
from datetime import UTC, datetime

from pathways_ledger.domain.chain import GENESIS_HASH, NewEntry, seal
from pathways_ledger.domain.verification import ChainWalker, Problem, verify_entries

AT = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def chain(length: int) -> list:
    entries, prev = [], GENESIS_HASH
    for seq in range(1, length + 1):
        new = NewEntry.of(entry_id=f"entry-{seq}", referral_id="r", event_type="t", occurred_at=AT,
                          payload={"n": seq})
        entries.append(seal(new, seq=seq, prev_hash=prev, recorded_at=AT))
        prev = entries[-1].hash
    return entries


def test_an_intact_chain_reports_its_length_and_head():
    entries = chain(5)
    result = verify_entries(entries)
    assert result.intact
    assert (result.entries_checked, result.head_seq, result.head_hash) == (5, 5, entries[-1].hash)


def test_an_empty_ledger_is_intact():
    result = verify_entries([])
    assert result.intact and result.entries_checked == 0 and result.head_hash == GENESIS_HASH


def test_an_altered_payload_is_a_hash_mismatch_at_that_entry():
    entries = chain(5)
    entries[2] = replace(entries[2], payload_json='{"n":999}')
    result = verify_entries(entries)
    assert not result.intact
    assert (result.first_break.seq, result.first_break.entry_id) == (3, "entry-3")
    assert result.first_break.problem is Problem.HASH_MISMATCH
    assert result.entries_checked == 2


def test_a_removed_entry_is_a_gap_at_the_one_after_it():
    entries = chain(5)
    del entries[2]
    result = verify_entries(entries)
    assert (result.first_break.seq, result.first_break.problem) == (4, Problem.SEQ_GAP)


def test_an_altered_and_rehashed_entry_breaks_the_link_from_the_next():
    entries = chain(5)
    altered = replace(entries[2], payload_json='{"n":999}')
    entries[2] = replace(altered, hash=altered.computed_hash())
    result = verify_entries(entries)
    assert (result.first_break.seq, result.first_break.problem) == (4, Problem.LINK_BROKEN)


def test_the_first_entry_must_follow_genesis_and_be_seq_1():
    entries = chain(3)
    assert verify_entries([replace(entries[0], prev_hash="f" * 64)] + entries[1:]).first_break.problem \
        is Problem.LINK_BROKEN
    assert verify_entries(entries[1:]).first_break.seq == 2


def test_the_walker_keeps_the_first_break_and_stops_counting():
    entries = chain(4)
    entries[1] = replace(entries[1], hash="0" * 64)
    walker = ChainWalker()
    for entry in entries:
        walker.check(entry)
    result = walker.result()
    assert (result.first_break.seq, result.entries_checked, result.head_seq) == (2, 1, 1)
    assert "seq 2 (entry entry-2): hash mismatch" in str(result.first_break)
