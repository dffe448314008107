"""A minimal Family Pathways webhook receiver, standard library only. See docs/webhooks.md.

    python webhook_receiver.py --port 8080 --secret whsec_...     (or env WEBHOOK_SECRET)

It checks the Standard Webhooks signature over the raw body, refuses timestamps more than five
minutes away from its clock (replays), answers 2xx only once a referral is safely handled, and
handles each webhook-id once however many times it arrives. Adapt `handle_referral`.
"""
from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import hmac
import json
import os
import threading
import time
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_S = 5 * 60


class InvalidWebhook(Exception):
    """The request is not a genuine, fresh webhook: answer 4xx and do not act on it."""


def signing_key(secret: str) -> bytes:
    """The HMAC key from a "whsec_<base64>" secret."""
    encoded = secret.removeprefix("whsec_")
    try:
        return base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("the webhook secret is not whsec_ followed by base64") from None


def verify(secret: str, headers: Mapping[str, str], body: bytes, *, now: float | None = None,
           tolerance_s: int = TOLERANCE_S) -> dict:
    """Return the parsed payload if `body` was signed with `secret` recently, else raise
    InvalidWebhook. `body` must be the raw bytes received: re-serialised JSON will not match."""
    headers = {k.lower(): v for k, v in headers.items()}
    webhook_id, stamp, signatures = (headers.get(h) for h in ("webhook-id", "webhook-timestamp", "webhook-signature"))
    if not (webhook_id and stamp and signatures):
        raise InvalidWebhook("missing webhook-id, webhook-timestamp or webhook-signature")
    try:
        sent_at = int(stamp)
    except ValueError:
        raise InvalidWebhook("webhook-timestamp is not unix seconds") from None
    if abs((time.time() if now is None else now) - sent_at) > tolerance_s:
        raise InvalidWebhook("webhook-timestamp is outside the tolerance window")
    signed = f"{webhook_id}.{sent_at}.".encode() + body
    expected = hmac.new(signing_key(secret), signed, hashlib.sha256).digest()
    # The header may hold several space-separated signatures (secret rotation); one must match.
    for candidate in signatures.split():
        version, _, value = candidate.partition(",")
        try:
            given = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            continue
        if version == "v1" and hmac.compare_digest(given, expected):
            return json.loads(body)
    raise InvalidWebhook("no valid signature")


class Receiver:
    """Verify, then hand each webhook-id to `handle_referral` once."""

    def __init__(self, secret: str, handle_referral: Callable[[str, dict], None]):
        self.secret = secret
        self.handle_referral = handle_referral
        self.handled: set[str] = set()  # keep this in your database in production
        self._lock = threading.Lock()

    def receive(self, headers: Mapping[str, str], body: bytes) -> int:
        """The HTTP status to answer with."""
        try:
            payload = verify(self.secret, headers, body)
        except (InvalidWebhook, ValueError):
            return 401
        webhook_id = {k.lower(): v for k, v in headers.items()}["webhook-id"]
        with self._lock:
            if webhook_id in self.handled:
                return 200  # a retry of something already handled: acknowledge, do nothing
            try:
                self.handle_referral(webhook_id, payload)
            except Exception:
                return 500  # not handled: the sender will try again
            self.handled.add(webhook_id)
        return 204


def make_server(receiver: Receiver, host: str = "127.0.0.1", port: int = 8080) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            self.send_response(receiver.receive(dict(self.headers.items()), body))
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args):  # request lines are not needed; payloads must not be logged
            pass

    return ThreadingHTTPServer((host, port), Handler)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--secret", default=os.environ.get("WEBHOOK_SECRET"), help="whsec_... (or WEBHOOK_SECRET)")
    args = parser.parse_args()
    if not args.secret:
        parser.error("--secret or WEBHOOK_SECRET is required")

    def handle_referral(webhook_id: str, payload: dict) -> None:
        data = payload["data"]
        print(f"{webhook_id}: {data['provider']} referral {data['provider_referral_id']} "
              f"revision {data['revision']}, {len(data['persons'])} person(s)", flush=True)

    make_server(Receiver(args.secret, handle_referral), args.host, args.port).serve_forever()


if __name__ == "__main__":
    main()
