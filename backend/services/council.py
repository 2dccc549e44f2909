"""Council members (governors) see proposals and sensitive requests and approve them.

A SENSITIVE request approved by its owner waits in OwnerApproved; a governor
proposes the council call ``UsageRights.councilApprove`` (unanimous for SECRET
resources) and the others approve it. An incident that was answered or escalated
is ruled the same way: a governor proposes ``Accountability.rule(incident, upheld,
rulingHash)`` and it executes when the threshold is reached. The council can also
revoke any certificate (``Certificates.councilRevoke``: a compromised or suspended
issuer cannot revoke its own), for a reason code, with the decision's text hashed.
Each governor's node signs with that governor's key only.
"""

from __future__ import annotations

import time
from typing import Any

from backend.chain.bindings import Accountability, Certificates, Proposal, Purposes, UsageRights
from backend.chain.enums import RevocationReason
from backend.services.common import (
    CLASSIFICATIONS,
    INCIDENT_STATUS,
    PROPOSAL_KINDS,
    REQUEST_STATUS,
    Actor,
    ChainOps,
    text_hash,
)
from backend.services.errors import Conflict, InvalidInput

SECRET = 3
RULABLE = (2, 3)  # IncidentStatus Responded, Escalated
MAX_RULING_CHARS = 4000
# The reasons the council may give (the issuer's own revocation is ISSUER_DECISION; SUPERSEDED is the
# registry's, at a transfer).
COUNCIL_REVOCATION_REASONS = tuple(
    r.name.lower()
    for r in RevocationReason
    if r not in (RevocationReason.NONE, RevocationReason.ISSUER_DECISION, RevocationReason.SUPERSEDED)
)


