"""The caseload feed's write path makes each referral's document, pseudonyms, sealed fields and
event once: each shortcut gives exactly what the general path gives."""
import copy
import json
import os
import uuid

import pytest

from pathways_shared.contracts.referral_v1 import HouseholdReferral
from pathways_shared.privacy import household_pseudonyms
from pathways_shared.testing.households import generate_households

from pathways_intake.adapters.crypto import FieldSealer, Keyring, nonces, open_field, referral_context
from pathways_intake.adapters.protected import ProtectedStore
from pathways_intake.domain.compact_json import compact_json
from pathways_intake.domain.personal import ERASED, reads_whole, split
from pathways_intake.domain.referrals import content_hash, document_hash, stored_document

KEY = b"a pseudonym key of some length"
STORE = ProtectedStore(Keyring.of("k1", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="), KEY)


def referrals(n: int = 40) -> list[HouseholdReferral]:
    return [HouseholdReferral.model_validate(d) for d in generate_households(n, seed=7)]


@pytest.mark.parametrize("value", [
    "Ashworth", "Zoë Ó Briain", "tab\there", "\x00\x1f\x7f", "quote\"back\\slash/", "", [], {},
    [{"type": "CRN", "value": "A123456"}], {"phone": "0151", "email": "a@b.uk", "address": "1 Road\nL1"},
    {"b": 1, "a": [True, False, None], "c": {"é": "ß"}}, 2 ** 70, -3, 0,
])
def test_compact_json_is_the_standard_librarys_text(value):
    for sort_keys in (False, True):
        assert compact_json(value, sort_keys=sort_keys) == json.dumps(
            value, sort_keys=sort_keys, separators=(",", ":")).encode()


def test_a_documents_hash_is_its_referrals_content_hash():
    for referral in referrals():
        assert document_hash(stored_document(referral), KEY) == content_hash(referral, KEY)


def test_split_leaves_the_document_as_it_was_and_gives_what_a_deep_copy_gave():
    for referral in referrals():
        document = stored_document(referral)
        before = copy.deepcopy(document)
        skeleton, values = split(document)
        assert document == before
        assert json.dumps(skeleton) == json.dumps(split(copy.deepcopy(before))[0])
        assert all(v.value not in (None, [], {}, "") for v in values)


def test_pseudonyms_from_the_referral_are_those_read_from_its_document():
    for referral in referrals():
        document = stored_document(referral)
        rid = referral.effective_id()
        fast = STORE.prepare(rid, document, household_pseudonyms(referral, KEY))
        assert fast.pseudonyms == STORE.pseudonyms_of(rid, document)
        assert fast.skeleton == STORE.skeleton_of(document)


def test_a_document_with_erased_fields_is_read_again():
    referral = referrals(1)[0]
    document = stored_document(referral)
    document["index_person"]["given_name"] = ERASED
    assert not reads_whole(document)
    household = household_pseudonyms(referral, KEY)
    assert STORE.prepare(referral.effective_id(), document, household).pseudonyms == STORE.pseudonyms_of(
        referral.effective_id(), document)


def test_a_field_sealed_in_a_batch_opens_as_one_sealed_alone():
    key, rid = os.urandom(32), uuid.uuid4()
    pool = nonces(3)
    assert len(set(pool)) == 3 and all(len(n) == 12 for n in pool)
    sealed = FieldSealer(key).seal(b'"Ashworth"', referral_context(rid), "ix", "family_name", pool[0])
    assert open_field(key, sealed, rid, "ix", "family_name") == b'"Ashworth"'
