"""Errors raised by the use cases; the API maps each to one HTTP answer.

Contract reverts (``ContractRevert``), an unreachable node
(``ChainUnavailable``) and store problems (``AccessDenied``,
``TamperDetected``, ``DocumentMissing``) are raised as they are; these are the
checks the services make themselves, BEFORE any chain write.
"""

from __future__ import annotations

from typing import Any

from backend.chain.idempotency import KeyReused, TxPending

__all__ = [
    "Conflict",
    "Forbidden",
    "IdempotencyKeyReused",
    "IndexLagging",
    "InvalidInput",
    "NotFound",
    "ServiceError",
    "SignerUnavailable",
    "TooManyAttempts",
    "TooManyRequests",
    "TxPending",
    "Unauthorized",
]


class ServiceError(Exception):
    """A request the service refuses: ``http_status`` + ``{"error": name, "args": {...}}``."""

    http_status = 400
    name = "BadRequest"

    def __init__(self, message: str = "", **args: Any) -> None:
        super().__init__(message or self.name)
        self.message = message
        self.args_dict: dict[str, Any] = {k: v for k, v in args.items() if v is not None}
        if message:
            self.args_dict.setdefault("reason", message)

    def to_dict(self) -> dict[str, Any]:
        return {"error": self.name, "args": self.args_dict}


class Unauthorized(ServiceError):
    http_status = 401
    name = "Unauthorized"


class Forbidden(ServiceError):
    """The caller may not touch this object (another department's, or the wrong role)."""

    http_status = 403
    name = "Forbidden"


class NotFound(ServiceError):
    http_status = 404
    name = "NotFound"


class Conflict(ServiceError):
    http_status = 409
    name = "Conflict"


class IdempotencyKeyReused(ServiceError, KeyReused):
    """The Idempotency-Key was already used for a different request."""

    http_status = 409
    name = "IdempotencyKeyReused"


class InvalidInput(ServiceError):
    http_status = 422
    name = "InvalidInput"


class TooManyRequests(ServiceError):
    """A rate limit was reached: 429 with ``Retry-After`` (whole seconds until the limit frees a slot)."""

    http_status = 429
    name = "TooManyRequests"

    def __init__(self, message: str = "", *, retry_after_s: int, **args: Any) -> None:
        super().__init__(message, retry_after_s=retry_after_s, **args)
        self.retry_after_s = retry_after_s


class TooManyAttempts(TooManyRequests):
    """Too many failed sign-ins or token checks (per username or client address): 429 with
    ``Retry-After`` (seconds until the moving window lets one more attempt through)."""

    name = "TooManyAttempts"

    def __init__(self, retry_after: int) -> None:
        ServiceError.__init__(self, "too many failed attempts; try again later", retry_after=retry_after)
        self.retry_after = retry_after
        self.retry_after_s = retry_after


class SignerUnavailable(ServiceError):
    """The backend holds no usable key for the caller's chain account (an operator problem)."""

    http_status = 503
    name = "SignerUnavailable"


class IndexLagging(ServiceError):
    """The event index did not reach a block this answer must include within the bounded
    wait (``GOVCHAIN_INDEX_WAIT_S``): 503 ``IndexBehind`` {needed_block, indexed_to_block}."""

    http_status = 503
    name = "IndexBehind"

    def __init__(self, needed_block: int, indexed_to_block: int | None) -> None:
        super().__init__()
        self.args_dict = {"needed_block": needed_block, "indexed_to_block": indexed_to_block}
