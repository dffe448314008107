"""The protected store's writing: each person's live data key, and personal fields as
`personal_fields` rows sealed under them.

A chunk of referrals (the caseload feed's) is sealed in one pass, each person's cipher made once
rather than once per field, its rows kept column by column for pathways_shared.bulk.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from pathways_shared.bulk import insert

from ..domain.compact_json import compact_json
from ..domain.personal import ERASED, PersonalValue
from .crypto import FieldSealer, Keyring, referral_context
from .tables import person_keys


@dataclass(frozen=True)
class Prepared:
    """A document split for the store: skeleton, personal values, and each person's pseudonym."""
    referral_id: uuid.UUID
    skeleton: dict
    values: list[PersonalValue]
    pseudonyms: dict[str, str]     # person_ref → pseudonym ("" is the referrer)


@dataclass
class SealedFields:
    """`personal_fields` rows, column by column, sealed under keys: pseudonym → (key id, data key),
    each with the next of `fresh` (crypto.nonces: one for every value added)."""
    keys: dict[str, tuple[uuid.UUID, bytes]]
    fresh: Iterator[bytes]
    columns: dict[str, list] = field(default_factory=lambda: {
        "referral_id": [], "person_ref": [], "field": [], "key_id": [], "sealed": []})
    _sealers: dict[bytes, FieldSealer] = field(default_factory=dict)

    def add(self, prepared: Prepared) -> None:
        rid, named, context = prepared.referral_id, prepared.pseudonyms, referral_context(prepared.referral_id)
        rids, refs, fields, key_ids, sealed = self.columns.values()
        fresh = self.fresh
        for value in prepared.values:
            if value.value == ERASED or value.person_ref not in named:
                continue  # restated from an erased read: nothing to keep
            key_id, data_key = self.keys[named[value.person_ref]]
            sealer = self._sealers.get(data_key) or self._sealers.setdefault(data_key, FieldSealer(data_key))
            rids.append(rid)
            refs.append(value.person_ref)
            fields.append(value.field)
            key_ids.append(key_id)
            sealed.append(sealer.seal(compact_json(value.value), context, value.person_ref, value.field,
                                     next(fresh)))


async def live_keys(conn: AsyncConnection, keyring: Keyring, wanted: set[str]) -> dict[str, tuple[uuid.UUID, bytes]]:
    """Each pseudonym's live data key, made when it has none (or only shredded ones)."""
    found: dict[str, tuple[uuid.UUID, bytes]] = {}
    if wanted:
        rows = await conn.execute(select(person_keys).where(person_keys.c.pseudonym.in_(wanted),
                                                            person_keys.c.wrapped.is_not(None)))
        for row in rows:
            found[row.pseudonym] = (row.key_id, keyring.unwrap(row.wrapped, row.master_key_id,
                                                               row.key_id, row.pseudonym))
    fresh, now = [], datetime.now(UTC)
    names = sorted(wanted - set(found))
    for name, (key_id, data_key, wrapped) in zip(names, keyring.new_data_keys(names)):
        found[name] = (key_id, data_key)
        fresh.append({"key_id": key_id, "pseudonym": name, "wrapped": wrapped,
                      "master_key_id": keyring.current_id, "created_at": now})
    await insert(conn, person_keys, fresh)
    return found
