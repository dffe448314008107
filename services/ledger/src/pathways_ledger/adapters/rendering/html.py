"""The report as one self-contained, printable HTML page: inline CSS and SVG, no external assets."""
from __future__ import annotations

from html import escape

from pathways_ledger.domain.report.build import Report
from pathways_ledger.domain.report.tables import Table

from . import charts

CSS = """
body{font-family:Arial,Helvetica,sans-serif;margin:2em;color:#1a1a1a;max-width:1100px}
h1{font-size:1.6em}h2{font-size:1.25em;border-bottom:2px solid #1b3a57;margin-top:2em}
table{border-collapse:collapse;margin:.6em 0 1.4em;font-size:.85em}
th,td{border:1px solid #b9c3cc;padding:3px 8px;text-align:left}th{background:#eef2f5}
td.n{text-align:right;font-variant-numeric:tabular-nums}tr.total td{font-weight:bold;background:#f6f8fa}
svg.chart{display:block;margin:.5em 0;font-size:12px;max-width:100%;height:auto}.note{color:#555;font-size:.85em}
@media print{body{margin:0}h2{page-break-before:auto}table,svg{page-break-inside:avoid}}
"""

SECTIONS = (
    ("New provider referrals", ("new_referrals",)),
    ("Cross-referrals", ("cross_referrals", "chains")),
    ("Funnel", ("funnel", "funnel_stopped")),
    ("Caseload", ("caseload",)),
    ("Unmet need", ("unmet_need", "review_queue")),
    ("Timeliness", ("timeliness", "first_contact_deadline")),
    ("Demographics", ("demographics_age_band", "demographics_sex", "demographics_ethnicity_group",
                      "demographics_local_authority")),
    ("Outcomes Star", ("outcome_star",)),
    ("Data quality", ("data_quality",)),
)


def table_html(table: Table) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in table.columns)
    rows = []
    for row in table.rows:
        total = ' class="total"' if "all" in row[:2] else ""
        cells = "".join(f'<td class="n">{escape(str(v))}</td>' if isinstance(v, (int, float)) or
                        (isinstance(v, str) and v.startswith(("<", "n<"))) else
                        f"<td>{'' if v is None else escape(str(v))}</td>" for v in row)
        rows.append(f"<tr{total}>{cells}</tr>")
    note = f'<p class="note">{escape(table.note)}</p>' if table.note else ""
    body = "".join(rows) or f'<tr><td colspan="{len(table.columns)}">none this month</td></tr>'
    return (f'<h3>{escape(table.title)}</h3>{note}<table data-table="{table.name}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>")


def _charts_for(report: Report, section: str) -> str:
    if section == "New provider referrals":
        rows = [r for r in report.table("new_referrals").rows if r[1] == "all" and r[0] != "all"]
        return charts.flow(report) + charts.bars("New provider referrals by provider", [(r[0], r[2]) for r in rows])
    if section == "Funnel":
        return charts.funnel(report)
    if section == "Unmet need":
        rows = [r for r in report.table("unmet_need").rows if r[0] == "all"]
        return charts.bars("Unmet need by reason", [(r[1], r[2]) for r in rows], charts.PALETTE[3])
    return ""


def render_html(report: Report) -> str:
    parts = []
    for title, names in SECTIONS:
        parts.append(f'<section><h2>{escape(title)}</h2>{_charts_for(report, title)}'
                     + "".join(table_html(report.table(n)) for n in names) + "</section>")
    variant = ("Published: counts from 1 to {0} are shown as &lt;{1}".format(report.config.suppress_below - 1,
                                                                            report.config.suppress_below)
               if report.variant == "published" else "INTERNAL: unsuppressed, not for publication")
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Family Pathways monthly report '
            f'{report.month}</title><style>{CSS}</style></head><body><h1>Family Pathways: monthly cross-referral '
            f'report, {report.month}</h1><p class="note">{variant}. Computed from the ledger: '
            f'{report.events_read} events up to seq {report.head_seq}.</p>{"".join(parts)}</body></html>\n')
