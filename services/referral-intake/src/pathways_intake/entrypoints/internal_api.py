"""Internal API: the clear referral document, for the notifier only (never exposed publicly).

Callers present `Authorization: Bearer <INTERNAL_TOKEN>`. Every read is logged by referral id,
so the use of clear personal data can be accounted for.
"""
from __future__ import annotations

import hmac
import logging

from fastapi import APIRouter, Depends, HTTPException, Response, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..bootstrap import Intake
from .referrals_api import PROBLEMS, current_intake, known_id, not_found

log = logging.getLogger("pathways_intake")
bearer = HTTPBearer(auto_error=False, scheme_name="InternalToken",
                    description="The internal token (INTERNAL_TOKEN) shared with the notifier")
router = APIRouter(prefix="/internal/v1", tags=["internal"])


def internal_caller(credentials: HTTPAuthorizationCredentials | None = Security(bearer),
                    intake: Intake = Depends(current_intake)) -> None:
    if credentials is None:
        raise HTTPException(401, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"})
    expected = intake.settings.internal_token.get_secret_value().encode()
    if not hmac.compare_digest(credentials.credentials.encode(), expected):
        raise HTTPException(403, "this token may not read referral documents")


@router.get("/referrals/{referral_id}/document", dependencies=[Depends(internal_caller)],
            responses={401: PROBLEMS, 403: PROBLEMS, 404: PROBLEMS})
async def referral_document(referral_id: str, response: Response, intake: Intake = Depends(current_intake)):
    """INTERNAL. The stored clear document (current revision) with names, identifiers and
    contact details, for delivering provider referrals. Not for referrers or the public."""
    found = known_id(referral_id)
    stored = await intake.service.referral_document(found) if found else None
    if stored is None:
        return not_found(referral_id)
    revision, document = stored
    log.info("clear referral document read", extra={"referral_id": str(found), "revision": revision})
    response.headers["Cache-Control"] = "no-store"  # personal data: no copies in caches
    return {"referral_id": str(found), "revision": revision, "document": document}
