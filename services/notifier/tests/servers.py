"""Real local HTTP servers standing in for the parties the notifier talks to: the intake's
internal document endpoint and a provider's webhook (which verifies signatures with the receiver
example in docs/). Each runs in its own thread on a free loopback port."""
from __future__ import annotations

import base64
import json
import os
import random
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

INTAKE_TOKEN = "intake-test-token"


def new_secret() -> str:
    return "whsec_" + base64.b64encode(os.urandom(24)).decode()


class LocalServer:
    """A real HTTP server; `respond(method, path, headers, body)` → (status, JSON-able body or None)."""

    def __init__(self, respond):
        class Handler(BaseHTTPRequestHandler):
            def _serve(self):
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                status, reply = respond(self.command, self.path, dict(self.headers.items()), body)
                data = b"" if reply is None else json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _serve

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class Intake:
    """The intake's internal document endpoint, holding clear referral documents by id."""

    def __init__(self, documents: dict[str, dict]):
        self.documents = documents
        self.requests = 0
        self.server = LocalServer(self.respond)
        self.url = self.server.url

    def respond(self, method, path, headers, body):
        self.requests += 1
        if headers.get("Authorization") != f"Bearer {INTAKE_TOKEN}":
            return 401, {"detail": "unauthorised"}
        parts = path.strip("/").split("/")
        if method != "GET" or parts[:3] != ["internal", "v1", "referrals"] or parts[4:] != ["document"]:
            return 404, None
        doc = self.documents.get(parts[3])
        return (200, doc) if doc is not None else (404, None)


class ProviderWebhook:
    """A provider's endpoint. Counts genuine (verified) requests by webhook-id; `mode` decides the
    answer: "ok", "down" (503), "flaky" (500 half the time, seeded), or "slow" (handles the
    request, then answers too late the first time: an ambiguous failure)."""

    def __init__(self, receiver_example, secret: str):
        self.example, self.secret, self.mode = receiver_example, secret, "ok"
        self.rng, self.lock = random.Random(20261102), threading.Lock()
        self.requests, self.acknowledged = Counter(), Counter()
        self.payloads: dict[str, dict] = {}
        self.invalid = 0
        self.server = LocalServer(self.respond)
        self.url = self.server.url + "/hooks/referrals"

    def respond(self, method, path, headers, body):
        try:
            payload = self.example.verify(self.secret, headers, body)
        except self.example.InvalidWebhook:
            self.invalid += 1
            return 401, None
        webhook_id = headers["webhook-id"]
        with self.lock:
            self.requests[webhook_id] += 1
            if self.mode == "down" or self.mode == "flaky" and self.rng.random() < 0.5:
                return (503 if self.mode == "down" else 500), None
            self.acknowledged[webhook_id] += 1
            self.payloads[webhook_id] = payload
            first = self.requests[webhook_id] == 1
        if self.mode == "slow" and first:
            time.sleep(0.6)  # longer than the notifier's timeout in that test
        return 204, None
