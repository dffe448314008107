"""The referral id of a probation case: one household referral per case, whichever feed sees it.

The caseload export and the HMPPS domain events both derive the id from the case's CRN with this
function, so a case applied by either one is the same referral and a repeat is a no-op. The id is
keyed (HMAC-SHA256 with the pseudonym key): without the key nobody can enumerate CRNs to find
which case an id names, as they could with an unkeyed hash of so small a space.
"""
from __future__ import annotations

import hashlib
import hmac
import uuid


def case_referral_id(crn: str, key: bytes) -> uuid.UUID:
    """HMAC-SHA256(key, "probation-case:" + CRN), its first 128 bits as an RFC 9562 version 8
    (custom) UUID; the CRN is trimmed and upper-cased first. Changing the key turns every
    probation case into a new referral, as it breaks pseudonym linkage."""
    normalised = crn.strip().upper()
    if not normalised:
        raise ValueError("a probation case needs a CRN")
    if not key:
        raise ValueError("a probation case id needs the pseudonym key")
    digest = bytearray(hmac.new(key, ("probation-case:" + normalised).encode(), hashlib.sha256).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x80   # version 8
    digest[8] = (digest[8] & 0x3F) | 0x80   # the RFC variant
    return uuid.UUID(bytes=bytes(digest))
