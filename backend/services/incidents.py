"""Incidents: file, respond, list (as filer or as the department held responsible).

Who may file about what is the contract's rule (``Accountability.fileIncident``,
docs/contracts.md "Who may file what"); the same rule is checked here first so
that a refused filing answers 403 without spending a transaction:
- about a grant or one of its uses (UNAUTHORIZED_USE, LEAK): the current owner
  of the grant's resource, or the grantee itself (self-report);
- about a resource version (DATA_ERROR, TAMPER): the current owner, the
  department that published that version, or a department that holds or held a
  grant on the resource (the contract is told which grant: ``viaGrant``);
- auditors may file about anything (they also file citizens' objections).

Blame follows the record: the contract names the officer recorded in the use,
or the one that published the version. Where the chain keeps that officer only
in an event (a use's ``UseRecorded``, version 1's ``ResourceRegistered``), this
service cites it from the chain's own event, never from the caller's input.
"""

from __future__ import annotations

from typing import Any

from backend.chain.bindings import Incident
from backend.chain.enums import IncidentType, SubjectKind
from backend.services.common import (
    INCIDENT_STATUS,
    INCIDENT_TYPES,
    SUBJECT_KINDS,
    ZERO32,
    Actor,
    ChainOps,
    hex32,
)
from backend.services.errors import Forbidden, InvalidInput

DEFAULT_RESPONSE_WINDOW_S = 7 * 24 * 3600


def cited_officer(ops: ChainOps, incident_type: int, subject_kind: int, subject_id: int, use_index: int) -> bytes:
    """The officer the subject's record names, where the chain keeps it only in an event: the
    ``officerHash`` of the use's ``UseRecorded``, the ``stewardHash`` of version 1's
    ``ResourceRegistered``. Zero elsewhere (the contract reads the officer itself) or when the
    record is not indexed (the contract then says why: unknown subject or missing citation)."""
    found = None
    if subject_kind == SubjectKind.USE:
        ops.fresh()
        found = ops.index.first("UsageRights", "UseRecorded", grantId=subject_id, useIndex=use_index)
        field = "officerHash"
    elif subject_kind == SubjectKind.RESOURCE_VERSION and incident_type == IncidentType.DATA_ERROR and use_index == 1:
        ops.fresh()
        found = ops.index.first("DataCatalog", "ResourceRegistered", resourceId=subject_id)
        field = "stewardHash"
    if found is None:
        return ZERO32
    return hex32(str(found["args"][field]), field)


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
        via_grant = self._standing(actor, kind, subject_id, use_index) if actor.role == "department" else 0
        outcome = self.ops.contracts.accountability.file_incident(
            self.ops.account(actor),
            itype,
            kind,
            subject_id,
            use_index,
            cited_officer(self.ops, itype, kind, subject_id, use_index),
            via_grant,
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
    def _standing(self, actor: Actor, kind: int, subject_id: int, use_index: int) -> int:
        """The contract's filing rule for a department, checked before any transaction; returns
        the grant to name as ``viaGrant`` (0 when the department files as owner, publisher or party)."""
        if kind == SubjectKind.RESOURCE_VERSION:
            catalog = self.ops.contracts.data_catalog
            if actor.same(catalog.owner_of(subject_id)):  # 404 unknown resource
                return 0  # the owner may report a defect in its own data
            publisher, _ = catalog.version_publication(subject_id, use_index)  # 404 unknown version
            if actor.same(publisher):
                return 0  # the publisher answers for, and may report, what it published
            self.ops.fresh()
            held = self.ops.history("UsageRights", "GrantIssued", resourceId=subject_id, grantee=actor.address)
            if not held:
                raise Forbidden("no grant of yours covers this resource", resource_id=subject_id)
            return int(held[-1]["args"]["grantId"])
        g = self.ops.contracts.usage_rights.grant(subject_id)  # 404 unknown grant
        owner = self.ops.contracts.data_catalog.owner_of(g.resource_id)
        if not (actor.same(owner) or actor.same(g.grantee)):
            raise Forbidden("grant concerns other departments", grant_id=subject_id)
        return 0

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
