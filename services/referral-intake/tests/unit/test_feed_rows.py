"""A caseload export row by row: a good row becomes the case's referral, and every kind of bad
row is reported by the export's own column names (CSV) or paths (JSONL), never dropped."""
import io
import json
from datetime import UTC, datetime

import pytest

from pathways_intake.domain.case_key import case_referral_id
from pathways_intake.feed.format import ExportFormat, column_for
from pathways_intake.feed.lines import MAX_RECORD_CHARS, MAX_RECORD_LINES, RAW_KEPT_CHARS
from pathways_intake.feed.parser import read_export
from pathways_intake.feed.rows import ExportContext
from pathways_intake.feed.service import text_of

EXPORTED = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)
KEY = b"test-pseudonym-key-0123456789"
CONTEXT = ExportContext(EXPORTED, "Probation Service North West", KEY)
ROW = {"crn": "x123456", "noms": "a1234bc", "given_name": "Sam", "family_name": "Ashworth",
       "date_of_birth": "2004-06-14", "sex": "male", "local_authority": "liverpool", "needs": "housing; mentoring",
       "phone": "07700900123", "stage": "custody", "release_date": "2026-12-21", "establishment": "lpi",
       "offence_violent": "yes", "offence_convicted": "TRUE", "consent_to_contact_family": "granted",
       "fm1_person_ref": "m1", "fm1_relationship": "mother", "fm1_age_years": "47", "fm1_sex": "female",
       "fm1_local_authority": "liverpool", "fm1_lives_with_index": "1",
       "fm2_person_ref": "c1", "fm2_relationship": "child", "fm2_age_years": "7", "fm2_sex": "female",
       "fm2_local_authority": "liverpool", "fm2_carer_ref": "m1"}
COLUMNS = list(ROW) + ["organisation", "age_years", "email", "fm1_date_of_birth", "fm1_postcode", "fm3_person_ref"]


def csv_export(*rows: dict, columns=COLUMNS, raw: str = "") -> str:
    lines = [",".join(columns)] + [",".join(_quoted(row.get(c, "")) for c in columns) for row in rows]
    return "\n".join(lines) + "\n" + raw


def _quoted(value: str) -> str:
    return f'"{value}"' if "," in value or '"' in value else value


def read(text: str | bytes, fmt=ExportFormat.csv):
    data = text if isinstance(text, bytes) else text.encode()
    export = read_export(text_of(io.BytesIO(data)), fmt, CONTEXT)
    return export, list(export.rows)


def problems_of(row) -> set[tuple[str, str]]:
    return {(p["field"], p["type"]) for p in row.result.problems}


def test_a_row_becomes_the_cases_household_referral():
    export, [row] = read(csv_export(ROW))
    assert export.file_problems == [] and row.line == 2 and row.result.problems == []
    referral = row.result.referral
    assert referral.effective_id() == case_referral_id("X123456", KEY) and row.result.crn == "X123456"
    assert referral.referred_at == EXPORTED
    assert referral.source.type == "probation_auto_feed" and referral.source.organisation == "Probation Service North West"
    index = referral.index_person
    assert [(i.type, i.value) for i in index.identifiers] == [("CRN", "X123456"), ("NOMS", "A1234BC")]
    assert index.person_ref == "ix" and index.stage == "custody" and index.establishment == "LPI"
    assert index.needs == ["housing", "mentoring"] and index.contact.phone == "07700900123"
    assert index.offence.violent is True and index.offence.convicted is True
    mother, child = referral.family_members
    assert (mother.person_ref, mother.age_years, mother.lives_with_index) == ("m1", 47, True)
    assert (child.relationship, child.carer_ref) == ("child", "m1")


def test_the_rows_organisation_outranks_the_one_given_for_the_file():
    _, [row] = read(csv_export(dict(ROW, organisation="Wirral probation office")))
    assert row.result.referral.source.organisation == "Wirral probation office"


