"""The referral id of a probation case: one household referral per case, whichever feed sees it.

The caseload export and the HMPPS domain events both derive the id from the case's CRN with this
function, so a case applied by either one is the same referral and a repeat is a no-op.
"""
from __future__ import annotations

import uuid

# Fixed and arbitrary; changing it would turn every probation case into a new referral.
PROBATION_CASE_NAMESPACE = uuid.UUID("3b8f2d47-6c1e-4a59-8e0d-7a2c91f4b635")


def case_referral_id(crn: str) -> uuid.UUID:
    """uuid5(namespace, "probation-case:" + CRN); the CRN is trimmed and upper-cased first."""
    normalised = crn.strip().upper()
    if not normalised:
        raise ValueError("a probation case needs a CRN")
    return uuid.uuid5(PROBATION_CASE_NAMESPACE, "probation-case:" + normalised)
