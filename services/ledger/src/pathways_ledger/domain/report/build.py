"""The report: fold the ledger's events, compute every section, check the caseload identity."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from .config import Month, ReportConfig
from .sections.caseload import IdentityBroken, caseload
from .sections.funnel import funnel, timeliness
from .sections.people import data_quality, demographics, outcome_star
from .sections.referrals import cross_referrals, new_by_source
from .sections.unmet import unmet_need
from .state import Fold
from .tables import Table, suppressed

PUBLISHED, INTERNAL = "published", "internal"


class CaseloadIdentityBroken(Exception):
    """start + new − closed ≠ end for some provider: the report is not published."""

    def __init__(self, broken: list[IdentityBroken]):
        self.broken = broken
        super().__init__("caseload does not reconcile, so the report is not published: "
                         + "; ".join(map(str, broken)))


@dataclass(frozen=True)
class Report:
    month: Month
    variant: str
    config: ReportConfig
    tables: tuple[Table, ...]
    events_read: int
    head_seq: int
    head_hash: str

    def table(self, name: str) -> Table:
        return next(t for t in self.tables if t.name == name)


class ReportBuilder:
    """Feed events (event type, occurred at, additionalInformation) in any order, then build."""

    def __init__(self, month: Month, config: ReportConfig | None = None):
        self.config = config or ReportConfig()
        self.fold = Fold(month)
        self.add = self.fold.add
        self.head_seq, self.head_hash = 0, ""

    def feed(self, events: Iterable[tuple[str, datetime, dict]]) -> ReportBuilder:
        add = self.fold.add
        for event_type, occurred_at, info in events:
            add(event_type, occurred_at, info)
        return self

    def build(self, variant: str = PUBLISHED) -> Report:
        if variant not in (PUBLISHED, INTERNAL):
            raise ValueError(f"variant is {PUBLISHED} or {INTERNAL}, not {variant!r}")
        fold, config = self.fold, self.config
        caseload_table, broken = caseload(fold)
        if broken:
            raise CaseloadIdentityBroken(broken)
        tables = [new_by_source(fold), *cross_referrals(fold), *funnel(fold), caseload_table,
                  *unmet_need(fold, config), *timeliness(fold, config), *demographics(fold), outcome_star(fold),
                  data_quality(fold)]
        if variant == PUBLISHED:
            tables = [suppressed(t, config.suppress_below) for t in tables]
        return Report(fold.month, variant, config, tuple(tables), fold.events_read, self.head_seq, self.head_hash)


def build_report(events: Iterable[tuple[str, datetime, dict]], month: Month, config: ReportConfig | None = None,
                 variant: str = PUBLISHED) -> Report:
    return ReportBuilder(month, config).feed(events).build(variant)
