"""The hash chain: how each ledger entry is sealed onto the one before it.

An entry's content is the JSON object with exactly these members::

    {"entry_id", "event_type", "occurred_at", "payload", "recorded_at", "referral_id", "seq"}

where ``payload`` is the event as received and the datetimes are UTC (see ``canonical``). Then::

    hash = lowercase hex SHA-256 of UTF-8(prev_hash + canonical_json(content))

``prev_hash`` is the previous entry's hash, or 64 zeros (``GENESIS_HASH``) for the first entry,
whose seq is 1. Putting seq in the content means an entry cannot be moved without its hash
changing; linking to prev_hash means no entry can be altered or removed without breaking the
link that follows it.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from pathways_ledger.domain.canonical import canonical_datetime, canonical_json

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class NewEntry:
    """An event on its way into the ledger; ``payload_json`` is already canonical JSON text."""

    entry_id: str
    referral_id: str
    event_type: str
    occurred_at: datetime
    payload_json: str

    @classmethod
    def of(cls, *, entry_id: Any, referral_id: str, event_type: str, occurred_at: datetime,
           payload: Mapping[str, Any]) -> NewEntry:
        canonical_datetime(occurred_at)  # refuse a naive datetime now, not at sealing
        return cls(str(entry_id), referral_id, event_type, occurred_at.astimezone(UTC), canonical_json(dict(payload)))


@dataclass(frozen=True)
class LedgerEntry:
    seq: int
    entry_id: str
    referral_id: str
    event_type: str
    occurred_at: datetime
    recorded_at: datetime
    payload_json: str
    prev_hash: str
    hash: str

    @property
    def payload(self) -> Any:
        return json.loads(self.payload_json)

    def computed_hash(self) -> str:
        """The hash this entry's stored fields call for, whatever its ``hash`` column says."""
        return chain_hash(self.prev_hash, content_json(
            seq=self.seq, entry_id=self.entry_id, referral_id=self.referral_id, event_type=self.event_type,
            occurred_at=self.occurred_at, recorded_at=self.recorded_at, payload_json=self.payload_json))


def content_json(*, seq: int, entry_id: str, referral_id: str, event_type: str, occurred_at: datetime,
                 recorded_at: datetime, payload_json: str) -> str:
    """canonical_json of the content object, with the stored payload text spliced in as it is.

    For canonical payload text this is exactly ``canonical_json(content)`` (``payload`` sorts
    between ``occurred_at`` and ``recorded_at``); splicing spares a parse per entry on verify,
    and any change to the stored bytes, even whitespace, changes the hash.
    """
    head = canonical_json({"entry_id": entry_id, "event_type": event_type, "occurred_at": occurred_at})
    tail = canonical_json({"recorded_at": recorded_at, "referral_id": referral_id, "seq": seq})
    return f'{head[:-1]},"payload":{payload_json},{tail[1:]}'


def chain_hash(prev_hash: str, content: str) -> str:
    return hashlib.sha256((prev_hash + content).encode("utf-8")).hexdigest()


def seal(new: NewEntry, *, seq: int, prev_hash: str, recorded_at: datetime) -> LedgerEntry:
    """The entry ``new`` becomes when appended after an entry with hash ``prev_hash``."""
    unsealed = LedgerEntry(seq=seq, entry_id=new.entry_id, referral_id=new.referral_id,
                           event_type=new.event_type, occurred_at=new.occurred_at, recorded_at=recorded_at,
                           payload_json=new.payload_json, prev_hash=prev_hash, hash="")
    return replace(unsealed, hash=unsealed.computed_hash())
