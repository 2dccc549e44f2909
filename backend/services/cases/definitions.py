"""Service definitions (off-chain document, hash on chain), activation and standing grants."""

from __future__ import annotations

import logging
import time
from typing import Any

from backend.chain.bindings import EvidenceRequirement, Grant, OneStopServices, UsageRights
from backend.services.cases.base import (
    CLASSIFICATIONS,
    DEFAULT_CERT_TYPE,
    DEFINITION_MEDIA_TYPE,
    KINDS,
    OSS,
    SECRET,
    SENSITIVE,
    SERVICE_STATUS,
    CaseBase,
)
from backend.services.certificates import checksum, code32
from backend.services.common import Actor, canonical_json, h0x, text_hash
from backend.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from backend.services.usage import fields_hash

log = logging.getLogger(__name__)


class DefinitionsMixin(CaseBase):
    def register_service(
        self,
        actor: Actor,
        name: str,
        description: str | None,
        kind: str,
        requirements: list[dict[str, Any]],
        steps: list[dict[str, Any]],
        step_deadline_s: int,
        certificate_type: str | None = None,
        *,
        key: str,
    ) -> dict[str, Any]:
        """``requirements``: [{resource_id, purpose_code, legal_basis, label?}];
        ``steps``: [{department, stage, label?}]."""
        actor.require_role("department")
        officer = self.ops.officer(actor)
        self.chain.require(OSS)
        if kind not in KINDS:
            raise InvalidInput(f"kind must be one of {', '.join(KINDS)}", field="kind")
        cert_type = certificate_type or DEFAULT_CERT_TYPE.get(kind)
        if cert_type is not None:
            code32(cert_type, "certificate_type")
        reqs_doc, reqs_chain = [], []
        for i, r in enumerate(requirements):
            legal = str(r.get("legal_basis") or "").strip()
            if not legal:
                raise InvalidInput(f"requirement {i}: legal_basis must not be empty", field="requirements")
            req_doc = {
                "resource_id": int(r["resource_id"]),
                "purpose_code": int(r["purpose_code"]),
                "legal_basis": legal,
                "label": r.get("label"),
            }
            if r.get("fields"):  # the approved field list a peer release of this evidence asks for
                fields_hash(list(r["fields"]))  # 422 for a list of blanks
                req_doc["fields"] = sorted({str(f).strip() for f in r["fields"] if str(f).strip()})
            reqs_doc.append(req_doc)
            reqs_chain.append((int(r["resource_id"]), int(r["purpose_code"]), text_hash(legal)))
        steps_doc, steps_chain = [], []
        for st in steps:
            dept = checksum(st["department"], "steps.department")
            steps_doc.append({"department": dept, "stage": int(st["stage"]), "label": st.get("label")})
            steps_chain.append((dept, int(st["stage"])))
        doc = {
            "govchain": "one-stop-service/v1",
            "name": name,
            "description": description,
            "kind": kind,
            "certificate_type": cert_type,
            "lead": actor.address,
            "requirements": reqs_doc,
            "steps": steps_doc,
            "step_deadline_s": step_deadline_s,
        }
        name_hash = self.store.put(canonical_json(doc), actor.address, DEFINITION_MEDIA_TYPE)
        outcome = self.oss.register_service(
            self.ops.account(actor),
            bytes.fromhex(name_hash[2:]),
            reqs_chain,
            steps_chain,
            step_deadline_s,
            op="services.register",
            key=key,
        )
        ev = self.ops.event(outcome, "ServiceRegistered") or {}
        sid = ev.get("serviceId")
        return {
            "service_id": sid,
            "name": name,
            "kind": kind,
            "lead": self.chain.party(actor.address),
            "name_hash": name_hash,
            "status": "Proposed",
            "officer_hash": h0x(officer),
            "next": f"a governor proposes POST /services/{sid}/activation; source departments issue standing "
            f"grants with POST /services/{sid}/standing-grants",
            **self.ops.tx(outcome),
        }

    def propose_activation(self, actor: Actor, service_id: int, justification: str, *, key: str) -> dict[str, Any]:
        actor.require_role("governor")
        self.ops.officer(actor)
        s = self._service(service_id)
        if s.status != 1:
            raise Conflict(
                "only a Proposed service can be activated",
                service_id=service_id,
                status=SERVICE_STATUS[s.status],
            )
        result = self.chain.propose_council_call(
            actor,
            OneStopServices.calls.activate_service(service_id),
            justification,
            op=f"services.{service_id}.activation.propose",
            key=key,
        )
        return {"service_id": service_id, **result}

    def list_services(self, offset: int, limit: int) -> dict[str, Any]:
        total = int(self.oss.service_count())
        ids = list(range(total - offset, max(total - offset - limit, 0), -1))
        return {
            "total": total,
            "offset": offset,
            "limit": limit,
            "items": [self.get_service(i, with_grants=False) for i in ids],
        }

    def get_service(self, service_id: int, *, with_grants: bool = True) -> dict[str, Any]:
        s = self._service(service_id)
        d = self.definition(service_id, s) or {}
        dreqs = d.get("requirements") or []
        dsteps = d.get("steps") or []
        reqs = []
        for i, r in enumerate(s.requirements):
            rid = r.resource_id
            owner = self.ops.contracts.data_catalog.owner_of(rid)
            item = {
                "requirement_index": i,
                "resource_id": rid,
                "label": dreqs[i].get("label") if i < len(dreqs) else None,
                "source": self.chain.party(owner),
                "classification": CLASSIFICATIONS[int(self.ops.contracts.data_catalog.classification_of(rid))],
                "purpose_code": r.purpose_code,
                "legal_basis": dreqs[i].get("legal_basis") if i < len(dreqs) else None,
                "legal_basis_hash": r.legal_basis_hash,
            }
            if with_grants:
                g = self._standing_grant(s.lead, r)
                item["standing_grant"] = g
            reqs.append(item)
        steps = [
            {
                "step_index": i,
                "department": self.chain.party(st.department),
                "stage": st.stage,
                "label": dsteps[i].get("label") if i < len(dsteps) else None,
            }
            for i, st in enumerate(s.steps)
        ]
        return {
            "service_id": service_id,
            "name": d.get("name"),
            "description": d.get("description"),
            "kind": d.get("kind", "generic"),
            "certificate_type": d.get("certificate_type"),
            "lead": self.chain.party(s.lead),
            "status": SERVICE_STATUS[s.status],
            "name_hash": s.name_hash,
            "definition_verified": bool(d),
            "step_deadline_s": s.step_deadline,
            "stage_count": s.stage_count,
            "registered_at": s.registered_at,
            "requirements": reqs,
            "steps": steps,
        }

    # -- standing grants ------------------------------------------------------------------------
    def _grants_for(self, lead: str, r: EvidenceRequirement) -> list[tuple[int, Grant]]:
        """Grants to ``lead`` matching requirement ``r`` (resource, purpose, legal basis), newest first."""
        rid = r.resource_id
        out = []
        self.ops.fresh()
        for ev in reversed(self.ops.history("UsageRights", "GrantIssued", resourceId=rid, grantee=lead)):
            a = ev["args"]
            if int(a["purposeCode"]) != r.purpose_code:
                continue
            if str(a["legalBasisHash"]).lower() != r.legal_basis_hash.lower():
                continue
            gid = int(a["grantId"])
            out.append((gid, self.ops.contracts.usage_rights.grant(gid)))
        return out

    def _usable_grant(
        self, lead: str, r: EvidenceRequirement, fields: list[str] | None = None
    ) -> tuple[int, Grant] | None:
        """The newest live grant for ``r``; with ``fields``, only one issued through a request for
        exactly that field list (a peer release is refused under any other grant)."""
        now = int(time.time())
        for gid, g in self._grants_for(lead, r):
            live = not g.revoked and g.expires_at > now and g.used_count < g.max_uses
            if live and (fields is None or self._approved_fields_hash(gid) == fields_hash(fields)):
                return gid, g
        return None

    def _approved_fields_hash(self, grant_id: int) -> bytes | None:
        """The fields hash of the request ``grant_id`` was issued for (None: a direct grant)."""
        for ev in self.ops.history("UsageRights", "GrantIssued", grantId=grant_id):
            request_id = int(ev["args"]["requestId"])
            if request_id == 0:
                return None
            req = self.ops.contracts.usage_rights.request(request_id)  # the chain confirms the index
            if req.grant_id != grant_id:
                return None
            return bytes.fromhex(req.fields_hash[2:])
        return None

    def _standing_grant(self, lead: str, r: EvidenceRequirement) -> dict[str, Any] | None:
        found = self._usable_grant(lead, r)
        if found is None:
            return None
        gid, g = found
        return {
            "grant_id": gid,
            "expires_at": g.expires_at,
            "uses_left": g.max_uses - g.used_count,
            "usable": True,
        }

    def issue_standing_grants(
        self, actor: Actor, service_id: int, duration_s: int, max_uses: int, *, key: str
    ) -> dict[str, Any]:
        """The source department issues standing grants to the lead for its own resources."""
        actor.require_role("department")
        self.ops.officer(actor)
        s = self._service(service_id)
        if s.status not in (1, 2):
            raise Conflict("the service is retired", service_id=service_id)
        items, mine = [], 0
        for i, r in enumerate(s.requirements):
            rid = r.resource_id
            owner = self.ops.contracts.data_catalog.owner_of(rid)
            if not actor.same(owner):
                continue
            mine += 1
            op = f"services.{service_id}.grants.{i}"
            # A key already used for this requirement replays its grant through send, which
            # refuses other terms (409); a new key finds the standing grant the chain has.
            replay = self.ops.first_args(self.ops.account(actor), "UsageRights", "issueGrant", op=op, key=key)
            existing = None if replay is not None else self._standing_grant(s.lead, r)
            cls = int(self.ops.contracts.data_catalog.classification_of(rid))
            item = {"requirement_index": i, "resource_id": rid, "classification": CLASSIFICATIONS[cls]}
            if existing is not None:
                items.append({**item, "status": "exists", **existing})
                continue
            if cls >= SENSITIVE:
                items.append(
                    {
                        **item,
                        "status": "council_required",
                        "propose_with": f"/services/{service_id}/standing-grants/proposals",
                    }
                )
                continue
            outcome = self.ops.contracts.usage_rights.issue_grant(
                self.ops.account(actor),
                rid,
                s.lead,
                r.purpose_code,
                bytes.fromhex(r.legal_basis_hash[2:]),
                duration_s,
                max_uses,
                op=op,
                key=key,  # strict: the same key with another duration or max uses is 409
            )
            ev = self.ops.event(outcome, "GrantIssued") or {}
            items.append(
                {
                    **item,
                    "status": "issued",
                    "grant_id": ev.get("grantId"),
                    "expires_at": ev.get("expiresAt"),
                    "uses_left": ev.get("maxUses"),
                    **self.ops.tx(outcome),
                }
            )
        if mine == 0:
            raise Forbidden("no requirement of this service is on a resource you own", service_id=service_id)
        return {"service_id": service_id, "lead": self.chain.party(s.lead), "items": items}

    def propose_standing_grant(
        self,
        actor: Actor,
        service_id: int,
        requirement_index: int,
        duration_s: int,
        max_uses: int,
        justification: str,
        *,
        key: str,
    ) -> dict[str, Any]:
        """A governor proposes the council call issuing the lead's standing grant (SENSITIVE/SECRET;
        unanimous for SECRET)."""
        actor.require_role("governor")
        self.ops.officer(actor)
        s = self._service(service_id)
        if not 0 <= requirement_index < len(s.requirements):
            raise NotFound(
                "the service has no such requirement", service_id=service_id, requirement_index=requirement_index
            )
        r = s.requirements[requirement_index]
        rid = r.resource_id
        existing = self._standing_grant(s.lead, r)
        if existing is not None:
            raise Conflict(
                "a usable standing grant exists",
                service_id=service_id,
                requirement_index=requirement_index,
                grant_id=existing["grant_id"],
            )
        cls = int(self.ops.contracts.data_catalog.classification_of(rid))
        p = self.ops.propose(
            self.ops.account(actor),
            UsageRights.calls.issue_grant(
                rid, s.lead, r.purpose_code, bytes.fromhex(r.legal_basis_hash[2:]), duration_s, max_uses
            ),
            text_hash(justification),
            unanimous=cls == SECRET,
            op=f"services.{service_id}.grants.{requirement_index}.propose",
            key=key,
        )
        return {
            "service_id": service_id,
            "requirement_index": requirement_index,
            "resource_id": rid,
            "classification": CLASSIFICATIONS[cls],
            "proposal_id": p.proposal_id,
            "unanimous": cls == SECRET,
            "executed": p.executed,
            "approve_with": p.approve_with,
            **p.tx,
        }

    # ================================================================ cases
