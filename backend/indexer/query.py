"""The read model: every list, history and lookup of past events reads here.

``EventIndex`` is the repository over the SQL index the indexer fills
(``chain_events`` + its cursor). Nothing outside ``backend.indexer`` asks the
node for logs: the use cases read past events from here and current state from
contract views.

Freshness: ``indexed_to_block()`` is the last fully indexed block (the
cursor); list/history answers carry it as ``indexed_to_block``. Read-your-write:
every chain write of this process reports its mined block (``note_write``);
``fresh()`` waits (bounded by ``wait_s``) until the index reaches the highest
such block, waking the indexer thread, and raises :class:`IndexBehind` when it
does not get there in time (the API answers 503). Without a running indexer
thread (CLI, scripts) ``fresh()`` catches up inline instead.

Results are in chain order (block_number, log_index). Every filter column has
a composite index ending in (block_number, log_index), so a filter plus
LIMIT/OFFSET is an index range scan.

``event_json`` is the one JSON shape of an indexed event (args use the
decoder's encoding, see ``backend.indexer.decoder.to_json``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from eth_utils import to_checksum_address
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from backend.indexer.models import chain_events, indexer_cursor

MAX_LIMIT = 1000


def _unix(t: int | datetime | None) -> int | None:
    if t is None or isinstance(t, int):
        return t
    return int(t.timestamp())


def _hex32(v: bytes | str) -> str:
    if isinstance(v, (bytes, bytearray)):
        return "0x" + bytes(v).hex()
    v = v.lower()
    return v if v.startswith("0x") else "0x" + v


def _id(v: int | str | bytes) -> str:
    """Ids are stored as decimal strings (uint) or 0x-hex (bytes32)."""
    if isinstance(v, (bytes, bytearray)):
        return _hex32(v)
    if isinstance(v, int):
        return str(v)
    return v.lower() if v.startswith("0x") else v


def query_events(
    session: Session,
    resource_id: int | str | bytes | None = None,
    grant_id: int | str | bytes | None = None,
    department: str | None = None,
    officer_hash: bytes | str | None = None,
    subject_hash: bytes | str | None = None,
    event: str | None = None,
    from_time: int | datetime | None = None,
    to_time: int | datetime | None = None,
    limit: int = 100,
    offset: int = 0,
    *,
    request_id: int | str | None = None,
    incident_id: int | str | None = None,
    contract: str | None = None,
) -> list[dict[str, Any]]:
    """Events matching every given filter, oldest first. Times are unix
    seconds (or aware datetimes), inclusive on both ends."""
    if not 0 < limit <= MAX_LIMIT:
        raise ValueError(f"limit must be in 1..{MAX_LIMIT}")
    if offset < 0:
        raise ValueError("offset must be >= 0")
    c = chain_events.c
    stmt = select(
        c.block_number,
        c.block_time,
        c.block_hash,
        c.tx_hash,
        c.log_index,
        c.contract,
        c.address,
        c.event,
        c.args,
        c.resource_id,
        c.grant_id,
        c.request_id,
        c.incident_id,
        c.department,
        c.officer_hash,
        c.subject_hash,
    )
    if resource_id is not None:
        stmt = stmt.where(c.resource_id == _id(resource_id))
    if grant_id is not None:
        stmt = stmt.where(c.grant_id == _id(grant_id))
    if request_id is not None:
        stmt = stmt.where(c.request_id == _id(request_id))
    if incident_id is not None:
        stmt = stmt.where(c.incident_id == _id(incident_id))
    if department is not None:
        stmt = stmt.where(c.department == department.lower())
    if officer_hash is not None:
        stmt = stmt.where(c.officer_hash == _hex32(officer_hash))
    if subject_hash is not None:
        stmt = stmt.where(c.subject_hash == _hex32(subject_hash))
    if event is not None:
        stmt = stmt.where(c.event == event)
    if contract is not None:
        stmt = stmt.where(c.contract == contract)
    if from_time is not None:
        stmt = stmt.where(c.block_time >= _unix(from_time))
    if to_time is not None:
        stmt = stmt.where(c.block_time <= _unix(to_time))
    stmt = stmt.order_by(c.block_number, c.log_index).limit(limit).offset(offset)
    return [dict(r._mapping) for r in session.execute(stmt)]


# ----------------------------------------------------------------------------- one JSON shape
def iso(ts: int | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")


@lru_cache(maxsize=4096)
def _checksum(address: str) -> str:
    """Few distinct addresses, many rows: checksumming (keccak) once per address."""
    return to_checksum_address(address)


def event_json(m: Any) -> dict[str, Any]:
    """One chain_events row → its JSON form (the audit trail item, the console's rows)."""
    dept = m["department"]
    return {
        "block_number": int(m["block_number"]),
        "block_hash": m["block_hash"],
        "block_time": None if m["block_time"] is None else int(m["block_time"]),
        "time": iso(m["block_time"]),
        "tx_hash": m["tx_hash"],
        "log_index": int(m["log_index"]),
        "contract": m["contract"],
        "address": _checksum(m["address"]),
        "event": m["event"],
        "args": m["args"],
        "resource_id": m["resource_id"],
        "grant_id": m["grant_id"],
        "request_id": m["request_id"],
        "incident_id": m["incident_id"],
        "department": _checksum(dept) if dept else None,
        "officer_hash": m["officer_hash"],
        "subject_hash": m["subject_hash"],
    }


# ----------------------------------------------------------------------------- the repository
class IndexBehind(Exception):
    """The index did not reach ``needed_block`` within the bounded wait."""

    http_status = 503
    name = "IndexBehind"

    def __init__(self, needed_block: int, indexed_to_block: int | None) -> None:
        super().__init__(f"the event index is at block {indexed_to_block}, block {needed_block} is needed")
        self.needed_block = needed_block
        self.indexed_to_block = indexed_to_block

    def to_dict(self) -> dict[str, Any]:
        return {
            "error": self.name,
            "args": {"needed_block": self.needed_block, "indexed_to_block": self.indexed_to_block},
        }


_ARG_COLUMNS = {
    "resourceId": "resource_id",
    "grantId": "grant_id",
    "requestId": "request_id",
    "incidentId": "incident_id",
    "officerHash": "officer_hash",
    "subjectHash": "subject_hash",
}
_SELECT = (
    chain_events.c.block_number,
    chain_events.c.block_hash,
    chain_events.c.block_time,
    chain_events.c.tx_hash,
    chain_events.c.log_index,
    chain_events.c.contract,
    chain_events.c.address,
    chain_events.c.event,
    chain_events.c.args,
    chain_events.c.resource_id,
    chain_events.c.grant_id,
    chain_events.c.request_id,
    chain_events.c.incident_id,
    chain_events.c.department,
    chain_events.c.officer_hash,
    chain_events.c.subject_hash,
)


def _same(a: Any, b: Any) -> bool:
    if isinstance(b, (list, tuple, set, frozenset)):
        return any(_same(a, x) for x in b)
    if isinstance(b, (bytes, bytearray)):
        b = "0x" + bytes(b).hex()
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()
    if isinstance(b, bool) or isinstance(a, bool):
        return bool(a == b)
    try:
        return int(a) == int(b)
    except (TypeError, ValueError):
        return str(a).lower() == str(b).lower()


Ids = int | str | tuple[int | str, ...] | None


@dataclass(frozen=True)
class EventFilter:
    """Every given field must match (AND); a tuple means any of its values. Times are
    inclusive unix seconds. ``scope_*`` (when ``scoped``) restrict rows to those about a
    department: its own rows, rows of the given resources, rows of the given grants (OR)."""

    resource_id: Ids = None
    grant_id: Ids = None
    request_id: Ids = None
    incident_id: Ids = None
    department: str | None = None
    officer_hash: str | None = None
    subject_hash: str | None = None
    event: str | tuple[str, ...] | None = None
    contract: str | None = None
    from_time: int | None = None
    to_time: int | None = None
    scoped: bool = False
    scope_department: str | None = None
    scope_resources: tuple[str, ...] = ()
    scope_grants: tuple[str, ...] = ()
    # with a subject_hash filter, rows of these events are left out (a caller who may not see
    # their subject hash must not find them by it either)
    subject_hidden_events: tuple[str, ...] = ()

    def conditions(self) -> list[Any]:
        c = chain_events.c
        out: list[Any] = []
        for name in ("resource_id", "grant_id", "request_id", "incident_id"):
            v = getattr(self, name)
            if isinstance(v, tuple):
                out.append(getattr(c, name).in_([_id(x) for x in v]))
            elif v is not None:
                out.append(getattr(c, name) == _id(v))
        if self.department is not None:
            out.append(c.department == self.department.lower())
        if self.officer_hash is not None:
            out.append(c.officer_hash == _hex32(self.officer_hash))
        if self.subject_hash is not None:
            out.append(c.subject_hash == _hex32(self.subject_hash))
            if self.subject_hidden_events:
                out.append(c.event.notin_(self.subject_hidden_events))
        if isinstance(self.event, tuple):
            out.append(c.event.in_(self.event))
        elif self.event is not None:
            out.append(c.event == self.event)
        if self.contract is not None:
            out.append(c.contract == self.contract)
        if self.from_time is not None:
            out.append(c.block_time >= self.from_time)
        if self.to_time is not None:
            out.append(c.block_time <= self.to_time)
        if self.scoped:
            parts = []
            if self.scope_department is not None:
                parts.append(c.department == self.scope_department.lower())
            if self.scope_resources:
                parts.append(c.resource_id.in_(list(self.scope_resources)))
            if self.scope_grants:
                parts.append(c.grant_id.in_(list(self.scope_grants)))
            out.append(or_(*parts) if parts else c.id.is_(None))
        return out


class EventIndex:
    """Queries over the indexed events, with freshness and the read-your-write wait."""

    def __init__(self, sessions: Callable[[], Session], *, name: str = "main", wait_s: float = 10.0) -> None:
        self.sessions = sessions
        self.name = name
        self.wait_s = wait_s
        self.follower: Any = None  # the running indexer thread: has is_alive(), wake()
        self.catch_up: Callable[[int], None] | None = None  # inline sync when no thread follows
        self._written = 0  # highest block mined by a write of this process
        self._lock = threading.Lock()

    # -- freshness -------------------------------------------------------------------------
    def indexed_to_block(self) -> int | None:
        with self.sessions() as s:
            return s.scalar(select(indexer_cursor.c.block_number).where(indexer_cursor.c.name == self.name))

    def note_write(self, block: int | None) -> None:
        """A chain write of this process was mined in ``block``: later reads must see it."""
        if block is None:
            return
        with self._lock:
            if block > self._written:
                self._written = int(block)

    @property
    def written_block(self) -> int:
        return self._written

    def wait_for(self, block: int, timeout: float | None = None) -> int | None:
        """Block until the index covers ``block``; returns indexed_to_block, or raises IndexBehind."""
        follower = self.follower
        # A follower that reports its rounds (IndexerThread) is waited on: the reader wakes as
        # soon as a round commits, instead of sleeping through a back-off between DB polls.
        # The mark is taken BEFORE each read of the cursor, so no round goes unnoticed.
        marks = getattr(follower, "progress_mark", None)
        mark = marks() if marks is not None else None
        at = self.indexed_to_block()
        if block <= 0 or (at is not None and at >= block):
            return at
        if follower is None and self.catch_up is not None:  # no indexer thread (CLI, scripts): index inline
            self.catch_up(block)
            at = self.indexed_to_block()
            if at is not None and at >= block:
                return at
            raise IndexBehind(block, at)
        deadline = time.monotonic() + (self.wait_s if timeout is None else timeout)
        delay = 0.01
        while True:
            if follower is not None and follower.is_alive():
                follower.wake()
            left = deadline - time.monotonic()
            if left <= 0:
                raise IndexBehind(block, at)
            if mark is not None:
                follower.wait_progress(mark, min(left, 0.2))  # 0.2 s: another process may move the cursor
                mark = follower.progress_mark()
            else:
                time.sleep(min(delay, left))
                delay = min(delay * 2, 0.2)
            at = self.indexed_to_block()
            if at is not None and at >= block:
                return at

    def following_fails(self) -> bool:
        """True while the indexer thread's last rounds failed (node down): answers may be stale."""
        f = self.follower
        try:
            return bool(f is not None and f.status().get("failures"))
        except Exception:
            return False

    def fresh(self) -> int | None:
        """indexed_to_block, after waiting for every write this process made (read-your-write)."""
        return self.wait_for(self._written)

    # -- queries -----------------------------------------------------------------------------
    def events(
        self,
        contract: str | None = None,
        event: str | Iterable[str] | None = None,
        *,
        args: dict[str, Any] | None = None,
        tx_hash: str | None = None,
        newest_first: bool = False,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Indexed events (chain order, or newest first) whose args match ``args``: a value
        matches case-insensitively and numerically; a list/tuple value means any of them.
        Id args (resourceId, grantId, ...) filter in SQL on their indexed columns."""
        c = chain_events.c
        stmt = select(*_SELECT)
        if contract is not None:
            stmt = stmt.where(c.contract == contract)
        if isinstance(event, str):
            stmt = stmt.where(c.event == event)
        elif event is not None:
            stmt = stmt.where(c.event.in_(list(event)))
        if tx_hash is not None:
            stmt = stmt.where(c.tx_hash == tx_hash.lower())
        rest: dict[str, Any] = {}
        for k, v in (args or {}).items():
            col = _ARG_COLUMNS.get(k)
            if col is not None and v is not None:
                vals = v if isinstance(v, (list, tuple, set, frozenset)) else [v]
                stmt = stmt.where(getattr(c, col).in_([_id(x) for x in vals]))
            elif v is not None:
                rest[k] = v
        order = (c.block_number.desc(), c.log_index.desc()) if newest_first else (c.block_number, c.log_index)
        stmt = stmt.order_by(*order)
        if limit is not None and not rest:
            stmt = stmt.limit(limit)
        out = []
        with self.sessions() as s:
            for r in s.execute(stmt):
                m = dict(r._mapping)
                a = m["args"] or {}
                if all(k in a and _same(a[k], v) for k, v in rest.items()):
                    out.append(m)
                    if limit is not None and len(out) >= limit:
                        break
        return out

    def first(
        self, contract: str | None = None, event: str | Iterable[str] | None = None, **args: Any
    ) -> dict[str, Any] | None:
        rows = self.events(contract, event, args=args, limit=1)
        return rows[0] if rows else None

    def ids(self, contract: str, event: str | Iterable[str], id_arg: str, **args: Any) -> list[int]:
        """Distinct integer ``id_arg`` values of the matching events, newest first."""
        return sorted({int(e["args"][id_arg]) for e in self.events(contract, event, args=args)}, reverse=True)

    def count(self, flt: EventFilter | None = None, **columns: Any) -> int:
        """Rows matching ``flt`` and whose indexed columns equal the given values."""
        stmt = (
            select(func.count())
            .select_from(chain_events)
            .where(*(EventFilter(**columns) if flt is None else flt).conditions())
        )
        with self.sessions() as s:
            return int(s.scalar(stmt) or 0)

    def select(
        self, flt: EventFilter, *, newest_first: bool = False, limit: int | None = None, offset: int = 0
    ) -> list[dict[str, Any]]:
        """Rows matching ``flt``, in chain order (or newest first)."""
        c = chain_events.c
        order = (c.block_number.desc(), c.log_index.desc()) if newest_first else (c.block_number, c.log_index)
        stmt = select(*_SELECT).where(*flt.conditions()).order_by(*order)
        if limit is not None:
            stmt = stmt.limit(limit)
        if offset:
            stmt = stmt.offset(offset)
        with self.sessions() as s:
            return [dict(r._mapping) for r in s.execute(stmt)]

    def iter_json(self, flt: EventFilter, limit: int | None, offset: int, chunk: int) -> Iterator[dict[str, Any]]:
        """Every matching row as ``event_json``, in chain order, read in keyset-paginated chunks."""
        c = chain_events.c
        conds = flt.conditions()
        left = limit
        last: tuple[int, int] | None = None
        while left is None or left > 0:
            n = chunk if left is None else min(chunk, left)
            stmt = select(*_SELECT).where(*conds)
            if last is None:
                stmt = stmt.offset(offset)
            else:
                b, li = last
                stmt = stmt.where(or_(c.block_number > b, and_(c.block_number == b, c.log_index > li)))
            stmt = stmt.order_by(c.block_number, c.log_index).limit(n)
            with self.sessions() as s:
                batch = [event_json(r._mapping) for r in s.execute(stmt)]
            yield from batch
            if len(batch) < n:
                return
            last = (batch[-1]["block_number"], batch[-1]["log_index"])
            if left is not None:
                left -= len(batch)

    def first_with(self, column: str, value: Any) -> dict[str, Any] | None:
        """The first event (chain order) whose indexed ``column`` equals ``value``: an index
        range scan stopped after one row, however many uses follow it."""
        c = chain_events.c
        with self.sessions() as s:
            r = s.execute(
                select(*_SELECT).where(getattr(c, column) == _id(value)).order_by(c.block_number, c.log_index).limit(1)
            ).first()
        return dict(r._mapping) if r else None

    def transfers_of(self, resource_id: int) -> list[dict[str, Any]]:
        """ResourceOwnershipTransferred rows of a resource (``|| ''`` keeps the planner on the
        event index instead of walking every use of the resource)."""
        c = chain_events.c
        stmt = (
            select(*_SELECT)
            .where(
                c.event == "ResourceOwnershipTransferred",
                c.contract == "DataCatalog",
                c.resource_id.op("||")("") == str(resource_id),
            )
            .order_by(c.block_number, c.log_index)
        )
        with self.sessions() as s:
            return [dict(r._mapping) for r in s.execute(stmt)]

    def uses_per_day(self, from_time: int | None, to_time: int | None) -> list[tuple[int, str | None, int]]:
        """(unix day, department, UseRecorded count) in the window."""
        c = chain_events.c
        window = EventFilter(from_time=from_time, to_time=to_time).conditions()
        day = (c.block_time // 86400).label("day")
        with self.sessions() as s:
            return [
                (int(d), dep, int(n))
                for d, dep, n in s.execute(
                    select(day, c.department, func.count().label("n"))
                    .where(c.event == "UseRecorded", c.contract == "UsageRights", c.block_time.is_not(None), *window)
                    .group_by(day, c.department)
                    .order_by(day, c.department)
                ).all()
            ]

    def event_totals(self, from_time: int | None, to_time: int | None) -> dict[str, int]:
        """Rows per event name in the window."""
        c = chain_events.c
        window = EventFilter(from_time=from_time, to_time=to_time).conditions()
        with self.sessions() as s:
            return {e: int(n) for e, n in s.execute(select(c.event, func.count()).where(*window).group_by(c.event))}

    def cursor_info(self) -> tuple[int, str, datetime | None] | None:
        """(block, block hash, updated at) of the index's cursor; None before the first sync."""
        with self.sessions() as s:
            cur = s.execute(
                select(indexer_cursor.c.block_number, indexer_cursor.c.block_hash, indexer_cursor.c.updated_at).where(
                    indexer_cursor.c.name == self.name
                )
            ).first()
        return (int(cur[0]), cur[1], cur[2]) if cur else None

    def query(self, **filters: Any) -> list[dict[str, Any]]:
        """``query_events`` in its own session (same filters)."""
        with self.sessions() as s:
            return query_events(s, **filters)

    # -- lookups the use cases share ----------------------------------------------------------
    def owned_resources(self, address: str) -> list[int]:
        """Resource ids whose latest owner event names ``address`` (registration or transfer)."""
        owners: dict[int, str] = {}
        for e in self.events("DataCatalog", ("ResourceRegistered", "ResourceOwnershipTransferred")):
            a = e["args"]
            owners[int(a["resourceId"])] = a["owner"] if e["event"] == "ResourceRegistered" else a["newOwner"]
        return sorted(r for r, o in owners.items() if str(o).lower() == address.lower())

    def anchoring_tx(self, resource_id: int, version: int) -> dict[str, Any] | None:
        """The transaction that anchored ``version`` of ``resource_id``."""
        if version == 1:
            e = self.first("DataCatalog", "ResourceRegistered", resourceId=resource_id)
        else:
            e = self.first("DataCatalog", "VersionPublished", resourceId=resource_id, version=version)
        return None if e is None else {"tx_hash": e["tx_hash"], "block_number": int(e["block_number"])}
