"""Case views for the departments involved, auditors, governors and the citizen."""

from __future__ import annotations

import json
import logging
from typing import Any

from backend.chain import ContractRevert
from backend.chain.bindings import Case, Service
from backend.services.cases.base import (
    CASE_STATUS,
    CERT_MEDIA_TYPE,
    OSS,
    STEP_STATUS,
    CaseBase,
    CaseFormOnAnotherNode,
)
from backend.services.common import Actor
from backend.services.errors import Forbidden, NotFound

log = logging.getLogger(__name__)


class ReadsMixin(CaseBase):
    def form(self, actor: Actor, case_id: int, _checked: tuple | None = None) -> dict[str, Any]:
        """The stored application form (the lead and the step departments), checked against the chain."""
        c, s = _checked or (None, None)
        if c is None:
            actor.require_role("department")
            c = self._case(case_id)
            s = self._service(c.service_id)
            if not (actor.same(s.lead) or any(actor.same(st.department) for st in s.steps)):
                raise Forbidden("only the lead and the deciding departments read the form", case_id=case_id)
        if self.peer is not None and not actor.same(c.front_desk):
            # a federation node holds only the forms its own desk took: the form never left the
            # node of the desk that opened the case (the lead's node, where the lead opens it)
            raise CaseFormOnAnotherNode(
                "the application form is held by the node of the desk that opened the case",
                case_id=case_id,
                held_by=c.front_desk,
                lead=s.lead if s is not None else None,
            )
        data = self.store.get(c.form_hash, actor.address)  # hash-checked on decrypt
        return {"case_id": case_id, "form_hash": c.form_hash, "form": json.loads(data)}

    def get_case(self, actor: Actor, case_id: int) -> dict[str, Any]:
        c = self._case(case_id)
        sid = c.service_id
        s = self._service(sid)
        if not self._may_read_case(actor, c, s):
            raise Forbidden("case concerns other departments", case_id=case_id)
        return self._case_view(case_id, c, s, citizen=actor.role == "citizen")

    def _case_view(self, case_id: int, c: Case, s: Service, *, citizen: bool) -> dict[str, Any]:
        sid = c.service_id
        d = self.definition(sid, s) or {}
        dreqs = d.get("requirements") or []
        dsteps = d.get("steps") or []
        links = self.oss.evidence_links(case_id)
        steps = self.oss.step_statuses(case_id)
        case_ref = self.oss.case_ref(case_id)
        evidence = []
        for i, (r, link) in enumerate(zip(s.requirements, links)):
            rid = r.resource_id
            item = {
                "requirement_index": i,
                "label": dreqs[i].get("label") if i < len(dreqs) else None,
                "resource_id": rid,
                "source": self.chain.party(self.ops.contracts.data_catalog.owner_of(rid)),
                "purpose_code": r.purpose_code,
                "legal_basis": dreqs[i].get("legal_basis") if i < len(dreqs) else None,
                "status": "attached" if link.grant_id else "missing",
                "grant_id": link.grant_id or None,
                "use_index": link.use_index or None,
                "attached_at": link.attached_at or None,
            }
            evidence.append(item)
        step_items = [
            {
                "step_index": i,
                "label": dsteps[i].get("label") if i < len(dsteps) else None,
                "department": self.chain.party(st.department),
                "stage": st.stage,
                "status": STEP_STATUS[st.status],
                "escalated": st.escalated,
                "decided_at": st.decided_at or None,
                "current": c.status == 1 and st.stage == c.current_stage and st.status == 0,
            }
            for i, st in enumerate(steps)
        ]
        involved = self._involved(c, s)
        status = CASE_STATUS[c.status]
        out: dict[str, Any] = {
            "case_id": case_id,
            "service": {
                "service_id": sid,
                "name": d.get("name"),
                "kind": d.get("kind", "generic"),
                "lead": self.chain.party(s.lead),
            },
            "status": status,
            "applicant_hash": c.applicant_hash,
            "case_ref": case_ref,
            "form_hash": c.form_hash,
            "front_desk": self.chain.party(c.front_desk),
            "opened_at": c.opened_at,
            "closed_at": c.closed_at or None,
            "current_stage": c.current_stage,
            "stage_count": c.stage_count,
            "stage_deadline": c.stage_deadline if status == "Open" else None,
            "documents_submitted": {
                "count": c.submitted_documents,
                "items": [
                    "identity document (checked at the front desk, not stored)",
                    "application form (stored encrypted; its hash is on chain)",
                ][: c.submitted_documents],
            },
            "evidence": {
                "required": c.evidence_required,
                "pulled": c.evidence_attached,
                "items": evidence,
            },
            "steps": step_items,
            "departments_involved": {"count": len(involved), "items": involved},
        }
        if d.get("kind") == "house_transfer" and status == "Approved":
            cert = self._certificate_of_case(s.lead, case_ref)
            if cert is not None:
                v = self.certificates.verify(bytes.fromhex(cert["document_hash"][2:]))
                out["certificate"] = {
                    "cert_id": cert["cert_id"],
                    "document_hash": cert["document_hash"],
                    "status": v["status"],
                    "type_code": v.get("type_code"),
                    "verify_with": f"/public/certificates/{cert['document_hash']}",
                }
            else:
                out["certificate"] = None
        if citizen:
            out.pop("form_hash", None)
        return out

    def list_cases(self, actor: Actor, offset: int, limit: int) -> dict[str, Any]:
        """Cases the department takes part in (auditors/governors: all), newest first."""
        actor.require_role("department", "auditor", "governor")
        total = int(self.oss.case_count())
        services: dict[int, Service] = {}
        mine: list[tuple[int, Case, Service]] = []
        for cid in range(total, 0, -1):
            c = self._case(cid)
            sid = c.service_id
            if sid not in services:
                services[sid] = self._service(sid)
            if self._may_read_case(actor, c, services[sid]):
                mine.append((cid, c, services[sid]))
        window = mine[offset : offset + limit]
        return {
            "total": len(mine),
            "offset": offset,
            "limit": limit,
            "items": [self._summary(cid, c, s) for cid, c, s in window],
        }

    def _summary(self, cid: int, c: Case, s: Service) -> dict[str, Any]:
        d = self.definition(c.service_id, s) or {}
        return {
            "case_id": cid,
            "service_id": c.service_id,
            "service_name": d.get("name"),
            "status": CASE_STATUS[c.status],
            "front_desk": self.chain.party(c.front_desk),
            "documents_submitted": c.submitted_documents,
            "evidence_required": c.evidence_required,
            "evidence_pulled": c.evidence_attached,
            "current_stage": c.current_stage,
            "stage_count": c.stage_count,
            "opened_at": c.opened_at,
            "closed_at": c.closed_at or None,
        }

    # -- the citizen -----------------------------------------------------------------------------
    def my_cases(self, citizen: Actor, offset: int, limit: int) -> dict[str, Any]:
        citizen.require_role("citizen")
        self.chain.require(OSS)
        seen = self.ops.fresh()
        ids = self.ops.index.ids(OSS, "CaseOpened", "caseId", applicantHash=citizen.address)
        items = []
        for cid in ids[offset : offset + limit]:
            c = self._case(cid)
            if c.applicant_hash.lower() != citizen.address.lower():
                continue  # the index only finds candidates; the contract says whose case it is
            items.append(self._case_view(cid, c, self._service(c.service_id), citizen=True))
        return {"total": len(ids), "offset": offset, "limit": limit, "items": items, "indexed_to_block": seen}

    def my_case(self, citizen: Actor, case_id: int) -> dict[str, Any]:
        citizen.require_role("citizen")
        try:
            c = self._case(case_id)
        except ContractRevert:
            c = None
        if c is None or c.applicant_hash.lower() != citizen.address.lower():
            # the same answer for someone else's case and for no case at all
            raise Forbidden("not one of your cases", case_id=case_id)
        return self._case_view(case_id, c, self._service(c.service_id), citizen=True)

    def my_certificate_document(self, citizen: Actor, case_id: int) -> dict[str, Any]:
        """The certificate document a case of mine produced (to present to a notary or a bank)."""
        view = self.my_case(citizen, case_id)
        cert = view.get("certificate")
        if not cert:
            raise NotFound("this case has not produced a certificate", case_id=case_id)
        lead = view["service"]["lead"]["address"]
        data = self.store.get(cert["document_hash"], lead)  # hash-checked on decrypt
        return {
            "case_id": case_id,
            **cert,
            "media_type": CERT_MEDIA_TYPE,
            "document": json.loads(data),
            "document_text": data.decode(),
        }