@pytest.mark.parametrize("change, expected", [
    ({"stage": ""}, ("stage", "missing")),
    ({"crn": ""}, ("crn", "missing")),
    ({"crn": "123456"}, ("crn", "crn_format")),
    ({"stage": "prison"}, ("stage", "enum")),
    ({"fm1_relationship": "cousin"}, ("fm1_relationship", "enum")),
    ({"needs": "housing;yoga"}, ("needs", "enum")),
    ({"date_of_birth": "14/06/2004"}, ("date_of_birth", "date_format")),
    ({"release_date": "2026-02-30"}, ("release_date", "date_parsing")),
    ({"date_of_birth": ""}, ("date_of_birth", "age_missing")),
    ({"fm1_age_years": ""}, ("fm1_date_of_birth", "age_missing")),
    ({"fm2_carer_ref": "m9"}, ("fm2_carer_ref", "unknown_carer_ref")),
    ({"given_name": "x" * 201}, ("given_name", "string_too_long")),
    ({"fm1_postcode": "L4 0TH 0TH 0TH"}, ("fm1_postcode", "string_too_long")),
    ({"offence_violent": "maybe"}, ("offence_violent", "bool_parsing")),
    ({"fm2_age_years": "seven"}, ("fm2_age_years", "int_parsing")),
    ({"email": "sam@"}, ("email", "email")),
])
def test_each_kind_of_bad_row_is_reported_by_its_column(change, expected):
    _, [row] = read(csv_export(dict(ROW, **change)))
    assert row.result.referral is None
    assert expected in problems_of(row)


def test_a_family_member_group_is_named_by_its_own_number_when_earlier_groups_are_empty():
    members = {k: v for k, v in ROW.items() if not k.startswith("fm")}
    member = {"fm3_person_ref": "m1", "fm3_relationship": "aunt"}
    columns = COLUMNS + ["fm3_relationship"]
    _, [row] = read(csv_export(dict(members, **member), columns=columns))
    assert ("fm3_relationship", "enum") in problems_of(row)
    assert ("fm3_sex", "missing") in problems_of(row)


def test_a_bad_row_does_not_stop_the_rows_after_it():
    broken = ",".join(_quoted(ROW.get(c, "")) for c in COLUMNS) + ",surplus"
    quote = 'X123457,"unfinished"x' + "," * (len(COLUMNS) - 2)
    text = csv_export(ROW, raw=f"{broken}\n{quote}\n\n" + csv_export(dict(ROW, crn="X123458")).split("\n", 1)[1])
    _, rows = read(text)
    assert [r.line for r in rows] == [2, 3, 4, 6], "the blank line 5 holds no row"
    assert problems_of(rows[1]) == {("(row)", "malformed_csv")}
    assert "expected" in rows[1].result.problems[0]["reason"] and rows[1].raw.endswith(",surplus\n")
    assert problems_of(rows[2]) == {("(row)", "malformed_csv")}
    assert rows[3].result.referral is not None


def test_a_quote_left_open_is_stopped_before_it_swallows_the_file():
    opened = 'X123457,"Sam' + "," * (len(COLUMNS) - 2)
    good = csv_export(ROW).split("\n", 1)[1]
    _, rows = read(csv_export(ROW, raw=opened + "\n" + good * (MAX_RECORD_LINES + 20)))
    runaway = rows[1]
    assert runaway.line == 3 and problems_of(runaway) == {("(row)", "malformed_csv")}
    assert runaway.raw.count("\n") == MAX_RECORD_LINES, "what it swallowed is kept with it"
    swallowed = MAX_RECORD_LINES - 1  # the open row's own line is the first of its lines
    assert len(rows) == 2 + (MAX_RECORD_LINES + 20 - swallowed)
    assert all(r.result.referral is not None for r in rows[2:]) and rows[2].line == 3 + MAX_RECORD_LINES


def test_a_row_that_is_not_utf8_is_quarantined_alone():
    text = csv_export(ROW).encode() + csv_export(dict(ROW, given_name="S\xe9b")).split("\n", 1)[1].encode("latin-1")
    _, rows = read(text)
    assert rows[0].result.referral is not None and problems_of(rows[1]) == {("(row)", "encoding")}
    assert rows[1].line == 3 and ",S\ufffdb," in rows[1].raw, "kept as it can be shown"


@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_a_replacement_character_written_in_the_export_is_text_not_bad_bytes(fmt):
    named = dict(ROW, given_name="S\ufffdb") if fmt is ExportFormat.csv else jsonl_object(given_name="S\ufffdb")
    text = csv_export(named) if fmt is ExportFormat.csv else json.dumps(named, ensure_ascii=False) + "\n"
    _, [row] = read(text, fmt)
    assert row.result.problems == [] and row.result.referral.index_person.given_name == "S\ufffdb"


def test_an_unknown_column_is_reported_once_for_the_file_and_not_read():
    export, rows = read(csv_export(ROW, ROW, columns=COLUMNS + ["risk_band", "fm7_person_ref"]))
    assert [(p["field"], p["type"]) for p in export.file_problems] == [
        ("risk_band", "unknown_column"), ("fm7_person_ref", "unknown_column")]
    assert not export.refused and all(r.result.referral is not None for r in rows)


