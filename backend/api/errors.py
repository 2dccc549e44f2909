"""One table from error to HTTP answer, used by the API and by the console.

``error_response(exc)`` gives ``(status, body, headers)`` for everything a
service can raise; the API sends ``body`` as JSON, the console puts the error
name and args into words (backend.web.core). Bodies are always
``{"error": <name>, "args": {...}}`` (TamperDetected/DocumentMissing may add
``incident``; a pending transaction answers 202 ``{"status": "pending", ...}``).

- ContractRevert → ``backend.chain.errors.http_status_for(name)``: 403 the caller
  may not do this, 404 unknown id, 409 state conflict, 422 bad input;
- ServiceError (the services' own checks) → its class's ``http_status``
  (401 adds ``WWW-Authenticate: Bearer``; 429 TooManyRequests adds ``Retry-After``);
- TxPending → 202; ChainUnavailable → 503 (``Retry-After: 5``);
  ChainConfigError → 503 ChainMisconfigured; TxRejected → 503;
- AccessDenied → 403; TamperDetected / DocumentMissing → 409.

Anything else is not in the table (``None``): a bug, answered 500 by the caller.
"""

from __future__ import annotations

import logging
from typing import Any

from backend.chain import ChainUnavailable, ContractRevert, TxRejected
from backend.chain.errors import ChainConfigError, http_status_for
from backend.services.errors import ServiceError, TooManyRequests, TxPending
from backend.store import AccessDenied, DocumentMissing, TamperDetected

log = logging.getLogger(__name__)

ErrorAnswer = tuple[int, dict[str, Any], dict[str, str] | None]

KNOWN_ERRORS: tuple[type[Exception], ...] = (
    ContractRevert,
    ServiceError,
    TxPending,
    ChainUnavailable,
    ChainConfigError,
    TxRejected,
    AccessDenied,
    TamperDetected,
    DocumentMissing,
)


def _with_incident(exc: BaseException, body: dict[str, Any]) -> dict[str, Any]:
    incident = getattr(exc, "incident", None)
    if incident:
        body["incident"] = incident
    return body


def error_response(exc: BaseException) -> ErrorAnswer | None:
    """``(status, body, headers)`` for a known error; ``None`` for anything else (a bug: 500)."""
    if isinstance(exc, ContractRevert):
        return http_status_for(exc.name), exc.to_dict(), None
    if isinstance(exc, ServiceError):
        headers = {"WWW-Authenticate": "Bearer"} if exc.http_status == 401 else None
        if isinstance(exc, TooManyRequests):  # a rate limit or too many failed attempts
            headers = {"Retry-After": str(exc.retry_after_s)}
        return exc.http_status, exc.to_dict(), headers
    if isinstance(exc, TxPending):
        return 202, exc.to_dict(), None
    if isinstance(exc, ChainUnavailable):
        return 503, {"error": "ChainUnavailable", "args": {}}, {"Retry-After": "5"}
    if isinstance(exc, ChainConfigError):
        log.error("chain misconfigured: %s", exc)
        return 503, {"error": "ChainMisconfigured", "args": {}}, None
    if isinstance(exc, TxRejected):
        log.warning("transaction refused by the node: %s", exc.reason)
        return 503, {"error": "TxRejected", "args": {"reason": exc.reason, "tx_hash": exc.tx_hash}}, None
    if isinstance(exc, AccessDenied):
        return 403, {"error": "AccessDenied", "args": {"content_hash": exc.content_hash}}, None
    if isinstance(exc, TamperDetected):
        return (
            409,
            _with_incident(
                exc,
                {
                    "error": "TamperDetected",
                    "args": {"expected_hash": exc.expected, "actual_hash": exc.actual, "reason": exc.reason},
                },
            ),
            None,
        )
    if isinstance(exc, DocumentMissing):
        return (
            409,
            _with_incident(
                exc, {"error": "DocumentMissing", "args": {"content_hash": exc.content_hash, "reason": exc.reason}}
            ),
            None,
        )
    return None


def internal_error() -> ErrorAnswer:
    return 500, {"error": "InternalError", "args": {}}, None
