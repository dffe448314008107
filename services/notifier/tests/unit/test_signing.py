"""Standard Webhooks signing, checked against the specification's published test vector and
against the receiver example providers are given (docs/webhook_receiver.py)."""
import base64
import time

import pytest

from pathways_notifier.domain.signing import InvalidSecret, decode_secret, signature, webhook_headers

# The reference libraries' vector (standard-webhooks, libraries/*/tests).
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR = ("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}')
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_the_reference_vector():
    assert signature(decode_secret(VECTOR_SECRET), *VECTOR) == VECTOR_SIGNATURE


def test_the_receiver_example_verifies_the_reference_vector(receiver_example):
    msg_id, stamp, body = VECTOR
    headers = {"webhook-id": msg_id, "webhook-timestamp": str(stamp), "webhook-signature": VECTOR_SIGNATURE}
    assert receiver_example.verify(VECTOR_SECRET, headers, body, now=stamp + 10) == {"test": 2432232314}


def test_headers_for_an_attempt(receiver_example):
    key = decode_secret(VECTOR_SECRET)
    body = b'{"type":"provider_referral.raised"}'
    stamp = int(time.time())
    headers = webhook_headers(key, "6d1f_1", stamp, body)
    assert headers["webhook-id"] == "6d1f_1" and headers["webhook-timestamp"] == str(stamp)
    assert headers["content-type"] == "application/json"
    assert receiver_example.verify(VECTOR_SECRET, headers, body) == {"type": "provider_referral.raised"}


def test_secrets_are_whsec_base64_padded_or_not():
    raw = bytes(range(24))
    encoded = base64.b64encode(raw).decode()
    assert decode_secret("whsec_" + encoded) == raw
    assert decode_secret("whsec_" + base64.b64encode(raw[:23]).decode().rstrip("=")) == raw[:23]


@pytest.mark.parametrize("bad", ["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_", "whsec_not base64!", "whsk_abcd"])
def test_malformed_secrets_are_refused_without_echoing_them(bad):
    with pytest.raises(InvalidSecret) as caught:
        decode_secret(bad)
    assert bad.removeprefix("whsec_") not in str(caught.value) or not bad.removeprefix("whsec_")
