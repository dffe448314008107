"""CSV cells for people (pathways_shared.csvsafe): text a spreadsheet would run as a formula
starts with a quote, and a carriage return cannot start a row of its own."""
import csv
import io
import uuid

import pytest

from pathways_shared import csvsafe


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x","y")', "@SUM(1+1)", "+1", "-2+3", "\t=1", "\r=1", "=",
                                  "-"])
def test_text_a_spreadsheet_would_run_starts_with_a_quote(text):
    assert csvsafe.cell(text) == "'" + text


@pytest.mark.parametrize("value", ["stage", "(column 6)", "", " =1", "'=1", "a=b", "<5", "n<5", 7, -1.5, 0, None,
                                   uuid.UUID("8f1d3c52-8a0e-4b7e-9c61-2f7a51d0e9b4")])
def test_anything_else_is_left_as_it_is(value):
    assert csvsafe.cell(value) is value


def written(rows) -> str:
    out = io.StringIO()
    csvsafe.SpreadsheetWriter(out).writerows(rows)
    return out.getvalue()


def test_rows_are_written_as_csv_writer_writes_them_when_nothing_needs_a_quote():
    rows = [("batch_id", "line", "field"), (uuid.UUID(int=1), 7, "stage"), ("a,b", "", 'say "x"'),
            ("two\nlines", None, 0.5), ("",)]
    plain = io.StringIO()
    csv.writer(plain, lineterminator="\n").writerows(rows)
    assert written(rows) == plain.getvalue()


def test_a_carriage_return_inside_a_cell_is_quoted_so_it_starts_no_row():
    text = written([("x\r=HYPERLINK(1)", "\r=1", 3)])
    assert text == '"x\r=HYPERLINK(1)","\'\r=1",3\n'
    assert list(csv.reader(io.StringIO(text, newline=""))) == [["x\r=HYPERLINK(1)", "'\r=1", "3"]]
