"""A probation case source backed by a JSON file (the demo's, and the tests'): an object whose
keys are CRNs and whose values are case records; the NOMS number is looked up through each
record's `noms`. The file is read at every look-up, so it can be edited while the service runs.
"""
from __future__ import annotations

import asyncio
import json
from pathlib import Path

from pydantic import ValidationError

from pathways_shared.inbox import describe_error

from .cases import CaseRecord, CaseSourceUnavailable
from .messages import CaseIdentifiers


class FileCaseSource:
    def __init__(self, path: Path | str):
        self.path = Path(path)

    async def get_case(self, identifiers: CaseIdentifiers) -> CaseRecord | None:
        cases = await asyncio.to_thread(self._read)
        crn = identifiers.crn if identifiers.crn in cases else None
        if crn is None and identifiers.noms:
            crn = next((key for key, case in cases.items()
                        if isinstance(case, dict) and str(case.get("noms", "")).upper() == identifiers.noms), None)
        if crn is None:
            return None
        try:
            return CaseRecord.model_validate({**cases[crn], "crn": crn})
        except ValidationError as exc:
            raise CaseSourceUnavailable(f"case file holds an invalid case: {describe_error(exc)}") from None

    def _read(self) -> dict:
        try:
            cases = json.loads(self.path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise CaseSourceUnavailable(f"case file unreadable ({type(exc).__name__})") from None
        except ValueError as exc:
            raise CaseSourceUnavailable(f"case file is not JSON ({describe_error(exc)})") from None
        if not isinstance(cases, dict):
            raise CaseSourceUnavailable("case file is not a JSON object keyed by CRN")
        return {key.strip().upper(): case for key, case in cases.items()}
