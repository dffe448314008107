"""docs/webhook_receiver.py, as a provider would run it: valid webhooks pass; a tampered body, a
stale or future timestamp, a wrong secret or missing headers fail; each webhook-id is handled once."""
import base64
import json
import os
import threading
import time

import httpx
import pytest

from pathways_notifier.domain.signing import decode_secret, webhook_headers

SECRET = "whsec_" + base64.b64encode(b"provider-secret-of-24-bytes!").decode()
BODY = json.dumps({"type": "provider_referral.raised", "data": {"provider": "tmuk", "provider_referral_id": "p",
                                                                "revision": 1, "persons": []}},
                  separators=(",", ":")).encode()


def signed(body=BODY, stamp=None, secret=SECRET, webhook_id="3f2c_1"):
    return webhook_headers(decode_secret(secret), webhook_id, int(time.time()) if stamp is None else stamp, body)


def test_a_valid_webhook_passes(receiver_example):
    assert receiver_example.verify(SECRET, signed(), BODY)["data"]["provider"] == "tmuk"


def test_a_tampered_body_fails(receiver_example):
    with pytest.raises(receiver_example.InvalidWebhook):
        receiver_example.verify(SECRET, signed(), BODY.replace(b"tmuk", b"pops"))


@pytest.mark.parametrize("offset", [-301, 301, -3600])
def test_a_timestamp_more_than_five_minutes_away_fails(receiver_example, offset):
    with pytest.raises(receiver_example.InvalidWebhook, match="tolerance"):
        receiver_example.verify(SECRET, signed(stamp=int(time.time()) + offset), BODY)


def test_a_timestamp_within_five_minutes_passes(receiver_example):
    assert receiver_example.verify(SECRET, signed(stamp=int(time.time()) - 290), BODY)


def test_a_wrong_secret_fails(receiver_example):
    other = "whsec_" + base64.b64encode(os.urandom(24)).decode()
    with pytest.raises(receiver_example.InvalidWebhook, match="no valid signature"):
        receiver_example.verify(SECRET, signed(secret=other), BODY)


def test_missing_headers_and_a_changed_id_fail(receiver_example):
    headers = signed()
    with pytest.raises(receiver_example.InvalidWebhook, match="missing"):
        receiver_example.verify(SECRET, {k: v for k, v in headers.items() if k != "webhook-signature"}, BODY)
    with pytest.raises(receiver_example.InvalidWebhook):
        receiver_example.verify(SECRET, headers | {"webhook-id": "3f2c_2"}, BODY)


def test_one_of_several_signatures_may_match_during_secret_rotation(receiver_example):
    headers = signed()
    old = signed(secret="whsec_" + base64.b64encode(os.urandom(24)).decode())["webhook-signature"]
    headers["webhook-signature"] = f"{old} {headers['webhook-signature']}"
    assert receiver_example.verify(SECRET, headers, BODY)


def test_the_example_server_handles_each_webhook_id_once(receiver_example):
    handled = []
    receiver = receiver_example.Receiver(SECRET, lambda webhook_id, payload: handled.append(webhook_id))
    server = receiver_example.make_server(receiver, port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        first = httpx.post(url, content=BODY, headers=signed())
        again = httpx.post(url, content=BODY, headers=signed())  # a retry: new timestamp, same id
        forged = httpx.post(url, content=BODY, headers=signed(secret=SECRET[:-4] + "AAA="))
    finally:
        server.shutdown()
        server.server_close()
    assert (first.status_code, again.status_code, forged.status_code) == (204, 200, 401)
    assert handled == ["3f2c_1"]