@pytest.mark.parametrize("columns, expected", [
    ([c for c in COLUMNS if c != "stage"], ("stage", "missing_column")),
    (COLUMNS + ["crn"], ("crn", "duplicate_column")),
])
def test_a_file_that_cannot_describe_a_case_is_refused(columns, expected):
    export, rows = read(csv_export(ROW, columns=columns))
    assert export.refused and rows == []
    assert expected in {(p["field"], p["type"]) for p in export.file_problems}


def test_an_empty_file_is_refused_and_a_byte_order_mark_is_not_a_column():
    empty, rows = read("")
    assert empty.refused and rows == [] and empty.file_problems == [
        {"field": "(header)", "type": "empty_export", "reason": "the export has no header line"}]
    export, [row] = read("\ufeff" + csv_export(ROW).replace("crn", "CRN", 1))
    assert export.file_problems == [] and row.result.referral is not None


def jsonl_object(**changes) -> dict:
    obj = {"crn": "X123456", "given_name": "Sam", "date_of_birth": "2004-06-14", "sex": "male",
           "local_authority": "liverpool", "stage": "licence", "release_date": "2026-10-01",
           "family_members": [{"person_ref": "m1", "relationship": "mother", "age_years": 47, "sex": "female",
                               "local_authority": "liverpool"},
                              {"person_ref": "c1", "relationship": "child", "age_years": 7, "sex": "female",
                               "local_authority": "liverpool", "carer_ref": "m1"}]}
    return {**obj, **changes}


def test_jsonl_rows_are_close_to_the_contract_and_named_by_path():
    members = jsonl_object()["family_members"]
    lines = [json.dumps(jsonl_object()), "{not json", "[1, 2]",
             json.dumps(jsonl_object(risk_band="high")),
             json.dumps(jsonl_object(family_members=[members[0], {**members[1], "age_years": "seven"}])),
             json.dumps(jsonl_object(identifiers=[])), json.dumps(jsonl_object(stage="prison", crn=None))]
    _, rows = read("\n".join(lines) + "\n", ExportFormat.jsonl)
    assert rows[0].result.referral.index_person.stage == "licence"
    assert [problems_of(r) for r in rows[1:]] == [
        {("(row)", "invalid_json")}, {("(row)", "not_an_object")}, {("risk_band", "extra_forbidden")},
        {("family_members[1].age_years", "int_parsing")}, {("identifiers", "set_by_feed")},
        {("stage", "enum"), ("crn", "missing")}]
    assert [r.line for r in rows] == list(range(1, 8))


@pytest.mark.parametrize("loc, csv_name, jsonl_name", [
    (("index_person", "stage"), "stage", "stage"),
    (("family_members", 1, "age_years"), "fm2_age_years", "family_members[1].age_years"),
    (("index_person", "needs", 2), "needs", "needs[2]"),
    (("index_person", "contact", "phone"), "phone", "contact.phone"),
    (("index_person", "offence", "violent"), "offence_violent", "offence.violent"),
    (("index_person", "identifiers", 1, "value"), "noms", "noms"),
    (("source", "organisation"), "organisation", "organisation"),
])
def test_contract_paths_are_named_as_the_export_names_them(loc, csv_name, jsonl_name):
    assert column_for(loc, [1, 2]) == csv_name
    assert column_for(loc, None) == jsonl_name


@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_a_line_too_long_to_be_a_row_is_quarantined_and_reading_goes_on(fmt):
    huge = "x" * (MAX_RECORD_CHARS + 10)
    if fmt is ExportFormat.csv:
        text = csv_export(ROW, dict(ROW, given_name=huge), ROW)
    else:
        text = "\n".join(json.dumps(o) for o in (jsonl_object(), jsonl_object(address=huge), jsonl_object())) + "\n"
    _, rows = read(text, fmt)
    assert [r.result.referral is not None for r in rows] == [True, False, True]
    assert (rows[1].line, problems_of(rows[1])) == (3 if fmt is ExportFormat.csv else 2, {("(row)", "record_too_long")})
    assert len(rows[1].raw) <= RAW_KEPT_CHARS


def test_a_cell_longer_than_the_csv_modules_default_limit_is_judged_by_the_contract():
    """Past 128 KiB the csv module would call the row malformed; the contract says what is wrong."""
    _, rows = read(csv_export(dict(ROW, given_name="x" * 200_000), ROW))
    assert [r.line for r in rows] == [2, 3]
    assert problems_of(rows[0]) == {("given_name", "string_too_long")}
    assert rows[1].result.referral is not None


