"""`make bench` entry point: run every registered benchmark, or one by name.

    python bench/run.py                      # all, with their defaults
    python bench/run.py routing --households 2000

A benchmark is a module in bench/ with DESCRIPTION, add_arguments(parser) and run(args) -> int
(0 when it passed, non-zero when its check failed); register it in BENCHMARKS.
"""
from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # so `bench.<name>` imports as a script too

BENCHMARKS = {
    "routing": "bench.routing",
    "pipeline": "bench.pipeline",
    "report": "bench.report",
    "feed": "bench.feed",
}


def _parser() -> tuple[argparse.ArgumentParser, dict]:
    parser = argparse.ArgumentParser(prog="bench/run.py", description="Run the project's benchmarks.")
    sub = parser.add_subparsers(dest="benchmark")
    modules = {}
    for name, module_name in BENCHMARKS.items():
        module = importlib.import_module(module_name)
        module.add_arguments(sub.add_parser(name, help=module.DESCRIPTION))
        modules[name] = module
    return parser, {"sub": sub, "modules": modules}


def main(argv: list[str] | None = None) -> int:
    parser, found = _parser()
    args = parser.parse_args(argv)
    chosen = [args.benchmark] if args.benchmark else list(BENCHMARKS)
    failed = []
    for name in chosen:
        own = args if args.benchmark else found["sub"].choices[name].parse_args([])
        print(f"== {name}: {found['modules'][name].DESCRIPTION}", flush=True)
        start = time.perf_counter()
        status = found["modules"][name].run(own)
        print(f"== {name}: {'ok' if status == 0 else 'FAILED'} in {time.perf_counter() - start:.1f} s\n", flush=True)
        if status:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
