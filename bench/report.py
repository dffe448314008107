"""Report benchmark: the monthly cross-referral report over a generated ledger (default 1,000,000
events, SQLite), timed from the first ledger read to the last output byte (median of --repeat runs,
wall and CPU), with the process's peak memory; then one pass that only reads and decodes, to say
where the time goes. The ledger is generated in a child process so the peak measured is the
report's; --ledger keeps it for the next run (generating takes far longer than reporting).

    python bench/run.py report --ledger var/bench/ledger-1m.db
    python bench/run.py report --database-url postgresql://… --generate-only   # then without it
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
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
    parser.add_argument("--repeat", type=int, default=3, help="timed runs; the median is reported")
    parser.add_argument("--ledger", type=Path, help="keep the generated SQLite ledger here and reuse it "
                        "when it already holds --events events (default: a new one in a temporary directory)")
    parser.add_argument("--database-url", help="report over this ledger instead (e.g. PostgreSQL): it must "
                        "already hold the generated events; see --generate-only")
    parser.add_argument("--generate-only", action="store_true", help="generate into --database-url, then stop")


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


async def generate(url: str, count: int) -> None:
    from pathways_ledger.bootstrap import bootstrap
    from pathways_ledger.testing.events import Events
    ledger = bootstrap(database_url=url)
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


async def held(url: str) -> int:
    from pathways_ledger.bootstrap import bootstrap
    ledger = bootstrap(database_url=url)
    try:
        head = await ledger.store.head() if await ledger.has_schema() else None
    finally:
        await ledger.close()
    return head.seq if head else 0


async def timed_runs(url: str, month: str, out: Path, repeat: int) -> dict:
    """The report `repeat` times (wall and CPU seconds, from the first ledger read to the last output
    byte), then one pass that only reads and decodes the ledger, to say where the time goes."""
    from pathways_ledger.bootstrap import bootstrap
    from pathways_ledger.domain.report.build import ReportBuilder
    from pathways_ledger.domain.report.config import Month
    from pathways_ledger.service_layer.reports import REPORTED, collector_paused, monthly_report, rendered
    ledger, wanted = bootstrap(database_url=url), Month.parse(month)
    runs, outputs, load = [], set(), [round(x, 2) for x in os.getloadavg()]
    for n in range(1, repeat + 1):
        wall, cpu = time.perf_counter(), time.process_time()
        result = await monthly_report(wanted, store=ledger.store)
        computed = time.perf_counter()
        files = rendered(result)
        for name, data in files.items():
            (out / name).write_bytes(data)
        end = time.perf_counter()
        runs.append({"wall_s": round(end - wall, 3), "cpu_s": round(time.process_time() - cpu, 3),
                     "render_s": round(end - computed, 3)})
        outputs.add(tuple(sorted((name, data) for name, data in files.items() if not name.endswith(".html"))))
        progress(f"run {n}/{repeat}: {runs[-1]['wall_s']:.2f} s wall, {runs[-1]['cpu_s']:.2f} s CPU")
    head = await ledger.store.head()
    start, pages = time.perf_counter(), 0
    with collector_paused():
        fold = ReportBuilder(wanted).fold
        async for page in ledger.store.events(REPORTED, upto_seq=head.seq, wanted=fold.information_wanted(),
                                              before=wanted.end):
            pages += len(page)
    read_s = time.perf_counter() - start
    await ledger.close()
    return {"runs": runs, "events_read": result.events_read, "identical_outputs": len(outputs) == 1,
            "read_decode_only_s": round(read_s, 3), "load_average_before_runs": load}


def run(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        if args.database_url:
            url = args.database_url
        else:
            path = args.ledger or Path(tmp) / "ledger.db"
            path.parent.mkdir(parents=True, exist_ok=True)
            url = f"sqlite+aiosqlite:///{path}"
        if args.generate_only or not args.database_url:
            have = asyncio.run(held(url))
            if have not in (0, args.events):
                print(f"{url} holds {have} events, not {args.events}: give another --ledger", file=sys.stderr)
                return 2
            if have == 0:
                begun = time.perf_counter()
                # In a child process, so the peak memory measured here is the report's alone.
                subprocess.run([sys.executable, __file__, "generate", url, str(args.events)], check=True)
                progress(f"ledger of {args.events} events generated in {time.perf_counter() - begun:.0f} s")
            if args.generate_only:
                return 0
        found = asyncio.run(timed_runs(url, args.month, Path(tmp), args.repeat))
    runs = found.pop("runs")
    wall = statistics.median(r["wall_s"] for r in runs)
    cpu = statistics.median(r["cpu_s"] for r in runs)
    data = {"events": args.events, **found, "database": url.split(":", 1)[0], "repeat": args.repeat,
            "seconds": round(wall, 2), "cpu_seconds": round(cpu, 2), "events_per_s": round(found["events_read"] / wall),
            "runs": runs, "peak_rss_mb": round(peak_rss_mb(), 1), "target_seconds": TARGET_SECONDS,
            "met_target": wall < TARGET_SECONDS and found["identical_outputs"], "machine": machine("orjson")}
    print(f"report over {found['events_read']} events ({data['database']}): median of {args.repeat} "
          f"{wall:.2f} s wall ({data['events_per_s']} events/s), {cpu:.2f} s CPU, peak RSS {data['peak_rss_mb']} MB; "
          f"reading and decoding alone {found['read_decode_only_s']:.2f} s "
          f"(target under {TARGET_SECONDS:.0f} s; outputs identical across runs: {found['identical_outputs']})")
    write_result("report" if data["database"].startswith("sqlite") else "report_postgresql", data)
    return 0 if data["met_target"] else 1


if __name__ == "__main__" and sys.argv[1:2] == ["generate"]:
    asyncio.run(generate(sys.argv[2], int(sys.argv[3])))
