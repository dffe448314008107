"""The v1 household referral as JSON Schema, exported to shared/schemas/ for referrers.

Regenerate after changing the models: `python -m pathways_shared.contracts.schema`.
A test fails while the committed file and the models disagree.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from .referral_v1 import HouseholdReferral

SCHEMA_FILE = Path(__file__).resolve().parents[3] / "schemas" / "household-referral-v1.schema.json"


def referral_schema() -> dict:
    schema = HouseholdReferral.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "household-referral-v1.schema.json"
    schema["description"] = ("Family Pathways household referral, version 1. Either date_of_birth or "
                             "age_years is required for every person.")
    return schema


def render() -> str:
    return json.dumps(referral_schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    SCHEMA_FILE.write_text(render(), encoding="utf-8")
    print(f"wrote {SCHEMA_FILE.name}", file=sys.stderr)
