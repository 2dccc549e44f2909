"""Contract events → SQL, crash-safe and reorg-aware.

Invariants:
- Rows of a block range and the cursor that covers them are written in ONE
  database transaction: after a crash either both exist or neither, and the
  next run resumes after the cursor. Inserts use ON CONFLICT DO NOTHING on
  (tx_hash, log_index), so replays never duplicate.
- The cursor stores the hash of its block. Before each chunk the indexer
  compares it with the chain; on mismatch (a reorg, or a dev chain reverted)
  it walks back until stored rows agree with the chain, deletes everything
  above that point and rescans.
- A chunk is accepted only if the hash of its last block is the same before
  and after eth_getLogs, so logs of a fork that was replaced mid-request are
  not committed under the new fork's cursor.

RPC goes through ``w3.provider.make_request`` (raw JSON): web3's result
formatters are the bottleneck of a rebuild.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Index, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from backend.indexer.decoder import build_decoders, log_to_row
from backend.indexer.models import chain_events, indexer_cursor

log = logging.getLogger(__name__)

# progress(last_indexed_block, target_block, events_inserted_so_far)
Progress = Callable[[int, int, int], None]


class RpcError(RuntimeError):
    def __init__(self, method: str, error: Any) -> None:
        super().__init__(f"{method} failed: {error}")
        self.method = method
        self.error = error


class ChainChanged(RuntimeError):
    """The chain changed under a chunk while it was read; the caller retries."""


@dataclass(frozen=True)
class Cursor:
    block_number: int
    block_hash: str


class Indexer:
    def __init__(
        self,
        w3: Any,
        contracts: dict[str, tuple[str, list[dict[str, Any]]]],
        session_factory: Callable[[], Session],
        start_block: int,
        chunk: int = 2000,
        *,
        name: str = "main",
        reorg_depth: int = 64,
        confirmations: int = 0,
        insert_batch: int = 5000,
    ) -> None:
        if chunk < 1 or reorg_depth < 1:
            raise ValueError("chunk and reorg_depth must be >= 1")
        self.w3 = w3
        self.contracts = contracts
        self.sessions = session_factory
        self.start_block = start_block
        self.chunk = chunk
        self.name = name
        self.reorg_depth = reorg_depth
        self.confirmations = confirmations
        self.insert_batch = insert_batch
        self.addresses = sorted({addr.lower() for addr, _abi in contracts.values()})
        self._names = {addr.lower(): n for n, (addr, _abi) in contracts.items()}
        self._decoders = build_decoders(contracts)
        self._times: OrderedDict[str, int] = OrderedDict()  # block hash → timestamp (bounded LRU)
        self.reorgs_handled = 0
        self._indexes_ok = False
        self._bulk = False  # secondary indexes dropped for a rebuild's bulk load

    # -- public API ----------------------------------------------------------
    def sync(self, to_block: int | None = None, progress: Progress | None = None) -> int:
        """Index up to ``to_block`` (default: head - confirmations). Returns the
        number of log rows written in this call (rows already present, e.g. after a
        lost cursor, are skipped by the database and still counted). Safe to call
        repeatedly and after a crash."""
        if not self._bulk:
            self.ensure_indexes()
        target = to_block if to_block is not None else self._head() - self.confirmations
        inserted = 0
        chunk = self.chunk
        while True:
            cursor = self._checked_cursor()
            start = cursor.block_number + 1 if cursor else self.start_block
            if start > target:
                return inserted
            end = min(start + chunk - 1, target)
            try:
                rows, end_hash = self._read_range(start, end, cursor)
            except ChainChanged:
                continue  # re-check the cursor against the new chain, then retry
            except RpcError as exc:
                if chunk > 1 and end > start:  # e.g. "too many results": split the range
                    chunk = max(1, (end - start + 1) // 2)
                    log.info("eth_getLogs %s-%s failed (%s); retrying with chunk=%d", start, end, exc.error, chunk)
                    continue
                raise
            with self.sessions() as s, s.begin():
                self._insert(s, rows)
                self._save_cursor(s, Cursor(end, end_hash))
            inserted += len(rows)
            if progress:
                progress(end, target, inserted)

    def rebuild(self, progress: Progress | None = None) -> int:
        """Drop this indexer's rows and cursor and rescan from ``start_block``.

        When the table is empty afterwards (a fresh rebuild), the secondary indexes are
        dropped for the bulk load and built once at the end: far cheaper than updating
        ten b-trees per row. Every chunk is still committed with its cursor; a crash
        mid-rebuild leaves the indexes missing only until the next ``Indexer`` starts
        (``ensure_indexes`` runs first thing in ``sync``)."""
        with self.sessions() as s, s.begin():
            s.execute(delete(chain_events).where(chain_events.c.address.in_(self.addresses)))
            s.execute(delete(indexer_cursor).where(indexer_cursor.c.name == self.name))
            empty = s.execute(select(chain_events.c.id).limit(1)).first() is None
        self.ensure_indexes()
        if not empty:
            return self.sync(progress=progress)
        self._drop_secondary_indexes()
        try:
            return self.sync(progress=progress)
        finally:
            self.ensure_indexes(force=True)

    # Secondary indexes of chain_events (the unique (tx_hash, log_index) constraint stays:
    # it is what makes every insert idempotent).
    def _secondary_indexes(self) -> list[Index]:
        return sorted(chain_events.indexes, key=lambda ix: str(ix.name))

    def _drop_secondary_indexes(self) -> None:
        with self.sessions() as s, s.begin():
            bind = s.connection()
            for ix in self._secondary_indexes():
                ix.drop(bind, checkfirst=True)
        self._indexes_ok, self._bulk = False, True

    def ensure_indexes(self, force: bool = False) -> None:
        """Create any missing secondary index (after a bulk load, or a crash during one)."""
        if self._indexes_ok and not force:
            return
        with self.sessions() as s, s.begin():
            bind = s.connection()
            for ix in self._secondary_indexes():
                ix.create(bind, checkfirst=True)
        self._indexes_ok, self._bulk = True, False

    def follow(self, stop_event: threading.Event, interval: float = 1.0, progress: Progress | None = None) -> None:
        """Sync until ``stop_event`` is set. Node errors are logged and retried
        (reads of indexed data keep working while the node is down)."""
        while not stop_event.is_set():
            try:
                self.sync(progress=progress)
            except Exception as exc:  # keep following through node outages
                log.warning("indexer %s: sync failed: %s", self.name, exc)
            stop_event.wait(interval)

    def cursor(self) -> Cursor | None:
        with self.sessions() as s:
            row = s.execute(
                select(indexer_cursor.c.block_number, indexer_cursor.c.block_hash).where(
                    indexer_cursor.c.name == self.name
                )
            ).first()
        return Cursor(row[0], row[1]) if row else None

    # -- reading the chain -----------------------------------------------------
    def _rpc(self, method: str, params: list[Any]) -> Any:
        resp = self.w3.provider.make_request(method, params)
        if resp.get("error"):
            raise RpcError(method, resp["error"])
        return resp.get("result")

    def _head(self) -> int:
        return int(self._rpc("eth_blockNumber", []), 16)

    def _block(self, number: int) -> dict[str, Any] | None:
        blk: dict[str, Any] | None = self._rpc("eth_getBlockByNumber", [hex(number), False])
        return blk

    def _block_hash(self, number: int) -> str | None:
        blk = self._block(number)
        return blk["hash"].lower() if blk else None

    def _read_range(self, start: int, end: int, cursor: Cursor | None) -> tuple[list[dict[str, Any]], str]:
        before = self._block_hash(end)
        if before is None:
            raise ChainChanged(f"block {end} vanished")
        logs = self._rpc("eth_getLogs", [{"fromBlock": hex(start), "toBlock": hex(end), "address": self.addresses}])
        if self._block_hash(end) != before:
            raise ChainChanged(f"block {end} replaced during eth_getLogs")
        # The cursor's block must still be an ancestor: otherwise rows below
        # ``start`` are from a replaced fork and committing would hide that.
        if cursor is not None and self._block_hash(cursor.block_number) != cursor.block_hash:
            raise ChainChanged(f"cursor block {cursor.block_number} replaced")
        logs = [lg for lg in logs if not lg.get("removed")]
        if any(int(lg["blockNumber"], 16) == end and lg["blockHash"].lower() != before for lg in logs):
            raise ChainChanged(f"logs of block {end} belong to another fork")
        times = self._block_times({lg["blockHash"].lower(): int(lg["blockNumber"], 16) for lg in logs})
        rows = [log_to_row(lg, self._decoders, self._names, times[lg["blockHash"].lower()]) for lg in logs]
        return rows, before

    def _block_times(self, blocks: dict[str, int]) -> dict[str, int | None]:
        """Timestamp per block hash, fetched once per block that has logs."""
        out: dict[str, int | None] = {}
        missing = []
        for h, n in blocks.items():
            if h in self._times:
                out[h] = self._times[h]
            else:
                missing.append((h, n))
        batch = getattr(self.w3.provider, "make_batch_request", None)
        for i in range(0, len(missing), 100):
            part = missing[i : i + 100]
            if batch is not None and len(part) > 1:
                results = [r.get("result") for r in batch([("eth_getBlockByHash", [h, False]) for h, _ in part])]
            else:
                results = [self._rpc("eth_getBlockByHash", [h, False]) for h, _ in part]
            for (h, _n), blk in zip(part, results):
                ts = int(blk["timestamp"], 16) if blk else None
                out[h] = ts
                if ts is not None:
                    self._times[h] = ts
        while len(self._times) > 10_000:
            self._times.popitem(last=False)
        return out

    # -- cursor and reorgs -----------------------------------------------------
    def _checked_cursor(self) -> Cursor | None:
        cursor = self.cursor()
        if cursor is None:
            return None
        if self._block_hash(cursor.block_number) == cursor.block_hash:
            return cursor
        return self._rewind(cursor)

    def _rewind(self, cursor: Cursor) -> Cursor | None:
        """Find a block at or below which stored rows agree with the chain,
        delete everything above it and move the cursor there."""
        self.reorgs_handled += 1
        depth = self.reorg_depth
        while True:
            point = cursor.block_number - depth
            if point < self.start_block:
                log.warning("indexer %s: reorg below start block; rescanning from %d", self.name, self.start_block)
                self._reset_to(None, self.start_block - 1)
                return None
            point_hash = self._block_hash(point)
            with self.sessions() as s:
                latest = s.execute(
                    select(chain_events.c.block_number, chain_events.c.block_hash)
                    .where(chain_events.c.address.in_(self.addresses), chain_events.c.block_number <= point)
                    .order_by(chain_events.c.block_number.desc())
                    .limit(1)
                ).first()
            if point_hash is not None and (latest is None or self._block_hash(latest[0]) == latest[1]):
                log.warning(
                    "indexer %s: reorg detected at block %d; rewinding to %d",
                    self.name,
                    cursor.block_number,
                    point,
                )
                new = Cursor(point, point_hash)
                self._reset_to(new, point)
                return new
            depth *= 2

    def _reset_to(self, cursor: Cursor | None, keep_up_to: int) -> None:
        with self.sessions() as s, s.begin():
            s.execute(
                delete(chain_events).where(
                    chain_events.c.address.in_(self.addresses), chain_events.c.block_number > keep_up_to
                )
            )
            if cursor is None:
                s.execute(delete(indexer_cursor).where(indexer_cursor.c.name == self.name))
            else:
                self._save_cursor(s, cursor)

    def _save_cursor(self, s: Session, cursor: Cursor) -> None:
        values = {
            "name": self.name,
            "block_number": cursor.block_number,
            "block_hash": cursor.block_hash,
            "updated_at": datetime.now(UTC),
        }
        stmt = _dialect_insert(s)(indexer_cursor).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=[indexer_cursor.c.name],
            set_={k: stmt.excluded[k] for k in ("block_number", "block_hash", "updated_at")},
        )
        s.execute(stmt)

    def _insert(self, s: Session, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        if s.get_bind().dialect.name == "sqlite":
            # Raw executemany: one prepared statement, args serialised here exactly as the
            # JSON column type does (json.dumps), none of the per-row Core compilation.
            params = [tuple(json.dumps(r[c]) if c == "args" else r[c] for c in _INSERT_COLUMNS) for r in rows]
            conn = s.connection()
            for i in range(0, len(params), self.insert_batch):
                conn.exec_driver_sql(_SQLITE_INSERT, params[i : i + self.insert_batch])
            return
        stmt = _dialect_insert(s)(chain_events).on_conflict_do_nothing(
            index_elements=[chain_events.c.tx_hash, chain_events.c.log_index]
        )
        for i in range(0, len(rows), self.insert_batch):
            s.execute(stmt, rows[i : i + self.insert_batch])

    def count_rows(self) -> int:
        with self.sessions() as s:
            n = s.scalar(
                select(func.count()).select_from(chain_events).where(chain_events.c.address.in_(self.addresses))
            )
        return n or 0  # count(*) always returns a row


_INSERT_COLUMNS = (
    "block_number",
    "block_hash",
    "block_time",
    "tx_hash",
    "log_index",
    "contract",
    "address",
    "event",
    "args",
    "resource_id",
    "grant_id",
    "request_id",
    "incident_id",
    "department",
    "officer_hash",
    "subject_hash",
)
# column names are constants of this module, values are bound parameters
_SQLITE_INSERT = (
    f"INSERT INTO chain_events ({', '.join(_INSERT_COLUMNS)}) VALUES ({', '.join('?' for _ in _INSERT_COLUMNS)}) "  # noqa: S608
    "ON CONFLICT (tx_hash, log_index) DO NOTHING"
)


def _dialect_insert(s: Session) -> Callable[..., Any]:
    name = s.get_bind().dialect.name
    if name == "sqlite":
        return sqlite.insert
    if name == "postgresql":
        return postgresql.insert
    raise NotImplementedError(f"indexer supports sqlite and postgresql, not {name}")
