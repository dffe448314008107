"""Inline SVG charts, drawn from the report's (already suppressed) tables: a hidden count is drawn
as a hairline and labelled as the table shows it, so a chart never reveals what a table hides."""
from __future__ import annotations

from html import escape

from pathways_ledger.domain.report.build import Report

ALL = "all"
PALETTE = ("#1b6ca8", "#e07b39", "#3a9d5d", "#b8475a", "#7a5ba6", "#c9a227", "#4a8f97", "#8c6d4f")


def _num(value) -> int:
    return value if isinstance(value, int) else 0


def _svg(width: int, height: int, body: str, label: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label="{escape(label)}" '
            f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">{body}</svg>')


def bars(label: str, items: list[tuple[str, object]], color: str = PALETTE[0]) -> str:
    """Horizontal bars, one per (label, value)."""
    if not items:
        return f'<p class="empty">{escape(label)}: nothing this month.</p>'
    top, row_h, left, width = max(1, *(_num(v) for _, v in items)), 26, 230, 640
    body = []
    for i, (name, value) in enumerate(items):
        y, w = 10 + i * row_h, max(1, round((width - left - 60) * _num(value) / top))
        body.append(f'<text x="{left - 8}" y="{y + 15}" text-anchor="end">{escape(str(name))}</text>'
                    f'<rect class="bar" x="{left}" y="{y}" width="{w}" height="{row_h - 8}" fill="{color}"/>'
                    f'<text x="{left + w + 6}" y="{y + 15}">{escape(str(value))}</text>')
    return _svg(width, 20 + row_h * len(items), "".join(body), label)


def funnel(report: Report) -> str:
    table = report.table("funnel")
    total = next((row for row in table.rows if row[0] == ALL), None)
    if total is None:
        return ""
    return bars("Funnel: the month's provider referrals by stage reached",
                list(zip(table.columns[1:], total[1:])), PALETTE[2])


def flow(report: Report) -> str:
    """Sources → providers (new provider referrals), and onward referrals between providers."""
    rows = [r for r in report.table("new_referrals").rows if ALL not in (r[0], r[1])]
    onward = [r for r in report.table("cross_referrals").rows if r[0] != ALL]
    sources = sorted({r[1] for r in rows})
    providers = sorted({r[0] for r in rows} | {r[0] for r in onward} | {r[1] for r in onward})
    if not providers:
        return '<p class="empty">No provider referrals this month.</p>'
    gap, width = 46, 900
    height = 40 + gap * max(len(sources), len(providers))
    y_src = {s: 30 + i * gap for i, s in enumerate(sources)}
    y_pro = {p: 30 + i * gap for i, p in enumerate(providers)}
    top = max([1, *(_num(r[2]) for r in rows), *(_num(r[2]) for r in onward)])
    body = []
    for r in rows:
        y1, y2, w = y_src[r[1]], y_pro[r[0]], 1 + 14 * _num(r[2]) / top
        body.append(f'<path class="flow" d="M250,{y1} C420,{y1} 420,{y2} 590,{y2}" stroke="{PALETTE[0]}" '
                    f'stroke-width="{w:.1f}" fill="none" opacity="0.55"><title>{escape(r[1])} → '
                    f'{escape(r[0])}: {escape(str(r[2]))}</title></path>')
    for i, r in enumerate(onward):
        y1, y2, w = y_pro[r[0]], y_pro[r[1]], 1 + 14 * _num(r[2]) / top
        bend = 700 + 40 * (i % 4) + abs(y2 - y1) / 2
        body.append(f'<path class="onward" d="M640,{y1} C{bend:.0f},{y1} {bend:.0f},{y2} 640,{y2}" '
                    f'stroke="{PALETTE[1]}" stroke-width="{w:.1f}" fill="none" marker-end="url(#arrow)">'
                    f'<title>{escape(r[0])} → {escape(r[1])}: {escape(str(r[2]))}</title></path>'
                    f'<text x="{bend - 20:.0f}" y="{(y1 + y2) / 2:.0f}" fill="{PALETTE[1]}">{escape(str(r[2]))}</text>')
    for s, y in y_src.items():
        body.append(f'<rect x="150" y="{y - 12}" width="100" height="24" fill="#dde7f0"/>'
                    f'<text x="245" y="{y + 5}" text-anchor="end">{escape(s)}</text>')
    for p, y in y_pro.items():
        body.append(f'<rect x="590" y="{y - 14}" width="50" height="28" fill="#1b3a57"/>'
                    f'<text x="615" y="{y + 5}" text-anchor="middle" fill="#fff">{escape(p)}</text>')
    defs = ('<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="10" markerHeight="10" '
            f'orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{PALETTE[1]}"/></marker></defs>')
    return _svg(width, height, defs + "".join(body), "Flow of referrals: sources to providers, and onward")
