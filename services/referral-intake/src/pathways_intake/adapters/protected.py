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

from pathways_shared.bulk import insert, insert_columns
from pathways_shared.contracts.referral_v1 import HouseholdReferral
from pathways_shared.privacy import household_pseudonyms, pseudonym

from ..domain.personal import ERASED, SOURCE_REF, PersonalValue, merge, reads_whole, split, without_erased
from .crypto import Keyring, nonces, open_field
from .sealed_fields import Prepared, SealedFields, live_keys
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
        return await self.put_prepared(conn, [self.prepare(rid, doc) for rid, doc in documents])

    def prepare(self, referral_id: uuid.UUID, document: dict, household: dict[str, str] | None = None) -> Prepared:
        """The document split for put_prepared. `household`: the household_pseudonyms of the referral
        the document was made from (stored_document), which spares reading the document again."""
        skeleton, values = split(document)
        if household is None or not reads_whole(document):
            return Prepared(referral_id, skeleton, values, self.pseudonyms_of(referral_id, document))
        return Prepared(referral_id, skeleton, values, self._with_referrer(dict(household), document["source"]))

    async def put_prepared(self, conn: AsyncConnection, prepared: list[Prepared]) -> list[dict]:
        """put_many for documents already prepared; their skeletons."""
        if not prepared:
            return []
        keys = await live_keys(conn, self.keyring, {p.pseudonyms[v.person_ref] for p in prepared
                                                    for v in p.values if v.person_ref in p.pseudonyms})
        ids = [p.referral_id for p in prepared]
        await conn.execute(delete(personal_fields).where(personal_fields.c.referral_id.in_(ids)))
        await conn.execute(delete(referral_persons).where(referral_persons.c.referral_id.in_(ids)))
        ordered = sorted(prepared, key=lambda p: p.referral_id.hex)  # the primary keys' order: fewer pages touched
        persons = [{"referral_id": p.referral_id, "person_ref": ref, "pseudonym": name}
                   for p in ordered for ref, name in p.pseudonyms.items()]
        sealed = SealedFields(keys, iter(nonces(sum(len(p.values) for p in ordered))))
        for p in ordered:
            sealed.add(p)
        await insert(conn, referral_persons, persons)
        await insert_columns(conn, personal_fields, sealed.columns)
        return [p.skeleton for p in prepared]

    @staticmethod
    def skeleton_of(document: dict) -> dict:
        """What `put` returns for the document, without writing anything."""
        return split(document)[0]

    def pseudonyms_of(self, referral_id: uuid.UUID, document: dict) -> dict[str, str]:
        readable, _ = without_erased(document)
        named = household_pseudonyms(HouseholdReferral.model_validate(readable), self.pseudonym_key)
        return self._with_referrer(named, readable["source"])

    def _with_referrer(self, named: dict[str, str], source: dict) -> dict[str, str]:
        contact = source.get("contact_email") or source.get("contact_name")
        if contact:  # the referrer is a person too: their own pseudonym, their own key
            normalised = unicodedata.normalize("NFKC", contact).strip().casefold()
            named[SOURCE_REF] = pseudonym(f"REFERRER:{normalised}", self.pseudonym_key)
        return named

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