class CouncilService:
    def __init__(self, ops: ChainOps) -> None:
        self.ops = ops

    def list_proposals(self, actor: Actor, pending_only: bool, offset: int, limit: int) -> dict[str, Any]:
        actor.require_role("governor", "auditor")
        count = self.ops.contracts.consortium.proposal_count()
        now = int(time.time())
        items = []
        for pid in range(count, 0, -1):
            p = self.ops.contracts.consortium.proposal(pid)
            if pending_only and (p.executed or p.expires_at <= now):
                continue
            items.append(self._view(pid, p, actor))
        return {"total": len(items), "offset": offset, "limit": limit, "items": items[offset : offset + limit]}

    def thresholds(self) -> tuple[int, int]:
        """(approvals a council call needs, governors): a unanimous call needs all of them."""
        return self.ops.contracts.consortium.threshold(), self.ops.contracts.consortium.governor_count()

    def describe_call(self, p: dict[str, Any]) -> str:
        """What a council call does, decoded from its calldata when the target is one of ours
        (also notes request_id / incident_id / upheld on ``p`` for councilApprove and rule)."""
        target = (p.get("target") or "").lower()
        for name, c in self.ops.manifest.contracts.items():
            if c.address.lower() == target and p.get("data") not in (None, "0x"):
                try:
                    fn, args = self.ops.client.contract(name).decode_function_input(p["data"])
                    shown = ", ".join(f"{k}={v}" for k, v in args.items() if not isinstance(v, (bytes, bytearray)))
                    if name == "UsageRights" and fn.fn_name == "councilApprove":
                        p["request_id"] = int(args.get("requestId", 0))
                    if name == "Accountability" and fn.fn_name == "rule":
                        p["incident_id"] = int(args.get("incidentId", 0))
                        p["upheld"] = bool(args.get("upheld"))
                    return f"{name}.{fn.fn_name}({shown})"
                except Exception:
                    return name
        return ""

    def sensitive_requests(self, actor: Actor) -> list[dict[str, Any]]:
        """Requests waiting for the council (owner-approved SENSITIVE/SECRET, or escalated), newest first."""
        actor.require_role("governor", "auditor")
        self.ops.fresh()
        ids = set(self.ops.index.ids("UsageRights", ("RequestApproved", "RequestEscalated"), "requestId"))
        out = []
        for rid in sorted(ids, reverse=True):
            req = self.ops.contracts.usage_rights.request(rid)
            status = REQUEST_STATUS[req.status]
            if status not in ("OwnerApproved", "Escalated"):
                continue
            rid_res = req.resource_id
            out.append(
                {
                    "request_id": rid,
                    "resource_id": rid_res,
                    "status": status,
                    "requester": req.requester,
                    "owner": self.ops.contracts.data_catalog.owner_of(rid_res),
                    "classification": CLASSIFICATIONS[self.ops.contracts.data_catalog.classification_of(rid_res)],
                    "purpose_code": req.purpose_code,
                    "max_uses": req.max_uses,
                    "duration_s": req.duration,
                }
            )
        return out

    def approve_proposal(self, actor: Actor, proposal_id: int, *, key: str) -> dict[str, Any]:
        actor.require_role("governor")
        self.ops.contracts.consortium.proposal(proposal_id)  # 404 when unknown
        outcome = self.ops.contracts.consortium.approve(
            self.ops.account(actor),
            proposal_id,
            op=f"proposals.{proposal_id}.approve",
            key=key,
        )
        approved = self.ops.event(outcome, "ProposalApproved") or {}
        return {
            "proposal_id": proposal_id,
            "approvals": approved.get("approvals"),
            "executed": self.ops.event(outcome, "ProposalExecuted") is not None,
            "events": [e["event"] for e in outcome.events],
            **self.ops.tx(outcome),
        }

    def propose_request_approval(
        self, actor: Actor, request_id: int, justification: str, *, key: str
    ) -> dict[str, Any]:
        """Propose ``councilApprove(request_id)``; unanimous when the resource is SECRET."""
        actor.require_role("governor")
        req = self.ops.contracts.usage_rights.request(request_id)  # 404 when unknown
        if req.status not in (2, 5):  # OwnerApproved, Escalated
            raise Conflict("the request does not await the council", request_id=request_id, status=req.status)
        cls = self.ops.contracts.data_catalog.classification_of(req.resource_id)
        p = self.ops.propose(
            self.ops.account(actor),
            UsageRights.calls.council_approve(request_id),
            text_hash(justification),
            unanimous=cls == SECRET,
            op=f"council.requests.{request_id}.propose",
            key=key,
        )
        return {
            "proposal_id": p.proposal_id,
            "request_id": request_id,
            "unanimous": cls == SECRET,
            "executed": p.executed,
            **p.tx,
        }

    def propose_ruling(
        self, actor: Actor, incident_id: int, upheld: bool, ruling_text: str, *, key: str
    ) -> dict[str, Any]:
        """Propose the council call ``Accountability.rule(incident_id, upheld, keccak(ruling_text))``.

        The incident must be Responded or Escalated (the contract's rule); the proposer's
        approval counts, the others approve with ``approve_proposal`` until the threshold
        executes it (IncidentRuled). The ruling text is hashed, never stored on chain.
        """
        actor.require_role("governor")
        if not isinstance(upheld, bool):
            raise InvalidInput("upheld must be true or false", field="upheld")
        text = _decision_text(ruling_text, "ruling_text")
        inc = self.ops.contracts.accountability.incident(incident_id)  # 404 when unknown
        status = inc.status
        if status not in RULABLE:
            raise Conflict(
                "only an answered or escalated incident can be ruled on",
                incident_id=incident_id,
                status=INCIDENT_STATUS[status],
            )
        self.ops.officer(actor)
        ruling_hash = text_hash(text)
        return self._propose_decision(
            actor,
            Accountability.calls.rule(incident_id, upheld, ruling_hash),
            f"ruling on incident {incident_id}: {text}",
            f"council.incidents.{incident_id}.ruling",
            key,
            incident_id=incident_id,
            upheld=upheld,
            ruling_hash="0x" + ruling_hash.hex(),
            responsible=inc.responsible,
        )

    def propose_certificate_revocation(
        self, actor: Actor, cert_id: int, reason: str, decision_text: str, *, key: str
    ) -> dict[str, Any]:
        """Propose ``Certificates.councilRevoke(cert_id, reason, keccak(decision_text))``: any certificate,
        whoever issued it (public verification then shows the council's revocation and its reason)."""
        actor.require_role("governor")
        if reason not in COUNCIL_REVOCATION_REASONS:
            raise InvalidInput(f"reason must be one of {', '.join(COUNCIL_REVOCATION_REASONS)}", field="reason")
        text = _decision_text(decision_text, "decision")
        cert = self.ops.contracts.certificates.certificate(cert_id)  # 404 when unknown
        if cert.revoked_at:
            raise Conflict("the certificate is already revoked", cert_id=cert_id, revoked_at=cert.revoked_at)
        self.ops.officer(actor)
        decision_hash = text_hash(text)
        return self._propose_decision(
            actor,
            Certificates.calls.council_revoke(cert_id, int(RevocationReason[reason.upper()]), decision_hash),
            f"revoke certificate {cert_id}: {text}",
            f"council.certificates.{cert_id}.revoke",
            key,
            cert_id=cert_id,
            reason=reason,
            decision_hash="0x" + decision_hash.hex(),
            issuer=cert.issuer,
        )

    def propose_register_purpose(
        self, actor: Actor, code: int, name_zh: str, name_en: str, *, key: str
    ) -> dict[str, Any]:
        """Propose ``Purposes.registerPurpose(code, name_zh, name_en)``."""
        actor.require_role("governor")
        if _registered_purpose(self.ops, code):
            raise Conflict("purpose code already registered", code=code)
        return self._propose_decision(
            actor,
            Purposes.calls.register_purpose(code, name_zh.strip(), name_en.strip()),
            f"register purpose {code}: {name_zh} / {name_en}",
            f"council.purposes.{code}.register",
            key,
            code=code,
        )

    def propose_register_legal_basis(
        self, actor: Actor, citation: str, text: str | None, text_hash_hex: str | None, *, key: str
    ) -> dict[str, Any]:
        """Propose ``Purposes.registerLegalBasis(hash, citation)``: the hash of ``text`` or ``text_hash_hex``."""
        actor.require_role("governor")
        if (text is None) == (text_hash_hex is None):
            raise InvalidInput("give either text or text_hash", field="text")
        digest = text_hash(text) if text is not None else bytes.fromhex(str(text_hash_hex)[2:])
        if _registered_basis(self.ops, digest):
            raise Conflict("legal basis already registered", text_hash="0x" + digest.hex())
        return self._propose_decision(
            actor,
            Purposes.calls.register_legal_basis(digest, citation.strip()),
            f"register legal basis {citation}",
            f"council.legal-bases.0x{digest.hex()}.register",
            key,
            text_hash="0x" + digest.hex(),
            citation=citation.strip(),
        )

    def _propose_decision(
        self, actor: Actor, call: Any, description: str, op: str, key: str, **fields: Any
    ) -> dict[str, Any]:
        """Propose a council call described by ``description`` (hashed on chain); the answer names the
        proposal, ``fields``, whether it executed already and where the other governors approve."""
        p = self.ops.propose(self.ops.account(actor), call, text_hash(description), op=op, key=key)
        return {
            "proposal_id": p.proposal_id,
            **fields,
            "executed": p.executed,
            "approve_with": p.approve_with,
            **p.tx,
        }

    def _view(self, pid: int, p: Proposal, actor: Actor) -> dict[str, Any]:
        return {
            "proposal_id": pid,
            "kind": PROPOSAL_KINDS[p.kind],
            "proposer": p.proposer,
            "target": p.target,
            "data": p.data,
            "description_hash": p.description_hash,
            "approvals": p.approvals,
            "created_at": p.created_at,
            "expires_at": p.expires_at,
            "executed": p.executed,
            "approved_by_me": self.ops.contracts.consortium.has_approved(pid, actor.address),
        }


def _decision_text(text: str | None, field: str) -> str:
    """A council decision's text (hashed on chain, never stored there): non-empty, bounded."""
    out = (text or "").strip()
    if not out:
        raise InvalidInput(f"the {field.replace('_', ' ')} must not be empty", field=field)
    if len(out) > MAX_RULING_CHARS:
        raise InvalidInput(f"the {field.replace('_', ' ')} is longer than {MAX_RULING_CHARS} characters", field=field)
    return out


def _registered_purpose(ops: ChainOps, code: int) -> bool:
    return any(p.code == code for p in ops.contracts.purposes.purposes(0, 2**32))


def _registered_basis(ops: ChainOps, digest: bytes) -> bool:
    return any(
        bytes.fromhex(str(b.text_hash).removeprefix("0x")) == digest
        for b in ops.contracts.purposes.legal_bases(0, 2**32)
    )
