"""The tokens file (TOKENS_FILE): one JSON line per API token with its name, scopes and SHA-256
digest, never the token itself. `pathways token` issues and revokes tokens here; each service's
TokenStore (pathways_shared.auth) reads it.

Tokens are long random strings, so a SHA-256 digest is enough to store them (no password
stretching needed).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Iterable

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
