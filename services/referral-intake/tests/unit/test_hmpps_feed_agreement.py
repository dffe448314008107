"""The HMPPS events and the caseload export build the same referral from the same case, so
neither feed undoes what the other applied (a difference would be a spurious case update)."""
import json
from datetime import UTC, datetime

import pytest

from pathways_intake.domain.referrals import stored_document
from pathways_intake.feed.rows import ExportContext, from_json_object
from pathways_intake.hmpps.cases import CaseRecord, household_referral
from pathways_intake.service_layer.cases import NOT_A_CHANGE

KEY = b"test-pseudonym-key-0123456789"


def demo_cases(rootpath):
    return json.loads((rootpath / "examples" / "probation" / "cases.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("crn", ["P100001", "R100006", "L453621", "A000001", "X123456"])
def test_an_export_line_and_a_case_record_make_the_same_referral(crn, request):
    case = demo_cases(request.config.rootpath)[crn]
    record = CaseRecord.model_validate({**case, "crn": crn})
    from_event = household_referral(record, record.stage(), referred_at=datetime(2022, 1, 1, tzinfo=UTC),
                                    case_key=KEY)
    line = {**case["person"], "crn": crn, "family_members": case["family_members"],
            **{k: case[k] for k in ("noms", "organisation") if k in case}}
    exported = from_json_object(line, ExportContext(exported_at=datetime(2022, 3, 1, tzinfo=UTC), case_key=KEY))
    assert exported.problems == [] and exported.referral is not None

    ours, theirs = stored_document(from_event), stored_document(exported.referral)
    for name in NOT_A_CHANGE:  # allowed to differ between feeds (see apply_case)
        ours.pop(name), theirs.pop(name)
    assert ours == theirs
