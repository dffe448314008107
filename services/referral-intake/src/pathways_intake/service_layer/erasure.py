"""A person's rights over what the intake holds: erasure (crypto-shredding their data keys) and
subject access (everything held about them, as JSON). A person is named by their pseudonym."""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from ..adapters import audit
from ..adapters.protected import ProtectedStore
from ..adapters.tables import (
    deliveries, feed_rejections, hmpps_inbox, person_keys, referral_persons, referrals, routings,
)
from ..domain.personal import SOURCE_REF
from .access import Access, read_documents

PSEUDONYM = re.compile(r"^pp_[0-9a-f]{32}$")


class UnknownPerson(LookupError):
    """The intake holds nothing under that pseudonym."""


def checked(pseudonym: str) -> str:
    if not PSEUDONYM.match(pseudonym):
        raise ValueError("a person is named by their pseudonym: pp_ and 32 hexadecimal digits")
    return pseudonym


@dataclass(frozen=True)
class Erased:
    pseudonym: str
    referrals: list[str]
    keys_shredded: int


async def _referrals_of(conn, pseudonym: str) -> list:
    rows = await conn.execute(select(referral_persons).where(referral_persons.c.pseudonym == pseudonym)
                              .order_by(referral_persons.c.referral_id))
    return rows.all()


async def erase(engine: AsyncEngine, store: ProtectedStore, pseudonym: str) -> Erased:
    """Shred the person's data keys: their sealed fields stay (counted, never readable again);
    the referrals, their progress and every other person's data are untouched."""
    async with engine.begin() as conn:
        found = await _referrals_of(conn, checked(pseudonym))
        keys = (await conn.execute(select(person_keys.c.key_id).where(person_keys.c.pseudonym == pseudonym))).all()
        if not found and not keys:
            raise UnknownPerson(pseudonym)
        shredded = await store.shred(conn, [pseudonym], "erasure")
    return Erased(pseudonym, sorted({str(r.referral_id) for r in found}), shredded)


async def subject_access(engine: AsyncEngine, store: ProtectedStore, pseudonym: str, access: Access) -> dict:
    """Everything held about the person: each referral naming them with their own fields (clear,
    or "[erased]"), the decisions about them, the household's provider referrals, their keys'
    history and every recorded read of their data (this one included)."""
    async with engine.begin() as conn:
        found = await _referrals_of(conn, checked(pseudonym))
        keys = (await conn.execute(select(person_keys).where(person_keys.c.pseudonym == pseudonym)
                                   .order_by(person_keys.c.created_at))).all()
        if not found and not keys:
            raise UnknownPerson(pseudonym)
        ids = sorted({r.referral_id for r in found})
        opened = await read_documents(conn, store, ids, access, only=pseudonym)
        held = [await _referral_part(conn, row, opened) for row in found if row.referral_id in opened]
        reads = await audit.entries(conn, pseudonym=pseudonym)
    return {"pseudonym": pseudonym, "referrals": held,
            "data_keys": [{"created_at": k.created_at.isoformat(), "shredded_at": k.shredded_at and
                           k.shredded_at.isoformat(), "shredded_for": k.shredded_for} for k in keys],
            "reads": reads}


async def _referral_part(conn, person, opened) -> dict:
    referral_id: uuid.UUID = person.referral_id
    revision, clear = opened[referral_id]
    document = clear.document
    if person.person_ref == SOURCE_REF:
        role, own = "referrer", {k: v for k, v in document["source"].items()}
    elif document["index_person"]["person_ref"] == person.person_ref:
        role, own = "index person", document["index_person"]
    else:
        role = "family member"
        own = next(m for m in document.get("family_members", []) if m["person_ref"] == person.person_ref)
    stored = (await conn.execute(select(referrals.c.received_at, referrals.c.updated_at, referrals.c.source_type)
                                 .where(referrals.c.referral_id == referral_id))).one()
    routing = (await conn.execute(select(routings).where(routings.c.referral_id == referral_id))).one_or_none()
    raised = (await conn.execute(select(deliveries).where(deliveries.c.referral_id == referral_id))).all()
    rejected = (await conn.execute(select(feed_rejections.c.batch_id, feed_rejections.c.line, feed_rejections.c.status,
                                          feed_rejections.c.created_at)
                                   .where(feed_rejections.c.referral_id == referral_id))).all()
    inbox = (await conn.execute(select(hmpps_inbox.c.id, hmpps_inbox.c.event_type, hmpps_inbox.c.received_at,
                                       hmpps_inbox.c.status).where(hmpps_inbox.c.referral_id == referral_id))).all()
    return {
        "referral_id": str(referral_id), "revision": revision, "role": role, "person_ref": person.person_ref,
        "received_at": stored.received_at.isoformat(), "updated_at": stored.updated_at.isoformat(),
        "source_type": stored.source_type, "referred_at": document["referred_at"], "held": own,
        "erased_fields": sorted(clear.erased.get(person.person_ref, [])),
        "decisions": [d for d in (routing.decisions if routing else []) if d.get("person_ref") == person.person_ref],
        "provider_referrals": [{"provider_referral_id": str(r.provider_referral_id), "provider": r.provider,
                                "delivery": r.delivery, "status": getattr(r, "status", None)} for r in raised],
        "caseload_rejections": [{"batch_id": str(r.batch_id), "line": r.line, "status": r.status,
                                 "created_at": r.created_at.isoformat()} for r in rejected],
        "hmpps_events": [{"id": r.id, "event_type": r.event_type, "received_at": r.received_at.isoformat(),
                          "status": r.status} for r in inbox],
    }
