"""Coalesce concurrent uses of one grant into one ``recordUseBatch`` transaction.

Each use is first a durable row of ``outbox_uses`` (its Idempotency-Key unique per
signer); only then is it queued in memory. One flusher thread per signer (so the
signer's single nonce manager is kept) drains the queue of each grant into ONE
transaction: one simulation, one nonce, one signature, one outbox row (written in
the same database transaction that links the uses to it), one broadcast, one
receipt. A flush happens as soon as the flusher is free; uses that arrive while
it simulates, signs and broadcasts form the next batch (group commit), so under
load a block holds few transactions with many uses each.

Exact exhaustion: only the grantee can record uses of a grant and this process is
the only signer of its address, so the flusher knows ``used`` (from the grant view,
then from the last ``useIndex`` of each mined batch) and ``pending`` (uses in
batches not mined yet). A batch never holds more uses than ``maxUses - used -
pending``; the uses beyond it are refused with the contract's own
``UsageRightsGrantExhausted`` once nothing is in flight (a batch in flight may
still revert and give its uses back). Revoked / expired / not the grantee fail the
whole queue with the simulated revert.

Crash safety: a use is queued (no batch), batched (linked to exactly one outbox
row) or final. ``reconcile()`` (hooked into ``TxSender.reconcile``) settles batched
uses whose row is final, watches those still in flight (the row's raw transaction
is re-sent by the sender, never re-signed) and re-queues uses that no batch holds.
A batch that reverted with ``UsageRightsGrantExhausted`` had no effect on chain, so
its uses go back to queued and are decided again.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.chain import ChainUnavailable, ContractRevert, TxRejected, outbox
from backend.chain.idempotency import KeyReused, TxPending
from backend.chain.outbox import (
    USE_BATCHED,
    USE_FAILED,
    USE_MINED,
    USE_QUEUED,
    OutboxTx,
    OutboxUse,
)
from backend.chain.sender import GAS_HEADROOM, TxOutcome

if TYPE_CHECKING:  # pragma: no cover
    from eth_account.signers.local import LocalAccount

log = logging.getLogger(__name__)

MAX_BATCH = 200  # uses per transaction (~5,200 gas each: far below a block)
EXPIRY_MARGIN_S = 60  # no unsimulated batch this close to the grant's expiry
RETRY_S = 1.0  # flusher back-off while the node is down
EXHAUSTED = "UsageRightsGrantExhausted"
REQUEUE_ON = (EXHAUSTED,)  # a reverted batch for these reasons is decided again


def _h(b: bytes) -> str:
    return "0x" + bytes(b).hex()


@dataclass
class UseEntry:
    """A use known to this process (queued or in flight); ``future`` resolves to the
    use's result dict or raises its error."""

    id: int
    signer: str
    key: str
    grant_id: int
    officer: bytes
    subject: bytes
    context: bytes
    future: Future[Any] = field(default_factory=Future)
    tx_hash: str | None = None


def _new_use(
    signer: str, grant_id: int, officer: bytes, subject: bytes, context: bytes, key: str
) -> tuple[dict[str, Any], UseEntry]:
    """A fresh use: its outbox row's values and its entry (the id comes with the insert)."""
    values = {
        "signer": signer,
        "idempotency_key": key,
        "grant_id": str(grant_id),
        "officer_hash": _h(officer),
        "subject_hash": _h(subject),
        "context_ref": _h(context),
    }
    return values, UseEntry(0, signer, key, grant_id, officer, subject, context)


@dataclass
class _Batch:
    row_id: int
    nonce: int
    tx_hash: str
    grant_id: int
    entries: list[UseEntry]


@dataclass
class _GrantState:
    used: int | None = None  # usedCount known to include every mined batch of ours
    max_uses: int | None = None
    pending: int = 0  # uses in our batches not settled yet
    revoked: bool | None = None  # as of the last grant read (None: not read)
    expires_at: int | None = None
    sim_exhausted: int = 0  # consecutive simulation refusals with nothing in flight


