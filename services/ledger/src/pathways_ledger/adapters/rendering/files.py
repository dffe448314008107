"""JSON and CSV forms of a report: the same report always gives the same bytes (sorted keys, no
clock, rows in the order the report computed them).

The ledger keeps events as received, so a provider, source or reason in a table is whatever an
event said: in the CSV, a text cell a spreadsheet would run as a formula starts with a quote
(pathways_shared.csvsafe). The JSON keeps every text exactly."""
from __future__ import annotations

import io

from pathways_shared import csvsafe

from pathways_ledger.domain.canonical import canonical_bytes
from pathways_ledger.domain.report.build import Report
from pathways_ledger.domain.report.tables import Table


def report_document(report: Report) -> dict:
    return {
        "report": "monthly-cross-referral",
        "month": str(report.month),
        "variant": report.variant,
        "suppress_below": report.config.suppress_below if report.variant == "published" else None,
        "first_contact_working_days": report.config.first_contact_working_days,
        "caseload_identity": "holds for every provider",
        "ledger": {"events_read": report.events_read, "head_seq": report.head_seq, "head_hash": report.head_hash},
        "tables": {t.name: {"title": t.title, "note": t.note, "columns": list(t.columns),
                            "rows": [list(row) for row in t.rows]} for t in report.tables},
    }


def report_json(report: Report) -> bytes:
    return canonical_bytes(report_document(report)) + b"\n"


def table_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csvsafe.SpreadsheetWriter(out)
    writer.writerow(table.columns)
    writer.writerows(["" if cell is None else cell for cell in row] for row in table.rows)
    return out.getvalue().encode("utf-8")
