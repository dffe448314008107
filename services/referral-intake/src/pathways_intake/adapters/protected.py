"""The protected store: personal fields sealed per field under per-person data keys.

`put` / `put_many` are the only way a referral's personal data is written (submission, caseload
feed, HMPPS events); they return the skeleton that goes in `referrals.document`. `clear_many`
opens them again; only the service layer's audited reads (service_layer.access) hand the result
to anyone. Every call works inside the caller's transaction.
"""
from __future__ import annotations

import json
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from pathways_shared.contracts.referral_v1 import HouseholdReferral
from pathways_shared.privacy import household_pseudonyms, pseudonym

from ..domain.personal import ERASED, SOURCE_REF, PersonalValue, merge, split, without_erased
from .crypto import Keyring, open_field, seal_field
from .tables import person_keys, personal_fields, referral_persons


@dataclass
class ClearDocument:
    document: dict                                  # erased fields read as ERASED
    pseudonyms: dict[str, str]                      # person_ref → pseudonym ("" is the referrer)
    fields: dict[str, list[str]] = field(default_factory=dict)   # person_ref → fields opened
    erased: dict[str, list[str]] = field(default_factory=dict)   # person_ref → fields shredded


@dataclass(frozen=True)
class OpenedReferral:
    referral_id: uuid.UUID
    revision: int
    document: dict


