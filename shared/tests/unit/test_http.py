"""single_valued_query: a query parameter given more than once is a validation error naming it."""
import json

import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.testclient import TestClient

from pathways_shared.http import single_valued_query


def make_app() -> FastAPI:
    app = FastAPI(dependencies=[Depends(single_valued_query)])

    @app.get("/overdue")
    async def overdue(provider: str | None = None, format: str = "json") -> dict:
        return {"provider": provider, "format": format}

    @app.post("/upload")
    async def upload(request: Request) -> dict:   # reads its body itself, as the caseload upload
        return {"bytes": len(await request.body())}

    return app


def repeated(name: str, values: list[str]) -> dict:
    return {"type": "repeated_parameter", "loc": ["query", name], "msg": f"given {len(values)} times; give it once",
            "input": values}


@pytest.mark.parametrize(("query", "name", "values"), [
    ("provider=pops&provider=tmuk", "provider", ["pops", "tmuk"]),
    ("prov%69der=pops&provider=tmuk", "provider", ["pops", "tmuk"]),    # one name, however it is written
    ("provider=&provider=pops", "provider", ["", "pops"]),              # a blank value is still a value
    ("provider&provider", "provider", ["", ""]),
    ("format=csv&format=json&format=csv", "format", ["csv", "json", "csv"]),
    ("unknown=1&unknown=2", "unknown", ["1", "2"]),                     # even one the route does not take
])
def test_a_parameter_given_more_than_once_is_refused_naming_it(query, name, values):
    answer = TestClient(make_app()).get(f"/overdue?{query}")
    assert answer.status_code == 422
    assert answer.json() == {"detail": [repeated(name, values)]}


def test_every_repeated_parameter_is_named_once_in_the_order_given():
    answer = TestClient(make_app()).get("/overdue?format=csv&provider=a&format=json&provider=b&x=1")
    assert answer.json()["detail"] == [repeated("format", ["csv", "json"]), repeated("provider", ["a", "b"])]


@pytest.mark.parametrize("query", ["", "provider=pops", "provider=pops&format=csv", "=x", "=x&=y&provider=pops",
                                   "provider=", "Provider=a&provider=b", "&&provider=pops&&"])
def test_each_name_once_passes(query):
    answer = TestClient(make_app()).get(f"/overdue?{query}")
    assert answer.status_code == 200, answer.text


UPLOAD = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
          "path": "/upload", "raw_path": b"/upload", "root_path": "", "headers": [(b"content-type", b"text/csv")],
          "server": ("test", 80), "client": ("test", 1)}


async def upload(query: bytes) -> tuple[list[dict], int]:
    """Drive the app by hand to count how often it asks for the streamed body."""
    sent, asked = [], 0

    async def receive():
        nonlocal asked
        asked += 1
        return {"type": "http.request", "body": b"x" * 10, "more_body": asked < 3}

    async def send(message):
        sent.append(message)

    await make_app()(dict(UPLOAD, query_string=query), receive, send)
    return sent, asked


async def test_the_streamed_body_is_left_unread_when_the_query_is_refused():
    sent, asked = await upload(b"format=a&format=b")
    assert sent[0]["status"] == 422
    assert json.loads(sent[1]["body"]) == {"detail": [repeated("format", ["a", "b"])]}
    assert asked == 0
    sent, asked = await upload(b"format=a")
    assert (sent[0]["status"], json.loads(sent[1]["body"]), asked) == (200, {"bytes": 30}, 3)
