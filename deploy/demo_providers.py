"""Stand-ins for the five providers' systems: one local HTTP server, a path per provider.

Each delivery's signature is checked with the receiver example shipped in docs/ (exactly as a
provider would), counted by webhook-id, and kept so the demo and tests can compare what
arrived with what the router decided. `fail_rate` makes a flaky provider; `down` a dead one.
"""
from __future__ import annotations

import importlib.util
import json
import random
import threading
import time
from collections import Counter, defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from pathways_shared.broker.embedded import free_port

ROOT = Path(__file__).resolve().parents[1]


def _receiver_module():
    spec = importlib.util.spec_from_file_location("webhook_receiver", ROOT / "docs" / "webhook_receiver.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class DemoProviders:
    def __init__(self, secrets: dict[str, str] | None = None, *, fail_rate: float = 0.0, down: set[str] = frozenset(),
                 echo: bool = False, seed: int = 1):
        self.secrets = dict(secrets or {})
        self.fail_rate, self.down, self.echo = fail_rate, set(down), echo
        self.random = random.Random(seed)
        self.received: dict[str, dict] = {}           # webhook-id → payload (first good receipt)
        self.counts: Counter = Counter()              # webhook-id → good receipts
        self.rejected: list[tuple[str, str]] = []     # (provider, reason)
        self.by_provider: dict[str, list[str]] = defaultdict(list)
        self.arrived: dict[str, float] = {}           # webhook-id → time.monotonic() of first good receipt
        self.lock = threading.Lock()
        self.verify = _receiver_module().verify
        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self.server.daemon_threads = True

    @property
    def endpoints(self) -> dict[str, str]:
        return {p: f"http://127.0.0.1:{self.port}/{p}" for p in ("pops", "tmuk", "shelter", "moms", "magistra")}

    def start(self) -> "DemoProviders":
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self):
        providers = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # the demo prints its own lines
                pass

            def do_POST(self):
                provider = self.path.strip("/")
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                status, reason = providers.receive(provider, dict(self.headers), body)
                self.send_response(status)
                self.end_headers()
                self.wfile.write(reason.encode())

        return Handler

    def receive(self, provider: str, headers: dict, body: bytes) -> tuple[int, str]:
        headers = {k.lower(): v for k, v in headers.items()}
        if provider in self.down:
            return 503, "down"
        with self.lock:
            if self.fail_rate and self.random.random() < self.fail_rate:
                return 500, "flaky"
        secret = self.secrets.get(provider)
        try:
            if secret is None:
                raise ValueError(f"no secret for {provider!r}")
            payload = self.verify(secret, headers, body)
        except Exception as exc:
            with self.lock:
                self.rejected.append((provider, str(exc)))
            return 400, f"rejected: {exc}"
        webhook_id = headers["webhook-id"]
        with self.lock:
            self.counts[webhook_id] += 1
            if webhook_id not in self.received:
                self.arrived[webhook_id] = time.monotonic()
                self.received[webhook_id] = payload if isinstance(payload, dict) else json.loads(body)
                self.by_provider[provider].append(webhook_id)
        if self.echo:
            persons = payload.get("data", {}).get("persons", [])
            print(f"  {provider:<9} ← {webhook_id[:13]}… {len(persons)} person(s): "
                  f"{', '.join(p.get('role', '?') for p in persons)} · signature ok", flush=True)
        return 204, ""
