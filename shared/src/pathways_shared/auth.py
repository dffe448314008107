"""API callers: the scopes behind each bearer token; one FastAPI dependency per required scope.

Scopes: `referrer`, `provider:<id>`, `commissioner`, `admin`, `internal` (service to service);
an admin token holds every scope. The tokens file holds only digests (pathways_shared.token_file);
every service re-reads it when it changes, so a new token works without a restart.
"""
from __future__ import annotations

import hmac
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .token_file import check_scope, digest, read_entries


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
