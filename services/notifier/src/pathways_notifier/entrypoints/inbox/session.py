"""The inbox's sign-in session: the provider's token and a CSRF token in one signed cookie
(itsdangerous, with an issue time checked against the session length), HttpOnly, SameSite=Strict,
on /inbox only. The token is checked against the token store on every request, so a revoked token
signs its sessions out at once.

Before sign-in the cookie holds only the CSRF token, so the sign-in form is protected too.
"""
from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "pathways_inbox"
PATH = "/inbox"


@dataclass(frozen=True)
class Session:
    csrf: str
    token: str | None = None


class Sessions:
    def __init__(self, secret: str, minutes: int, secure: bool):
        # An unset secret gets a random one: sign-ins then last as long as this process.
        self.serializer = URLSafeTimedSerializer(secret or secrets.token_urlsafe(32), salt="pathways-inbox-session")
        self.max_age, self.secure = minutes * 60, secure

    def read(self, request: Request) -> Session | None:
        value = request.cookies.get(COOKIE)
        if not value:
            return None
        try:
            data = self.serializer.loads(value, max_age=self.max_age)
        except BadSignature:  # includes SignatureExpired
            return None
        if not isinstance(data, dict) or not isinstance(data.get("c"), str):
            return None
        token = data.get("t")
        return Session(data["c"], token if isinstance(token, str) else None)

    def write(self, response: Response, session: Session) -> None:
        response.set_cookie(COOKIE, self.serializer.dumps({"c": session.csrf, "t": session.token}),
                            max_age=self.max_age, path=PATH, httponly=True, samesite="strict", secure=self.secure)

    def clear(self, response: Response) -> None:
        response.delete_cookie(COOKIE, path=PATH, httponly=True, samesite="strict", secure=self.secure)

    @staticmethod
    def fresh(token: str | None = None) -> Session:
        """A new CSRF token on every sign-in and sign-out, so one seen before sign-in is useless after."""
        return Session(secrets.token_urlsafe(24), token)


def csrf_ok(session: Session | None, sent: object) -> bool:
    return session is not None and isinstance(sent, str) and hmac.compare_digest(session.csrf, sent)