@pytest.mark.parametrize("lines_of_address, chars_each", [(6, 30_000), (8, 40_000)])
def test_a_row_broken_partway_through_its_lines_is_one_rejection_and_the_next_row_is_read(lines_of_address,
                                                                                          chars_each):
    """Cut off inside a quoted field (too long, here), the rest of the row is not read as rows of its own."""
    address = "\n".join("B" * chars_each for _ in range(lines_of_address))
    header, first = csv_export(ROW, columns=list(ROW)).splitlines()
    text = f'{header},address\n{first},"{address}"\n{first.replace("x123456", "x123457")},\n'
    _, rows = read(text)
    broken = 1 + lines_of_address * (chars_each + 1) > MAX_RECORD_CHARS
    assert [(r.line, problems_of(r)) for r in rows] == [
        (2, {("(row)", "record_too_long")} if broken else {("address", "string_too_long")}),
        (2 + lines_of_address, set())]
    assert rows[1].result.crn == "X123457"


def test_a_malformed_row_with_a_quoted_line_break_is_one_rejection():
    header, first = csv_export(ROW, columns=list(ROW)).splitlines()
    text = (f'{header},address,postcode\n{first},"1 Dock Road"x,"L4\n2ZZ"\n'
            f'{first.replace("x123456", "x123457")},,\n')
    _, rows = read(text)
    assert [(r.line, problems_of(r)) for r in rows] == [(2, {("(row)", "malformed_csv")}), (4, set())]
    assert rows[0].raw.endswith('2ZZ"\n')


def test_a_quoted_cell_too_long_to_keep_on_one_line_ends_its_row_where_its_line_ends():
    """The closing quote is in the part of the line thrown away: it still counts."""
    _, rows = read(csv_export(ROW, dict(ROW, address="x, " * MAX_RECORD_CHARS), ROW, columns=list(ROW) + ["address"]))
    assert [(r.line, r.result.referral is not None) for r in rows] == [(2, True), (3, False), (4, True)]


def test_blank_lines_before_the_header_are_passed_over_and_a_file_of_them_has_no_header():
    export, rows = read("\n \r\n" + csv_export(ROW))
    assert export.file_problems == [] and not export.refused
    assert [(r.line, r.result.referral is not None) for r in rows] == [(4, True)], "lines as the file numbers them"
    export, rows = read("\n\n  \n")
    assert export.refused and rows == []
    assert [(p["field"], p["type"]) for p in export.file_problems] == [("(header)", "empty_export")]


def test_a_family_member_that_is_not_an_object_is_named_as_the_member():
    _, [row] = read(json.dumps(jsonl_object(family_members=[1, "x", None])) + "\n", ExportFormat.jsonl)
    assert problems_of(row) == {(f"family_members[{i}]", "model_type") for i in range(3)}


def test_a_quote_inside_an_unquoted_cell_of_a_broken_row_does_not_take_the_rows_after_it():
    header, first = csv_export(ROW, columns=list(ROW)).splitlines()
    good = [first.replace("x123456", f"x1235{i:02d}") for i in range(60)]
    text = "\n".join([f"{header},address", f'{first},"1 Dock"x 5" tall', *(f"{g}," for g in good)]) + "\n"
    _, rows = read(text)
    assert [(r.line, problems_of(r)) for r in rows[:2]] == [(2, {("(row)", "malformed_csv")}), (3, set())]
    assert len(rows) == 61


def test_sixty_blank_lines_before_the_header_are_still_only_blank_lines():
    export, rows = read("\n" * 60 + csv_export(ROW))
    assert not export.refused and [r.line for r in rows] == [62]


@pytest.mark.parametrize("text, quoted, ends_open", [
    ('a,"b,c",d\n', False, False), ('a,"b\n', False, True), ('a,b"c,"d""\n', False, True),
    ('a,"""x"""\n', False, False), ('a,""\n', False, False), ('x",y\n', True, False), ('x"",y\n', True, True),
    ('a,5" tall\n', False, False), ('"\r\n', False, True),
])
def test_whether_a_line_leaves_a_quoted_cell_open_is_read_as_the_csv_module_reads_it(text, quoted, ends_open):
    from pathways_intake.feed.lines import ends_in_quoted_cell
    assert ends_in_quoted_cell(text, quoted) is ends_open


@pytest.mark.parametrize("age", ["1_0", "+30", "30.0", " 3 0"])
def test_an_age_is_written_in_digits(age):
    _, [row] = read(csv_export(dict(ROW, fm1_age_years=age)))
    assert problems_of(row) == {("fm1_age_years", "int_parsing")}
