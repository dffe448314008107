"""`pathways token`: the tokens file may be named before or after the action."""
import pytest

from pathways_shared.cli import main
from pathways_shared.token_file import read_entries


@pytest.mark.parametrize("where", ["before", "after"])
def test_the_tokens_file_is_taken_before_or_after_the_action(tmp_path, capsys, monkeypatch, where):
    monkeypatch.delenv("TOKENS_FILE", raising=False)
    monkeypatch.chdir(tmp_path)  # the default file would be var/tokens.jsonl here
    path = tmp_path / "tokens.jsonl"
    create = ["create", "--name", "notifier", "--scope", "internal"]
    assert main(["token", "--file", str(path), *create] if where == "before"
                else ["token", *create, "--file", str(path)]) == 0
    assert [e["name"] for e in read_entries(path)] == ["notifier"]
    assert not (tmp_path / "var").exists()
    capsys.readouterr()
    listed = ["token", "--file", str(path), "list"] if where == "before" else ["token", "list", "--file", str(path)]
    assert main(listed) == 0
    assert capsys.readouterr().out.startswith("notifier\tinternal\t")
    revoked = ["token", "revoke", "--name", "notifier", "--file", str(path)]
    assert main(revoked) == 0
    assert "revoked" in read_entries(path)[0]


def test_a_file_given_before_the_action_is_not_undone_by_its_absence_after(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("TOKENS_FILE", raising=False)
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "elsewhere.jsonl"
    assert main(["token", "--file", str(path), "create", "--name", "a", "--scope", "referrer"]) == 0
    assert path.exists() and not (tmp_path / "var").exists()
