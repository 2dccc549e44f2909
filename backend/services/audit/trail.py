"""The audit trail: filters, the caller's scope, paging and streaming over the event index."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from typing import Any

from eth_utils import is_hex_address, to_checksum_address

from backend.indexer.query import EventFilter, event_json
from backend.services.audit.base import EXPORT_CHUNK, HEX32_RE, MAX_PAGE, AuditBase
from backend.services.common import (
    Actor,
)
from backend.services.errors import Forbidden, InvalidInput

log = logging.getLogger(__name__)

# Events whose subject hash a department does not see: a front desk's own assisted sessions
# (it must not be able to test guesses of an id against the hash it would see). Auditors and
# governors see it; the citizen sees their own.
SUBJECT_HIDDEN_FROM_DEPARTMENTS = ("AssistedSessionOpened",)


def _without_subject(row: dict[str, Any]) -> dict[str, Any]:
    """``row`` with its subject hash removed (top level and args) when its event hides it from departments."""
    if row.get("event") not in SUBJECT_HIDDEN_FROM_DEPARTMENTS:
        return row
    args = {k: v for k, v in (row.get("args") or {}).items() if k != "subjectHash"}
    return {**row, "subject_hash": None, "args": args}


# ------------------------------------------------------------------------------------ inputs
def parse_time(value: str | int | None, field: str) -> int | None:
    """Unix seconds, or an ISO-8601 date/time (UTC when no offset is given)."""
    if value is None or value == "":
        return None
    if isinstance(value, int):
        return value
    v = value.strip()
    if re.fullmatch(r"-?\d{1,12}", v):
        return int(v)
    try:
        dt = datetime.fromisoformat(v.replace("Z", "+00:00"))
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
        return int(dt.timestamp())
    except (ValueError, OverflowError):
        raise InvalidInput(f"{field} must be unix seconds or an ISO-8601 date/time", field=field) from None


def parse_hash(value: str | None, field: str) -> str | None:
    if value is None or value == "":
        return None
    if not HEX32_RE.match(value):
        raise InvalidInput(f"{field} must be 0x followed by 64 hex digits", field=field)
    return value.lower()


def parse_address(value: str | None, field: str) -> str | None:
    if value is None or value == "":
        return None
    if not is_hex_address(value):
        raise InvalidInput(f"{field} must be a chain address (0x + 40 hex digits)", field=field)
    return to_checksum_address(value)


@dataclass(frozen=True)
class TrailFilter:
    """Filters of the trail; every given one must match (AND). Times are inclusive unix seconds."""

    resource_id: int | None = None
    grant_id: int | None = None
    request_id: int | None = None
    incident_id: int | None = None
    department: str | None = None  # checksummed address
    officer_hash: str | None = None  # 0x… lowercase
    subject_hash: str | None = None  # 0x… lowercase
    event: str | None = None
    contract: str | None = None
    from_time: int | None = None
    to_time: int | None = None

    @classmethod
    def parse(
        cls,
        *,
        resource_id: int | None = None,
        grant_id: int | None = None,
        request_id: int | None = None,
        incident_id: int | None = None,
        department: str | None = None,
        officer_hash: str | None = None,
        subject: str | None = None,
        event: str | None = None,
        contract: str | None = None,
        from_time: str | int | None = None,
        to_time: str | int | None = None,
    ) -> TrailFilter:
        f = cls(
            resource_id=resource_id,
            grant_id=grant_id,
            request_id=request_id,
            incident_id=incident_id,
            department=parse_address(department, "department"),
            officer_hash=parse_hash(officer_hash, "officer_hash"),
            subject_hash=parse_hash(subject, "subject"),
            event=event or None,
            contract=contract or None,
            from_time=parse_time(from_time, "from"),
            to_time=parse_time(to_time, "to"),
        )
        if f.from_time is not None and f.to_time is not None and f.from_time > f.to_time:
            raise InvalidInput("from must not be after to", field="from")
        return f

    def to_filter(self) -> EventFilter:
        return EventFilter(
            resource_id=self.resource_id,
            grant_id=self.grant_id,
            request_id=self.request_id,
            incident_id=self.incident_id,
            department=self.department,
            officer_hash=self.officer_hash,
            subject_hash=self.subject_hash,
            event=self.event,
            contract=self.contract,
            from_time=self.from_time,
            to_time=self.to_time,
        )

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}


class TrailMixin(AuditBase):
    # -- scope ------------------------------------------------------------------------------
    def _scope(self, actor: Actor, f: TrailFilter) -> dict[str, Any] | None:
        """Extra EventFilter fields limiting a caller to its own trail (None: no limit). Raises 403."""
        actor.require_role("department", "auditor", "governor", "citizen")
        if actor.role == "citizen":  # the token's principal is the subject hash: their own uses only
            me_hash = actor.address.lower()
            if f.subject_hash is not None and f.subject_hash != me_hash:
                raise Forbidden("the trail of another data subject")
            return {"subject_hash": me_hash}
        if actor.role != "department":
            return None
        me = actor.address
        authorized_object = False
        if f.resource_id is not None:
            if not actor.same(self.owner_of(f.resource_id)):
                raise Forbidden("the trail of another department's resource", resource_id=f.resource_id)
            authorized_object = True
        if f.grant_id is not None:
            grantee, rid = self.grant_parties(f.grant_id)
            if not (actor.same(grantee) or actor.same(self.owner_of(rid))):
                raise Forbidden("the trail of a grant between other departments", grant_id=f.grant_id)
            authorized_object = True
        if f.department is not None and not actor.same(f.department) and not authorized_object:
            raise Forbidden("the trail of another department", department=f.department)
        if authorized_object:
            return None
        owned = sorted(rid for rid, owner in self._owners().items() if actor.same(owner))
        owned_set = set(owned)
        grants = set()
        for r in self.index.events("UsageRights", "GrantIssued"):  # one row per grant
            if r["department"] == me.lower() or r["resource_id"] in owned_set:
                grants.add(r["grant_id"])
        return {
            "scoped": True,
            "scope_department": me,
            "scope_resources": tuple(owned),
            "scope_grants": tuple(sorted(grants)),
        }

    def _where(self, actor: Actor, f: TrailFilter) -> EventFilter:
        flt = f.to_filter()
        scope = self._scope(actor, f)
        if scope is not None:
            flt = replace(flt, **scope)  # a citizen's subject filter: equal to its own (checked in _scope)
        if actor.role == "department":  # nor may a subject filter find the hidden rows (an oracle)
            flt = replace(flt, subject_hidden_events=SUBJECT_HIDDEN_FROM_DEPARTMENTS)
        return flt

    # -- the trail --------------------------------------------------------------------------
    def trail(self, actor: Actor, f: TrailFilter, *, limit: int = 100, offset: int = 0) -> dict[str, Any]:
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidInput(f"limit must be in 1..{MAX_PAGE}", field="limit")
        if offset < 0:
            raise InvalidInput("offset must be >= 0", field="offset")
        flt = self._where(actor, f)
        seen = self.ops.fresh()
        total = self.index.count(flt)
        items = [event_json(r) for r in self.index.select(flt, limit=limit, offset=offset)] if total else []
        if actor.role == "department":
            items = [_without_subject(i) for i in items]
        return {
            "total": total,
            "offset": offset,
            "limit": limit,
            "indexed_to_block": seen,
            "filters": f.as_dict(),
            "items": items,
        }

    def iter_trail(
        self, actor: Actor, f: TrailFilter, *, limit: int | None = None, offset: int = 0, chunk: int = EXPORT_CHUNK
    ) -> Iterator[dict[str, Any]]:
        """Every matching row in chain order, read in keyset-paginated chunks.

        The caller's scope is checked NOW (so a 403 is raised before any
        streaming starts); the rows are read lazily."""
        if offset < 0:
            raise InvalidInput("offset must be >= 0", field="offset")
        if limit is not None and limit < 1:
            raise InvalidInput("limit must be >= 1", field="limit")
        flt = self._where(actor, f)
        rows = self.index.iter_json(flt, limit, offset, chunk)
        return (_without_subject(r) for r in rows) if actor.role == "department" else rows
