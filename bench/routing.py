"""Routing decisions per second: our compiled rulebook against the same policy as JDM graphs run
by zen-engine (bench/zen_peer.py), on generated households, one process.

Both sides start from the same per-person facts; parsing/validation and fact computation are timed
separately and left out of both rates. Both outputs must agree on every decision, or the run fails.
"""
from __future__ import annotations

import gc
from pathlib import Path

from pathways_router.adapters.rulebook_yaml import load_rulebook
from pathways_shared.contracts.referral_parsing import parse_referral
from pathways_shared.testing.households import generate_households

from bench import measure, zen_peer
from bench.our_engine import ours, with_facts

DESCRIPTION = "person × provider routing decisions/s: our rulebook engine vs zen-engine (JDM)"
SHOWN_DIFFERENCES = 5


def add_arguments(parser) -> None:
    parser.add_argument("--households", type=int, default=100_000, help="generated households (default 100000)")
    parser.add_argument("--seed", type=int, default=20261101, help="generator seed")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per side; the median is reported")
    parser.add_argument("--peer-modes", nargs="+", choices=zen_peer.MODES, default=["per_provider"],
                        help="how zen-engine is called (see bench/zen_peer.py)")
    parser.add_argument("--jdm", type=Path, default=zen_peer.JDM, help="folder of the peer's JDM graphs")
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/results/ alone")


def differences(ours_rows: list[tuple], peer_rows: list[tuple]) -> list[str]:
    """Every disagreement, keyed by (referral_id, person_ref, provider); empty when the two agree."""
    mine = {row[:3]: row[3:] for row in ours_rows}
    theirs = {row[:3]: row[3:] for row in peer_rows}
    found = [f"{key}: ours {mine[key]} vs peer {theirs.get(key, 'missing')}"
             for key in mine if mine[key] != theirs.get(key)]
    found += [f"{key}: peer only {theirs[key]}" for key in theirs if key not in mine]
    if len(ours_rows) != len(mine) or len(peer_rows) != len(theirs):
        found.append(f"duplicate keys: ours {len(ours_rows) - len(mine)}, peer {len(peer_rows) - len(theirs)}")
    return found


def measure_sides(households: list[tuple], book, args) -> tuple[dict, dict]:
    """Time each side `args.repeat` times: rates per side, and each side's rows from its last run."""
    engine = zen_peer.make_engine(args.jdm)
    sides = {"ours": lambda: ours(households, book)}
    sides |= {f"zen_{m}": (lambda m=m: zen_peer.decide(engine, households, m)) for m in args.peer_modes}
    ours(households[:50], book)  # warm-up: the first calls load and compile the graphs and fill caches
    for mode in args.peer_modes:
        zen_peer.decide(engine, households[:50], mode)
    seconds, outputs = measure.interleaved(sides, args.repeat)
    return {name: measure.rate(len(outputs[name]), seconds[name]) for name in sides}, outputs


def run(args) -> int:
    book = load_rulebook()
    generate_s, docs = measure.timed(lambda: list(generate_households(args.households, args.seed)))
    parse_s, referrals = measure.timed(lambda: [parse_referral(doc) for doc in docs])
    facts_s, households = measure.timed(lambda: with_facts(referrals, book))
    del docs, referrals
    persons = sum(len(people) for _, people in households)
    measure.progress(f"prepared {len(households):,} households, {persons:,} persons "
                     f"({generate_s + parse_s + facts_s:.1f} s, not timed as routing)")
    # The prepared input stays resident for the whole run; freezing it keeps the garbage collector from
    # rescanning it on every side's allocations, as it would not exist in a service routing one referral.
    gc.collect()
    gc.freeze()
    try:
        sides, outputs = measure_sides(households, book, args)
    finally:
        gc.unfreeze()
    decisions = len(outputs["ours"])
    mismatches = {mode: differences(outputs["ours"], outputs[f"zen_{mode}"]) for mode in args.peer_modes}
    ratio = {f"ours/zen_{m}": round(sides["ours"]["per_second"] / sides[f"zen_{m}"]["per_second"], 2)
             for m in args.peer_modes}
    ratio_cpu = {f"ours/zen_{m}": round(sides["ours"]["per_cpu_second"] / sides[f"zen_{m}"]["per_cpu_second"], 2)
                 for m in args.peer_modes}
    result = {
        "machine": measure.machine("zen-engine"),
        "households": args.households, "seed": args.seed, "persons": persons, "decisions": decisions,
        "repeat": args.repeat, "excluded_s": {"generate": round(generate_s, 3), "parse_validate": round(parse_s, 3),
                                              "facts": round(facts_s, 3)},
        "sides": sides, "ratio": ratio, "ratio_cpu": ratio_cpu,
        "equal": {mode: not found for mode, found in mismatches.items()},
        "peak_rss_mb": measure.peak_rss_mb(),
    }
    print(summary(result))
    for mode, found in mismatches.items():
        if found:
            print(f"\nMISMATCH ours vs zen {mode}: {len(found)} differences; first {SHOWN_DIFFERENCES}:")
            print("\n".join(f"  {line}" for line in found[:SHOWN_DIFFERENCES]))
    if not args.no_write:
        print(f"wrote {measure.write_result('routing', result).name} in bench/results/")
    return 1 if any(mismatches.values()) else 0


def summary(r: dict) -> str:
    lines = [f"{r['households']:,} households, {r['persons']:,} persons, {r['decisions']:,} decisions "
             f"(person × provider), median of {r['repeat']} runs, one process",
             *(f"  {name:<16} {s:8.2f} s   (excluded)" for name, s in r["excluded_s"].items()),
             f"  {'side':<18} {'median s':>9} {'decisions/s':>12} {'per CPU s':>11}   wall runs (s)"]
    for name, side in r["sides"].items():
        lines.append(f"  {name:<18} {side['median_s']:9.2f} {side['per_second']:12,.0f} "
                     f"{side['per_cpu_second']:11,.0f}   {side['runs_s']}")
    lines += [f"  ratio {name}: {value:.2f}× (wall), {r['ratio_cpu'][name]:.2f}× (CPU)"
              for name, value in r["ratio"].items()]
    lines += [f"  equal {mode}: {'yes' if ok else 'NO'}" for mode, ok in r["equal"].items()]
    lines.append(f"  peak RSS {r['peak_rss_mb']:,.0f} MB")
    return "\n".join(lines)
