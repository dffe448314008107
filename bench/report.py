"""Report benchmark: the monthly cross-referral report over a generated ledger (default 1,000,000
events, SQLite), timed from the first ledger read to the last output byte, with the process's
peak memory. The ledger is generated in a child process so the peak measured is the report's."""
from __future__ import annotations

import argparse
import asyncio
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.measure import machine, peak_rss_mb, progress, write_result  # noqa: E402

DESCRIPTION = "monthly report over a generated ledger of 1,000,000 events (target under 10 s)"
TARGET_SECONDS = 10.0
PROVIDERS = ("pops", "tmuk", "shelter", "moms", "magistra")
SOURCES = ("probation_auto_feed", "probation_practitioner", "prison", "court", "school", "self")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--month", default="2026-11")


def household(e, rng: random.Random, n: int) -> None:
    """About a dozen events: submitted, routed, provider referrals with onward ones, lifecycle."""
    import uuid
    start = datetime(2026, 6, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(0, 240 * 24 * 60))
    referral = uuid.UUID(int=(1 << 64) + n)
    persons = {f"p{i}": (f"pp_{rng.randrange(1 << 40):010x}", {
        "age_band": rng.choice(("0-4", "5-10", "11-15", "18-24", "30-49")), "sex": rng.choice(("female", "male")),
        "ethnicity_group": rng.choice(("white", "black", "asian", "mixed", "not_stated")),
        "local_authority": rng.choice(("liverpool", "wirral", "sefton")), "missing": ["postcode"]}) for i in range(3)}
    e.submitted(referral, start, source=rng.choice(SOURCES), persons=persons)
    e.routed(referral, start, [(ref, prov, rng.choice(("eligible", "ineligible", "review")), [("TMUK-1", "fail")])
                               for ref in persons for prov in ("pops", "tmuk")])
    parent, at = None, start
    for provider in rng.sample(PROVIDERS, rng.randint(1, 3)):
        at += timedelta(days=rng.randint(0, 20))
        ref, (pseudonym, _) = rng.choice(list(persons.items()))
        pr = e.raised(referral, at, provider, [(ref, pseudonym)],
                      source=f"provider:{parent[1]}" if parent else "court", parent=parent and parent[0])
        e.delivered(referral, pr, provider, at + timedelta(hours=1))
        e.first_contact(referral, pr, provider, at + timedelta(days=2), (at + timedelta(days=2)).date())
        e.status(referral, pr, provider, at + timedelta(days=3), "requested", "accepted")
        e.status(referral, pr, provider, at + timedelta(days=5), "accepted", "in-progress")
        if rng.random() < 0.5:
            e.status(referral, pr, provider, at + timedelta(days=40), "in-progress", "completed")
        parent = (pr, provider)


async def generate(path: str, count: int) -> None:
    from pathways_ledger.bootstrap import bootstrap
    from pathways_ledger.testing.events import Events
    ledger = bootstrap(database_url=f"sqlite+aiosqlite:///{path}")
    await ledger.create_schema()
    rng, written, n = random.Random(6), 0, 0
    while written < count:
        e = Events(seed=n + 1)
        while len(e.out) < 5000:
            household(e, rng, n)
            n += 1
        batch = e.out[:count - written]
        await ledger.record_events(batch)
        written += len(batch)
        if written % 100_000 < 5000:
            progress(f"generated {written} events")
    await ledger.close()


async def report(path: str, month: str, out: Path) -> tuple[float, int]:
    from pathways_ledger.bootstrap import bootstrap
    from pathways_ledger.domain.report.config import Month
    from pathways_ledger.service_layer.reports import monthly_report, rendered
    ledger = bootstrap(database_url=f"sqlite+aiosqlite:///{path}")
    start = time.perf_counter()
    result = await monthly_report(Month.parse(month), store=ledger.store)
    for name, data in rendered(result).items():
        (out / name).write_bytes(data)
    seconds = time.perf_counter() - start
    await ledger.close()
    return seconds, result.events_read


def run(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "ledger.db")
        begun = time.perf_counter()
        subprocess.run([sys.executable, __file__, "generate", path, str(args.events)], check=True)
        progress(f"ledger of {args.events} events generated in {time.perf_counter() - begun:.0f} s")
        seconds, read = asyncio.run(report(path, args.month, Path(tmp)))
    data = {"events": args.events, "events_read": read, "seconds": round(seconds, 2),
            "peak_rss_mb": round(peak_rss_mb(), 1), "target_seconds": TARGET_SECONDS,
            "met_target": seconds < TARGET_SECONDS, "machine": machine()}
    print(f"report over {read} events: {seconds:.2f} s, peak RSS {data['peak_rss_mb']} MB "
          f"(target under {TARGET_SECONDS:.0f} s)")
    write_result("report", data)
    return 0 if data["met_target"] else 1


if __name__ == "__main__" and sys.argv[1:2] == ["generate"]:
    asyncio.run(generate(sys.argv[2], int(sys.argv[3])))
