"""The body size limit answers 413 before anything parses the body."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from backend.api.limits import BodySizeLimit


def make_client(limit: int) -> TestClient:
    app = FastAPI()

    @app.post("/echo")
    async def echo(request: Request) -> dict:
        return {"size": len(await request.body())}

    app.add_middleware(BodySizeLimit, max_bytes=limit)
    return TestClient(app)


def test_declared_size_over_the_limit_is_refused() -> None:
    r = make_client(100).post("/echo", content=b"x" * 101)
    assert r.status_code == 413
    assert r.json() == {"error": "PayloadTooLarge", "args": {"max_bytes": 100}}


def test_streamed_body_over_the_limit_is_refused() -> None:
    def chunks():
        for _ in range(5):
            yield b"y" * 40

    r = make_client(100).post("/echo", content=chunks())
    assert r.status_code == 413
    assert r.json()["error"] == "PayloadTooLarge"


def test_body_within_the_limit_passes() -> None:
    r = make_client(100).post("/echo", content=b"z" * 100)
    assert r.status_code == 200
    assert r.json() == {"size": 100}
