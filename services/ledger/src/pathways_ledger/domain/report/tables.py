"""A report table, and small-number suppression of its published form.

Primary: a count from 1 to threshold − 1 is shown as '<threshold' (zero is shown: it discloses
nobody). Secondary: wherever parts add up to a published total, one hidden part could be got back
by subtraction, so the smallest other non-zero part is hidden too (or, failing one, the total);
repeated until no group has a single hidden part. A statistic (a median, a mean, a share) is
hidden when the count it is computed over is hidden.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    counts: frozenset[str] = frozenset()          # columns of counts, suppressed when small
    groups: tuple[tuple[tuple[tuple[int, str], ...], tuple[int, str]], ...] = ()  # (part cells, total cell)
    guards: tuple[tuple[str, str], ...] = ()      # (statistic column, the count column it rests on)
    note: str = ""

    def column(self, name: str) -> list[Any]:
        at = self.columns.index(name)
        return [row[at] for row in self.rows]

    def as_dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row)) for row in self.rows]


@dataclass
class TableBuilder:
    """Rows with totals: `part` rows and the `total` row they add up to, for the additive columns."""
    name: str
    title: str
    columns: tuple[str, ...]
    counts: frozenset[str] = frozenset()
    additive: tuple[str, ...] = ()
    guards: tuple[tuple[str, str], ...] = ()
    note: str = ""
    rows: list[tuple] = field(default_factory=list)
    groups: list[tuple] = field(default_factory=list)

    def add(self, row: tuple) -> int:
        self.rows.append(tuple(row))
        return len(self.rows) - 1

    def adds_up(self, parts: list[int], total: int, columns: tuple[str, ...] | None = None) -> None:
        """Rows ``parts`` add up to row ``total`` in each additive column."""
        for column in columns or self.additive:
            self.groups.append((tuple((r, column) for r in parts), (total, column)))

    def row_adds_up(self, row: int, parts: tuple[str, ...], total: str) -> None:
        """Within one row, columns ``parts`` add up to column ``total``."""
        self.groups.append((tuple((row, c) for c in parts), (row, total)))

    def linked(self, row: int, columns: tuple[str, ...]) -> None:
        """Within one row, any one of ``columns`` follows from the others (an identity such as
        start + new − closed = end), so none may be the only one hidden."""
        self.groups.append((tuple((row, c) for c in columns), None))

    def build(self) -> Table:
        return Table(self.name, self.title, self.columns, tuple(self.rows), self.counts, tuple(self.groups),
                     self.guards, self.note)


def suppressed(table: Table, threshold: int) -> Table:
    """The published form of ``table``; a threshold of 1 hides nothing."""
    marker, index = f"<{threshold}", {c: i for i, c in enumerate(table.columns)}
    hidden = {(r, index[c]) for r, row in enumerate(table.rows) for c in table.counts
              if isinstance(row[index[c]], int) and 0 < row[index[c]] < threshold}
    changed = True
    while changed:
        changed = False
        for parts, total in table.groups:
            cells = [(r, index[c]) for r, c in parts]
            total_cell = (total[0], index[total[1]]) if total else None
            if total_cell in hidden or sum(cell in hidden for cell in cells) != 1:
                continue
            others = sorted((table.rows[r][c], r, c) for r, c in cells
                            if (r, c) not in hidden and table.rows[r][c])
            if others or total_cell:
                hidden.add(others[0][1:] if others else total_cell)
                changed = True
    rows = [list(row) for row in table.rows]
    for r, col in hidden:
        rows[r][col] = marker
    for stat, count in table.guards:
        s, c = index[stat], index[count]
        for r, row in enumerate(table.rows):
            if (r, c) in hidden and rows[r][s] is not None:
                rows[r][s] = f"n{marker}"
    return replace(table, rows=tuple(tuple(row) for row in rows))
