"""Opening a case at the front desk and pulling its evidence (one recorded use per item)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from backend.chain import ContractRevert
from backend.chain.bindings import Case, EvidenceRequirement, Grant, Service
from backend.services.cases.base import (
    DOCUMENTS_SUBMITTED,
    FORM_MEDIA_TYPE,
    CaseBase,
    CaseDeskNotLead,
    EvidenceFieldsUnknown,
    EvidenceUseNotNoted,
    EvidenceUseUnrecoverable,
    NoStandingGrant,
    _record_for,
)
from backend.services.common import ZERO32, Actor, canonical_json, h0x
from backend.services.errors import Forbidden, InvalidInput, ServiceError
from backend.services.usage import fields_hash

log = logging.getLogger(__name__)

Recovered = tuple[int, int, str] | None  # (grant, use index, use tx) of a use recorded but not attached


class EvidenceMixin(CaseBase):
    def open_case(self, actor: Actor, service_id: int, applicant: bytes, form: Any, *, key: str) -> dict[str, Any]:
        actor.require_role("department")
        officer = self.ops.officer(actor)
        s = self._service(service_id)
        if s.status != 2:
            raise ContractRevert("OneStopServicesServiceNotActive", {"serviceId": service_id})
        if applicant == ZERO32:
            raise InvalidInput("the applicant identity is required", field="applicant")
        if self.peer is not None and not actor.same(s.lead):
            # The form stays on the desk's node and only the lead pulls the evidence and finalizes:
            # a case opened elsewhere could be pulled but never finished.
            raise CaseDeskNotLead(
                "on a federation node a case is opened at the service's lead department",
                service_id=service_id,
                lead=s.lead,
            )
        doc = {
            "govchain": "application-form/v1",
            "service_id": service_id,
            "applicant_hash": h0x(applicant),
            "front_desk": actor.address,
            "salt": self._form_salt(actor.address, key),
            "form": form,
        }
        data = canonical_json(doc)
        form_hash = self.store.put(data, s.lead, FORM_MEDIA_TYPE)
        for st in s.steps:  # the deciding departments read the form too
            self.store.grant_access(form_hash, s.lead, st.department)
        outcome = self.oss.open_case(
            self.ops.account(actor),
            service_id,
            applicant,
            bytes.fromhex(form_hash[2:]),
            DOCUMENTS_SUBMITTED,
            op="cases.open",
            key=key,
        )
        ev = self.ops.event(outcome, "CaseOpened") or {}
        cid = ev.get("caseId")
        return {
            "case_id": cid,
            "service_id": service_id,
            "status": "Open",
            "applicant_hash": h0x(applicant),
            "form_hash": form_hash,
            "documents_submitted": DOCUMENTS_SUBMITTED,
            "evidence_required": len(s.requirements),
            "case_ref": ev.get("caseRef"),
            "front_desk": self.chain.party(actor.address),
            "officer_hash": h0x(officer),
            "next": f"the lead pulls the evidence: POST /cases/{cid}/evidence/pull",
            **self.ops.tx(outcome),
        }

    def pull_evidence(self, actor: Actor, case_id: int, *, key: str) -> dict[str, Any]:
        """Record + attach every missing evidence item of the case (the lead). Reports per requirement."""
        actor.require_role("department")
        self.ops.officer(actor)
        c = self._case(case_id)
        s = self._service(c.service_id)
        if not actor.same(s.lead):
            raise Forbidden("only the service's lead department pulls the evidence", case_id=case_id)
        if c.status != 1:
            raise ContractRevert("OneStopServicesCaseNotOpen", {"caseId": case_id, "status": c.status})
        links = self.oss.evidence_links(case_id)
        case_ref = self.oss.case_ref(case_id)
        todo = [i for i, link in enumerate(links) if link.grant_id == 0]
        items: dict[int, dict[str, Any]] = {
            i: {
                "requirement_index": i,
                "resource_id": link.resource_id,
                "status": "already_attached",
                "grant_id": link.grant_id,
                "use_index": link.use_index,
            }
            for i, link in enumerate(links)
            if i not in todo
        }

        def one(i: int) -> dict[str, Any]:
            try:
                return self._pull_one(actor, case_id, c, s, i, case_ref)
            except (ServiceError, ContractRevert) as exc:
                body = exc.to_dict()
                return {
                    "requirement_index": i,
                    "resource_id": s.requirements[i].resource_id,
                    "status": "failed",
                    "http_status": getattr(exc, "http_status", 409),
                    **body,
                }

        if todo:
            with ThreadPoolExecutor(max_workers=min(len(todo), 8)) as pool:
                for res in pool.map(one, todo):
                    items[res["requirement_index"]] = res
        after = self._case(case_id)
        return {
            "case_id": case_id,
            "evidence_required": after.evidence_required,
            "evidence_attached": after.evidence_attached,
            "complete": after.evidence_attached == after.evidence_required,
            "items": [items[i] for i in sorted(items)],
        }

    def _pull_one(self, actor: Actor, case_id: int, c: Case, s: Service, i: int, case_ref: str) -> dict[str, Any]:
        r = s.requirements[i]
        if self.peer is not None:
            # 1. a use already recorded for this case and citizen but never attached (crash in between)?
            fields = self._evidence_fields(case_id, c, s, i)
            recovered = self._recoverable_peer_use(case_id, s.lead, i, r, c.applicant_hash, case_ref, fields)
            gid, use_index, evidence = self._peer_evidence(actor, case_id, c, s, i, case_ref, fields, recovered)
        else:
            recovered = next(
                ((g, u, tx) for g, _grant, u, tx in self._unattached_uses(s.lead, r, c.applicant_hash, case_ref)),
                None,
            )
            gid, use_index, evidence = self._local_evidence(actor, case_id, c, s, i, case_ref, recovered)
        # 3. link the use to the case (only once the evidence is in hand)
        outcome = self.oss.attach_evidence(
            self.ops.account(actor),
            case_id,
            i,
            gid,
            use_index,
            op=f"cases.{case_id}.evidence.{i}",
            key=f"g{gid}-u{use_index}",
        )
        return {
            "requirement_index": i,
            "resource_id": r.resource_id,
            "source": self.chain.party(self.ops.contracts.data_catalog.owner_of(r.resource_id)),
            "status": "attached",
            "grant_id": gid,
            "use_index": use_index,
            "recovered_use": recovered is not None,
            "attach_tx": outcome.tx_hash,
            "block_number": outcome.block_number,
            **evidence,
        }

    def _local_evidence(
        self, actor: Actor, case_id: int, c: Case, s: Service, i: int, case_ref: str, recovered: Recovered
    ) -> tuple[int, int, dict[str, Any]]:
        """The single-process sandbox: the use recorded, then the document read from this process's store."""
        if recovered is not None:
            gid, use_index, use_tx = recovered
            return gid, use_index, {"use_tx": use_tx}
        gid = self._grant_or_refuse(case_id, s, i, None)
        officer = self.ops.officer(actor).hex()[:16]
        # 2. the use goes on chain (mined) before the data is decrypted: UsageService.fetch
        fetched = self.usage.fetch(
            actor,
            gid,
            bytes.fromhex(c.applicant_hash[2:]),
            bytes.fromhex(case_ref[2:]),
            None,
            key=f"case-{case_id}-req-{i}-{officer}",
        )
        return (
            gid,
            int(fetched["use"]["use_index"]),
            {
                "use_tx": fetched["use"]["tx_hash"],
                "content_hash": fetched["content_hash"],
                "version": fetched["version"],
                "record_for_applicant": _record_for(fetched.get("data"), c.applicant_hash),
            },
        )

    def _peer_evidence(
        self,
        actor: Actor,
        case_id: int,
        c: Case,
        s: Service,
        i: int,
        case_ref: str,
        fields: list[str],
        recovered: Recovered,
    ) -> tuple[int, int, dict[str, Any]]:
        """A federation node: the use recorded on chain (subject = the applicant, context = the case),
        then the owner's node releases that subject's records only, sealed to this node and signed."""
        assert self.peer is not None
        if recovered is not None:  # spent before: ask for that use again, never record another
            gid, use_index, _tx = recovered
            released = self.peer.deliver(gid, use_index)
        else:
            gid = self._grant_or_refuse(case_id, s, i, fields)
            officer = self.ops.officer(actor).hex()[:16]
            released = self.peer.fetch(
                gid,
                bytes.fromhex(c.applicant_hash[2:]),
                fields,
                actor.officer_id or "",
                key=f"case-{case_id}-req-{i}-{officer}",
                context_ref=bytes.fromhex(case_ref[2:]),
            )
            use_index = int(released.receipt.use_index)
        records = list(released.content.get("records") or [])
        return (
            gid,
            use_index,
            {
                "use_tx": released.use_tx,
                "content_hash": h0x(released.receipt.content_hash),
                "version": released.content.get("version"),
                "released_by": self.chain.party(released.owner),
                "records_released": len(records),
                "record_for_applicant": records[0] if records else None,
            },
        )

    def _evidence_fields(self, case_id: int, c: Case, s: Service, i: int) -> list[str]:
        """The requirement's field list from the definition (its hash is the service's nameHash on chain)."""
        reqs = (self.definition(c.service_id, s) or {}).get("requirements") or []
        fields = reqs[i].get("fields") if i < len(reqs) else None
        if not fields:
            raise EvidenceFieldsUnknown(
                "the service definition names no field list for this requirement; a peer release asks for one",
                case_id=case_id,
                requirement_index=i,
            )
        return list(fields)

    def _grant_or_refuse(self, case_id: int, s: Service, i: int, fields: list[str] | None) -> int:
        found = self._usable_grant(s.lead, s.requirements[i], fields)
        if found is None:
            raise NoStandingGrant(
                "no usable standing grant covers this requirement"
                + (" (issued through a request for its field list)" if fields is not None else ""),
                case_id=case_id,
                requirement_index=i,
                resource_id=s.requirements[i].resource_id,
            )
        return found[0]

    def _unattached_uses(
        self, lead: str, r: EvidenceRequirement, applicant: str, case_ref: str
    ) -> Iterator[tuple[int, Grant, int, str]]:
        """(grant, its view, use index, use tx) of each use recorded for this case and citizen
        under a grant matching ``r`` but attached to no case, newest grant first."""
        for gid, g in self._grants_for(lead, r):
            for ev in self.ops.history("UsageRights", "UseRecorded", grantId=gid):
                a = ev["args"]
                if (
                    str(a["subjectHash"]).lower() == applicant.lower()
                    and str(a["contextRef"]).lower() == case_ref.lower()
                    and self.oss.case_of_use(gid, int(a["useIndex"])) == 0
                ):
                    yield gid, g, int(a["useIndex"]), ev["tx_hash"]

    def _recoverable_peer_use(
        self,
        case_id: int,
        lead: str,
        i: int,
        r: EvidenceRequirement,
        applicant: str,
        case_ref: str,
        fields: list[str],
    ) -> Recovered:
        """An unattached use of this case that the owner will release as this requirement's
        evidence: its grant not revoked, approved for exactly the definition's field list, and
        noted here with that list. Any other use with the case's ref (recorded by hand, under
        another grant, or its grant revoked since) would be refused forever: it is ignored and
        a fresh use is recorded instead."""
        assert self.peer is not None
        want = fields_hash(fields)
        for gid, g, use_index, tx in self._unattached_uses(lead, r, applicant, case_ref):
            if g.revoked or self._approved_fields_hash(gid) != want:
                continue
            noted = self.peer.use(gid, use_index)
            if noted is None:
                args = {"case_id": case_id, "requirement_index": i, "grant_id": gid, "use_index": use_index}
                if self.peer.pending(gid, bytes.fromhex(applicant[2:])):
                    raise EvidenceUseNotNoted(
                        "the use is on chain; this node notes it after its restart: pull again shortly", **args
                    )
                raise EvidenceUseUnrecoverable(
                    "the use is on chain but this node's database holds neither its note nor a pending intent "
                    "(peer_uses / peer_use_intents lost): restore the node's database from a backup, "
                    "or reject this case and open a new one; pulling again will not help",
                    **args,
                )
            if fields_hash(json.loads(noted.fields_json)) != want:
                continue
            return gid, use_index, tx
        return None
