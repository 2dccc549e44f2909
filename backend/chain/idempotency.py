"""Outcomes of an idempotent write that are not errors of the chain itself.

- :class:`TxPending`: broadcast, not mined within the receipt timeout (the API
  answers 202; the same Idempotency-Key asks again).
- :class:`KeyReused`: an Idempotency-Key already used for a different request.
  The use cases raise their own subclass (an HTTP 409 service error); chain code
  that finds a reused key is given that class by its caller.
"""

from __future__ import annotations

from typing import Any


class TxPending(Exception):
    """The transaction is broadcast but not mined within the receipt timeout.

    The API answers 202 with the transaction hash; repeating the request with
    the same Idempotency-Key returns the final answer once it is mined (the
    same signed transaction is re-sent, never a new one).
    """

    http_status = 202

    def __init__(self, tx_hash: str | None, idempotency_key: str) -> None:
        super().__init__(f"transaction {tx_hash} pending")
        self.tx_hash = tx_hash
        self.idempotency_key = idempotency_key

    def to_dict(self) -> dict[str, Any]:
        return {"status": "pending", "tx_hash": self.tx_hash, "idempotency_key": self.idempotency_key}


class KeyReused(Exception):
    """The Idempotency-Key was already used for a different request."""

    http_status = 409
    name = "IdempotencyKeyReused"

    def __init__(self, message: str = "", **args: Any) -> None:
        super().__init__(message or self.name)
        self.args_dict = {k: v for k, v in args.items() if v is not None}
        if message:
            self.args_dict.setdefault("reason", message)

    def to_dict(self) -> dict[str, Any]:
        return {"error": self.name, "args": self.args_dict}
