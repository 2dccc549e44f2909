"""Read API over indexed events, for the auditor and the citizen views.

Results are in chain order (block_number, log_index). Every filter column has
a composite index ending in (block_number, log_index), so a filter plus
LIMIT/OFFSET is an index range scan.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.indexer.models import chain_events

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