class _Lane:
    """The flusher of one signer."""

    def __init__(self, batcher: UseBatcher, signer: str) -> None:
        self.b = batcher
        self.signer = signer
        self.queues: dict[int, list[UseEntry]] = {}
        self.grants: dict[int, _GrantState] = {}
        self.done: list[tuple[_Batch, Any]] = []  # (batch, receipt | exception)
        self.retry_at = 0.0
        self.blocked: set[int] = set()  # grants waiting for a batch in flight to settle
        self.thread = threading.Thread(target=self._run, name=f"use-batcher-{signer[:10]}", daemon=True)
        self.thread.start()

    # all state is guarded by the batcher's condition
    def _run(self) -> None:
        cond = self.b._cond
        while True:
            with cond:
                while not self.b._stopped and not self.done and not self._ready():
                    wait = None
                    if self._flushable() and self.retry_at:
                        wait = max(0.0, self.retry_at - time.monotonic())
                    cond.wait(wait)
                if self.b._stopped:
                    return
                done, self.done = self.done, []
            for batch, result in done:
                self._settle(batch, result)
            with cond:
                grants = self._flushable() if self._ready() else []
            for g in grants:
                try:
                    self._flush(g)
                except ChainUnavailable as exc:
                    self._node_down(g, exc)
                except Exception as exc:  # never let the lane die: fail this queue, keep going
                    log.exception("use batcher: flush of grant %s failed", g)
                    self._fail_queue(g, exc)

    def _ready(self) -> bool:
        return bool(self._flushable()) and time.monotonic() >= self.retry_at

    def _flushable(self) -> list[int]:
        return [g for g, q in self.queues.items() if q and g not in self.blocked]

    # -- flushing -----------------------------------------------------------------------------
    def _flush(self, grant_id: int) -> None:
        b = self.b
        with b._cond:
            st = self.grants.setdefault(grant_id, _GrantState())
            queue = self.queues.get(grant_id) or []
            if not queue:
                return
            if st.used is None and st.pending:
                self.blocked.add(grant_id)  # wait until our batches in flight settle, then read again
                return
        if st.used is None or st.max_uses is None:
            g = b.ops.view("UsageRights", "grant", grant_id)
            with b._cond:
                st.used, st.max_uses = int(g["usedCount"]), int(g["maxUses"])
                st.revoked, st.expires_at = bool(g["revoked"]), int(g["expiresAt"])
        with b._cond:
            remaining = st.max_uses - st.used - st.pending
            if remaining <= 0:
                if st.pending:
                    self.blocked.add(grant_id)  # a batch in flight may still give its uses back
                    return
                refused, self.queues[grant_id] = list(queue), []
            else:
                refused = []
                take = queue[: min(remaining, MAX_BATCH)]
        if refused:
            self._fail(refused, ContractRevert(EXHAUSTED, {"grantId": grant_id, "maxUses": st.max_uses}))
            return
        account = b.account(self.signer)
        args = [grant_id, [e.officer for e in take], [e.subject for e in take], [e.context for e in take]]
        gas = self._unsimulated_gas(st, take)
        if gas is not None:
            # The lane's own grant state shows the batch fits (not revoked when read, not
            # near expiry, used + pending + n <= maxUses, this process the only signer):
            # skip the eth_estimateGas round trip. The contract checks everything again; a
            # grant revoked meanwhile makes the batch revert on chain (its uses fail with
            # the decoded error, nothing is released) and the next batch is simulated.
            to, data = b.sender.encode("UsageRights", "recordUseBatch", args)
        else:
            try:
                to, data, gas = b.sender.simulate(account, "UsageRights", "recordUseBatch", args)
            except ContractRevert as exc:
                self._refused(grant_id, st, exc)
                return
            if st.used:  # (a first use may also pay for a fresh storage slot: not a model for later batches)
                b.sender.remember_sized_gas(
                    "UsageRights", "recordUseBatch", len(take), int((gas - 10_000) / GAS_HEADROOM)
                )
        st.sim_exhausted = 0
        ids = [e.id for e in take]

        def link(session: Session, row_id: int) -> None:
            if outbox.link_uses(session, row_id, ids) != len(ids):
                raise RuntimeError("a use is already in another batch")

        row_id, tx_hash, nonce, raw = b.sender.store_signed(
            account, "UsageRights", "recordUseBatch", to, data, gas, with_row=link
        )
        batch = _Batch(row_id, nonce, tx_hash, grant_id, take)
        with b._cond:
            q = self.queues.get(grant_id) or []
            taken = {e.id for e in take}
            self.queues[grant_id] = [e for e in q if e.id not in taken]
            st.pending += len(take)
            for e in take:
                e.tx_hash = tx_hash
            b._batches[row_id] = batch
        try:
            fut = b.sender.broadcast_stored(self.signer, row_id, tx_hash, raw)
        except ChainUnavailable as exc:
            # The row is stored: reconcile() re-sends the same raw transaction later.
            with b._cond:
                b._batches.pop(row_id, None)
                st.pending -= len(take)
                st.used = None
            b._notify_waiters(take, exc)
            self.retry_at = time.monotonic() + RETRY_S
            return
        except TxRejected as exc:
            with b._sessions.begin() as s:
                for u in outbox.uses_of_batch(s, row_id):
                    u.status, u.error = USE_FAILED, exc.reason[:500]
            with b._cond:
                b._batches.pop(row_id, None)
                st.pending -= len(take)
            self._fail(take, exc, durable=False)
            return
        self.watch(batch, fut)

    def _unsimulated_gas(self, st: _GrantState, take: list[UseEntry]) -> int | None:
        with self.b._cond:
            fits = (
                st.used is not None
                and st.used > 0
                and st.max_uses is not None
                and st.revoked is False
                and st.expires_at is not None
                and st.expires_at > time.time() + EXPIRY_MARGIN_S
                and st.used + st.pending + len(take) <= st.max_uses
            )
        if not fits:
            return None
        gas: int | None = self.b.sender.sized_gas("UsageRights", "recordUseBatch", len(take))
        return gas

    def watch(self, batch: _Batch, fut: Future[Any]) -> None:
        def done(f: Future[Any]) -> None:
            try:
                result = f.result()
            except Exception as exc:  # pragma: no cover - the watcher only sets results
                result = exc
            with self.b._cond:
                self.done.append((batch, result))
                self.b._cond.notify_all()

        fut.add_done_callback(done)

    def _refused(self, grant_id: int, st: _GrantState, exc: ContractRevert) -> None:
        b = self.b
        if exc.name == EXHAUSTED:
            with b._cond:
                st.used = None  # re-read the grant (someone else may have used it)
                if st.pending:
                    self.blocked.add(grant_id)
                    return
                st.sim_exhausted += 1
                if st.sim_exhausted < 3:
                    return  # the loop re-reads the grant and tries the fitting prefix
        b.forget_grant(grant_id)
        with b._cond:
            queue, self.queues[grant_id] = self.queues.get(grant_id) or [], []
            st.sim_exhausted = 0
        self._fail(queue, exc)

    def _node_down(self, grant_id: int, exc: ChainUnavailable) -> None:
        # Uses stay queued (durably and here); their callers hear 503 now, the same key later
        # returns the use once it is recorded.
        with self.b._cond:
            queue = list(self.queues.get(grant_id) or [])
        self.b._notify_waiters(queue, exc)
        self.retry_at = time.monotonic() + RETRY_S

    def _fail_queue(self, grant_id: int, exc: Exception) -> None:
        with self.b._cond:
            queue, self.queues[grant_id] = self.queues.get(grant_id) or [], []
        self._fail(queue, exc)

    def _fail(self, entries: list[UseEntry], exc: Exception, *, durable: bool = True) -> None:
        if durable and entries:
            revert = exc.to_dict() if isinstance(exc, ContractRevert) else None
            with self.b._sessions.begin() as s:
                for e in entries:
                    u = s.get(OutboxUse, e.id)
                    if u is not None and u.status == USE_QUEUED:
                        u.status, u.revert, u.error = USE_FAILED, revert, (None if revert else str(exc)[:500])
        self.b._finish_entries(entries, exc)

    # -- settling -----------------------------------------------------------------------------
    def _settle(self, batch: _Batch, receipt: Any) -> None:
        b = self.b
        if isinstance(receipt, Exception):
            return
        results: dict[int, dict[str, Any]] = {}

        def settle(
            s: Session, out: TxOutcome
        ) -> None:  # in the row's final transaction: no second session for the results
            results.update(b.settle_rows(s, batch.row_id, out))

        outcome = b.sender.finish(batch.row_id, batch.nonce, receipt, with_outcome=settle)
        with b._cond:
            b._batches.pop(batch.row_id, None)
            st = self.grants.setdefault(batch.grant_id, _GrantState())
            st.pending = max(0, st.pending - len(batch.entries))
            self.blocked.discard(batch.grant_id)
        if outcome.status == outbox.MINED:
            last = max((r["use_index"] or 0) for r in results.values()) if results else 0
            with b._cond:
                if st.used is not None:
                    st.used = max(st.used, last)
                if st.max_uses is not None and last >= st.max_uses:
                    b.forget_grant(batch.grant_id)
            for e in batch.entries:
                r = results.get(e.id)
                b._finish_entries([e], r if r is not None else RuntimeError("use missing from its batch"))
            return
        revert = outcome.revert or ContractRevert("Reverted", {})
        b.forget_grant(batch.grant_id)
        with b._cond:
            st.used = None
        if revert.name in REQUEUE_ON:
            with b._cond:  # uses went back to queued in the same transaction: decide again
                q = self.queues.setdefault(batch.grant_id, [])
                self.queues[batch.grant_id] = [*batch.entries, *q]
                for e in batch.entries:
                    e.tx_hash = None
                b._cond.notify_all()
            return
        b._finish_entries(batch.entries, revert)


