"""The FastAPI application: routers, error mapping in one place, lifespan.

Error bodies are always ``{"error": <name>, "args": {...}}``:
- ContractRevert → its http_status (403 authorization, 404 unknown id, 409 state
  conflict, 422 bad input) with the contract's custom error name and decoded args;
- ServiceError (the services' own checks) → 401/403/404/409/422/503;
- pending receipt → 202 ``{"status": "pending", "tx_hash", "idempotency_key"}``;
- ChainUnavailable / TxRejected → 503; AccessDenied → 403;
  TamperDetected / DocumentMissing → 409 (with the TAMPER incident filed);
- request validation → 422 ``{"error": "ValidationError", "detail": [...]}``.
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

from backend.api.routes import (
    audit,
    cases,
    certificates,
    citizens,
    council,
    grants,
    health,
    incidents,
    registry,
    requests,
    resources,
)
from backend.api.limits import BodySizeLimit
from backend.chain import ChainUnavailable, ContractRevert, TxRejected
from backend.chain.errors import ChainConfigError
from backend.composition import AppContext
from backend.services.errors import ServiceError, TxPending
from backend.store import AccessDenied, DocumentMissing, TamperDetected

log = logging.getLogger(__name__)

THREADPOOL_SIZE = 64  # sync routes block on receipts; let many wait at once
INDEX_INTERVAL_S = 0.5  # the indexer's polling round (readers waiting for a block wake it at once)

DESCRIPTION = """
GovChain: government departments share data under clear ownership, purpose-bound
usage rights and named responsibility. Departments act through this API; the
backend signs with their keys. Every write names the acting officer
(`X-Officer-Id`) and may carry an `Idempotency-Key`. See docs/api.md.
"""


def revert_status(exc: ContractRevert) -> int:
    return exc.http_status


def _json(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(status_code=status, content=jsonable_encoder(body), headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ServiceError)
    async def service_error(_req: Request, exc: ServiceError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.http_status == 401 else None
        return _json(exc.http_status, exc.to_dict(), headers)

    @app.exception_handler(TxPending)
    async def tx_pending(_req: Request, exc: TxPending) -> JSONResponse:
        return _json(202, exc.to_dict())

    @app.exception_handler(ContractRevert)
    async def contract_revert(_req: Request, exc: ContractRevert) -> JSONResponse:
        return _json(revert_status(exc), exc.to_dict())

    @app.exception_handler(ChainUnavailable)
    async def chain_unavailable(_req: Request, exc: ChainUnavailable) -> JSONResponse:
        return _json(503, {"error": "ChainUnavailable", "args": {}}, {"Retry-After": "5"})

    @app.exception_handler(ChainConfigError)
    async def chain_config(_req: Request, exc: ChainConfigError) -> JSONResponse:
        log.error("chain misconfigured: %s", exc)
        return _json(503, {"error": "ChainMisconfigured", "args": {}})

    @app.exception_handler(TxRejected)
    async def tx_rejected(_req: Request, exc: TxRejected) -> JSONResponse:
        log.warning("transaction refused by the node: %s", exc.reason)
        return _json(503, {"error": "TxRejected", "args": {"reason": exc.reason, "tx_hash": exc.tx_hash}})

    @app.exception_handler(AccessDenied)
    async def access_denied(_req: Request, exc: AccessDenied) -> JSONResponse:
        return _json(403, {"error": "AccessDenied", "args": {"content_hash": exc.content_hash}})

    @app.exception_handler(TamperDetected)
    async def tamper(_req: Request, exc: TamperDetected) -> JSONResponse:
        body = {"error": "TamperDetected",
                "args": {"expected_hash": exc.expected, "actual_hash": exc.actual, "reason": exc.reason}}
        if getattr(exc, "incident", None):
            body["incident"] = exc.incident
        return _json(409, body)

    @app.exception_handler(DocumentMissing)
    async def missing(_req: Request, exc: DocumentMissing) -> JSONResponse:
        body = {"error": "DocumentMissing", "args": {"content_hash": exc.content_hash, "reason": exc.reason}}
        if getattr(exc, "incident", None):
            body["incident"] = exc.incident
        return _json(409, body)

    @app.exception_handler(RequestValidationError)
    async def validation(_req: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{k: v for k, v in e.items() if k in ("type", "loc", "msg")} for e in exc.errors()]
        return _json(422, {"error": "ValidationError", "args": {}, "detail": errors})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_req: Request, exc: StarletteHTTPException) -> JSONResponse:
        names = {404: "NotFound", 405: "MethodNotAllowed", 400: "BadRequest", 401: "Unauthorized", 403: "Forbidden"}
        return _json(exc.status_code, {"error": names.get(exc.status_code, "HTTPError"), "args": {"reason": str(exc.detail)}},
                     getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def internal(_req: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return _json(500, {"error": "InternalError", "args": {}})


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

    app = FastAPI(title="GovChain API", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.ctx = ctx
    install_error_handlers(app)
    for module in (health, resources, requests, grants, incidents, council, audit, certificates, registry, citizens, cases):
        app.include_router(module.router)
    app.include_router(certificates.public_router)  # /public/…: no token
    from backend.web import mount_web  # the console: server-rendered pages under / and /console

    mount_web(app)
    app.add_middleware(BodySizeLimit)
    return app
