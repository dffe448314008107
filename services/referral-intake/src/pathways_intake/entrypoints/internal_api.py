"""Internal API: the clear referral document, for the notifier only (never exposed publicly).

Callers present an API token with the `internal` scope. Every read is recorded in the access
audit (who, whose, which fields, why) in the same transaction as the read.
"""
from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, Query, Response

from pathways_shared.auth import Caller, requiring, store_from_app

from ..bootstrap import Intake
from ..domain.personal import without_erased
from ..service_layer.access import Access
from .referrals_api import PROBLEMS, current_intake, known_id, not_found

log = logging.getLogger("pathways_intake")
router = APIRouter(prefix="/internal/v1", tags=["internal"])
internal_caller = requiring(store_from_app, "internal")
DEFAULT_PURPOSE = "delivery of a provider referral"


@router.get("/referrals/{referral_id}/document", responses={401: PROBLEMS, 403: PROBLEMS, 404: PROBLEMS})
async def referral_document(referral_id: str, response: Response,
                            purpose: str = Query(DEFAULT_PURPOSE, min_length=3, max_length=200,
                                                 pattern=r"^[\w .,:/()-]+$"),
                            caller: Caller = Depends(internal_caller), intake: Intake = Depends(current_intake)):
    """INTERNAL. The stored clear document (current revision) with names, identifiers and
    contact details, for delivering provider referrals. Fields of an erased person are left out
    and named in `erased`. Not for referrers or the public."""
    found = known_id(referral_id)
    stored = await intake.service.read_clear(found, Access.by(caller, purpose)) if found else None
    if stored is None:
        return not_found(referral_id)
    revision, clear = stored
    document, erased = without_erased(clear.document)
    log.info("clear referral document read", extra={"referral_id": str(found), "revision": revision})
    response.headers["Cache-Control"] = "no-store"  # personal data: no copies in caches
    return {"referral_id": str(found), "revision": revision, "document": document, "erased": erased}
