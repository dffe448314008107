"""Every error answer has one shape: {"problems": [{"path", "type", "message"}, ...]}."""
from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from pathways_shared.contracts.problems import Problem


class BodyTooLarge(Exception):
    def __init__(self, limit: int):
        self.limit = limit


def problems(status: int, items: list[dict], **extra) -> JSONResponse:
    return JSONResponse({**extra, "problems": items}, status_code=status)


def problem(status: int, path: str, kind: str, message: str, headers: dict | None = None, **extra) -> JSONResponse:
    response = problems(status, [{"path": path, "type": kind, "message": message}], **extra)
    response.headers.update(headers or {})
    return response


def too_large(limit: int) -> JSONResponse:
    return problem(413, "(body)", "body_too_large", f"the request body is larger than {limit} bytes")


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # "body" leads every body location; the rest is the field path the caller knows.
        found = [Problem(tuple(e["loc"][1:] if e["loc"][:1] == ("body",) else e["loc"]), e["type"], e["msg"])
                 for e in exc.errors()]
        return problems(422, [p.as_dict() for p in found])

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, exc: HTTPException) -> JSONResponse:
        return problem(exc.status_code, "(request)", f"http_{exc.status_code}", str(exc.detail),
                       headers=dict(exc.headers or {}))

    @app.exception_handler(BodyTooLarge)
    async def body_too_large(_request: Request, exc: BodyTooLarge) -> JSONResponse:
        return too_large(exc.limit)


class BodyLimit:
    """ASGI middleware: refuse a body over `limit` bytes, declared or streamed, before it is read."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or ()).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            return await too_large(self.limit)(scope, receive, send)
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise BodyTooLarge(self.limit)
            return message

        await self.app(scope, counted, send)
