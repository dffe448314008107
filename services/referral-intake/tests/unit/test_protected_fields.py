"""Sealing personal fields: a round trip, tampering and moved ciphertexts refused, master keys
rotated, and a document split into its skeleton and put back, erased fields marked."""
import base64
import copy
import os
import uuid

import pytest

from pathways_intake.adapters.crypto import Keyring, KeyUnavailable, SealBroken, decode_key, open_field, seal_field
from pathways_intake.domain.personal import AGE_AT_REFERRAL, ERASED, PersonalValue, merge, split, without_erased

from ..conftest import REFERRAL

RID = uuid.UUID("7d0c1c0e-8a55-4f4e-9a51-0f3c9b1e2a10")
KEY = os.urandom(32)


def master() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def test_a_field_opens_only_where_it_was_sealed():
    sealed = seal_field(KEY, b'"Ashworth"', RID, "ix", "family_name")
    assert b"Ashworth" not in sealed
    assert open_field(KEY, sealed, RID, "ix", "family_name") == b'"Ashworth"'
    for where in ((RID, "ix", "given_name"), (RID, "m1", "family_name"), (uuid.uuid4(), "ix", "family_name")):
        with pytest.raises(SealBroken):
            open_field(KEY, sealed, *where)  # swapped into another field, person or referral
    tampered = bytearray(sealed)
    tampered[-1] ^= 1
    with pytest.raises(SealBroken):
        open_field(KEY, bytes(tampered), RID, "ix", "family_name")
    with pytest.raises(SealBroken):
        open_field(os.urandom(32), sealed, RID, "ix", "family_name")


def test_two_seals_of_one_value_differ():
    assert seal_field(KEY, b"1", RID, "ix", "f") != seal_field(KEY, b"1", RID, "ix", "f")


def test_data_keys_unwrap_under_a_retired_master_key_and_only_for_their_person():
    old, new = master(), master()
    before = Keyring.of("k1", old)
    key_id = uuid.uuid4()
    data_key, wrapped = before.new_data_key(key_id, "pp_a")
    after = Keyring.of("k2", new, {"k1": old})
    assert after.unwrap(wrapped, "k1", key_id, "pp_a") == data_key
    with pytest.raises(SealBroken):
        after.unwrap(wrapped, "k1", key_id, "pp_b")
    with pytest.raises(KeyUnavailable):
        Keyring.of("k2", new).unwrap(wrapped, "k1", key_id, "pp_a")


@pytest.mark.parametrize("text", ["", "not base64!", base64.b64encode(b"short").decode()])
def test_a_master_key_must_be_32_bytes_of_base64(text):
    with pytest.raises(ValueError):
        decode_key(text)


def test_a_document_splits_into_a_skeleton_without_personal_data_and_merges_back():
    document = copy.deepcopy(REFERRAL)
    skeleton, values = split(document)
    flat = repr(skeleton)
    for clear in ("Sam", "Ashworth", "X000001", "07700900123", "L4 0TH", "2004-06-14", "Pat Officer", "Ann"):
        assert clear not in flat
    assert skeleton["index_person"]["stage"] == "custody" and skeleton["index_person"][AGE_AT_REFERRAL] == 22
    assert {(v.person_ref, v.field) for v in values} >= {("ix", "date_of_birth"), ("", "contact_name"),
                                                         ("m1", "given_name")}
    assert merge(skeleton, values) == document


def test_an_erased_field_reads_as_the_marker_and_the_contract_view_leaves_it_out():
    skeleton, values = split(copy.deepcopy(REFERRAL))
    erased = [PersonalValue(v.person_ref, v.field, ERASED if v.person_ref == "ix" else v.value) for v in values]
    document = merge(skeleton, erased)
    assert document["index_person"]["family_name"] == ERASED and document["family_members"][0]["given_name"] == "Ann"
    readable, gone = without_erased(document)
    assert "family_name" not in readable["index_person"] and readable["index_person"]["age_years"] == 22
    assert {"index_person.family_name", "index_person.date_of_birth", "index_person.identifiers"} <= set(gone)
