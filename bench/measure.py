"""What every benchmark records the same way: timed runs, their median, the machine, peak memory."""
from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import time
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any, Callable

RESULTS = Path(__file__).resolve().parent / "results"


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def interleaved(sides: dict[str, Callable[[], Any]], times: int) -> tuple[dict, dict]:
    """Run every side once per round, `times` rounds: each side's (wall, CPU) seconds per run, and
    each side's value from its last run.

    Rounds alternate the sides so that other work on a shared machine falls on all of them alike;
    CPU time is kept beside wall time because that work stretches wall time only."""
    seconds: dict[str, list] = {name: [] for name in sides}
    values: dict[str, Any] = {}
    for round_no in range(1, times + 1):
        for name, fn in sides.items():
            values.pop(name, None)  # free the previous run's output before the next one
            cpu = time.process_time()
            elapsed, values[name] = timed(fn)
            seconds[name].append((elapsed, time.process_time() - cpu))
            progress(f"{name} run {round_no}/{times}: {elapsed:.1f} s wall, {seconds[name][-1][1]:.1f} s CPU")
    return seconds, values


def progress(message: str) -> None:
    print(f"  .. {message}", flush=True)


def rate(count: int, seconds: list[tuple[float, float]]) -> dict:
    wall = statistics.median(s for s, _ in seconds)
    cpu = statistics.median(c for _, c in seconds)
    return {"runs_s": [round(s, 3) for s, _ in seconds], "median_s": round(wall, 3),
            "per_second": round(count / wall, 1), "cpu_runs_s": [round(c, 3) for _, c in seconds],
            "cpu_median_s": round(cpu, 3), "per_cpu_second": round(count / cpu, 1)}


def peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux: the process's high-water mark so far, never lower.
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def machine(*packages: str) -> dict:
    info = {"python": platform.python_version(), "implementation": platform.python_implementation(),
            "platform": platform.platform(terse=True), "machine": platform.machine(), "cpu_count": os.cpu_count(),
            # Other work on the machine stretches wall time: a load above the CPU count means it was busy.
            "load_average_1_5_15_min": [round(x, 2) for x in os.getloadavg()]}
    for name in packages:
        info[name] = metadata.version(name)
    return info


def write_result(name: str, data: dict) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    record = {"benchmark": name, "timestamp": datetime.now(timezone.utc).isoformat(timespec="seconds"), **data}
    path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return path
