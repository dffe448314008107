"""Every error answer has one shape: {"problems": [{"path", "type", "message"}, ...]}."""
from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from pathways_shared.contracts.problems import Problem
from pathways_shared.http import BodyTooLarge


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
