"""Incidents: file, respond, list (as filer or as the department held responsible).

Who may file about what (checked here, before the chain write; the contract
then attributes responsibility by its own rule):
- about a resource version (DATA_ERROR, TAMPER): a department that holds or held
  a grant on the resource;
- about a grant or one of its uses (UNAUTHORIZED_USE, LEAK): the owner of the
  grant's resource, or the grantee itself (self-report);
- auditors may file about anything (auditors file incidents).
"""

from __future__ import annotations

from typing import Any

from backend.chain.bindings import Incident
from backend.services.common import (
    INCIDENT_STATUS,
    INCIDENT_TYPES,
    SUBJECT_KINDS,
    Actor,
    ChainOps,
)
from backend.services.errors import Forbidden, InvalidInput

DEFAULT_RESPONSE_WINDOW_S = 7 * 24 * 3600


def _code(value: str | int, names: tuple[str, ...], field: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(names):
        return value
    if isinstance(value, str) and value.upper() in names:
        return names.index(value.upper())
    raise InvalidInput(f"{field} must be one of {', '.join(names)}", field=field)


class IncidentService:
    def __init__(self, ops: ChainOps) -> None:
        self.ops = ops

    def file(
        self,
        actor: Actor,
        incident_type: str | int,
        subject_kind: str | int,
        subject_id: int,
        use_index: int,
        evidence_hash: bytes,
        response_window_s: int,
        *,
        key: str,
    ) -> dict[str, Any]:
        actor.require_role("department", "auditor")
        itype = _code(incident_type, INCIDENT_TYPES, "incident_type")
        kind = _code(subject_kind, SUBJECT_KINDS, "subject_kind")
        self.ops.officer(actor)
        if actor.role == "department":
            self._check_may_file(actor, kind, subject_id)
        outcome = self.ops.contracts.accountability.file_incident(
            self.ops.account(actor),
            itype,
            kind,
            subject_id,
            use_index,
            evidence_hash,
            response_window_s,
            op="incidents.file",
            key=key,
        )
        ev = self.ops.event(outcome, "IncidentFiled") or {}
        return {
            "incident_id": ev.get("incidentId"),
            "incident_type": INCIDENT_TYPES[itype],
            "subject_kind": SUBJECT_KINDS[kind],
            "subject_id": subject_id,
            "use_index": use_index,
            "reporter": actor.address,
            "responsible": ev.get("responsible"),
            "responsible_officer_hash": ev.get("responsibleOfficerHash"),
            "evidence_hash": ev.get("evidenceHash"),
            "response_deadline": ev.get("responseDeadline"),
            "status": "Open",
            **self.ops.tx(outcome),
        }

    def respond(self, actor: Actor, incident_id: int, response_hash: bytes, *, key: str) -> dict[str, Any]:
        actor.require_role("department")
        inc = self.ops.contracts.accountability.incident(incident_id)  # 404 when unknown
        if not actor.same(inc.responsible):
            raise Forbidden("only the department held responsible answers this incident", incident_id=incident_id)
        self.ops.officer(actor)
        outcome = self.ops.contracts.accountability.respond(
            self.ops.account(actor),
            incident_id,
            response_hash,
            op=f"incidents.{incident_id}.respond",
            key=key,
        )
        return {
            "incident_id": incident_id,
            "status": "Responded",
            "response_hash": "0x" + response_hash.hex(),
            **self.ops.tx(outcome),
        }

    def get(self, actor: Actor, incident_id: int) -> dict[str, Any]:
        inc = self.ops.contracts.accountability.incident(incident_id)
        if actor.role == "citizen" or (
            actor.role == "department" and not (actor.same(inc.reporter) or actor.same(inc.responsible))
        ):
            raise Forbidden("incident concerns other departments", incident_id=incident_id)
        return self._view(incident_id, inc)

    def list(self, actor: Actor, role: str, offset: int, limit: int) -> dict[str, Any]:
        actor.require_role("department", "auditor", "governor")
        seen = self.ops.fresh()
        ids_of = self.ops.index.ids
        if actor.role != "department":
            ids = ids_of("Accountability", "IncidentFiled", "incidentId")
        else:
            found: set[int] = set()
            if role in ("all", "responsible"):
                found |= set(ids_of("Accountability", "IncidentFiled", "incidentId", responsible=actor.address))
            if role in ("all", "filer"):
                found |= set(ids_of("Accountability", "IncidentFiled", "incidentId", reporter=actor.address))
            ids = sorted(found, reverse=True)
        items = [self._view(i, self.ops.contracts.accountability.incident(i)) for i in ids[offset : offset + limit]]
        return {"total": len(ids), "offset": offset, "limit": limit, "items": items, "indexed_to_block": seen}

    # -- internals -----------------------------------------------------------------------------
    def _check_may_file(self, actor: Actor, kind: int, subject_id: int) -> None:
        if kind == 0:  # RESOURCE_VERSION: subject is a resource
            owner = self.ops.contracts.data_catalog.owner_of(subject_id)  # 404 unknown resource
            if actor.same(owner):
                return  # the owner may report a defect in its own data
            self.ops.fresh()
            held = self.ops.history("UsageRights", "GrantIssued", resourceId=subject_id, grantee=actor.address)
            if not held:
                raise Forbidden("no grant of yours covers this resource", resource_id=subject_id)
            return
        g = self.ops.contracts.usage_rights.grant(subject_id)  # 404 unknown grant
        owner = self.ops.contracts.data_catalog.owner_of(g.resource_id)
        if not (actor.same(owner) or actor.same(g.grantee)):
            raise Forbidden("grant concerns other departments", grant_id=subject_id)

    @staticmethod
    def _view(incident_id: int, inc: Incident) -> dict[str, Any]:
        return {
            "incident_id": incident_id,
            "incident_type": INCIDENT_TYPES[inc.incident_type],
            "subject_kind": SUBJECT_KINDS[inc.subject_kind],
            "subject_id": inc.subject_id,
            "use_index": inc.use_index,
            "status": INCIDENT_STATUS[inc.status],
            "reporter": inc.reporter,
            "responsible": inc.responsible,
            "responsible_officer_hash": inc.responsible_officer_hash,
            "evidence_hash": inc.evidence_hash,
            "response_hash": inc.response_hash,
            "ruling_hash": inc.ruling_hash,
            "filed_at": inc.filed_at,
            "response_deadline": inc.response_deadline,
        }
