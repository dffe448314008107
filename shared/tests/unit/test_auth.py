import json

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from pathways_shared.auth import Caller, TokenStore, requiring, store_from_app
from pathways_shared.token_file import TokenError, issue_token, read_entries, revoke_token


def test_only_the_digest_is_stored_and_the_token_finds_its_caller(tmp_path):
    path = tmp_path / "tokens.jsonl"
    token = issue_token(path, "pops-worker", ["provider:pops"])
    assert token not in path.read_text()
    assert read_entries(path)[0]["sha256"] != token
    assert TokenStore(path).caller(token) == Caller("pops-worker", frozenset({"provider:pops"}))
    assert TokenStore(path).caller(token + "x") is None


def test_a_revoked_token_stops_working_without_a_restart(tmp_path):
    path = tmp_path / "tokens.jsonl"
    store = TokenStore(path)
    token = issue_token(path, "a", ["referrer"])
    assert store.caller(token) is not None
    assert revoke_token(path, "a")
    assert store.caller(token) is None
    assert not revoke_token(path, "a")


@pytest.mark.parametrize("scopes", [[], ["bogus"], ["provider:"], ["provider:POPS"]])
def test_bad_scopes_are_refused_with_the_reason(tmp_path, scopes):
    with pytest.raises(TokenError):
        issue_token(tmp_path / "t.jsonl", "a", scopes)


def test_a_damaged_tokens_file_names_the_line(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps({"name": "a", "sha256": "x", "scopes": []}) + "\n{not json\n")
    with pytest.raises(TokenError, match=":2:"):
        read_entries(path)


def test_the_dependency_answers_401_403_and_200():
    app = FastAPI()
    app.state.tokens = TokenStore.of([("c", "tok-c", ["commissioner"]), ("p", "tok-p", ["provider:pops"]),
                                      ("root", "tok-a", ["admin"])])

    @app.get("/report")
    def report(caller: Caller = Depends(requiring(store_from_app, "commissioner"))):
        return {"name": caller.name}

    @app.get("/inbox")
    def inbox(caller: Caller = Depends(requiring(store_from_app, any_provider=True))):
        return sorted(caller.providers)

    client = TestClient(app)
    assert client.get("/report").status_code == 401
    assert client.get("/report", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get("/report", headers={"Authorization": "Bearer tok-p"}).status_code == 403
    assert client.get("/report", headers={"Authorization": "Bearer tok-c"}).json() == {"name": "c"}
    assert client.get("/report", headers={"Authorization": "Bearer tok-a"}).status_code == 200
    assert client.get("/inbox", headers={"Authorization": "Bearer tok-p"}).json() == ["pops"]
    assert client.get("/inbox", headers={"Authorization": "Bearer tok-c"}).status_code == 403
