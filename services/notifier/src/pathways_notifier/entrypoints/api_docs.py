"""The notifier API's problem answer, and what its OpenAPI document says about answers and bodies
FastAPI cannot see itself: the provider API reads its bodies by hand (to name every problem), so
their schemas are added here."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel

PROBLEMS = {"description": "{\"problems\": [{\"path\", \"type\", \"message\"}, ...]}"}


def problem(status: int, path: str, kind: str, message: str, **extra) -> JSONResponse:
    """Every refusal of the notifier's API: {"problems": [{"path", "type", "message"}]}."""
    return JSONResponse({**extra, "problems": [{"path": path, "type": kind, "message": message}]}, status_code=status)


def unknown_provider(provider: str | None, providers: Iterable[str]) -> str | None:
    """Why `provider` cannot filter a list: it is not one of the rulebook's `providers` (None when
    it is, or is not given). An empty list would read as "nothing there" to whoever mistyped it."""
    funded = sorted(providers)
    if provider is None or provider in funded:
        return None
    return f"no provider {provider!r}; the providers are {', '.join(funded)}"


def json_body(model: type[BaseModel]) -> dict:
    """`openapi_extra` declaring `model` as the required JSON body, its definitions inlined."""
    schema = model.model_json_schema()
    definitions = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return inline(definitions[node["$ref"].rsplit("/", 1)[1]])
            return {key: inline(value) for key, value in node.items()}
        return [inline(item) for item in node] if isinstance(node, list) else node

    return {"requestBody": {"required": True, "content": {"application/json": {"schema": inline(schema)}}}}
