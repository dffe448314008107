"""Reading clear personal data out of the protected store: always for someone, for a reason, and
always recorded in the access audit in the same transaction as the read."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from pathways_shared.auth import Caller

from ..adapters import audit
from ..adapters.protected import ClearDocument, ProtectedStore
from ..adapters.tables import referrals


@dataclass(frozen=True)
class Access:
    caller: str      # the token's name, or who ran the command
    role: str        # the token's scopes, or "operator"
    purpose: str

    @classmethod
    def by(cls, caller: Caller, purpose: str) -> "Access":
        return cls(caller.name, ",".join(sorted(caller.scopes)), purpose)


# The intake's own checks (tests, the feed's tools): still recorded, under this name.
INTAKE_CHECK = Access("referral-intake", "intake", "internal check")


async def read_documents(conn: AsyncConnection, store: ProtectedStore, referral_ids: list[uuid.UUID],
                         access: Access, *, only: str | None = None) -> dict[uuid.UUID, tuple[int, ClearDocument]]:
    """The clear documents (with their revisions) of the referrals found; one audit row per person
    whose fields were opened. With `only` (a pseudonym), only that person's reads are recorded
    and the caller must show only that person's fields."""
    rows = (await conn.execute(select(referrals.c.referral_id, referrals.c.revision, referrals.c.document)
                               .where(referrals.c.referral_id.in_(referral_ids)))).all()
    opened = await store.clear_many(conn, {row.referral_id: row.document for row in rows})
    await audit.record(conn, [
        {"caller": access.caller, "role": access.role, "pseudonym": read.pseudonyms[ref], "referral_id": rid,
         "fields": sorted(fields), "purpose": access.purpose}
        for rid, read in opened.items() for ref, fields in sorted(read.fields.items())
        if ref in read.pseudonyms and (only is None or read.pseudonyms[ref] == only)])
    return {row.referral_id: (row.revision, opened[row.referral_id]) for row in rows}
