"""Probation feed benchmark: a generated caseload export fed through `pathways feed probation` into
the embedded stack (Tansu, SQLite, the real intake and router processes) until the router has
persisted decisions for every accepted case — rows per second and each process's peak memory, at
two sizes, so that memory can be seen not to grow with the file."""
from __future__ import annotations

import json
import os
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "deploy"))
import stack as stack_module  # noqa: E402
from stack import Stack  # noqa: E402

from pathways_intake.feed.format import ExportFormat  # noqa: E402
from pathways_intake.feed.generator import write_export  # noqa: E402

# Decisions are the end of this path: the notifier and ledger work downstream of them and are not started.
SERVICES = ("referral-intake", "router")
WORK = ROOT / "var" / "bench-feed"
EXPORTED_AT = datetime(2026, 11, 2, 6, tzinfo=UTC)  # fixed, so the same seed gives the same cases
TARGET_ROWS = 100_000  # the target: this many rows within --target-s
# A household's decisions are persisted in its ReferralRouted event, in the router's outbox in the
# transaction that routed it; counted after timing.
ROUTED = " WHERE event_type = 'pathways.referral.routed'"
DECISIONS_SQL = ("SELECT sum(json_array_length(CAST(payload AS TEXT), '$.additionalInformation.decisions'))"
                 " FROM outbox" + ROUTED)


def generate(rows: int, seed: int) -> Path:
    path = WORK / f"caseload-{rows}-{seed}.csv"
    if not path.exists():
        partial = path.with_suffix(".partial")
        with partial.open("w", encoding="utf-8", newline="") as out:
            write_export(out, rows, seed, ExportFormat.csv, as_of=EXPORTED_AT.date())
        partial.rename(path)
    return path


def start(stack: Stack) -> None:
    """Stack.start for the intake and router only (it starts whatever stack.SERVICES names)."""
    whole = stack_module.SERVICES
    stack_module.SERVICES = {name: whole[name] for name in SERVICES}
    try:
        stack.start({provider: "http://127.0.0.1:9/unused" for provider in stack.provider_secrets})
    finally:
        stack_module.SERVICES = whole


def count(db: Path, sql: str) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as conn:
            return conn.execute(sql).fetchone()[0]
    except sqlite3.OperationalError:  # not created yet, or busy past the timeout
        return -1


def status_mib(pid: int, name: str) -> float | None:
    """A memory figure of the process from /proc (VmRSS now, VmHWM its high-water mark since it
    started its program); None once it has gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{name}:"):
                return round(int(line.split()[1]) / 1024, 1)
    except FileNotFoundError:
        return None
    return None


def peak_rss_mib(pid: int) -> float:
    """The process's high-water resident set so far (VmHWM), read while it still runs."""
    peak = status_mib(pid, "VmHWM")
    if peak is None:
        raise RuntimeError(f"no VmHWM for {pid}")
    return peak


