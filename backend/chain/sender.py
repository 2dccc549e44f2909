"""Signed writes: simulate, reserve a nonce, sign, persist, broadcast, await.

Guarantees (docs/architecture.md, "The backend, layer by layer"):
* a revert found by simulation raises ``ContractRevert`` and consumes no nonce;
* the outbox row (raw tx + hash) is committed before the broadcast, so a crash
  at any point loses nothing and ``reconcile()`` finishes the job;
* one idempotency key per signer = one transaction, whatever the retries;
* a receipt that does not come in time yields ``pending=True``; the same raw
  transaction may be re-sent, it is never re-signed with a new nonce.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any, cast

from eth_account.signers.local import LocalAccount
from eth_typing import ChecksumAddress, HexStr
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from web3.types import RPCEndpoint, TxParams

from backend.chain import outbox
from backend.chain.client import ChainClient
from backend.chain.errors import ChainUnavailable, ContractRevert, TxRejected, rpc_error_message
from backend.chain.outbox import FAILED, MINED, REVERTED, SENT, SIGNED, OutboxTx

log = logging.getLogger(__name__)

GAS_HEADROOM = 1.25  # estimates are taken against "pending"; leave room for state drift
UNSIMULATED_GAS_HEADROOM = 1.5  # batch gas from an earlier estimate of a batch at least as large
OFFLINE_GAS_HEADROOM = 1.5  # gas for a write queued while the node is down (no estimate possible)

_ALREADY_KNOWN = ("already known", "already imported", "known transaction", "alreadyknown", "already in pool")
# A refused nonce below a signed one is consumed by a 0-value self-transfer, stored as
# its own outbox row (fn_name GAP_FILL_FN) so a crash cannot lose it.
GAP_FILL_FN = "gapFill"
GAP_FILL_GAS = 21_000
_NONCE_TOO_LOW = ("nonce too low", "nonce is too low", "nonce_too_low", "oldnonce", "correct nonce")


@dataclass
class TxOutcome:
    status: str  # signed | sent | mined | reverted | failed
    tx_hash: str
    nonce: int
    block_number: int | None = None
    gas_used: int | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    revert: ContractRevert | None = None
    pending: bool = False  # True: not known to be mined yet; ask again later with the same key
    error: str | None = None  # status failed: why the node refused it

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "tx_hash": self.tx_hash,
            "nonce": self.nonce,
            "block_number": self.block_number,
            "gas_used": self.gas_used,
            "events": self.events,
            "revert": self.revert.to_dict() if self.revert else None,
            "pending": self.pending,
            "error": self.error,
        }

    @classmethod
    def from_row(cls, row: OutboxTx) -> TxOutcome:
        return cls(
            status=row.status,
            tx_hash=row.tx_hash,
            nonce=row.nonce,
            block_number=row.block_number,
            gas_used=row.gas_used,
            events=list(row.events or []),
            revert=ContractRevert.from_dict(row.revert) if row.revert else None,
            pending=row.status in outbox.IN_FLIGHT,
            error=row.error,
        )


class TxSender:
    def __init__(self, client: ChainClient, session_factory: sessionmaker[Session] | None = None) -> None:
        self.client = client
        sessions = session_factory or client.session_factory
        if sessions is None:
            raise ValueError("TxSender needs a session factory for the outbox")
        self.sessions: sessionmaker[Session] = sessions
        # Largest gas estimate seen per (contract, function): lets a write be queued
        # while the node is down. Unknown function + node down -> ChainUnavailable.
        self._gas_seen: dict[tuple[str, str], int] = {}
        self._gas_lock = threading.Lock()
        self._gas_by_size: dict[tuple[str, str], dict[int, int]] = {}
        # Called at the end of every reconcile() (e.g. the use batcher settles and
        # re-batches its uses); each returns counts merged into reconcile()'s answer.
        self.reconcile_hooks: list[Callable[[], dict[str, int]]] = []
        # Keys to sign gap fillers with: accounts seen by send()/store_signed(), else
        # ``account_lookup(address)`` (the app's keystore) after a restart.
        self.account_lookup: Callable[[str], LocalAccount] | None = None
        self._accounts: dict[str, LocalAccount] = {}

    # -- public ------------------------------------------------------------------------
    def send(
        self,
        account: LocalAccount,
        contract_name: str,
        fn_name: str,
        args: Sequence[Any] = (),
        idempotency_key: str | None = None,
        *,
        value: int = 0,
    ) -> TxOutcome:
        signer = account.address
        if idempotency_key is not None:
            existing = self._find(signer, idempotency_key)
            if existing is not None:
                return self._resume(existing)

        contract = self.client.contract(contract_name)
        data = contract.encode_abi(fn_name, args=list(args))
        to = contract.address
        call = {"from": signer, "to": to, "data": data, "value": value}

        try:
            self.client.ensure_chain()
            with self.client.guard():
                estimate = int(
                    self.client.w3.eth.estimate_gas(cast(TxParams, call), "pending")
                )  # ContractRevert: no nonce used
            gas = int(estimate * GAS_HEADROOM) + 10_000
            self._remember_gas(contract_name, fn_name, estimate)
            fees = self.client.fee_fields()
        except ChainUnavailable:
            # Queue it anyway when we can sign safely without the node: nonce and fees
            # already known in this process, gas learnt from earlier estimates.
            # Each of these raises ChainUnavailable again when it would need the node
            # (no estimate seen, no cached fees, nonce manager not initialised).
            gas = self._offline_gas(contract_name, fn_name)
            fees = self.client.fee_fields(allow_stale=True)

        row_id, tx_hash, nonce, raw_hex, reused = self._sign_and_store(
            account, contract_name, fn_name, idempotency_key, to, data, value, gas, fees
        )
        if reused is not None:
            return self._resume(reused)

        watcher = self.client.watcher
        fut = watcher.watch(tx_hash)  # before the broadcast: the block walk cannot miss it
        try:
            self._broadcast(raw_hex, tx_hash)
        except ChainUnavailable:
            watcher.unwatch(tx_hash)
            raise  # row stays "signed": queued for reconcile()
        except TxRejected as exc:
            watcher.unwatch(tx_hash)
            self._refused(signer, row_id, exc.reason)
            raise
        with self.sessions.begin() as s:
            outbox.mark_sent(s, row_id)
        return self._await(row_id, tx_hash, nonce, fut)

    def outcome(self, signer: str, idempotency_key: str) -> TxOutcome | None:
        """The stored outcome for a key without waiting (None if unknown)."""
        row = self._find(signer, idempotency_key)
        return TxOutcome.from_row(row) if row else None

    def reconcile(self) -> dict[str, int]:
        """Finish every signed/sent row: record receipts, re-send the SAME raw tx
        for the rest. Raises ChainUnavailable if the node is down (call again later)."""
        counts = {"mined": 0, "reverted": 0, "rebroadcast": 0, "failed": 0}
        with self.sessions() as s:
            rows = outbox.in_flight(s)
        # Nonces refused earlier (e.g. a gap filler refused too) under rows in flight:
        # fill them first, or the rows re-sent below wait in the node's future queue.
        filled = 0
        for signer in dict.fromkeys(r.signer for r in rows):
            filled += self._fill_gaps(signer)
        if filled:
            counts["gap_filled"] = filled
        for row in rows:
            receipt = self.client.get_receipt(row.tx_hash)
            if receipt is not None:
                out = self._finish(row.id, row.nonce, receipt)
                counts[out.status] += 1
                continue
            try:
                self._broadcast(row.raw_tx, row.tx_hash)
            except TxRejected as exc:
                self._refused(row.signer, row.id, exc.reason)
                counts["failed"] += 1
                continue
            with self.sessions.begin() as s:
                outbox.mark_sent(s, row.id)
            counts["rebroadcast"] += 1
        for hook in list(self.reconcile_hooks):
            counts.update(hook())
        return counts

    # -- building blocks for callers that batch (backend.chain.batching) ------------
    def simulate(
        self, account: LocalAccount, contract_name: str, fn_name: str, args: Sequence[Any]
    ) -> tuple[str, str, int]:
        """Encode and simulate a call: (to, data, gas). ContractRevert: no nonce used."""
        contract = self.client.contract(contract_name)
        data = contract.encode_abi(fn_name, args=list(args))
        call = {"from": account.address, "to": contract.address, "data": data, "value": 0}
        self.client.ensure_chain()
        with self.client.guard():
            estimate = int(self.client.w3.eth.estimate_gas(cast(TxParams, call), "pending"))
        self._remember_gas(contract_name, fn_name, estimate)
        return contract.address, data, int(estimate * GAS_HEADROOM) + 10_000

    def encode(self, contract_name: str, fn_name: str, args: Sequence[Any]) -> tuple[str, str]:
        """(to, calldata) without touching the node."""
        contract = self.client.contract(contract_name)
        return contract.address, contract.encode_abi(fn_name, args=list(args))

    def remember_sized_gas(self, contract_name: str, fn_name: str, size: int, estimate: int) -> None:
        """Record a simulation's estimate for a call whose cost grows with ``size`` (a batch)."""
        with self._gas_lock:
            seen = self._gas_by_size.setdefault((contract_name, fn_name), {})
            seen[size] = max(estimate, seen.get(size, 0))

    def sized_gas(self, contract_name: str, fn_name: str, size: int) -> int | None:
        """A gas limit for a batch of ``size`` from an estimate of a batch at least as large
        (cost is monotone in size), with extra headroom since this call is not simulated;
        None when no such estimate exists yet."""
        with self._gas_lock:
            seen = self._gas_by_size.get((contract_name, fn_name)) or {}
            fits = [e for n, e in seen.items() if n >= size]
        if not fits:
            return None
        return int(min(fits) * UNSIMULATED_GAS_HEADROOM) + 20_000

    def store_signed(
        self,
        account: LocalAccount,
        contract_name: str,
        fn_name: str,
        to: str,
        data: str,
        gas: int,
        *,
        key: str | None = None,
        with_row: Callable[[Any, int], None] | None = None,
    ) -> tuple[int, str, int, str]:
        """Reserve the nonce, sign and COMMIT the outbox row; ``with_row(session, row_id)``
        runs in the same database transaction (if it raises, nothing is stored and the
        nonce is handed out again). Returns (row_id, tx_hash, nonce, raw_hex)."""
        fees = self.client.fee_fields()
        row_id, tx_hash, nonce, raw_hex, reused = self._sign_and_store(
            account, contract_name, fn_name, key, to, data, 0, gas, fees, with_row=with_row
        )
        if reused is not None:
            raise RuntimeError(f"outbox key {key} already used")
        return row_id, tx_hash, nonce, raw_hex

    def broadcast_stored(self, signer: str, row_id: int, tx_hash: str, raw_hex: str) -> Future[Any]:
        """Watch and broadcast a stored row; returns the receipt Future.
        ChainUnavailable: the row stays queued for reconcile(). TxRejected: row failed."""
        watcher = self.client.watcher
        fut = watcher.watch(tx_hash)
        try:
            self._broadcast(raw_hex, tx_hash)
        except ChainUnavailable:
            watcher.unwatch(tx_hash)
            raise
        except TxRejected as exc:
            watcher.unwatch(tx_hash)
            self._refused(signer, row_id, exc.reason)
            raise
        # No "sent" commit here: signed and sent are both in flight and handled alike by
        # reconcile() (the same raw transaction is re-sent); the receipt's transaction
        # moves the row straight to its final status. One commit less per batch.
        return fut

    def finish(
        self, row_id: int, nonce: int, receipt: Any, with_outcome: Callable[[Any, TxOutcome], None] | None = None
    ) -> TxOutcome:
        """Record a receipt (mined or reverted, decoded); ``with_outcome(session, outcome)``
        runs in the same database transaction."""
        return self._finish(row_id, nonce, receipt, with_outcome)

    # -- steps ---------------------------------------------------------------------------
    def _sign_and_store(
        self,
        account: LocalAccount,
        contract_name: str,
        fn_name: str,
        key: str | None,
        to: str,
        data: str,
        value: int,
        gas: int,
        fees: dict[str, int],
        with_row: Callable[[Any, int], None] | None = None,
    ) -> tuple[int, str, int, str, OutboxTx | None]:
        self._accounts.setdefault(account.address, account)
        manager = self.client.nonces.for_address(account.address)
        with manager.reserve() as slot:
            if key is not None:
                # Another thread of this process may have taken the key meanwhile.
                existing = self._find(account.address, key)
                if existing is not None:
                    return existing.id, existing.tx_hash, existing.nonce, existing.raw_tx, existing
            tx = {
                "chainId": self.client.chain_id,
                "nonce": slot.nonce,
                "to": to,
                "data": data,
                "value": value,
                "gas": gas,
                **fees,
            }
            signed = account.sign_transaction(cast(Any, tx))
            raw_hex = "0x" + bytes(signed.raw_transaction).hex()
            tx_hash = "0x" + bytes(signed.hash).hex()
            row = OutboxTx(
                signer=account.address,
                idempotency_key=key,
                nonce=slot.nonce,
                contract_name=contract_name,
                fn_name=fn_name,
                to=to,
                data=data,
                raw_tx=raw_hex,
                tx_hash=tx_hash,
                status=SIGNED,
            )
            try:
                with self.sessions.begin() as s:  # COMMIT before broadcast
                    s.add(row)
                    s.flush()
                    row_id = row.id
                    if with_row is not None:
                        with_row(s, row_id)
            except IntegrityError:
                # Same key inserted by another process: the nonce stays unused.
                existing = self._find(account.address, key) if key is not None else None
                if existing is None:
                    raise
                return existing.id, existing.tx_hash, existing.nonce, existing.raw_tx, existing
            slot.commit()
            return row_id, tx_hash, slot.nonce, raw_hex, None

    def _broadcast(self, raw_hex: str, tx_hash: str) -> None:
        try:
            with self.client.guard():
                self.client.w3.eth.send_raw_transaction(HexStr(raw_hex))
            return
        except ChainUnavailable:
            raise
        except ContractRevert as exc:  # some nodes run the tx on submission
            raise TxRejected(f"rejected on submission: {exc.name}", tx_hash) from exc
        except Exception as exc:
            message = rpc_error_message(exc).lower()
            if any(m in message for m in _ALREADY_KNOWN):
                return
            if any(m in message for m in _NONCE_TOO_LOW) and self._node_knows(tx_hash):
                return  # our own transaction already took the nonce
            raise TxRejected(rpc_error_message(exc), tx_hash) from exc

    def _node_knows(self, tx_hash: str) -> bool:
        try:
            with self.client.guard():
                self.client.w3.eth.get_transaction(HexStr(tx_hash))
            return True
        except ChainUnavailable:
            raise
        except Exception:
            return False

    def _resume(self, row: OutboxTx) -> TxOutcome:
        if row.status in outbox.FINAL:
            return TxOutcome.from_row(row)
        watcher = self.client.watcher
        fut = watcher.watch(row.tx_hash, maybe_mined=True)
        if not fut.done():
            # Re-send the stored raw tx (harmless if the node has it): a retried request
            # then heals a write queued while the node was down or dropped by a restart.
            try:
                self._broadcast(row.raw_tx, row.tx_hash)
            except ChainUnavailable:
                watcher.unwatch(row.tx_hash)
                raise
            except TxRejected as exc:
                watcher.unwatch(row.tx_hash)
                self._refused(row.signer, row.id, exc.reason)
                raise
            with self.sessions.begin() as s:
                outbox.mark_sent(s, row.id)
        return self._await(row.id, row.tx_hash, row.nonce, fut)

    def _await(self, row_id: int, tx_hash: str, nonce: int, fut: Future[Any]) -> TxOutcome:
        try:
            receipt = fut.result(timeout=self.client.settings.receipt_timeout_s)
        except FutureTimeout:
            self.client.watcher.unwatch(tx_hash)
            return TxOutcome(status=SENT, tx_hash=tx_hash, nonce=nonce, pending=True)
        return self._finish(row_id, nonce, receipt)

    def _finish(
        self, row_id: int, nonce: int, receipt: Any, with_outcome: Callable[[Any, TxOutcome], None] | None = None
    ) -> TxOutcome:
        tx_hash = "0x" + bytes(receipt["transactionHash"]).hex()
        events = self.client.decode_receipt_events(receipt)
        revert: ContractRevert | None = None
        if receipt["status"] == 1:
            status = MINED
        else:
            status, events = REVERTED, []
            revert = self._replay_revert(tx_hash, receipt)
        out = TxOutcome(
            status=status,
            tx_hash=tx_hash,
            nonce=nonce,
            block_number=int(receipt["blockNumber"]),
            gas_used=int(receipt["gasUsed"]),
            events=events,
            revert=revert,
        )
        with self.sessions.begin() as s:
            outbox.mark_final(
                s,
                row_id,
                status=status,
                block_number=int(receipt["blockNumber"]),
                gas_used=int(receipt["gasUsed"]),
                events=events,
                revert=revert.to_dict() if revert else None,
            )
            if with_outcome is not None:
                with_outcome(s, out)
        return out

    def _replay_revert(self, tx_hash: str, receipt: Any) -> ContractRevert:
        """Receipts carry no revert data. Ask the node's call tracer for the exact
        output (anvil, Besu, geth); without it, re-run the call on the parent block's
        state, then on the block's own state (approximate: other txs of the block)."""
        try:
            with self.client.guard():
                trace = self.client.w3.provider.make_request(
                    RPCEndpoint("debug_traceTransaction"), [tx_hash, {"tracer": "callTracer"}]
                )
            output = (trace.get("result") or {}).get("output") if isinstance(trace, dict) else None
            if isinstance(output, str) and output.startswith("0x"):
                return self.client.errors.decode_revert(output)
        except Exception as exc:
            log.info("call tracer unavailable for %s: %s", tx_hash, type(exc).__name__)
        try:
            with self.client.guard():
                tx = self.client.w3.eth.get_transaction(HexStr(tx_hash))
            call = {"from": tx["from"], "to": tx["to"], "data": tx["input"], "value": tx["value"], "gas": tx["gas"]}
            for block in (int(receipt["blockNumber"]) - 1, int(receipt["blockNumber"])):
                try:
                    with self.client.guard():
                        self.client.w3.eth.call(cast(TxParams, call), block)
                except ContractRevert as exc:
                    return exc
        except Exception as exc:  # node down / pruned state: still a revert, just undecoded
            log.warning("could not replay reverted tx %s: %s", tx_hash, type(exc).__name__)
        return ContractRevert("Reverted", {})

    # -- helpers -------------------------------------------------------------------------
    def _find(self, signer: str, key: str) -> OutboxTx | None:
        with self.sessions() as s:
            return outbox.find_by_key(s, signer, key)

    def _refused(self, signer: str, row_id: int, reason: str) -> None:
        """The node refused a stored row for good (not a nonce problem: pool limit,
        underpriced replacement, insufficient funds...). Its nonce N never reaches the
        chain. If a later nonce of the signer is already signed, N is filled by a
        0-value self-transfer (own outbox row) so the later ones can be mined; if not,
        the nonce manager re-reads chain and outbox and hands N out again."""
        manager = self.client.nonces.for_address(signer)
        with manager.exclusive():  # no nonce is signed while we decide
            self._mark_failed(row_id, reason)
            fillers = self._sign_gap_fillers(signer)
            manager.resync()
        self._broadcast_fillers(fillers)

    def _fill_gaps(self, signer: str) -> int:
        manager = self.client.nonces.for_address(signer)
        with manager.exclusive():
            fillers = self._sign_gap_fillers(signer)
            if fillers:
                manager.resync()
        self._broadcast_fillers(fillers)
        return len(fillers)

    def _sign_gap_fillers(self, signer: str) -> list[tuple[int, str, str]]:
        """Under the signer's nonce lock: sign and COMMIT one filler row per refused
        nonce below a row in flight. Only nonces the node refused (every row at them
        failed, so none of them is in the pool) and not yet mined are filled: a row
        that may be in the pool is never re-signed. Returns [(row_id, tx_hash, raw)]."""
        with self.sessions() as s:
            gaps = outbox.gap_nonces(s, signer)
        if not gaps:
            return []
        account = self._account(signer)
        if account is None:
            log.error("nonce gap %s for %s: no key to fill it with", gaps, signer)
            return []
        try:
            with self.client.guard():
                mined = int(self.client.w3.eth.get_transaction_count(cast(ChecksumAddress, signer), "latest"))
            fees = self.client.fee_fields()
        except ChainUnavailable:
            return []  # reconcile() tries again
        out: list[tuple[int, str, str]] = []
        for nonce in (n for n in gaps if n >= mined):
            with self.sessions() as s:  # earlier fillers of this nonce, refused
                tried = (
                    s.scalar(
                        select(func.count())
                        .select_from(OutboxTx)
                        .where(OutboxTx.signer == signer, OutboxTx.nonce == nonce, OutboxTx.fn_name == GAP_FILL_FN)
                    )
                    or 0
                )
            signed = account.sign_transaction(
                cast(
                    Any,
                    {
                        "chainId": self.client.chain_id,
                        "nonce": nonce,
                        "to": signer,
                        "value": 0,
                        # +tried: a new hash when the same fees would re-create a refused filler
                        "data": "0x",
                        "gas": GAP_FILL_GAS + int(tried),
                        **fees,
                    },
                )
            )
            raw_hex = "0x" + bytes(signed.raw_transaction).hex()
            tx_hash = "0x" + bytes(signed.hash).hex()
            row = OutboxTx(
                signer=signer,
                idempotency_key=None,
                nonce=nonce,
                contract_name="",
                fn_name=GAP_FILL_FN,
                to=signer,
                data="0x",
                raw_tx=raw_hex,
                tx_hash=tx_hash,
                status=SIGNED,
            )
            with self.sessions.begin() as s:  # COMMIT before broadcast
                s.add(row)
                s.flush()
                out.append((row.id, tx_hash, raw_hex))
            log.warning("nonce %d of %s refused by the node; filling it with %s", nonce, signer, tx_hash)
        return out

    def _broadcast_fillers(self, fillers: list[tuple[int, str, str]]) -> None:
        """Send stored gap fillers; their receipts are recorded by reconcile(). A refused
        filler is marked failed and filled again by a later reconcile() (no recursion)."""
        for row_id, tx_hash, raw_hex in fillers:
            try:
                self._broadcast(raw_hex, tx_hash)
            except ChainUnavailable:
                return  # rows stay "signed": reconcile() re-sends them
            except TxRejected as exc:
                log.warning("gap filler %s refused: %s", tx_hash, exc.reason)
                self._mark_failed(row_id, exc.reason)
                continue
            with self.sessions.begin() as s:
                outbox.mark_sent(s, row_id)

    def _account(self, signer: str) -> LocalAccount | None:
        account = self._accounts.get(signer)
        if account is None and self.account_lookup is not None:
            try:
                account = self.account_lookup(signer)
            except Exception as exc:
                log.error("no key for %s: %s", signer, type(exc).__name__)
                return None
        return account

    def _mark_failed(self, row_id: int, reason: str) -> None:
        with self.sessions.begin() as s:
            outbox.mark_final(s, row_id, status=FAILED, error=reason[:500])

    def _remember_gas(self, contract_name: str, fn_name: str, estimate: int) -> None:
        with self._gas_lock:
            k = (contract_name, fn_name)
            self._gas_seen[k] = max(estimate, self._gas_seen.get(k, 0))

    def _offline_gas(self, contract_name: str, fn_name: str) -> int:
        with self._gas_lock:
            seen = self._gas_seen.get((contract_name, fn_name))
        if seen is None:
            raise ChainUnavailable("chain node unreachable and no gas estimate known for this call")
        return int(seen * OFFLINE_GAS_HEADROOM) + 10_000
