"""Use cases of the report: the monthly cross-referral report and a person's pathway, both
computed by streaming the ledger through a pure fold (memory grows with referrals, not events)."""
from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from pathways_shared.events import EventType

from pathways_ledger.adapters.rendering.files import report_json, table_csv
from pathways_ledger.adapters.rendering.html import render_html
from pathways_ledger.adapters.store import SqlLedgerStore
from pathways_ledger.domain.pathways import TRACED, PathwayFold, query_kind
from pathways_ledger.domain.report.build import PUBLISHED, Report, ReportBuilder
from pathways_ledger.domain.report.config import Month, ReportConfig

REPORTED = frozenset(EventType) - {EventType.consent_recorded, EventType.provider_referral_delivery_failed}


async def monthly_report(month: Month, *, store: SqlLedgerStore, config: ReportConfig | None = None,
                         variant: str = PUBLISHED) -> Report:
    """The report for ``month`` over the ledger as it stands now (its head is recorded in the
    report, so the same ledger always gives the same report). Raises CaseloadIdentityBroken."""
    builder = ReportBuilder(month, config)
    head = await store.head()
    with collector_paused():
        if head is not None:
            builder.head_seq, builder.head_hash = head.seq, head.hash
            # Events the fold would only count (at or after the month's end, say) come unread.
            async for page in store.events(REPORTED, upto_seq=head.seq, wanted=builder.fold.information_wanted(),
                                           before=month.end):
                builder.feed(page)
        report = builder.build(variant)
        del builder  # freed now, by reference counting, not by the collector walking it once back on
    return report


def rendered(report: Report) -> dict[str, bytes]:
    """Every output by file name: report.json, report.html and one CSV per table."""
    return {"report.json": report_json(report), "report.html": render_html(report).encode("utf-8"),
            **{f"{t.name}.csv": table_csv(t) for t in report.tables}}


async def pathway(query: str, *, store: SqlLedgerStore) -> dict:
    """The chains of provider referrals a person (pp_…) or a provider referral id belongs to."""
    query_kind(query)  # refuse a bad query before reading the ledger
    fold, head = PathwayFold(), await store.head()
    with collector_paused():
        if head is not None:
            async for page in store.events(TRACED, upto_seq=head.seq):
                for event in page:
                    fold.add(*event)
        return fold.trace(query)


@contextmanager
def collector_paused() -> Iterator[None]:
    """A fold allocates a few containers per event and frees them by reference counting; left on,
    the cyclic collector would walk the growing fold over and over (about a third of the time)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