@dataclass
class ProtectedStore:
    keyring: Keyring
    pseudonym_key: bytes

    async def put(self, conn: AsyncConnection, referral_id: uuid.UUID, document: dict) -> dict:
        """Seal one referral's personal fields (replacing its earlier ones); its skeleton."""
        return (await self.put_many(conn, [(referral_id, document)]))[0]

    async def put_many(self, conn: AsyncConnection, documents: list[tuple[uuid.UUID, dict]]) -> list[dict]:
        """put for many referrals at once (a few statements however many there are)."""
        if not documents:
            return []
        prepared = [(rid, *split(doc), self.pseudonyms_of(rid, doc)) for rid, doc in documents]
        keys = await self._live_keys(conn, {named[v.person_ref] for _r, _s, values, named in prepared
                                            for v in values if v.person_ref in named})
        ids = [rid for rid, *_ in prepared]
        await conn.execute(delete(personal_fields).where(personal_fields.c.referral_id.in_(ids)))
        await conn.execute(delete(referral_persons).where(referral_persons.c.referral_id.in_(ids)))
        persons, sealed = [], []
        for rid, _skeleton, values, named in prepared:
            persons += [{"referral_id": rid, "person_ref": ref, "pseudonym": p} for ref, p in named.items()]
            for value in values:
                if value.value == ERASED or value.person_ref not in named:
                    continue  # restated from an erased read: nothing to keep
                key_id, data_key = keys[named[value.person_ref]]
                clear = json.dumps(value.value, separators=(",", ":")).encode()
                sealed.append({"referral_id": rid, "person_ref": value.person_ref, "field": value.field,
                               "key_id": key_id,
                               "sealed": seal_field(data_key, clear, rid, value.person_ref, value.field)})
        if persons:
            await conn.execute(referral_persons.insert(), persons)
        if sealed:
            await conn.execute(personal_fields.insert(), sealed)
        return [skeleton for _rid, skeleton, *_ in prepared]

    @staticmethod
    def skeleton_of(document: dict) -> dict:
        """What `put` returns for the document, without writing anything."""
        return split(document)[0]

    def pseudonyms_of(self, referral_id: uuid.UUID, document: dict) -> dict[str, str]:
        readable, _ = without_erased(document)
        named = household_pseudonyms(HouseholdReferral.model_validate(readable), self.pseudonym_key)
        source = readable["source"]
        contact = source.get("contact_email") or source.get("contact_name")
        if contact:  # the referrer is a person too: their own pseudonym, their own key
            normalised = unicodedata.normalize("NFKC", contact).strip().casefold()
            named[SOURCE_REF] = pseudonym(f"REFERRER:{normalised}", self.pseudonym_key)
        return named

    async def _live_keys(self, conn: AsyncConnection, wanted: set[str]) -> dict[str, tuple[uuid.UUID, bytes]]:
        """Each pseudonym's live data key, made when it has none (or only shredded ones)."""
        found: dict[str, tuple[uuid.UUID, bytes]] = {}
        if wanted:
            rows = await conn.execute(select(person_keys).where(person_keys.c.pseudonym.in_(wanted),
                                                                person_keys.c.wrapped.is_not(None)))
            for row in rows:
                found[row.pseudonym] = (row.key_id, self.keyring.unwrap(row.wrapped, row.master_key_id,
                                                                        row.key_id, row.pseudonym))
        fresh, now = [], datetime.now(UTC)
        for name in sorted(wanted - set(found)):
            key_id = uuid.uuid4()
            data_key, wrapped = self.keyring.new_data_key(key_id, name)
            found[name] = (key_id, data_key)
            fresh.append({"key_id": key_id, "pseudonym": name, "wrapped": wrapped,
                          "master_key_id": self.keyring.current_id, "created_at": now})
        if fresh:
            await conn.execute(person_keys.insert(), fresh)
        return found

    async def clear_many(self, conn: AsyncConnection,
                         skeletons: dict[uuid.UUID, dict]) -> dict[uuid.UUID, ClearDocument]:
        """The documents with their personal fields opened (ERASED where the key is shredded)."""
        if not skeletons:
            return {}
        ids = list(skeletons)
        named: dict[uuid.UUID, dict[str, str]] = {rid: {} for rid in ids}
        for row in await conn.execute(select(referral_persons).where(referral_persons.c.referral_id.in_(ids))):
            named[row.referral_id][row.person_ref] = row.pseudonym
        rows = await conn.execute(
            select(personal_fields, person_keys.c.wrapped, person_keys.c.master_key_id, person_keys.c.pseudonym)
            .join(person_keys, person_keys.c.key_id == personal_fields.c.key_id)
            .where(personal_fields.c.referral_id.in_(ids)))
        values: dict[uuid.UUID, list[PersonalValue]] = {rid: [] for rid in ids}
        result = {rid: ClearDocument({}, named[rid]) for rid in ids}
        data_keys: dict[uuid.UUID, bytes] = {}
        for row in rows:
            read = result[row.referral_id]
            if row.wrapped is None:
                value = ERASED
                read.erased.setdefault(row.person_ref, []).append(row.field)
            else:
                if row.key_id not in data_keys:
                    data_keys[row.key_id] = self.keyring.unwrap(row.wrapped, row.master_key_id, row.key_id,
                                                                row.pseudonym)
                value = json.loads(open_field(data_keys[row.key_id], row.sealed, row.referral_id,
                                              row.person_ref, row.field))
                read.fields.setdefault(row.person_ref, []).append(row.field)
            values[row.referral_id].append(PersonalValue(row.person_ref, row.field, value))
        for rid in ids:
            result[rid].document = merge(skeletons[rid], values[rid])
        return result

    async def open_rows(self, conn: AsyncConnection, rows) -> dict[uuid.UUID, OpenedReferral]:
        """`referrals` rows with their documents opened, for the intake's own comparisons only
        (a re-sent case against the stored one): nothing opened here may leave the service."""
        opened = await self.clear_many(conn, {row.referral_id: row.document for row in rows})
        return {row.referral_id: OpenedReferral(row.referral_id, row.revision, opened[row.referral_id].document)
                for row in rows}

    async def shred(self, conn: AsyncConnection, pseudonyms: list[str], reason: str) -> int:
        """Crypto-shred every data key of these persons: the sealed rows stay, never to be opened."""
        return await self._shred(conn, person_keys.c.pseudonym.in_(pseudonyms), reason) if pseudonyms else 0

    async def shred_keys(self, conn: AsyncConnection, key_ids: list[uuid.UUID], reason: str) -> int:
        return await self._shred(conn, person_keys.c.key_id.in_(key_ids), reason) if key_ids else 0

    @staticmethod
    async def _shred(conn: AsyncConnection, which, reason: str) -> int:
        result = await conn.execute(
            update(person_keys).where(which, person_keys.c.wrapped.is_not(None))
            .values(wrapped=None, master_key_id=None, shredded_at=datetime.now(UTC), shredded_for=reason))
        return result.rowcount
