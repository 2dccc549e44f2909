"""Incidents replayed from the index, department records, statistics and the indexer's status."""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any

from eth_utils import to_checksum_address

from backend.chain import ChainUnavailable, ContractRevert
from backend.indexer.query import EventFilter
from backend.services.audit.base import AuditBase
from backend.services.audit.trail import parse_address
from backend.services.common import (
    CLASSIFICATIONS,
    INCIDENT_STATUS,
    INCIDENT_TYPES,
    SUBJECT_KINDS,
    Actor,
)
from backend.services.errors import Forbidden, InvalidInput, NotFound

log = logging.getLogger(__name__)


class StatsMixin(AuditBase):
    # -- incidents --------------------------------------------------------------------------
    def _incidents(self) -> list[dict[str, Any]]:
        """Every incident, its status replayed from the indexed events (oldest first)."""
        out: dict[str, dict[str, Any]] = {}
        rows = self.index.events(
            "Accountability",
            ("IncidentFiled", "IncidentResponded", "IncidentEscalated", "IncidentRuled"),
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
            "total": len(items),
            "offset": offset,
            "limit": limit,
            "indexed_to_block": self.indexed_to(),
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
        membership = self.index.select(
            EventFilter(
                contract="Consortium",
                department=low,
                event=("DepartmentAdmitted", "DepartmentSuspended", "DepartmentReinstated"),
            )
        )
        if not membership:
            raise NotFound("no department with this address in the index", address=addr)
        info: dict[str, Any] = {"address": addr}
        for r in membership:
            if r["event"] == "DepartmentAdmitted":
                info.update(
                    name=r["args"].get("name"),
                    code=r["args"].get("code"),
                    region_code=r["args"].get("regionCode"),
                    admitted_at=r["block_time"],
                    status="Active",
                )
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
            onchain_upheld = int(self.ops.contracts.accountability.upheld_count(addr))
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
                "day": datetime.fromtimestamp(int(d) * 86400, UTC).date().isoformat(),
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
            for r in self.index.select(
                EventFilter(event="GrantIssued", contract="UsageRights", from_time=from_time, to_time=to_time)
            )
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
            "grants_by_classification": {
                k: grants_by_class.get(k, 0)
                for k in (*CLASSIFICATIONS, "UNKNOWN")
                if k != "UNKNOWN" or grants_by_class.get(k)
            },
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
