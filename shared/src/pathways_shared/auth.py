"""API tokens: stored hashed, each with scopes; one FastAPI dependency per required scope.

Scopes: `referrer`, `provider:<id>`, `commissioner`, `admin`, `internal` (service to service).
Tokens are long random strings, so a SHA-256 digest is enough to store them (no password
stretching needed); only the digest is written to the tokens file (TOKENS_FILE, JSON lines),
which every service reads and re-reads when it changes, so a new token works without a restart.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Callable, Iterable

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

TOKEN_PREFIX = "fp_"
ROLES = ("referrer", "commissioner", "admin", "internal")
_SCOPE = re.compile(r"^(referrer|commissioner|admin|internal|provider:[a-z][a-z0-9_-]{1,31})$")


class TokenError(ValueError):
    """A token entry or scope that cannot be accepted, with the reason."""


def check_scope(scope: str) -> str:
    if not _SCOPE.match(scope):
        raise TokenError(f"unknown scope {scope!r}: use one of {', '.join(ROLES)} or provider:<id>")
    return scope


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Caller:
    name: str
    scopes: frozenset[str]

    def holds(self, scope: str) -> bool:
        return scope in self.scopes or "admin" in self.scopes

    @property
    def providers(self) -> frozenset[str]:
        return frozenset(s.split(":", 1)[1] for s in self.scopes if s.startswith("provider:"))

    @property
    def is_admin(self) -> bool:
        return "admin" in self.scopes


@dataclass
class TokenStore:
    """Digest → caller, loaded from a JSON-lines file and reloaded when the file changes."""
    path: Path | None
    _by_digest: dict[str, Caller] = field(default_factory=dict)
    _stamp: tuple[int, int] | None = None

    @classmethod
    def of(cls, entries: Iterable[tuple[str, str, Iterable[str]]]) -> "TokenStore":
        """An in-memory store from (name, token, scopes): for tests and the demo."""
        store = cls(None)
        store._by_digest = {digest(t): Caller(n, frozenset(map(check_scope, s))) for n, t, s in entries}
        return store

    def _reload(self) -> None:
        if self.path is None:
            return
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            self._by_digest, self._stamp = {}, None
            return
        stamp = (st.st_mtime_ns, st.st_size)
        if stamp != self._stamp:
            self._by_digest = {e["sha256"]: Caller(e["name"], frozenset(e["scopes"]))
                               for e in read_entries(self.path) if not e.get("revoked")}
            self._stamp = stamp

    def caller(self, token: str) -> Caller | None:
        self._reload()
        wanted = digest(token)
        for known, caller in self._by_digest.items():
            if hmac.compare_digest(known, wanted):
                return caller
        return None


def read_entries(path: Path) -> list[dict]:
    entries = []
    for number, line in enumerate(Path(path).read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            if not isinstance(entry.get("sha256"), str) or not isinstance(entry.get("name"), str):
                raise TokenError("needs 'name' and 'sha256'")
            [check_scope(s) for s in entry.get("scopes", [])]
        except (ValueError, AttributeError) as exc:
            raise TokenError(f"{path}:{number}: {exc}") from exc
        entries.append(entry)
    return entries


def issue_token(path: Path, name: str, scopes: Iterable[str]) -> str:
    """Append a new token's digest to the file and return the token (shown once, never stored)."""
    scopes = sorted({check_scope(s) for s in scopes})
    if not scopes:
        raise TokenError("a token needs at least one scope")
    path = Path(path)
    if path.exists() and any(e["name"] == name and not e.get("revoked") for e in read_entries(path)):
        raise TokenError(f"a live token named {name!r} exists; revoke it first")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    entry = {"name": name, "sha256": digest(token), "scopes": scopes,
             "created_at": datetime.now(UTC).isoformat(timespec="seconds")}
    with path.open("a") as out:
        out.write(json.dumps(entry) + "\n")
    os.chmod(path, 0o600)
    return token


def revoke_token(path: Path, name: str) -> bool:
    entries = read_entries(path)
    found = False
    for entry in entries:
        if entry["name"] == name and not entry.get("revoked"):
            entry["revoked"] = datetime.now(UTC).isoformat(timespec="seconds")
            found = True
    Path(path).write_text("".join(json.dumps(e) + "\n" for e in entries))
    return found


# What a route guarded by `authenticated` or `requiring` may also answer, for its OpenAPI document.
RESPONSES = {401: {"description": "No bearer token, or one unknown or revoked"},
             403: {"description": "The token's scopes do not allow this"}}

bearer = HTTPBearer(auto_error=False, scheme_name="ApiToken",
                    description="An API token (`pathways token create`); its scopes decide what it may do")


def authenticated(store_of: Callable[[Request], TokenStore]):
    """Dependency: the caller behind the bearer token, or 401."""
    def dependency(request: Request,
                   credentials: HTTPAuthorizationCredentials | None = Security(bearer)) -> Caller:
        if credentials is None:
            raise HTTPException(401, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"})
        caller = store_of(request).caller(credentials.credentials)
        if caller is None:
            raise HTTPException(401, "unknown or revoked token", headers={"WWW-Authenticate": "Bearer"})
        return caller
    return dependency


def requiring(store_of: Callable[[Request], TokenStore], *scopes: str, any_provider: bool = False):
    """Dependency: a caller holding one of `scopes` (or any provider scope), else 403."""
    who = authenticated(store_of)

    def dependency(caller: Caller = Depends(who)) -> Caller:
        if any(caller.holds(s) for s in scopes) or (any_provider and caller.providers):
            return caller
        wanted = [*scopes, *(["provider:<id>"] if any_provider else [])]
        raise HTTPException(403, f"this token's scopes do not allow this; needs one of: {', '.join(wanted)}")
    return dependency


def store_from_app(request: Request) -> TokenStore:
    """The conventional place: `app.state.tokens`, set by each service's composition root."""
    return request.app.state.tokens