GROUP_COMMIT_MAX = 500  # rows per group commit (one SQLite transaction)


class _GroupCommitter:
    """One thread that inserts the ``outbox_uses`` rows of all uses waiting for it in ONE
    transaction (group commit). Callers block until their row is committed (or refused
    for a duplicate key); committed entries are queued for their lane in the same step,
    so the flusher sees a whole group at once. A constraint violation in a group falls
    back to one transaction per row, so exactly the duplicates are refused."""

    def __init__(self, batcher: UseBatcher) -> None:
        self.b = batcher
        self._cond = threading.Condition()
        self._waiting: list[tuple[dict[str, Any], UseEntry, Future[bool]]] = []
        self._stopped = False
        self._thread: threading.Thread | None = None

    def commit(self, values: dict[str, Any], entry: UseEntry) -> bool:
        """True once the row is committed (entry.id set, entry queued); False when the
        (signer, key) exists already. Raises the database error otherwise."""
        return self._put(values, entry).result()

    async def commit_async(self, values: dict[str, Any], entry: UseEntry) -> bool:
        """As :meth:`commit`, awaited on the event loop instead of blocking a thread: the
        answer still comes only once the group's transaction is COMMITTED."""
        return await asyncio.wrap_future(self._put(values, entry))

    def _put(self, values: dict[str, Any], entry: UseEntry) -> Future[bool]:
        fut: Future[bool] = Future()
        with self._cond:
            self._stopped = False  # like the lanes: a submit after stop() starts it again
            self._waiting.append((values, entry, fut))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="use-outbox-commit", daemon=True)
                self._thread.start()
            self._cond.notify()
        return fut

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        t = self._thread
        if t is not None and t is not threading.current_thread():
            t.join(timeout=5)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._waiting and not self._stopped:
                    self._cond.wait()
                if not self._waiting:  # stopped and drained
                    if self._thread is threading.current_thread():
                        self._thread = None
                    return
                group, self._waiting = self._waiting[:GROUP_COMMIT_MAX], self._waiting[GROUP_COMMIT_MAX:]
            try:
                self._commit_group(group)
            except BaseException as exc:  # never leave a caller hanging
                for _v, _e, fut in group:
                    if not fut.done():
                        fut.set_exception(exc)

    def _commit_group(self, group: list[tuple[dict[str, Any], UseEntry, Future[bool]]]) -> None:
        sessions = self.b._sessions
        ok: list[tuple[UseEntry, Future[bool]]] = []
        try:
            with sessions.begin() as s:  # ONE COMMIT for the whole group
                # Core INSERT … RETURNING id (ids in parameter order): no ORM unit of work
                # for rows this process never reads back as objects.
                stmt = insert(OutboxUse).returning(OutboxUse.id, sort_by_parameter_order=True)
                ids = s.execute(stmt, [{**v, "status": USE_QUEUED} for v, _e, _f in group]).scalars().all()
                if len(ids) != len(group):  # pragma: no cover - RETURNING always answers every row
                    raise RuntimeError("group commit: ids missing from RETURNING")
                for row_id, (_v, e, fut) in zip(ids, group):
                    e.id = int(row_id)
                    ok.append((e, fut))
        except IntegrityError:
            ok = []
            for v, e, fut in group:  # find exactly the duplicates: one transaction per row
                try:
                    with sessions.begin() as s:
                        row = OutboxUse(**v, status=USE_QUEUED)
                        s.add(row)
                        s.flush()
                        e.id = row.id
                    ok.append((e, fut))
                except IntegrityError:
                    fut.set_result(False)
                except BaseException as exc:
                    fut.set_exception(exc)
        self.b._enqueue_many([e for e, _f in ok])
        for _e, fut in ok:
            fut.set_result(True)


