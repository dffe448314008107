"""What feeding one export did. Every row read is accounted for, or there is no summary at all."""
from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime


class SummaryDoesNotAddUp(AssertionError):
    """Rows were read that are neither applied nor quarantined: a defect, never reported as done."""


@dataclass
class BatchSummary:
    batch_id: uuid.UUID
    source_name: str | None
    format: str
    exported_at: datetime
    started_at: datetime
    status: str = "running"             # running | completed | refused | failed
    finished_at: datetime | None = None
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    changed_fields: Counter = field(default_factory=Counter)   # field path → cases updated in it
    file_problems: list[dict] = field(default_factory=list)

    def checked(self) -> "BatchSummary":
        accounted = self.created + self.updated + self.unchanged + self.rejected
        if accounted != self.rows_read:
            raise SummaryDoesNotAddUp(
                f"batch {self.batch_id}: {self.rows_read} rows read but {accounted} accounted for "
                f"({self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
                f"{self.rejected} rejected)")
        return self

    def counts(self) -> dict:
        return {"rows_read": self.rows_read, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "rejected": self.rejected,
                "changed_fields": dict(sorted(self.changed_fields.items()))}

    def as_dict(self) -> dict:
        return {"batch_id": str(self.batch_id), "source_name": self.source_name, "format": self.format,
                "status": self.status, "exported_at": self.exported_at.isoformat(),
                "started_at": self.started_at.isoformat(),
                "finished_at": self.finished_at.isoformat() if self.finished_at else None,
                **self.counts(), "file_problems": self.file_problems}

    def lines(self) -> list[str]:
        """For a person at a terminal."""
        out = [f"batch {self.batch_id} ({self.format}, {self.source_name or 'upload'}): {self.status}",
               f"rows read {self.rows_read} = created {self.created} + updated {self.updated}"
               f" + unchanged {self.unchanged} + rejected {self.rejected}"]
        out += [f"  changed {name}: {count}" for name, count in sorted(self.changed_fields.items())]
        out += [f"file problem: {p['field']}: {p['reason']} ({p['type']})" for p in self.file_problems]
        return out
