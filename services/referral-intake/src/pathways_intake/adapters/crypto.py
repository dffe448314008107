"""Envelope encryption of personal fields (AES-256-GCM).

Each person has a random 256-bit data key; it is stored only wrapped (AES-GCM) under the master
key from configuration, which is named by a key id so that it can be rotated: a new master key
wraps new data keys while retired ones still unwrap old ones. Each field is sealed under its
person's data key with associated data naming the referral, the person and the field, so a
ciphertext moved to another row or field no longer opens.
"""
from __future__ import annotations

import base64
import binascii
import os
import uuid
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12
KEY_BYTES = 32


class KeyUnavailable(LookupError):
    """A wrapped key names a master key id this configuration does not hold."""


class SealBroken(ValueError):
    """A ciphertext that does not open: tampered with, moved, or under another key."""


def decode_key(text: str) -> bytes:
    """A master key as configured: base64 of exactly 32 bytes."""
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("a master key must be base64") from None
    if len(key) != KEY_BYTES:
        raise ValueError(f"a master key must be {KEY_BYTES} bytes (base64 of 32 random bytes), not {len(key)}")
    return key


def new_master_key() -> str:
    return base64.b64encode(os.urandom(KEY_BYTES)).decode()


def _seal(key: bytes, clear: bytes, associated: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, clear, associated)


def _open(key: bytes, sealed: bytes, associated: bytes) -> bytes:
    try:
        return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], associated)
    except (InvalidTag, ValueError):
        raise SealBroken("the ciphertext does not open with this key and associated data") from None


def field_context(referral_id: uuid.UUID, person_ref: str, field: str) -> bytes:
    return f"pathways-field|{referral_id}|{person_ref}|{field}".encode()


def seal_field(data_key: bytes, clear: bytes, referral_id: uuid.UUID, person_ref: str, field: str) -> bytes:
    return _seal(data_key, clear, field_context(referral_id, person_ref, field))


def open_field(data_key: bytes, sealed: bytes, referral_id: uuid.UUID, person_ref: str, field: str) -> bytes:
    return _open(data_key, sealed, field_context(referral_id, person_ref, field))


@dataclass(frozen=True)
class Keyring:
    """The current master key (wraps new data keys) and retired ones (only unwrap)."""
    current_id: str
    keys: dict[str, bytes]

    @classmethod
    def of(cls, current_id: str, current: str, retired: dict[str, str] | None = None) -> "Keyring":
        keys = {kid: decode_key(text) for kid, text in (retired or {}).items()}
        keys[current_id] = decode_key(current)
        return cls(current_id, keys)

    def new_data_key(self, key_id: uuid.UUID, pseudonym: str) -> tuple[bytes, bytes]:
        """A fresh data key and its wrapped form (bound to its id and person)."""
        data_key = os.urandom(KEY_BYTES)
        return data_key, self.wrap(data_key, key_id, pseudonym)

    def wrap(self, data_key: bytes, key_id: uuid.UUID, pseudonym: str) -> bytes:
        return _seal(self.keys[self.current_id], data_key, _wrap_context(key_id, pseudonym))

    def unwrap(self, wrapped: bytes, master_id: str, key_id: uuid.UUID, pseudonym: str) -> bytes:
        if master_id not in self.keys:
            raise KeyUnavailable(f"master key {master_id!r} is not configured (MASTER_KEYS_RETIRED?)")
        return _open(self.keys[master_id], wrapped, _wrap_context(key_id, pseudonym))


def _wrap_context(key_id: uuid.UUID, pseudonym: str) -> bytes:
    return f"pathways-data-key|{key_id}|{pseudonym}".encode()