class UseBatcher:
    def __init__(
        self,
        sender: Any,
        client: Any,
        account_for: Callable[[str], Any],
        ops: Any,
        *,
        on_grant_change: Callable[[int], None] | None = None,
        on_mined: Callable[[int], None] | None = None,
        key_reused: type[KeyReused] = KeyReused,
    ) -> None:
        """``sender``/``client``: the chain's TxSender and ChainClient; ``account_for``: signer
        address → its account; ``ops.view(contract, fn, *args)``: contract views;
        ``key_reused``: the exception raised for a reused Idempotency-Key."""
        self.client = client
        self._account_for = account_for
        self._key_reused = key_reused
        self._on_mined = on_mined  # told the block of every mined batch (the read model waits for it)
        self.ops = ops
        self.sender = sender
        self._sessions = sender.sessions
        self._cond = threading.Condition()
        self._lanes: dict[str, _Lane] = {}
        self._known: dict[int, UseEntry] = {}  # outbox_uses.id -> entry (not final yet)
        self._batches: dict[int, _Batch] = {}  # outbox.id -> batch in flight (watched)
        self._stopped = False
        self._on_grant_change = on_grant_change
        self._committer = _GroupCommitter(self)
        self.sender.reconcile_hooks.append(self.reconcile)

    # -- API for the usage service ----------------------------------------------------------------
    def submit(
        self, account: LocalAccount, grant_id: int, officer: bytes, subject: bytes, context: bytes, key: str
    ) -> tuple[UseEntry | dict[str, Any], bool]:
        """Durably record the use, then queue it. Returns (entry or stored final row as
        {"result"|"error"}, replay). IdempotencyKeyReused if the key named another use.

        The insert is group-committed: uses that arrive together share ONE database
        transaction, and this call returns only after that transaction is COMMITTED
        (durable before anything is signed, broadcast or answered)."""
        signer = account.address
        values, entry = _new_use(signer, grant_id, officer, subject, context, key)
        if not self._committer.commit(values, entry):  # the key is taken (unique per signer)
            return self._replay(account, grant_id, officer, subject, context, key), True
        return entry, False

    async def submit_async(
        self, signer: str, grant_id: int, officer: bytes, subject: bytes, context: bytes, key: str
    ) -> UseEntry | None:
        """The fresh-key case of :meth:`submit` on the event loop: the entry once its row is
        COMMITTED (and queued), or None when the key is taken; the caller then goes through
        :meth:`submit` (in a thread), which answers the replay."""
        values, entry = _new_use(signer, grant_id, officer, subject, context, key)
        if not await self._committer.commit_async(values, entry):
            return None
        return entry

    def wait(self, entry: UseEntry, timeout: float | None = None) -> dict[str, Any]:
        """The use's result (mined). Raises its ContractRevert / TxRejected / ChainUnavailable,
        or TxPending when the receipt has not come in time (same key asks again)."""
        if timeout is None:
            timeout = self.client.settings.receipt_timeout_s
        fut = entry.future
        try:
            result: dict[str, Any] = fut.result(timeout=timeout)
        except FutureTimeout:
            raise TxPending(entry.tx_hash, entry.key.partition(":")[2] or entry.key) from None
        return result

    def status(self, signer: str, key: str) -> dict[str, Any] | None:
        with self._sessions() as s:
            row = outbox.find_use(s, signer, key)
            return None if row is None else self.row_view(s, row)

    def forget_grant(self, grant_id: int) -> None:
        if self._on_grant_change is not None:
            try:
                self._on_grant_change(grant_id)
            except Exception:  # pragma: no cover
                pass

    def invalidate_grant(self, grant_id: int) -> None:
        """The grant changed (e.g. revoked through this process): every lane reads it again
        and simulates its next batch."""
        with self._cond:
            for lane in self._lanes.values():
                st = lane.grants.get(int(grant_id))
                if st is not None:
                    st.used, st.revoked = None, None

    def account(self, signer: str) -> LocalAccount:
        account: LocalAccount = self._account_for(signer)
        return account

    def stop(self) -> None:
        self._committer.stop()
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
            lanes = list(self._lanes.values())
        for lane in lanes:
            if lane.thread is not threading.current_thread():
                lane.thread.join(timeout=5)

    # -- crash recovery ----------------------------------------------------------------------------
    def reconcile(self) -> dict[str, int]:
        """Settle batched uses of final rows, watch rows in flight, re-queue unbatched uses.
        Runs after TxSender.reconcile (which re-sent the raw transactions of rows in flight)."""
        counts = {"uses_settled": 0, "uses_requeued": 0, "use_batches_watched": 0}
        with self._sessions() as s:
            batched = outbox.uses_in_state(s, USE_BATCHED)
            queued = outbox.uses_in_state(s, USE_QUEUED)
            rows = {
                r.id: r for r in s.scalars(select(OutboxTx).where(OutboxTx.id.in_({u.batch_tx_id for u in batched})))
            }
        by_batch: dict[int, list[OutboxUse]] = {}
        for u in batched:
            if u.batch_tx_id is None:  # (no outbox row: skipped below as well)
                continue
            by_batch.setdefault(u.batch_tx_id, []).append(u)
        for row_id, uses in by_batch.items():
            row = rows.get(row_id)
            if row is None:
                continue
            with self._cond:
                if row_id in self._batches:
                    continue  # watched by its lane
            if row.status in outbox.FINAL:
                self._settle_final(row)
                counts["uses_settled"] += len(uses)
                continue
            entries = [self._entry_for(u) for u in sorted(uses, key=lambda x: x.position or 0)]
            batch = _Batch(row.id, row.nonce, row.tx_hash, int(uses[0].grant_id), entries)
            lane = self._lane(row.signer)
            with self._cond:
                self._batches[row.id] = batch
                st = lane.grants.setdefault(batch.grant_id, _GrantState())
                st.pending += len(entries)
                st.used = None
            lane.watch(batch, self.client.watcher.watch(row.tx_hash, maybe_mined=True))
            counts["use_batches_watched"] += 1
        for u in queued:
            with self._cond:
                if u.id in self._known:
                    continue
            self._enqueue(self._entry_for(u))
            counts["uses_requeued"] += 1
        return counts

    # -- internals -----------------------------------------------------------------------------------
    def _lane(self, signer: str) -> _Lane:
        with self._cond:
            lane = self._lanes.get(signer)
            if lane is None or not lane.thread.is_alive():
                self._stopped = False
                lane = self._lanes[signer] = _Lane(self, signer)
            return lane

    def _enqueue(self, entry: UseEntry) -> UseEntry:
        lane = self._lane(entry.signer)
        with self._cond:
            known = self._known.get(entry.id)
            if known is not None:
                return known
            self._known[entry.id] = entry
            lane.queues.setdefault(entry.grant_id, []).append(entry)
            self._cond.notify_all()
        return entry

    def _enqueue_many(self, entries: list[UseEntry]) -> None:
        """Queue freshly committed uses (one wake-up for the whole group)."""
        if not entries:
            return
        lanes = {e.signer: self._lane(e.signer) for e in entries}
        with self._cond:
            for e in entries:
                if e.id in self._known:
                    continue
                self._known[e.id] = e
                lanes[e.signer].queues.setdefault(e.grant_id, []).append(e)
            self._cond.notify_all()

    def _entry_for(self, u: OutboxUse) -> UseEntry:
        with self._cond:
            known = self._known.get(u.id)
            if known is not None:
                return known
            e = UseEntry(
                u.id,
                u.signer,
                u.idempotency_key,
                int(u.grant_id),
                bytes.fromhex(u.officer_hash[2:]),
                bytes.fromhex(u.subject_hash[2:]),
                bytes.fromhex(u.context_ref[2:]),
            )
            if u.status == USE_BATCHED:
                self._known[u.id] = e
            return e

    def _replay(
        self, account: LocalAccount, grant_id: int, officer: bytes, subject: bytes, context: bytes, key: str
    ) -> UseEntry | dict[str, Any]:
        with self._sessions() as s:
            row = outbox.find_use(s, account.address, key)
            if row is None:  # pragma: no cover - IntegrityError without a row
                raise self._key_reused("this Idempotency-Key was used for a different request", key=key)
            same = (row.grant_id, row.officer_hash, row.subject_hash, row.context_ref) == (
                str(grant_id),
                _h(officer),
                _h(subject),
                _h(context),
            )
            if not same:
                raise self._key_reused(
                    "this Idempotency-Key was used for a different request", key=key.partition(":")[2] or key
                )
            if row.status in (USE_MINED, USE_FAILED):
                return self.row_view(s, row)
            with self._cond:
                known = self._known.get(row.id)
            if known is not None:
                return known
            status = row.status
        if status == USE_QUEUED:
            return self._enqueue(self._entry_for(row))
        # batched but not watched in this process (e.g. after a restart): reconcile picks it up
        self.reconcile()
        with self._cond:
            known = self._known.get(row.id)
        if known is not None:
            return known
        return self.status(account.address, key) or {"status": "pending"}

    def _notify_waiters(self, entries: list[UseEntry], exc: Exception) -> None:
        """Tell current waiters (503 now) while the uses stay queued: fresh futures for later."""
        with self._cond:
            olds = []
            for e in entries:
                olds.append(e.future)
                e.future = Future()
        for f in olds:
            if not f.done():
                f.set_exception(exc)

    def _finish_entries(self, entries: list[UseEntry], result: Any) -> None:
        with self._cond:
            for e in entries:
                self._known.pop(e.id, None)
        for e in entries:
            if e.future.done():
                e.future = Future()
            if isinstance(result, BaseException):
                e.future.set_exception(result)
            else:
                e.future.set_result(result)

    def settle_rows(self, s: Session, row_id: int, out: TxOutcome) -> dict[int, dict[str, Any]]:
        """In the batch row's final transaction: mark its uses mined (useIndex from the
        batch's UseRecorded events, by position), re-queue them, or fail them. Returns
        the views of the uses mined by this row, by outbox_uses id."""
        uses = outbox.uses_of_batch(s, row_id)
        mined: dict[int, dict[str, Any]] = {}
        if out.status == outbox.MINED:
            recorded = [ev["args"] for ev in out.events if ev.get("event") == "UseRecorded"]
            for u in uses:
                if u.status != USE_BATCHED:
                    continue
                ev = recorded[u.position] if u.position is not None and u.position < len(recorded) else None
                u.status, u.tx_hash, u.block_number = USE_MINED, out.tx_hash, out.block_number
                u.use_index = int(ev["useIndex"]) if ev else None
                u.event = ev
            mined = {u.id: self.row_view(s, u) for u in uses if u.status == USE_MINED}
            if self._on_mined is not None and out.block_number is not None:
                self._on_mined(int(out.block_number))
        else:
            revert = out.revert or ContractRevert("Reverted", {})
            if revert.name in REQUEUE_ON:
                outbox.requeue_batch(s, row_id)
            else:
                for u in uses:
                    if u.status == USE_BATCHED:
                        u.status, u.tx_hash, u.block_number = USE_FAILED, out.tx_hash, out.block_number
                        u.revert = revert.to_dict()
                        if out.status == outbox.FAILED:
                            u.error = out.error
        return mined

    def _settle_final(self, row: OutboxTx) -> None:

        out = TxOutcome.from_row(row)
        with self._sessions.begin() as s:
            self.settle_rows(s, row.id, out)
            uses = outbox.uses_of_batch(s, row.id)
            views = {u.id: (u, self.row_view(s, u)) for u in uses}
        for uid, (u, view) in views.items():
            with self._cond:
                e = self._known.pop(uid, None) if view["status"] == "queued" else self._known.get(uid)
            if view["status"] == "queued":  # its batch reverted for a reason that may pass: decide again
                if e is not None:
                    e.tx_hash = None
                self._enqueue(e or self._entry_for(u))
            elif e is not None:
                self._finish_entries([e], _result_or_error(view))

    def results_for(self, row_id: int) -> dict[int, dict[str, Any]]:
        with self._sessions() as s:
            return {u.id: self.row_view(s, u) for u in outbox.uses_of_batch(s, row_id) if u.status == USE_MINED}

    @staticmethod
    def row_view(_s: Session, row: OutboxUse) -> dict[str, Any]:
        ev = row.event or {}
        return {
            "status": {USE_QUEUED: "queued", USE_BATCHED: "pending"}.get(row.status, row.status),
            "grant_id": int(row.grant_id),
            "use_index": row.use_index,
            "officer_hash": ev.get("officerHash", row.officer_hash),
            "subject_hash": ev.get("subjectHash", row.subject_hash),
            "context_ref": ev.get("contextRef", row.context_ref),
            "tx_hash": row.tx_hash,
            "block_number": row.block_number,
            "revert": row.revert,
            "error": row.error,
        }


def _result_or_error(view: dict[str, Any]) -> dict[str, Any] | Exception:
    if view["status"] == USE_MINED:
        return view
    if view.get("revert"):
        return ContractRevert.from_dict(view["revert"])
    if view["status"] == USE_FAILED:
        return TxRejected(view.get("error") or "transaction refused by the node", view.get("tx_hash"))
    return view


def result_or_raise(value: UseEntry | dict[str, Any], batcher: UseBatcher, key: str = "") -> dict[str, Any]:
    """A stored row view → its result, or raise its stored error (same answer as the first time)."""
    if isinstance(value, UseEntry):
        return batcher.wait(value)
    r = _result_or_error(value)
    if isinstance(r, Exception):
        raise r
    if r.get("status") != USE_MINED:
        raise TxPending(r.get("tx_hash"), key)
    return r


__all__ = ["MAX_BATCH", "UseBatcher", "UseEntry", "result_or_raise"]
