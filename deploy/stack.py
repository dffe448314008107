"""The embedded stack: Tansu, the four services as real processes, SQLite files under var/.

    python deploy/stack.py up      # start in the background, print the URLs (make up)
    python deploy/stack.py down    # stop what `up` started (make down)

`Stack` is also what `make demo` and the end-to-end tests run in the foreground.
"""
from __future__ import annotations

import base64
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from pathways_shared.broker.embedded import EmbeddedBroker, _die_with_parent, free_port
from pathways_shared.broker.topics import Topics, ensure_topics
from pathways_shared.token_file import digest

ROOT = Path(__file__).resolve().parents[1]
SERVICES = {"referral-intake": "pathways_intake", "router": "pathways_router",
            "notifier": "pathways_notifier", "ledger": "pathways_ledger"}
PROVIDERS = ("pops", "tmuk", "shelter", "moms", "magistra")
# The API tokens each stack makes for itself (name → scopes); only their digests are written.
TOKEN_SCOPES = {"notifier": ["internal"], "referrer": ["referrer"], "commissioner": ["commissioner"],
                "admin": ["admin"], **{p: [f"provider:{p}"] for p in PROVIDERS}}


def webhook_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


@dataclass
class Stack:
    var: Path = ROOT / "var"
    session_timeout_ms: int = 3000
    extra_env: dict = field(default_factory=dict)
    broker: EmbeddedBroker | None = None
    procs: dict = field(default_factory=dict)
    urls: dict = field(default_factory=dict)

    def __post_init__(self):
        # Every key and token is made here, for this run: nothing in the repository is a secret.
        self.secrets = {"pseudonym_key": secrets.token_hex(32),
                        "master_key": base64.b64encode(secrets.token_bytes(32)).decode()}
        self.tokens = {name: "fp_" + secrets.token_urlsafe(32) for name in TOKEN_SCOPES}
        self.provider_secrets = {p: webhook_secret() for p in PROVIDERS}

    def database_url(self, service: str) -> str:
        return f"sqlite+aiosqlite:///{self.var / f'{service}.db'}"

    def env(self, service: str, port: int) -> dict:
        env = dict(os.environ, SERVICE_NAME=service, HTTP_PORT=str(port), VAR_DIR=str(self.var),
                   DATABASE_URL=self.database_url(service), KAFKA_BOOTSTRAP_SERVERS=self.broker.bootstrap_servers,
                   KAFKA_SESSION_TIMEOUT_MS=str(self.session_timeout_ms), PSEUDONYM_KEY=self.secrets["pseudonym_key"],
                   MASTER_KEY=self.secrets["master_key"], TOKENS_FILE=str(self.var / "tokens.jsonl"),
                   INTAKE_TOKEN=self.tokens["notifier"],
                   INTAKE_URL=self.urls.get("referral-intake", ""), PROVIDERS_FILE=str(self.var / "providers.json"),
                   # The notifier's inbox pages refer onward through the router and link to themselves.
                   ROUTER_URL=self.urls.get("router", ""), INBOX_BASE_URL=self.urls.get("notifier", ""),
                   FIRST_CONTACT_WORKING_DAYS="5", REPORT_FIRST_CONTACT_WORKING_DAYS="5",
                   OUTBOX_POLL_INTERVAL_MS="50", REEVALUATION_INTERVAL_S="5", WORKER_INTERVAL_S="0.2",
                   PROBATION_CASE_SOURCE=f"file:{ROOT / 'examples' / 'probation' / 'cases.json'}")
        env.update(self.extra_env)
        return env

    def headers(self, name: str = "admin") -> dict:
        """The Authorization header of one of this stack's tokens (TOKEN_SCOPES)."""
        return {"Authorization": f"Bearer {self.tokens[name]}"}

    def write_tokens(self) -> None:
        path = self.var / "tokens.jsonl"
        path.write_text("".join(json.dumps({"name": name, "sha256": digest(self.tokens[name]), "scopes": scopes})
                                + "\n" for name, scopes in TOKEN_SCOPES.items()))
        path.chmod(0o600)

    def write_providers(self, endpoints: dict[str, str]) -> None:
        config = {p: {"webhook_url": endpoints[p], "secret": self.provider_secrets[p]} for p in PROVIDERS}
        (self.var / "providers.json").write_text(json.dumps(config, indent=2))

    def start(self, endpoints: dict[str, str]) -> "Stack":
        (self.var / "logs").mkdir(parents=True, exist_ok=True)
        for name in SERVICES:
            for suffix in ("", "-wal", "-shm"):
                (self.var / f"{name}.db{suffix}").unlink(missing_ok=True)
        self.write_providers(endpoints)
        self.write_tokens()
        self.broker = EmbeddedBroker().start()
        ensure_topics(self.broker.bootstrap_servers, Topics().all())
        ports = {name: free_port() for name in SERVICES}
        self.urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        for name in SERVICES:
            self.start_service(name, ports[name])
        self.wait_ready()
        return self

    def start_service(self, name: str, port: int | None = None) -> None:
        port = port or int(self.urls[name].rsplit(":", 1)[1])
        log = (self.var / "logs" / f"{name}.log").open("ab")
        self.procs[name] = subprocess.Popen([sys.executable, "-m", SERVICES[name]], env=self.env(name, port),
                                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            cwd=ROOT, preexec_fn=_die_with_parent)

    def kill(self, name: str) -> None:
        """kill -9: no shutdown, no flush — what a crash looks like."""
        self.procs[name].send_signal(signal.SIGKILL)
        self.procs[name].wait(timeout=10)

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        pending = set(SERVICES)
        while pending and time.monotonic() < deadline:
            for name in sorted(pending):
                if self.procs[name].poll() is not None:
                    raise RuntimeError(f"{name} exited with {self.procs[name].returncode}; see var/logs/{name}.log")
                try:
                    if httpx.get(f"{self.urls[name]}/readyz", timeout=1).status_code == 200:
                        pending.discard(name)
                except httpx.HTTPError:
                    pass
            time.sleep(0.2)
        if pending:
            raise RuntimeError(f"not ready after {timeout:.0f}s: {', '.join(sorted(pending))} (see var/logs/)")

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.procs.clear()
        if self.broker:
            self.broker.stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def _supervise() -> int:
    """`up`: hold the stack in this (detached) process until `down` signals it."""
    from demo_providers import DemoProviders  # a sibling module; deploy/ is on sys.path

    stack = Stack()
    providers = DemoProviders(stack.provider_secrets, echo=True).start()  # prints to var/logs/stack.log
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    try:
        stack.start(providers.endpoints)
        state = {"pid": os.getpid(), "urls": stack.urls, "providers": providers.endpoints,
                 "broker": stack.broker.bootstrap_servers}
        tokens = stack.var / "stack-tokens.json"  # for the person using this run's APIs; gone at `down`
        tokens.touch(mode=0o600)
        tokens.write_text(json.dumps(stack.tokens, indent=2))
        (stack.var / "stack.json").write_text(json.dumps(state, indent=2))
        while not stopping:
            time.sleep(0.5)
    finally:
        stack.stop()
        providers.stop()
        (stack.var / "stack.json").unlink(missing_ok=True)
        (stack.var / "stack-tokens.json").unlink(missing_ok=True)
    return 0


