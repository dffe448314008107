"""The whole platform as real processes: Tansu, the four services (SQLite files under tmp_path) and
the stand-in provider endpoints from deploy/, which verify every signature as a provider would.

`launch(...)` starts one stack per call and stops it, with its providers, when the test ends,
whatever happened. The services' calendar day is pinned to today in London for the whole test,
so the expected decisions computed here cannot drift from the router's across midnight.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# deploy/ is a folder of scripts whose modules import each other by bare name (as `make demo` runs
# them); this folder holds the checks the e2e modules share.
for folder in (ROOT / "deploy", Path(__file__).parent):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import demo  # noqa: E402  (deploy/demo.py: post_all, as `make demo` posts)
from demo_providers import DemoProviders  # noqa: E402
from stack import Stack  # noqa: E402

from pathways_shared.broker.embedded import BrokerUnavailable  # noqa: E402
from pathways_shared.testing.fixtures import service_unavailable  # noqa: E402

import e2e_support as support  # noqa: E402

SESSION_TIMEOUT_MS = 2000


@dataclass
class Platform:
    stack: Stack
    providers: DemoProviders
    today: date
    ids: dict[str, str] = field(default_factory=dict)       # label → referral_id
    docs: dict[str, dict] = field(default_factory=dict)     # label → document posted

    @property
    def intake(self) -> str:
        return self.stack.urls["referral-intake"]

    def post(self, docs: list[tuple[str, dict]]) -> dict[str, str]:
        ids = demo.post_all(self.intake, docs, self.stack.headers("referrer"))
        self.docs.update(docs)
        self.ids.update(ids)
        return ids

    def expected(self, labels=None) -> dict[str, support.Expected]:
        """provider_referral_id → what the router must raise, for the households posted so far."""
        out = {}
        for label in labels or self.docs:
            out |= support.expected_referrals(self.docs[label], self.today)
        return out

    def logs(self) -> str:
        return f"service logs under {self.stack.var / 'logs'}"


def pytest_terminal_summary(terminalreporter):
    for report in terminalreporter.getreports("passed") + terminalreporter.getreports("failed"):
        for name, value in report.user_properties:
            if name == "e2e_report" and report.when == "call":
                terminalreporter.write_line(f"{report.nodeid.rsplit('::', 1)[-1]}: {value}")


@pytest.fixture
def launch(tmp_path):
    """launch(fail_rate=0.0, down=(), env={}) → a running Platform; stopped when the test ends."""
    started: list[Platform] = []

    def _launch(*, fail_rate: float = 0.0, down=(), env: dict | None = None) -> Platform:
        today = support.london_today()
        var = tmp_path / f"var{len(started)}"
        stack = Stack(var=var, session_timeout_ms=SESSION_TIMEOUT_MS,
                      extra_env={"TODAY": today.isoformat(), **(env or {})})
        providers = DemoProviders(stack.provider_secrets, fail_rate=fail_rate, down=set(down)).start()
        platform = Platform(stack, providers, today)
        started.append(platform)
        try:
            stack.start(providers.endpoints)
        except BrokerUnavailable as exc:
            service_unavailable(f"embedded broker unavailable: {exc}")
        return platform

    yield _launch
    for platform in reversed(started):
        try:
            platform.stack.stop()
        finally:
            platform.providers.stop()
