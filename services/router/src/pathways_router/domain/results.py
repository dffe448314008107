"""A clause's result for one person: its outcome, the date a `not_yet` window opens, its marks,
and its reason, rendered from the clause's template only when it is read."""
from __future__ import annotations

from collections import ChainMap
from dataclasses import dataclass, field
from datetime import date

from .outcomes import Outcome


@dataclass(frozen=True, slots=True)
class ClauseResult:
    id: str
    outcome: Outcome
    eligible_from: date | None
    marks: tuple[str, ...]
    template: str
    context: ChainMap
    _shown: dict | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def reason(self) -> str:
        # Rendered on demand: routing at volume decides far more often than anyone reads a reason.
        if self._shown is not None:
            return self._shown["reason"]
        return self.template.format_map(self.context)

    def settled(self) -> ClauseResult:
        """This result shown once and kept without its context (the person's, which a remembered
        result would otherwise keep alive): its reason is the one rendered."""
        kept = ClauseResult(self.id, self.outcome, self.eligible_from, self.marks, self.template, ChainMap())
        object.__setattr__(kept, "_shown", self.as_dict())
        return kept

    def as_dict(self) -> dict:
        """The clause as decision rows and events show it; made once, shared by every caller (a
        remembered result is shown in many rows), so it must not be changed."""
        if self._shown is None:
            out = {"id": self.id, "outcome": self.outcome.value, "reason": self.reason}
            if self.eligible_from:
                out["eligible_from"] = self.eligible_from.isoformat()
            object.__setattr__(self, "_shown", out)
        return self._shown