def main(argv: list[str]) -> int:
    state_file = ROOT / "var" / "stack.json"
    if argv[:1] == ["up"]:
        if state_file.exists():
            print(f"already up: {state_file.read_text()}")
            return 0
        (ROOT / "var" / "logs").mkdir(parents=True, exist_ok=True)
        log = (ROOT / "var" / "logs" / "stack.log").open("ab")
        subprocess.Popen([sys.executable, __file__, "supervise"], stdout=log, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL, start_new_session=True, cwd=ROOT)
        for _ in range(600):
            if state_file.exists():
                state = json.loads(state_file.read_text())
                print("Family Pathways is up:")
                for name, url in state["urls"].items():
                    print(f"  {name:<16} {url}")
                print(f"  broker           {state['broker']}\n  demo providers   {state['providers']['pops'].rsplit('/', 1)[0]}/<provider>")
                print("  API tokens       var/stack-tokens.json (made for this run; Authorization: Bearer …)")
                return 0
            time.sleep(0.1)
        print("the stack did not come up; see var/logs/stack.log", file=sys.stderr)
        return 1
    if argv[:1] == ["down"]:
        if not state_file.exists():
            print("nothing is up")
            return 0
        pid = json.loads(state_file.read_text())["pid"]
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            state_file.unlink(missing_ok=True)
        for _ in range(300):
            if not state_file.exists():
                print("stopped")
                return 0
            time.sleep(0.1)
        return 1
    if argv[:1] == ["supervise"]:
        return _supervise()
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    sys.exit(main(sys.argv[1:]))
