"""The inbox session cookie: signed, expiring, and useless with another key."""
import time

from starlette.requests import Request
from starlette.responses import Response

from pathways_notifier.entrypoints.inbox.context import safe_next
from pathways_notifier.entrypoints.inbox.session import COOKIE, Sessions, csrf_ok


def request_with(cookie: str | None) -> Request:
    headers = [(b"cookie", f"{COOKIE}={cookie}".encode())] if cookie else []
    return Request({"type": "http", "method": "GET", "path": "/inbox/referrals", "headers": headers})


def cookie_of(sessions: Sessions, session) -> str:
    response = Response()
    sessions.write(response, session)
    return response.headers["set-cookie"].split(";")[0].split("=", 1)[1]


def test_a_written_session_reads_back_and_its_csrf_token_is_checked():
    sessions = Sessions("key", 60, secure=True)
    session = sessions.fresh("tok-moms")
    assert sessions.read(request_with(cookie_of(sessions, session))) == session
    assert csrf_ok(session, session.csrf) and not csrf_ok(session, "other") and not csrf_ok(None, session.csrf)
    assert not csrf_ok(session, None)


def test_another_key_or_no_cookie_is_no_session():
    value = cookie_of(Sessions("key", 60, False), Sessions.fresh("tok"))
    assert Sessions("another key", 60, False).read(request_with(value)) is None
    assert Sessions("key", 60, False).read(request_with(None)) is None


def test_a_session_older_than_its_length_has_expired(monkeypatch):
    sessions = Sessions("key", 30, False)
    issued = time.time() - 31 * 60
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: issued)
    value = cookie_of(sessions, Sessions.fresh("tok"))
    monkeypatch.undo()
    assert sessions.read(request_with(value)) is None
    assert Sessions("key", 32, False).read(request_with(value)) is not None


def test_the_cookie_is_strict_httponly_and_secure_over_https():
    response = Response()
    Sessions("key", 60, secure=True).write(response, Sessions.fresh())
    attributes = {a.strip().split("=")[0].lower() for a in response.headers["set-cookie"].split(";")[1:]}
    assert {"httponly", "samesite", "secure", "max-age", "path"} <= attributes
    assert "samesite=strict" in response.headers["set-cookie"].lower()


def test_after_sign_in_only_inbox_paths_are_followed():
    assert safe_next("/inbox/referrals/abc") == "/inbox/referrals/abc"
    for elsewhere in ("https://evil.example/inbox/", "//evil.example/inbox/x", "/v1/deliveries", None, "/inbox"):
        assert safe_next(elsewhere) == "/inbox/referrals"
