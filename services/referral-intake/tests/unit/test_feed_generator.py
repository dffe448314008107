"""Synthetic exports say exactly what the households say, in either format; summaries that do not
add up are refused."""
import io
import uuid
from datetime import UTC, datetime

import pytest

from pathways_intake.feed.format import ExportFormat
from pathways_intake.feed.generator import as_csv_cells, as_export_object, crn_for, write_export
from pathways_intake.feed.parser import read_export
from pathways_intake.feed.rows import ExportContext, from_csv_cells, from_json_object
from pathways_intake.feed.service import text_of
from pathways_intake.feed.summary import BatchSummary, SummaryDoesNotAddUp
from pathways_shared.contracts.referral_parsing import parse_referral
from pathways_shared.testing.households import generate_households

CONTEXT = ExportContext(datetime(2026, 11, 2, 6, tzinfo=UTC), case_key=b"test-pseudonym-key-0123456789")


def comparable(referral) -> dict:
    """The household as the export carries it: the feed sets identifiers, source and date."""
    doc = referral.model_dump(mode="json", exclude={"referral_id", "referred_at", "source"})
    doc["index_person"].pop("identifiers")
    return doc


def test_every_generated_household_survives_the_export_in_both_formats():
    for row, household in enumerate(generate_households(300, seed=11)):
        obj = as_export_object(household, crn_for(11, row))
        expected = comparable(parse_referral(household))
        for result in (from_csv_cells(as_csv_cells(obj), CONTEXT), from_json_object(obj, CONTEXT)):
            assert result.problems == [], (row, result.problems)
            assert comparable(result.referral) == expected, row
            noms = [i.value for i in result.referral.index_person.identifiers if i.type == "NOMS"]
            assert noms == [i["value"] for i in household["index_person"].get("identifiers", [])
                            if i["type"] == "NOMS"]


@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_a_generated_export_has_unique_crns_and_the_bad_rows_asked_for(fmt):
    out = io.StringIO(newline="")
    write_export(out, 250, seed=4, fmt=fmt, bad_every=50)
    export = read_export(text_of(io.BytesIO(out.getvalue().encode())), fmt, CONTEXT)
    rows = list(export.rows)
    assert len(rows) == 250 and len({r.result.crn for r in rows}) == 250
    assert [i for i, r in enumerate(rows) if r.result.problems] == [49, 99, 149, 199, 249]


def test_crns_are_unique_past_a_million_rows():
    assert crn_for(0, 999_999) != crn_for(0, 1_999_999) and crn_for(0, 5)[1:] == "000005"


def test_a_summary_that_does_not_add_up_is_refused():
    summary = BatchSummary(uuid.uuid4(), "x.csv", "csv", CONTEXT.exported_at, CONTEXT.exported_at,
                           rows_read=5, created=2, unchanged=1, rejected=1)
    with pytest.raises(SummaryDoesNotAddUp, match="5 rows read but 4 accounted for"):
        summary.checked()
    summary.updated = 1
    assert summary.checked() is summary


def test_an_export_describes_its_day_so_nobody_in_it_is_born_later():
    from datetime import date

    from pathways_intake.feed.generator import export_objects

    day = date(2026, 11, 2)
    context = ExportContext(datetime(2026, 11, 2, 6, tzinfo=UTC), case_key=b"test-pseudonym-key-0123456789")
    born = [p["date_of_birth"] for obj in export_objects(2000, 5, as_of=day)
            for p in [obj, *obj["family_members"]] if "date_of_birth" in p]
    assert born and max(born) <= day.isoformat()
    assert all(from_json_object(obj, context).problems == [] for obj in export_objects(300, 5, as_of=day))