class MemoryTrail(threading.Thread):
    """Each process's resident set, sampled every second against the cases routed so far, so a
    run shows whether memory follows the file or levels off (the peaks alone cannot tell); and
    the feed's high-water mark every quarter second while it runs. (The feed's rusage from wait4
    will not do: Linux counts in it the resident set of the process it was spawned from, this
    benchmark, which can be the larger.)"""

    def __init__(self, pids: dict[str, int], router_db: Path):
        super().__init__(daemon=True)
        self.pids, self.router_db, self.samples, self.halt = pids, router_db, [], threading.Event()
        self.feed_peak = 0.0

    def run(self) -> None:
        tick = 0
        while not self.halt.wait(0.25):
            self.feed_peak = max(self.feed_peak, status_mib(self.pids["feed"], "VmHWM") or 0.0)
            tick += 1
            if tick % 4 == 0:
                routed = count(self.router_db, "SELECT count(*) FROM households")
                self.samples.append((routed, {name: status_mib(pid, "VmRSS") for name, pid in self.pids.items()}))

    def by_tenth(self, total: int) -> list[dict]:
        """The highest resident set of each process while the routed cases were in each tenth
        of the total (a tenth with no sample is left out)."""
        tenths: dict[int, dict[str, float]] = {}
        for routed, rss in self.samples:
            if routed < 0:
                continue
            tenth = min(9, routed * 10 // max(total, 1))
            peaks = tenths.setdefault(tenth, {})
            for name, mib in rss.items():
                if mib is not None:
                    peaks[name] = max(peaks.get(name, 0.0), mib)
        return [{"routed_up_to": (t + 1) * total // 10, "rss_mib": tenths[t]} for t in sorted(tenths)]


def dead_lettered(stack: Stack, since: int) -> int:
    """Referral events the router refused (dead-lettered) since that log offset: cases that can
    never have decisions. (The stack appends to its logs across runs.)"""
    with (stack.var / "logs" / "router.log").open("rb") as log:
        log.seek(since)
        return log.read().count(b'"message dead-lettered"')


def cpu_s(pid: int) -> float:
    """User + system CPU seconds the process has used so far, read while it still runs."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return round((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), 1)


def feed_once(rows: int, seed: int, chunk: int | None, timeout: float) -> dict:
    export = generate(rows, seed)
    stack = Stack(var=WORK / f"stack-{rows}")
    try:
        start(stack)
        router_db = stack.var / "router.db"
        log_start = (stack.var / "logs" / "router.log").stat().st_size
        command = [str(Path(sys.executable).parent / "pathways"), "feed", "probation", str(export), "--json",
                   "--exported-at", EXPORTED_AT.isoformat(), "--report-dir", str(stack.var)]
        command += ["--batch-size", str(chunk)] if chunk else []
        env = stack.env("referral-intake", 0)
        started = time.monotonic()
        feeder = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        trail = MemoryTrail({"feed": feeder.pid, **{name: stack.procs[name].pid for name in SERVICES}}, router_db)
        trail.start()
        output = feeder.stdout.read()
        _, status, usage = os.wait4(feeder.pid, 0)  # the feed process's own CPU, from the kernel
        feeder.returncode = os.waitstatus_to_exitcode(status)
        fed = time.monotonic() - started
        if feeder.returncode not in (0, 1):
            raise RuntimeError(f"the feed exited with {feeder.returncode}")
        summary = json.loads(output)
        accepted = summary["created"] + summary["updated"]
        deadline, routed = started + timeout, 0
        while time.monotonic() < deadline:
            routed = count(router_db, "SELECT count(*) FROM households")
            if routed >= accepted - dead_lettered(stack, log_start):
                break
            if stack.procs["router"].poll() is not None:
                raise RuntimeError("the router exited; see its log")
            time.sleep(0.25)
        done = time.monotonic() - started
        trail.halt.set()
        trail.join()
        decided = count(router_db, "SELECT count(DISTINCT message_key) FROM outbox" + ROUTED)
        dead = dead_lettered(stack, log_start)
        if decided != accepted - dead:
            raise RuntimeError(f"decisions for {decided} of {accepted} accepted cases after {done:.0f} s")
        rss = {"feed": trail.feed_peak,
               **{name: peak_rss_mib(stack.procs[name].pid) for name in SERVICES}}
        cpu = {"feed": round(usage.ru_utime + usage.ru_stime, 1),
               **{name: cpu_s(stack.procs[name].pid) for name in SERVICES},
               "broker": cpu_s(stack.broker.pid)}  # it shares the same cores
        reconciled = summary["rows_read"] == rows == (summary["created"] + summary["updated"]
                                                      + summary["unchanged"] + summary["rejected"])
        return {"rows": rows, "elapsed_s": round(done, 2), "rows_per_s": round(rows / done, 1),
                "feed_elapsed_s": round(fed, 2), "feed_rows_per_s": round(rows / fed, 1),
                "router_lag_after_feed_s": round(done - fed, 2), "decisions": count(
                    router_db, DECISIONS_SQL),
                "reconciliation": {k: summary[k] for k in ("rows_read", "created", "updated", "unchanged",
                                                           "rejected")} | {"adds_up": reconciled},
                "router_dead_lettered": dead, "peak_rss_mib": rss, "rss_by_tenth_routed": trail.by_tenth(accepted),
                "cpu_s": cpu,
                "load_average_1_5_15_min": [round(x, 2) for x in os.getloadavg()]}
    finally:
        stack.stop()


DESCRIPTION = "caseload export rows/s through the feed to persisted decisions, and peak memory at two sizes"


def add_arguments(parser) -> None:
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each size, the sizes taken in turn; medians are reported")
    parser.add_argument("--seed", type=int, default=20261102)
    parser.add_argument("--chunk", type=int, help="rows per feed transaction (default: the feed's own)")
    parser.add_argument("--timeout", type=float, default=1800, help="per size, seconds")
    parser.add_argument("--target-s", type=float, default=60, help=f"seconds allowed for {TARGET_ROWS} rows")
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/results/ alone")
    parser.add_argument("--result-name", default="feed",
                        help="written as bench/results/<name>.json (e.g. feed-300000 for a larger size on its own)")


def show(r: dict) -> None:
    rec = r["reconciliation"]
    print(f"  {r['rows']:>7} rows → {r['decisions']} decisions in {r['elapsed_s']} s: {r['rows_per_s']} rows/s "
          f"(feed alone {r['feed_elapsed_s']} s, router done {r['router_lag_after_feed_s']} s later)")
    print(f"          read {rec['rows_read']} = created {rec['created']} + updated {rec['updated']} + unchanged "
          f"{rec['unchanged']} + rejected {rec['rejected']}: {'adds up' if rec['adds_up'] else 'DOES NOT ADD UP'}")
    print("          peak RSS MiB: " + ", ".join(f"{k} {v}" for k, v in r["peak_rss_mib"].items()))
    print("          RSS MiB as cases were routed (feed / intake / router): " + "; ".join(
        f"{t['routed_up_to']}: " + " / ".join(str(t["rss_mib"].get(k, "-")) for k in ("feed", *SERVICES))
        for t in r["rss_by_tenth_routed"]))
    print("          CPU s: " + ", ".join(f"{k} {v}" for k, v in r["cpu_s"].items())
          + f"; load average {r['load_average_1_5_15_min']}")


def medians(runs: list[dict]) -> dict:
    """Of one size's runs: the median of each figure, and every run's time beside it."""
    def per_process(key: str) -> dict:
        return {k: round(statistics.median(r[key][k] for r in runs), 1) for k in runs[0][key]}
    elapsed = statistics.median(r["elapsed_s"] for r in runs)
    return {"runs": len(runs), "elapsed_s": round(elapsed, 2), "elapsed_s_each": [r["elapsed_s"] for r in runs],
            "rows_per_s": round(runs[0]["rows"] / elapsed, 1),
            "feed_elapsed_s": round(statistics.median(r["feed_elapsed_s"] for r in runs), 2),
            "peak_rss_mib": per_process("peak_rss_mib"), "cpu_s": per_process("cpu_s")}


def run(args) -> int:
    from bench import measure

    WORK.mkdir(parents=True, exist_ok=True)
    runs = []
    for turn in range(args.repeat):
        for rows in args.sizes:  # sizes in turn, so each is measured beside the other under like load
            measure.progress(f"{rows} rows, run {turn + 1} of {args.repeat}: starting the stack, feeding")
            try:
                runs.append(feed_once(rows, args.seed, args.chunk, args.timeout))
            except RuntimeError as exc:
                print(f"feed FAILED at {rows} rows: {exc}")
                return 1
            r = runs[-1]
            show(r)
            if r["router_dead_lettered"]:
                print(f"          FAILED: the router dead-lettered {r['router_dead_lettered']} accepted cases "
                      "(see its log); they have no decisions")
            if not r["reconciliation"]["adds_up"] or r["router_dead_lettered"]:
                return 1
    by_size = {rows: medians([r for r in runs if r["rows"] == rows]) for rows in args.sizes}
    for rows, m in by_size.items():
        print(f"  {rows:>7} rows, median of {m['runs']}: {m['elapsed_s']} s ({m['rows_per_s']} rows/s; each "
              f"{m['elapsed_s_each']}), peak RSS MiB " + ", ".join(f"{k} {v}" for k, v in m["peak_rss_mib"].items())
              + ", CPU s " + ", ".join(f"{k} {v}" for k, v in m["cpu_s"].items()))
    largest, smallest = by_size[max(by_size)], by_size[min(by_size)]
    result = {"runs": runs, "medians_by_rows": by_size,
              "target": {"rows": TARGET_ROWS, "seconds": args.target_s}, "services": list(SERVICES)}
    if max(by_size) >= TARGET_ROWS:
        result["target"]["met"] = largest["elapsed_s"] <= args.target_s * max(by_size) / TARGET_ROWS
    if len(by_size) > 1:
        result["rss_ratio_largest_over_smallest"] = {
            k: round(largest["peak_rss_mib"][k] / smallest["peak_rss_mib"][k], 2) for k in largest["peak_rss_mib"]}
        print("  median peak RSS largest/smallest: " + ", ".join(
            f"{k} {v}×" for k, v in result["rss_ratio_largest_over_smallest"].items()))
    if "met" in result["target"]:
        print(f"  {max(by_size)} rows in {largest['elapsed_s']} s (median): target {TARGET_ROWS} rows in "
              f"{args.target_s:.0f} s {'met' if result['target']['met'] else 'NOT met'}")
    if not args.no_write:
        result["machine"] = measure.machine("faststream", "aiokafka", "aiosqlite", "SQLAlchemy")
        print(f"  wrote {measure.write_result(args.result_name, result).name} in bench/results/")
    return 0
