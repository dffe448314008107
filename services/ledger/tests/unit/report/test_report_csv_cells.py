"""The monthly report's CSV opened in a spreadsheet: text an event carried (a provider, a
capacity) that a spreadsheet would run as a formula starts with a quote; numbers, the suppression
markers and the JSON report are as they were."""
import json
from datetime import UTC, datetime

from pathways_ledger.adapters.rendering.files import report_json, table_csv
from pathways_ledger.domain.report.build import build_report
from pathways_ledger.domain.report.config import Month
from pathways_ledger.domain.report.tables import Table
from pathways_shared.events import EventType as E

NOV = Month.parse("2026-11")
PROVIDER = '=HYPERLINK("http://x","y")'


def test_a_provider_named_like_a_formula_is_text_in_the_csv_and_exact_in_the_json():
    changed = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
    report = build_report([(E.provider_capacity_changed, changed, {
        "provider": PROVIDER, "previous": "open", "capacity": "@SUM(1+1)", "changed_at": changed.isoformat()})], NOV)
    assert table_csv(report.table("caseload")).decode().splitlines()[1:] == [
        '"\'=HYPERLINK(""http://x"",""y"")",0,0,0,0,\'@SUM(1+1)', "all,0,0,0,0,"]
    caseload = json.loads(report_json(report))["tables"]["caseload"]["rows"]
    assert caseload[0][0] == PROVIDER and caseload[0][-1] == "@SUM(1+1)"


def test_numbers_and_suppressed_counts_are_written_as_they_are():
    table = Table("outcomes", "t", ("provider", "mean_change", "persons", "median_days"),
                  (("-pops", -1.5, 0, None), ("+tmuk", -2, "<5", "n<5"), ("all", 0.5, 12, 3)))
    assert table_csv(table) == (b"provider,mean_change,persons,median_days\n'-pops,-1.5,0,\n'+tmuk,-2,<5,n<5\n"
                                b"all,0.5,12,3\n")
