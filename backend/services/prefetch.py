"""Reads a use case needs, asked of the chain in ONE JSON-RPC batch, then served to the same
typed bindings (``Prefetched.contracts``) the use case would call anyway.

Nothing is cached beyond the one check that asked for it: each value is as fresh as a
direct read made at that moment. A read the batch did not answer (a revert, an error, a
transport without batches) is read again directly when the code asks for it, so errors and
their order stay exactly those of the direct reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from backend.chain.bindings import Contracts
from backend.chain.client import UNREAD

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

    from backend.chain.bindings import Call
    from backend.chain.client import ChainClient
    from backend.chain.sender import TxOutcome

View = tuple[str, str, tuple[Any, ...]]  # (contract, function, arguments)


class ChainOpsPort(Protocol):
    """What a batch falls back to (services.common.ChainOps): named here so this module needs no
    import of it (ChainOps.prefetch builds a Prefetched)."""

    client: ChainClient

    def shape_view(self, contract: str, fn: str, value: Any) -> Any: ...
    def view(self, contract: str, fn: str, *args: Any) -> Any: ...
    def send(
        self, account: LocalAccount, call: Call, *, op: str, key: str, strict: bool = ...
    ) -> tuple[TxOutcome, bool]: ...
    def chain_time(self) -> int: ...


class Prefetched:
    """A chain port whose views answer from one batch, falling back to ``ops``."""

    def __init__(
        self, ops: ChainOpsPort, views: Sequence[View], *, with_time: bool = False, receipts: Sequence[str] = ()
    ) -> None:
        self.ops = ops
        read = ops.client.call_many(views, with_time=with_time, receipts=receipts)
        self._time = read.time
        self._receipts = read.receipts
        self._values: dict[View, Any] = {
            (c, f, tuple(a)): r for (c, f, a), r in zip(views, read.results) if r is not UNREAD
        }
        self.contracts = Contracts(self)

    def receipt(self, tx_hash: str) -> Any | None:
        """The transaction's receipt as ``ChainClient.get_receipt`` gives it (None: not mined)."""
        key = tx_hash.lower()
        if key in self._receipts:
            return self._receipts[key]
        return self.ops.client.get_receipt(tx_hash)

    def view(self, contract: str, fn: str, *args: Any) -> Any:
        key = (contract, fn, tuple(args))
        if key in self._values:
            return self.ops.shape_view(contract, fn, self._values[key])
        return self.ops.view(contract, fn, *args)

    def send(
        self, account: LocalAccount, call: Call, *, op: str, key: str, strict: bool = True
    ) -> tuple[TxOutcome, bool]:
        return self.ops.send(account, call, op=op, key=key, strict=strict)

    def chain_time(self) -> int:
        """The latest block's timestamp when the batch was read (else read now)."""
        return self._time if self._time is not None else self.ops.chain_time()
