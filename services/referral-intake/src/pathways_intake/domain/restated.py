"""A known case restated by a newer feed row: the row's document keeping what does not count as
a change (NOT_A_CHANGE), and the referral that document reads as, made from the row's own
referral instead of read again from the document (an export restates hundreds of cases a chunk)."""
from __future__ import annotations

from pydantic import TypeAdapter, ValidationError

from pathways_shared.contracts.problems import household_errors
from pathways_shared.contracts.referral_v1 import HouseholdReferral, ReferredAt, Source

from .changes import changed_fields
from .referrals import stored_document

# Fields a repeated feed is allowed to restate differently without the case having changed.
NOT_A_CHANGE = ("referred_at", "source")
_REFERRED_AT = TypeAdapter(ReferredAt)


def restated(stored: dict, referral: HouseholdReferral) -> tuple[dict, list[str]]:
    """The document the case would now store, and the fields in which it differs from `stored`."""
    document = stored_document(referral)
    for name in NOT_A_CHANGE:  # the case keeps the date it was first referred
        document[name] = stored[name]
    return document, changed_fields(stored, document)


def restated_referral(referral: HouseholdReferral, document: dict) -> tuple[HouseholdReferral, dict | None]:
    """HouseholdReferral.model_validate(document) for a document `restated` from `referral`, and
    its JSON form as routing_view takes it (None: routing_view makes its own).

    Only the NOT_A_CHANGE fields differ from `referral`: they alone are read, and the cross-field
    checks run again on the result. Whatever reading them rejects is read whole again, so the
    error raised is the one reading the document always raised."""
    try:
        source = Source.model_validate(document["source"])
        referred_at = _REFERRED_AT.validate_python(document["referred_at"])
    except ValidationError:
        return HouseholdReferral.model_validate(document), None
    restated_model = referral.model_copy(update={"referred_at": referred_at, "source": source,
                                                 "referral_id": referral.effective_id()})
    if household_errors(restated_model):
        return HouseholdReferral.model_validate(document), None
    if referral.referral_id is None:  # its JSON form would place referral_id elsewhere
        return restated_model, None
    return restated_model, {**document, "referred_at": _REFERRED_AT.dump_python(referred_at, mode="json"),
                            "source": source.model_dump(mode="json", exclude_none=True)}
