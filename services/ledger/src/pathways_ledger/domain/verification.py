"""Walking the chain: the first entry whose seq, link or hash is not what the chain calls for.

The walker keeps only the previous entry's seq and hash, so a ledger of any length is checked
in constant memory as long as entries are fed to it a page at a time.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from pathways_ledger.domain.chain import GENESIS_HASH, LedgerEntry


class Problem(StrEnum):
    SEQ_GAP = "gap in seq"
    LINK_BROKEN = "prev_hash link broken"
    HASH_MISMATCH = "hash mismatch"


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    entry_id: str
    problem: Problem
    detail: str

    def __str__(self) -> str:
        return f"seq {self.seq} (entry {self.entry_id}): {self.problem}: {self.detail}"


@dataclass(frozen=True)
class Verification:
    entries_checked: int
    head_seq: int  # of the last entry found sound; 0 when none was
    head_hash: str
    first_break: ChainBreak | None = None

    @property
    def intact(self) -> bool:
        return self.first_break is None


class ChainWalker:
    """Feed entries in seq order; stop at the first break it reports."""

    def __init__(self) -> None:
        self.checked = 0
        self.last_seq = 0
        self.last_hash = GENESIS_HASH
        self.first_break: ChainBreak | None = None

    def check(self, entry: LedgerEntry) -> ChainBreak | None:
        if self.first_break is None:
            self.first_break = self._problem_with(entry)
            if self.first_break is None:
                self.checked += 1
                self.last_seq, self.last_hash = entry.seq, entry.hash
        return self.first_break

    def result(self) -> Verification:
        return Verification(self.checked, self.last_seq, self.last_hash, self.first_break)

    def _problem_with(self, entry: LedgerEntry) -> ChainBreak | None:
        expected_seq = self.last_seq + 1
        if entry.seq != expected_seq:
            return ChainBreak(entry.seq, entry.entry_id, Problem.SEQ_GAP,
                              f"expected seq {expected_seq} after seq {self.last_seq}")
        if entry.prev_hash != self.last_hash:
            before = f"seq {self.last_seq}" if self.last_seq else "the genesis value"
            return ChainBreak(entry.seq, entry.entry_id, Problem.LINK_BROKEN,
                              f"prev_hash {entry.prev_hash} is not the hash of {before} ({self.last_hash})")
        recomputed = entry.computed_hash()
        if recomputed != entry.hash:
            return ChainBreak(entry.seq, entry.entry_id, Problem.HASH_MISMATCH,
                              f"stored hash {entry.hash}, content hashes to {recomputed}")
        return None


def verify_entries(entries: Iterable[LedgerEntry]) -> Verification:
    walker = ChainWalker()
    for entry in entries:
        if walker.check(entry):
            break
    return walker.result()
