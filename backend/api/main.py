"""The FastAPI application: routers, error handlers, lifespan.

Error bodies are always ``{"error": <name>, "args": {...}}``; the status of every
service, chain and store error comes from the one table in backend.api.errors
(shared with the console). Besides that table:
- request validation → 422 ``{"error": "ValidationError", "detail": [...]}``;
Anything else is a bug: 500 ``{"error": "InternalError"}`` (logged).
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from backend.api.errors import KNOWN_ERRORS, error_response, internal_error
from backend.api.limits import BodySizeLimit
from backend.api.routes import (
    audit,
    cases,
    certificates,
    citizens,
    council,
    directory,
    grants,
    health,
    incidents,
    officers,
    peer,
    purposes,
    registry,
    releases,
    requests,
    resources,
)
from backend.composition import AppContext
from backend.web import mount_web

log = logging.getLogger(__name__)

THREADPOOL_SIZE = 64  # sync routes block on receipts; let many wait at once
INDEX_INTERVAL_S = 0.5  # the indexer's polling round (readers waiting for a block wake it at once)

DESCRIPTION = """
GovChain: government departments share data under clear ownership, purpose-bound
usage rights and named responsibility. Departments act through this API; the
backend signs with their keys. The officer recorded for every write is the person the
bearer token belongs to (an officer token from `POST /auth/officer/session`; a system
client's token is recorded as `client:<token id>`); a write naming an officer in
`X-Officer-Id` is refused. A write
may carry an `Idempotency-Key`. See docs/api.md.
"""


def _json(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(status_code=status, content=jsonable_encoder(body), headers=headers)


async def known_error(_req: Request, exc: Exception) -> JSONResponse:
    answer = error_response(exc) or internal_error()
    return _json(*answer)


def install_error_handlers(app: FastAPI) -> None:
    for cls in KNOWN_ERRORS:  # the table in backend.api.errors (shared with the console)
        app.add_exception_handler(cls, known_error)

    @app.exception_handler(RequestValidationError)
    async def validation(_req: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{k: v for k, v in e.items() if k in ("type", "loc", "msg")} for e in exc.errors()]
        return _json(422, {"error": "ValidationError", "args": {}, "detail": errors})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_req: Request, exc: StarletteHTTPException) -> JSONResponse:
        names = {404: "NotFound", 405: "MethodNotAllowed", 400: "BadRequest", 401: "Unauthorized", 403: "Forbidden"}
        return _json(
            exc.status_code,
            {"error": names.get(exc.status_code, "HTTPError"), "args": {"reason": str(exc.detail)}},
            getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def internal(_req: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return _json(500, {"error": "InternalError", "args": {}})


def build_app(lifespan: Any = None) -> FastAPI:
    """Routes, error handlers, console and middleware, without a context: what
    ``create_app`` serves, and all the OpenAPI schema needs (no chain, no database)."""
    app = FastAPI(title="GovChain API", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    install_error_handlers(app)
    for module in (
        health,
        resources,
        requests,
        grants,
        incidents,
        council,
        audit,
        certificates,
        registry,
        citizens,
        cases,
        peer,
        releases,
        directory,
        officers,
        purposes,
    ):
        app.include_router(module.router)
    app.include_router(certificates.public_router)  # /public/…: no token
    mount_web(app)
    app.add_middleware(BodySizeLimit)
    return app


def openapi_schema() -> dict[str, Any]:
    """The served OpenAPI document, built without a chain (``make openapi`` writes it to docs/)."""
    return build_app().openapi()


def create_app(context: AppContext | None = None, *, background: bool = True, index: bool = True) -> FastAPI:
    """Build the app. Without ``context`` one is made from the environment (and
    closed at shutdown). ``background`` starts the outbox reconciler; ``index`` runs
    the event indexer (the read model every list and history reads) for the life of
    the app, unless the context already runs one."""
    owned = context is None
    ctx = context or AppContext.from_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        import anyio.to_thread

        anyio.to_thread.current_default_thread_limiter().total_tokens = THREADPOOL_SIZE
        if background:
            await anyio.to_thread.run_sync(ctx.start)
        started_index = None
        if index and not (ctx.indexer_thread is not None and ctx.indexer_thread.is_alive()):
            started_index = await anyio.to_thread.run_sync(ctx.start_indexer, INDEX_INTERVAL_S)
        try:
            yield
        finally:
            if started_index is not None and ctx.indexer_thread is started_index:
                await anyio.to_thread.run_sync(ctx.stop_indexer)
            if owned:
                ctx.close()

    app = build_app(lifespan)
    app.state.ctx = ctx
    return app
