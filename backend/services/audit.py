"""The auditor's use cases: the trail, exports, integrity checks, incidents, records, statistics.

Reads come from the event index (``chain_events``, filled by the indexer), so
they keep working while the chain node is down and a
trail query is an index range scan in chain order whatever the table size.
Only the integrity check needs the node: the anchored hashes are read from the
catalog's views and the stored documents are checked against them. Filing is
separate from checking: a check with ``file_incidents=True`` files one TAMPER
incident per mismatch signed by the CALLER's own account (an auditor as itself,
the owner department as itself); a governor's check never files (report only).
The contract makes the owner responsible for what it published whoever reports.

Who sees what:
- auditors and governors: everything;
- a department: the trail of resources it owns and of grants it holds or
  issued on its resources, plus its own events (``department`` column);
  filtering on another department's resource or grant is 403;
  incidents it filed or is held responsible for; its own record;
  integrity of its own resources; no statistics (403);
- citizens (service level only, for the web console; the /audit routes do not
  accept citizen tokens): the rows that carry their own subject hash.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, fields, replace
from datetime import datetime, timezone
from typing import Any, Iterator

from eth_utils import is_hex_address, keccak, to_checksum_address

from backend.chain import ChainUnavailable, ContractRevert, TxRejected
from backend.indexer.query import EventFilter, event_json, iso
from backend.services.common import (
    CLASSIFICATIONS,
    INCIDENT_STATUS,
    INCIDENT_TYPES,
    SUBJECT_KINDS,
    Actor,
    ChainOps,
    canonical_json,
    text_hash,
)
from backend.services.errors import Forbidden, InvalidInput, NotFound, ServiceError, TxPending
from backend.store import DocumentStore, IntegrityReport, normalise_hash


log = logging.getLogger(__name__)

MAX_PAGE = 1000
EXPORT_CHUNK = 1000
TAMPER, RESOURCE_VERSION = 3, 0
TAMPER_RESPONSE_WINDOW_S = 7 * 24 * 3600
TAMPER_OP = "audit.integrity.tamper"
HEX32_RE = re.compile(r"^0x[0-9a-fA-F]{64}$")

# Columns of a trail row, in export order (CSV header; "args" is compact JSON there).
TRAIL_COLUMNS = (
    "block_number", "block_time", "time", "tx_hash", "log_index", "contract", "address", "event",
    "resource_id", "grant_id", "request_id", "incident_id", "department", "officer_hash", "subject_hash", "args",
)

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
            dt = dt.replace(tzinfo=timezone.utc)
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
    ) -> "TrailFilter":
        f = cls(
            resource_id=resource_id, grant_id=grant_id, request_id=request_id, incident_id=incident_id,
            department=parse_address(department, "department"),
            officer_hash=parse_hash(officer_hash, "officer_hash"),
            subject_hash=parse_hash(subject, "subject"),
            event=event or None, contract=contract or None,
            from_time=parse_time(from_time, "from"), to_time=parse_time(to_time, "to"),
        )
        if f.from_time is not None and f.to_time is not None and f.from_time > f.to_time:
            raise InvalidInput("from must not be after to", field="from")
        return f

    def to_filter(self) -> EventFilter:
        return EventFilter(
            resource_id=self.resource_id, grant_id=self.grant_id, request_id=self.request_id,
            incident_id=self.incident_id, department=self.department, officer_hash=self.officer_hash,
            subject_hash=self.subject_hash, event=self.event, contract=self.contract,
            from_time=self.from_time, to_time=self.to_time,
        )

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}


# ------------------------------------------------------------------------------------ rows
trail_row = event_json  # the trail item is the one JSON shape of an indexed event


def csv_header() -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerow(TRAIL_COLUMNS)
    return buf.getvalue()


def csv_line(item: dict[str, Any]) -> str:
    buf = io.StringIO()
    values = []
    for col in TRAIL_COLUMNS:
        v = item.get(col)
        if col == "args":
            v = json.dumps(v, ensure_ascii=False, separators=(",", ":"))
        values.append("" if v is None else v)
    csv.writer(buf, lineterminator="\r\n").writerow(values)
    return buf.getvalue()


# ------------------------------------------------------------------------------------ the service
class AuditService:
    def __init__(self, ops: ChainOps, store: DocumentStore) -> None:
        self.ops = ops
        self.store = store
        self.index = ops.index

    # -- index helpers ----------------------------------------------------------------------
    def indexed_to(self) -> int | None:
        return self.ops.index.indexed_to_block()

    def transaction(self, actor: Actor, tx_hash: str) -> dict[str, Any]:
        """The indexed events of one transaction, and its receipt when the node answers."""
        actor.require_role("auditor", "governor")
        rows = [event_json(r) for r in self.ops.index.events(tx_hash=tx_hash)]
        receipt: dict[str, Any] | None = None
        try:
            r = self.ops.client.get_receipt(tx_hash)
            if r is not None:
                receipt = {"status": int(r["status"]), "from": r["from"], "to": r.get("to"),
                           "block_number": int(r["blockNumber"]), "gas_used": int(r["gasUsed"])}
        except Exception:
            receipt = None  # node down or unknown: the indexed rows still show
        return {"tx_hash": tx_hash.lower(), "rows": rows, "receipt": receipt}

    def _owners(self) -> dict[str, str]:
        """resource id (decimal string) → current owner (checksummed), from the index."""
        owners: dict[str, str] = {}
        for r in self.index.events("DataCatalog", ("ResourceRegistered", "ResourceOwnershipTransferred")):
            a = r["args"]
            owners[r["resource_id"]] = a["owner"] if r["event"] == "ResourceRegistered" else a["newOwner"]
        return owners

    def owner_of(self, resource_id: int) -> str:
        """Current owner: from the index (works with the node down), else the chain view.
        A resource's first event is its registration; transfers are rare."""
        first = self.index.first_with("resource_id", resource_id)
        if first is None or first["event"] != "ResourceRegistered":
            return to_checksum_address(self.ops.view("DataCatalog", "ownerOf", resource_id))  # 404 / 503
        owner = first["args"]["owner"]
        for r in self.index.transfers_of(resource_id):
            owner = r["args"]["newOwner"]
        return owner

    def grant_parties(self, grant_id: int) -> tuple[str, int]:
        """(grantee, resource id) of a grant: from the index, else the chain view."""
        first = self.index.first_with("grant_id", grant_id)
        if first is not None and first["event"] == "GrantIssued":
            a = first["args"]
            return a["grantee"], int(a["resourceId"])
        g = self.ops.view("UsageRights", "grant", grant_id)  # UsageRightsUnknownGrant → 404
        return to_checksum_address(g["grantee"]), int(g["resourceId"])

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
        return {"scoped": True, "scope_department": me, "scope_resources": tuple(owned),
                "scope_grants": tuple(sorted(grants))}

    def _where(self, actor: Actor, f: TrailFilter) -> EventFilter:
        flt = f.to_filter()
        scope = self._scope(actor, f)
        if scope is not None:
            flt = replace(flt, **scope)  # a citizen's subject filter: equal to its own (checked in _scope)
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
        return self.index.iter_json(flt, limit, offset, chunk)

    def export(
        self, actor: Actor, f: TrailFilter, fmt: str, *, limit: int | None = None, offset: int = 0
    ) -> Iterator[str]:
        """The trail as CSV (header + one line per row, args as JSON) or as one JSON array."""
        if fmt not in ("csv", "json"):
            raise InvalidInput("format must be csv or json", field="format")
        rows = self.iter_trail(actor, f, limit=limit, offset=offset)
        return _csv_stream(rows) if fmt == "csv" else _json_stream(rows)

    # -- integrity --------------------------------------------------------------------------
    def integrity(self, actor: Actor, resource_id: int, *, file_incidents: bool = False) -> dict[str, Any]:
        """Every version's anchored hash vs the stored encrypted document.

        With ``file_incidents`` a failing version files ONE TAMPER incident signed
        by the caller's own account (auditor or owner department; the idempotency
        key is derived from resource, version and what was found, per reporter),
        however often the check runs. Nothing is ever signed in another account's
        name; a governor's check only reports (``filing.mode == "report_only"``)."""
        actor.require_role("department", "auditor", "governor")
        r = self.ops.view("DataCatalog", "resource", resource_id)  # DataCatalogUnknownResource → 404
        owner = to_checksum_address(r["owner"])
        if actor.role == "department" and not actor.same(owner):
            raise Forbidden("integrity of another department's resource", resource_id=resource_id)
        filing = self._filing_mode(actor, file_incidents)
        versions = []
        for v in range(1, int(r["versionCount"]) + 1):
            onchain, published_at = self.ops.view("DataCatalog", "versionHash", resource_id, v)
            onchain = normalise_hash(onchain)
            rep = self._verify(onchain, owner)
            item: dict[str, Any] = {
                "version": v,
                "onchain_hash": onchain,
                "published_at": int(published_at),
                "result": "pass" if rep.ok else "fail",
                "status": rep.status,
                "reason": rep.reason,
                "actual_hash": rep.actual_hash,
                "anchor": self.ops.anchoring_tx(resource_id, v),
                "incident": None,
            }
            if not rep.ok and filing["mode"] == "file":
                item["incident"] = self._file_tamper(actor.address, resource_id, v, rep)
            versions.append(item)
        failed = [x["version"] for x in versions if x["result"] == "fail"]
        return {
            "resource_id": resource_id,
            "owner": owner,
            "version_count": len(versions),
            "result": "fail" if failed else "pass",
            "failed_versions": failed,
            "checked_at": iso(int(datetime.now(timezone.utc).timestamp())),
            "filing": filing,
            "versions": versions,
        }

    @staticmethod
    def _filing_mode(actor: Actor, file_incidents: bool) -> dict[str, Any]:
        """Whether this check files TAMPER incidents, and as whom (always the caller itself)."""
        if not file_incidents:
            return {"mode": "report_only", "reporter": None,
                    "reason": "read-only check: nothing is filed (POST the check to file TAMPER incidents)"}
        if actor.role == "governor":
            return {"mode": "report_only", "reporter": None,
                    "reason": "governors do not file incidents: this check only reports; an auditor "
                              "or the owner department files the TAMPER incident under its own account"}
        return {"mode": "file", "reporter": to_checksum_address(actor.address),
                "reason": "a failing version files one TAMPER incident signed by the caller's own account"}

    def _verify(self, onchain: str, owner: str) -> IntegrityReport:
        """Check with the owner's key; if the owner holds none (ownership moved), with the storer's."""
        store = self.store
        rep = store.verify(onchain, owner, onchain)
        if rep.status == "missing" and rep.reason.startswith("no wrapped key"):
            meta = store.metadata(onchain)
            if meta is not None and meta.owner.lower() != owner.lower() and is_hex_address(meta.owner):
                rep2 = store.verify(onchain, meta.owner, onchain)
                if not (rep2.status == "missing" and rep2.reason.startswith("no wrapped key")):
                    return rep2
        return rep

    def tamper_key(self, resource_id: int, version: int, rep: IntegrityReport) -> str:
        found = rep.actual_hash or "0x" + keccak(f"{rep.status}:{rep.reason}".encode()).hex()
        return f"{resource_id}:{version}:{found}"

    def _file_tamper(self, reporter: str, resource_id: int, version: int, rep: IntegrityReport) -> dict[str, Any]:
        """Files the TAMPER incident signed by ``reporter`` (the caller: an auditor or the owner
        department, never anyone else); the contract attributes it to the resource's owner."""
        key = self.tamper_key(resource_id, version, rep)
        evidence = canonical_json({
            "kind": "TAMPER",
            "detected_by": "integrity-check",
            "resource_id": resource_id,
            "version": version,
            "expected_hash": rep.expected_hash,
            "actual_hash": rep.actual_hash,
            "status": rep.status,
            "reason": rep.reason,
        })
        evidence_hash = text_hash(evidence.decode())
        try:
            account = self.ops.account_for(reporter)  # SignerUnavailable when the backend holds no key
            already = self.ops.sender.outcome(account.address, f"{TAMPER_OP}:{key}") is not None
            outcome = self.ops.write(
                account, "Accountability", "fileIncident",
                [TAMPER, RESOURCE_VERSION, resource_id, version, evidence_hash, TAMPER_RESPONSE_WINDOW_S],
                op=TAMPER_OP, key=key, strict=False,
            )
        except TxPending as exc:
            return {"status": "pending", "tx_hash": exc.tx_hash, "idempotency_key": key}
        except (ContractRevert, ChainUnavailable, TxRejected, ServiceError) as exc:
            log.error("TAMPER incident for resource %s v%s not filed: %s", resource_id, version, exc)
            name = getattr(exc, "name", None) or type(exc).__name__
            return {"status": "not_filed", "error": name, "idempotency_key": key}
        ev = self.ops.event(outcome, "IncidentFiled") or {}
        return {
            "status": "already_filed" if already else "filed",
            "incident_id": ev.get("incidentId"),
            "reporter": to_checksum_address(reporter),
            "responsible": ev.get("responsible"),
            "evidence_hash": "0x" + evidence_hash.hex(),
            "idempotency_key": key,
            **self.ops.tx(outcome),
        }

    # -- incidents --------------------------------------------------------------------------
    def _incidents(self) -> list[dict[str, Any]]:
        """Every incident, its status replayed from the indexed events (oldest first)."""
        out: dict[str, dict[str, Any]] = {}
        rows = self.index.events(
            "Accountability", ("IncidentFiled", "IncidentResponded", "IncidentEscalated", "IncidentRuled"),
        )
        for r in rows:
            a = r["args"]
            iid = str(a["incidentId"])
            if r["event"] == "IncidentFiled":
                out[iid] = {
                    "incident_id": int(iid),
                    "incident_type": INCIDENT_TYPES[int(a["incidentType"])],
                    "subject_kind": SUBJECT_KINDS[int(a["subjectKind"])],
                    "subject_id": int(a["subjectId"]),
                    "use_index": int(a["useIndex"]),
                    "status": "Open",
                    "reporter": a["reporter"],
                    "responsible": a["responsible"],
                    "responsible_officer_hash": a["responsibleOfficerHash"],
                    "evidence_hash": a["evidenceHash"],
                    "response_hash": None,
                    "ruling_hash": None,
                    "response_deadline": int(a["responseDeadline"]),
                    "filed_at": r["block_time"],
                    "filed_tx": r["tx_hash"],
                    "filed_block": int(r["block_number"]),
                    "updated_at": r["block_time"],
                }
                continue
            inc = out.get(iid)
            if inc is None:  # cannot happen on a consistent index; skip rather than guess
                continue
            if r["event"] == "IncidentResponded":
                inc["status"], inc["response_hash"] = "Responded", a["responseHash"]
            elif r["event"] == "IncidentEscalated":
                inc["status"] = "Escalated"
            else:
                inc["status"] = "Upheld" if a["upheld"] else "Dismissed"
                inc["ruling_hash"] = a["rulingHash"]
            inc["updated_at"] = r["block_time"]
        return list(out.values())

    def incidents(
        self,
        actor: Actor,
        *,
        status: str | None = None,
        incident_type: str | None = None,
        responsible: str | None = None,
        reporter: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> dict[str, Any]:
        actor.require_role("department", "auditor", "governor")
        if status is not None and status not in INCIDENT_STATUS[1:]:
            raise InvalidInput(f"status must be one of {', '.join(INCIDENT_STATUS[1:])}", field="status")
        if incident_type is not None and incident_type.upper() not in INCIDENT_TYPES:
            raise InvalidInput(f"incident_type must be one of {', '.join(INCIDENT_TYPES)}", field="incident_type")
        responsible = parse_address(responsible, "responsible")
        reporter = parse_address(reporter, "reporter")
        items = self._incidents()
        if actor.role == "department":
            items = [i for i in items if actor.same(i["responsible"]) or actor.same(i["reporter"])]
        if status is not None:
            items = [i for i in items if i["status"] == status]
        if incident_type is not None:
            items = [i for i in items if i["incident_type"] == incident_type.upper()]
        if responsible is not None:
            items = [i for i in items if i["responsible"].lower() == responsible.lower()]
        if reporter is not None:
            items = [i for i in items if i["reporter"].lower() == reporter.lower()]
        items.sort(key=lambda i: i["incident_id"], reverse=True)
        return {
            "total": len(items), "offset": offset, "limit": limit, "indexed_to_block": self.indexed_to(),
            "items": items[offset : offset + limit],
        }

    # -- department record ------------------------------------------------------------------
    def department_record(self, actor: Actor, address: str) -> dict[str, Any]:
        actor.require_role("department", "auditor", "governor")
        addr = parse_address(address, "address")
        assert addr is not None
        if actor.role == "department" and not actor.same(addr):
            raise Forbidden("the record of another department", address=addr)
        low = addr.lower()
        membership = self.index.select(EventFilter(
            contract="Consortium", department=low,
            event=("DepartmentAdmitted", "DepartmentSuspended", "DepartmentReinstated"),
        ))
        if not membership:
            raise NotFound("no department with this address in the index", address=addr)
        info: dict[str, Any] = {"address": addr}
        for r in membership:
            if r["event"] == "DepartmentAdmitted":
                info.update(name=r["args"].get("name"), code=r["args"].get("code"),
                            region_code=r["args"].get("regionCode"), admitted_at=r["block_time"], status="Active")
            elif r["event"] == "DepartmentSuspended":
                info["status"] = "Suspended"
            else:
                info["status"] = "Active"
        incidents = self._incidents()
        responsible = [i for i in incidents if i["responsible"].lower() == low]
        by_status = Counter(i["status"] for i in responsible)
        by_type = Counter(i["incident_type"] for i in responsible)
        owned = [rid for rid, owner in self._owners().items() if owner.lower() == low]
        count = self.index.count
        grants_held = count(EventFilter(event="GrantIssued", department=low))
        uses_made = count(EventFilter(event="UseRecorded", department=low))
        grants_given = count(EventFilter(event="GrantIssued", resource_id=tuple(owned))) if owned else 0
        uses_of_data = count(EventFilter(event="UseRecorded", resource_id=tuple(owned))) if owned else 0
        onchain_upheld: int | None
        try:
            onchain_upheld = int(self.ops.view("Accountability", "upheldCount", addr))
        except (ChainUnavailable, ContractRevert):
            onchain_upheld = None  # node down: the index answers alone
        return {
            **info,
            "resources_owned": len(owned),
            "grants_held": grants_held,
            "grants_given": grants_given,
            "uses_recorded": uses_made,
            "uses_of_its_data": uses_of_data,
            "incidents": {
                "responsible_total": len(responsible),
                "upheld": by_status.get("Upheld", 0),
                "dismissed": by_status.get("Dismissed", 0),
                "open": by_status.get("Open", 0) + by_status.get("Responded", 0) + by_status.get("Escalated", 0),
                "by_status": {k: by_status.get(k, 0) for k in INCIDENT_STATUS[1:]},
                "by_type": {k: by_type.get(k, 0) for k in INCIDENT_TYPES},
                "filed": sum(1 for i in incidents if i["reporter"].lower() == low),
            },
            "upheld_count_onchain": onchain_upheld,
            "indexed_to_block": self.indexed_to(),
        }

    # -- statistics -------------------------------------------------------------------------
    def stats(self, actor: Actor, *, from_time: int | None = None, to_time: int | None = None) -> dict[str, Any]:
        """Counts for the console's charts (auditors and governors)."""
        actor.require_role("auditor", "governor")
        names = self._department_names()
        uses = self.index.uses_per_day(from_time, to_time)
        totals = self.index.event_totals(from_time, to_time)
        uses_per_day = [
            {
                "day": datetime.fromtimestamp(int(d) * 86400, timezone.utc).date().isoformat(),
                "department": to_checksum_address(dep) if dep else None,
                "department_name": names.get(dep) if dep else None,
                "count": int(n),
            }
            for d, dep, n in uses
        ]
        classes = {}
        for r in self.index.events("DataCatalog", "ResourceRegistered"):
            classes[r["resource_id"]] = CLASSIFICATIONS[int(r["args"]["classification"])]
        grants_by_class = Counter(
            classes.get(r["resource_id"], "UNKNOWN")
            for r in self.index.select(EventFilter(event="GrantIssued", contract="UsageRights",
                                                   from_time=from_time, to_time=to_time))
        )
        incidents = self._incidents()
        if from_time is not None:
            incidents = [i for i in incidents if (i["filed_at"] or 0) >= from_time]
        if to_time is not None:
            incidents = [i for i in incidents if (i["filed_at"] or 0) <= to_time]
        by_type = Counter(i["incident_type"] for i in incidents)
        by_outcome = Counter(i["status"] for i in incidents)
        by_type_outcome: dict[str, dict[str, int]] = defaultdict(dict)
        for t in INCIDENT_TYPES:
            for st in INCIDENT_STATUS[1:]:
                by_type_outcome[t][st] = sum(1 for i in incidents if i["incident_type"] == t and i["status"] == st)
        return {
            "from": from_time,
            "to": to_time,
            "indexed_to_block": self.indexed_to(),
            "uses_per_day": uses_per_day,
            "grants_by_classification": {k: grants_by_class.get(k, 0) for k in (*CLASSIFICATIONS, "UNKNOWN")
                                         if k != "UNKNOWN" or grants_by_class.get(k)},
            "incidents_by_type": {k: by_type.get(k, 0) for k in INCIDENT_TYPES},
            "incidents_by_outcome": {k: by_outcome.get(k, 0) for k in INCIDENT_STATUS[1:]},
            "incidents_by_type_and_outcome": dict(by_type_outcome),
            "totals": {
                "events": sum(int(v) for v in totals.values()),
                "resources": int(totals.get("ResourceRegistered", 0)),
                "requests": int(totals.get("UseRequested", 0)),
                "grants": int(totals.get("GrantIssued", 0)),
                "uses": int(totals.get("UseRecorded", 0)),
                "incidents": int(totals.get("IncidentFiled", 0)),
            },
        }

    def _department_names(self) -> dict[str, str]:
        return {
            r["department"]: r["args"].get("name")
            for r in self.index.events("Consortium", "DepartmentAdmitted")
            if r["department"]
        }

    # -- the indexer ------------------------------------------------------------------------
    def index_status(self, actor: Actor) -> dict[str, Any]:
        actor.require_role("department", "auditor", "governor")
        cur = self.index.cursor_info()
        rows = self.index.count()
        try:
            head: int | None = self.ops.client.block_number()
        except ChainUnavailable:
            head = None
        thread = self.index.follower
        last = int(cur[0]) if cur else None
        return {
            "indexed_to_block": last,
            "indexed_block_hash": cur[1] if cur else None,
            "updated_at": cur[2].isoformat() if cur and cur[2] else None,
            "deploy_block": self.ops.manifest.deploy_block,
            "chain_head": head,
            "node_reachable": head is not None,
            "lag_blocks": (head - last) if head is not None and last is not None else None,
            "rows": rows,
            "follower": thread.status() if thread is not None and hasattr(thread, "status") else None,
        }


def _csv_stream(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    yield csv_header()
    for item in rows:
        yield csv_line(item)


def _json_stream(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    yield "["
    first = True
    for item in rows:
        yield ("" if first else ",") + json.dumps(item, ensure_ascii=False, separators=(",", ":"))
        first = False
    yield "]"


def audit_service(app: Any) -> AuditService:
    """The audit use case of a built application (``AppContext.services.audit``)."""
    return app.services.audit


__all__ = ["AuditService", "TrailFilter", "TRAIL_COLUMNS", "audit_service", "parse_time", "trail_row"]
