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
from functools import cached_property

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from pathways_shared.ids import time_ordered_id

from .fresh import random_blocks

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


def _open(key: bytes, sealed: bytes, associated: bytes) -> bytes:
    try:
        return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], associated)
    except (InvalidTag, ValueError):
        raise SealBroken("the ciphertext does not open with this key and associated data") from None


def field_context(referral_id: uuid.UUID, person_ref: str, field: str) -> bytes:
    return _field_context(referral_context(referral_id), person_ref, field)


def _field_context(referral: str, person_ref: str, field: str) -> bytes:
    return f"{referral}{person_ref}|{field}".encode()


def referral_context(referral_id: uuid.UUID) -> str:
    """The part of field_context naming the referral: made once for all of a referral's fields."""
    return f"pathways-field|{referral_id}|"


def seal_field(data_key: bytes, clear: bytes, referral_id: uuid.UUID, person_ref: str, field: str) -> bytes:
    return FieldSealer(data_key).seal(clear, referral_context(referral_id), person_ref, field,
                                      os.urandom(NONCE_BYTES))


class FieldSealer:
    """seal_field under one data key, its cipher made once for all of that person's fields."""

    def __init__(self, data_key: bytes):
        self._aead = AESGCM(data_key)

    def seal(self, clear: bytes, referral: str, person_ref: str, field: str, nonce: bytes) -> bytes:
        """referral: the referral's referral_context; nonce: one of `nonces`, used once."""
        return nonce + self._aead.encrypt(nonce, clear, _field_context(referral, person_ref, field))


def nonces(count: int) -> list[bytes]:
    """Fresh random nonces for `count` seals, drawn at once."""
    return random_blocks(count, NONCE_BYTES)


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

    def new_data_keys(self, pseudonyms: list[str]) -> list[tuple[uuid.UUID, bytes, bytes]]:
        """For each person a fresh key id (pathways_shared.ids.time_ordered_id), data key and its wrapped form:
        new_data_key for many, the randomness for all of them drawn at once."""
        drawn = random_blocks(len(pseudonyms), 16 + KEY_BYTES + NONCE_BYTES)
        made = []
        for pseudonym, block in zip(pseudonyms, drawn):
            key_id = time_ordered_id(block[:16])
            data_key, nonce = block[16:16 + KEY_BYTES], block[16 + KEY_BYTES:]
            made.append((key_id, data_key, self.wrap(data_key, key_id, pseudonym, nonce)))
        return made

    def wrap(self, data_key: bytes, key_id: uuid.UUID, pseudonym: str, nonce: bytes | None = None) -> bytes:
        nonce = nonce or os.urandom(NONCE_BYTES)
        return nonce + self._current.encrypt(nonce, data_key, _wrap_context(key_id, pseudonym))

    @cached_property
    def _current(self) -> AESGCM:   # made once: a feed wraps a new key for nearly every person
        return AESGCM(self.keys[self.current_id])

    def unwrap(self, wrapped: bytes, master_id: str, key_id: uuid.UUID, pseudonym: str) -> bytes:
        if master_id not in self.keys:
            raise KeyUnavailable(f"master key {master_id!r} is not configured (MASTER_KEYS_RETIRED?)")
        return _open(self.keys[master_id], wrapped, _wrap_context(key_id, pseudonym))


def _wrap_context(key_id: uuid.UUID, pseudonym: str) -> bytes:
    return f"pathways-data-key|{key_id}|{pseudonym}".encode()
