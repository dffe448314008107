"""`pathways route` and `pathways explain` as a user runs them: a subprocess, files in, JSON lines out.

The route output keys are a public contract (entrypoints/cli.py)."""
import json
import subprocess
import sys
import uuid

import pytest

REQUIRED_KEYS = {"referral_id", "person_ref", "provider", "decision", "eligible_from", "clauses", "rulebook_version"}
PROVIDERS = ["pops", "tmuk", "shelter", "moms", "magistra"]


def pathways(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "pathways_shared.cli", *map(str, args)], input=stdin,
                          capture_output=True, text=True, timeout=60)


def rows(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines()]


def write_jsonl(path, docs):
    path.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    return path


@pytest.fixture
def family(household):
    hh = household().custody(49).member("p1", "partner", given_name="Chloe", age_years=23) \
        .child("c1", 3, given_name="Leo", carer_ref="p1")
    hh.doc["referral_id"] = "0b6a4e52-5f0e-4c55-9a43-1d2f6a7c8e01"
    return hh


def test_route_a_pretty_printed_referral(family, tmp_path):
    path = tmp_path / "referral.json"
    path.write_text(json.dumps(family.doc, indent=2), encoding="utf-8")
    done = pathways("route", "--input", path)
    assert done.returncode == 0, done.stderr
    out = rows(done.stdout)
    assert [(r["person_ref"], r["provider"]) for r in out] == [(p, v) for p in ("ix", "p1", "c1") for v in PROVIDERS]
    for row in out:
        assert REQUIRED_KEYS <= row.keys()
        assert row["referral_id"] == family.doc["referral_id"] and row["rulebook_version"] == "1.0.0"
        assert row["clauses"] and all({"id", "outcome", "reason"} <= c.keys() and c["reason"] for c in row["clauses"])
    by = {(r["person_ref"], r["provider"]): r for r in out}
    assert by["c1", "tmuk"]["decision"] == "stretch"
    assert (by["ix", "shelter"]["decision"], by["ix", "shelter"]["eligible_from"]) == (
        "not_yet", family.days(49 - 14).isoformat())
    assert by["p1", "tmuk"]["included_as"] == {"role": "carer", "clause": "TMUK-5", "for": ["c1"]}


def test_route_from_stdin(family):
    done = pathways("route", "--input", "-", stdin=json.dumps(family.doc) + "\n")
    assert done.returncode == 0, done.stderr
    assert len(rows(done.stdout)) == 3 * 5


def test_one_invalid_line_is_reported_and_the_others_are_routed(household, tmp_path):
    good1, good3 = household().doc, household(age_years=30).doc
    bad = household().doc
    bad["index_person"]["stage"] = "jail"
    done = pathways("route", "--input", write_jsonl(tmp_path / "batch.jsonl", [good1, bad, good3]))
    assert done.returncode != 0
    assert "line 2" in done.stderr and "index_person.stage" in done.stderr
    assert "line 1" not in done.stderr and "line 3" not in done.stderr
    out = rows(done.stdout)
    assert len(out) == 2 * 5 and len({r["referral_id"] for r in out}) == 2
    shelter = [r["decision"] for r in out if r["provider"] == "shelter"]
    assert shelter == ["eligible", "stretch"]  # lines 1 and 3, in order


def test_invalid_family_member_field_path(household, tmp_path):
    bad = household().child("c1", 7, carer_ref="nobody").doc
    done = pathways("route", "--input", write_jsonl(tmp_path / "batch.jsonl", [household().doc, bad]))
    assert done.returncode != 0
    assert "line 2" in done.stderr and "family_members[0].carer_ref" in done.stderr
    assert len(rows(done.stdout)) == 5


def test_a_release_date_given_as_a_number_is_refused_not_read_as_a_unix_time(household, tmp_path):
    bad = household().doc
    bad["index_person"]["release_date"] = 1764806400
    done = pathways("route", "--input", write_jsonl(tmp_path / "batch.jsonl", [household().doc, bad]))
    assert done.returncode != 0
    assert "line 2" in done.stderr and "index_person.release_date" in done.stderr
    assert len(rows(done.stdout)) == 5


