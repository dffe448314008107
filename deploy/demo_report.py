"""The demo's last part: the monthly cross-referral report for the demo's month, written to
var/reports/<month>/ by `pathways report monthly`, with a few figures from it."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

from stack import ROOT, Stack

PATHWAYS = str(Path(sys.executable).parent / "pathways")


def month_now() -> str:
    return datetime.now(ZoneInfo("Europe/London")).strftime("%Y-%m")


def rows_from(table: dict, provider: str) -> list[dict]:
    return [dict(zip(table["columns"], row)) for row in table["rows"] if row[0] == provider]


def run(stack: Stack) -> bool:
    month = month_now()
    out = stack.var / "reports" / month
    shown = out.relative_to(ROOT) if out.is_relative_to(ROOT) else out
    written = subprocess.run([PATHWAYS, "report", "monthly", "--month", month, "--out", str(out),
                              "--database-url", stack.database_url("ledger")], capture_output=True, text=True)
    print(f"\nThe monthly report for {month} (pathways report monthly --month {month} --out {shown}):")
    print(f"  {(written.stdout or written.stderr).strip()}")
    if written.returncode != 0:
        return False
    for name in ("report.html", "report.json", "cross_referrals.csv"):
        print(f"  {shown / name}")
    published = json.loads((out / "report.json").read_text())["tables"]
    # The published report shows a count from 1 to 4 as "<5"; the internal variant, for the
    # commissioner's analysts, does not suppress.
    internal = httpx.get(f"{stack.urls['ledger']}/v1/reports/monthly", params={"month": month, "variant": "internal"},
                         headers=stack.headers("admin"), timeout=60).json()["tables"]
    for variant, tables in (("published", published), ("internal", internal)):
        print(f"  onward referrals from Magistra ({variant}):")
        for row in rows_from(tables["cross_referrals"], "magistra"):
            statuses = ", ".join(f"{k} {v}" for k, v in list(row.items())[3:] if v not in (0, "0"))
            print(f"    magistra → {row['to_provider']:<8} {row['referrals']} referral(s): {statuses or '—'}")
    chains = {row[0]: row[1] for row in internal["chains"]["rows"]}
    print("  chains of onward referrals (internal): "
          + ", ".join(f"{chain} ({count})" for chain, count in chains.items()))
    return any(r["to_provider"] == "pops" for r in rows_from(published["cross_referrals"], "magistra"))
