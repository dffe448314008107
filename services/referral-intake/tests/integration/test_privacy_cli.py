"""`pathways pseudonym`, `sar`, `audit`, `erase` and `purge` on a real intake database."""
import asyncio
import copy
import json

import pytest

from pathways_intake.bootstrap import bootstrap, create_schema
from pathways_shared.cli import main
from pathways_shared.contracts.referral_parsing import parse_referral

from ..conftest import MASTER_KEY, PSEUDONYM_KEY, REFERRAL, intake_settings

pytestmark = pytest.mark.integration


async def submitted(db_url: str) -> None:
    intake = bootstrap(intake_settings(database_url=db_url))
    try:
        await create_schema(intake.engine)
        await intake.service.submit_referral(parse_referral(copy.deepcopy(REFERRAL)))
    finally:
        await intake.engine.dispose()


@pytest.fixture
def run(db_url, monkeypatch, capsys):
    monkeypatch.setenv("PSEUDONYM_KEY", PSEUDONYM_KEY)
    monkeypatch.setenv("MASTER_KEY", MASTER_KEY)
    asyncio.run(submitted(db_url))

    def command(*args: str) -> tuple[int, str, str]:
        code = main([*args, *(["--database-url", db_url] if args[0] != "pseudonym" else [])])
        out, err = capsys.readouterr()
        return code, out, err
    return command


def test_a_person_is_found_read_erased_and_their_reads_listed(run, tmp_path):
    code, out, _ = run("pseudonym", "--crn", " x000001 ")
    person = out.strip()
    assert code == 0 and person.startswith("pp_")
    code, out, _ = run("sar", "--person", person, "--requested-by", "dpo")
    held = json.loads(out)
    assert code == 0 and held["referrals"][0]["held"]["family_name"] == "Ashworth"
    code, out, _ = run("audit", "--person", person, "--since", "2000-01-01")
    [read] = [json.loads(line) for line in out.splitlines()]
    assert (read["caller"], read["purpose"]) == ("operator:dpo", "subject access request")
    code, out, _ = run("erase", "--person", person)
    assert code == 0 and json.loads(out)["data_keys_shredded"] == 1
    code, _, _ = run("sar", "--person", person, "--out", str(tmp_path / "sar.json"))
    assert code == 0 and json.loads((tmp_path / "sar.json").read_text())["referrals"][0]["held"]["family_name"] == "[erased]"
    assert run("audit", "--since", "2999-01-01")[1] == ""


def test_purge_reports_counts_and_unknown_people_are_said_so(run):
    code, out, _ = run("purge", "--dry-run")
    assert code == 0 and json.loads(out) == {"dry_run": True, "closed_referrals": 0, "feed_rejections": 0,
                                             "hmpps_inbox_messages": 0, "audit_entries": 0}
    code, _, err = run("erase", "--person", "pp_" + "0" * 32)
    assert code == 1 and "nothing is held" in err
    with pytest.raises(SystemExit):
        run("sar", "--person", "Sam Ashworth")