def test_referral_without_id_gets_a_stable_content_id(household, tmp_path):
    doc, different = household().doc, household(age_years=23).doc
    assert "referral_id" not in doc
    first = rows(pathways("route", "--input", write_jsonl(tmp_path / "a.jsonl", [doc, different])).stdout)
    again = rows(pathways("route", "--input", write_jsonl(tmp_path / "b.jsonl", [doc])).stdout)
    ids_first = [r["referral_id"] for r in first]
    assert len(first) == 2 * 5 and len(set(ids_first[:5])) == 1 and len(set(ids_first[5:])) == 1
    assert ids_first[0] != ids_first[5], "different content, different id"
    assert {r["referral_id"] for r in again} == {ids_first[0]}, "the same content gets the same id in another run"
    assert uuid.UUID(ids_first[0])


def test_as_of_turns_not_yet_into_eligible(household, tmp_path):
    path = write_jsonl(tmp_path / "r.jsonl", [household().custody(100).doc])
    decision = lambda done: next(r for r in rows(done.stdout) if r["provider"] == "moms")  # noqa: E731
    now = decision(pathways("route", "--input", path))
    assert (now["decision"], now["eligible_from"]) == ("not_yet", household.days(16).isoformat())
    later = decision(pathways("route", "--input", path, "--as-of", household.days(16).isoformat()))
    assert (later["decision"], later["eligible_from"]) == ("eligible", None)


def test_broken_rulebook_exits_2_with_file_and_line(household, rulebook_text, tmp_path):
    broken = rulebook_text.replace("{subject.age: {lt: $adult_age}}", "{subject.shoe_size: {lt: $adult_age}}")
    line = next(n for n, text in enumerate(broken.splitlines(), start=1) if "subject.shoe_size" in text)
    rulebook = tmp_path / "broken.yaml"
    rulebook.write_text(broken, encoding="utf-8")
    done = pathways("route", "--input", write_jsonl(tmp_path / "r.jsonl", [household().doc]), "--rulebook", rulebook)
    assert done.returncode == 2
    assert f"{rulebook}:{line}:" in done.stderr and "unknown fact" in done.stderr
    assert done.stdout == ""


def test_bad_as_of_is_an_argument_error(household, tmp_path):
    done = pathways("route", "--input", write_jsonl(tmp_path / "r.jsonl", [household().doc]), "--as-of", "tomorrow")
    assert done.returncode == 2
    assert "--as-of must be a date YYYY-MM-DD" in done.stderr and "usage:" in done.stderr
    assert done.stdout == ""


@pytest.mark.parametrize("as_of", ["2026-13-01", "02/11/2026", ""])
def test_other_bad_as_of_values_are_argument_errors(household, tmp_path, capsys, as_of):
    # The same parser in-process: starting a Python per value would only repeat the test above.
    from pathways_shared.cli import main
    with pytest.raises(SystemExit) as exited:
        main(["route", "--input", str(write_jsonl(tmp_path / "r.jsonl", [household().doc])), "--as-of", as_of])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "--as-of must be a date YYYY-MM-DD" in err and repr(as_of) in err


def test_missing_input_file_exits_2(tmp_path):
    done = pathways("route", "--input", tmp_path / "absent.jsonl")
    assert done.returncode == 2 and "absent.jsonl" in done.stderr


def test_explain_reads_as_reasons(family, tmp_path):
    done = pathways("explain", "--input", write_jsonl(tmp_path / "r.jsonl", [family.doc]))
    assert done.returncode == 0, done.stderr
    assert "Leo is 3: TMUK's core range is 5–18, 2–4 is stretch" in done.stdout
    assert "Provider referrals" in done.stdout and "Chloe (carer)" in done.stdout
