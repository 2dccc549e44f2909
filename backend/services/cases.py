"""One-stop citizen services (一网通办): service definitions, standing grants, cases,
evidence pulled through grants, staged approvals and the outcome of a case.

How the parts fit (see docs/one-stop.md for the contract and docs/demo.md for a walk-through):

- **Service definition.** The lead department posts the definition (name, kind,
  evidence requirements by resource id + purpose + legal-basis text, approval
  steps by department address + stage, step deadline). The definition document
  (canonical JSON) is stored encrypted in the document store, owned by the lead;
  its keccak256 content hash is the on-chain ``nameHash``, so the text can always
  be checked against the chain. Each requirement's ``legalBasisHash`` is
  keccak256 of its legal-basis text. Status: Proposed.
- **Activation** is a council call: a governor proposes
  ``OneStopServices.activateService(id)`` (``POST /services/{id}/activation``)
  and the others approve through ``POST /council/proposals/{id}/approve``.
- **Standing grants** (chosen design: a separate step, not part of activation,
  because each grant is the *source* department's decision): the owner of a
  requirement's resource calls ``POST /services/{id}/standing-grants``, which issues
  ``UsageRights.issueGrant(resource, lead, purpose, legalBasisHash, duration,
  maxUses)`` for every requirement on a resource it owns (PUBLIC/INTERNAL). A
  SENSITIVE/SECRET requirement is answered ``council_required`` there; a governor
  proposes the grant as a council call (``POST /services/{id}/standing-grants/proposals``,
  unanimous for SECRET) and the others approve it.
- **Open a case** at any front desk (any active department): the citizen's
  identity becomes the keyed subject hash; the application form is wrapped with a
  per-request salt (so its hash cannot be guessed from a known form), stored
  encrypted for the lead (and the step departments, who decide on it), and its
  content hash is the on-chain ``formHash``. ``submittedDocuments = 2``: the
  identity document shown at the desk and the form. Nothing else is asked of the
  citizen.
- **Pull evidence** (the lead; ``POST /cases/{id}/evidence/pull``): for every
  requirement still missing, the lead's backend finds a usable standing grant,
  fetches the data through :meth:`UsageService.fetch` (the use is recorded on chain
  first, with ``subjectHash = applicantHash`` and ``contextRef = caseRef(caseId)``,
  and only then decrypted: fail closed, tamper-checked), then calls
  ``attachEvidence``. Requirements run in parallel. A use recorded for this case
  and citizen but never attached (a crash between the two transactions) is found
  in the ``UseRecorded`` logs and attached instead of recording another use.
- **Steps**: the step's department approves / rejects on chain (the contract
  decides who may: another department gets ``OneStopServicesWrongDepartment`` as
  403; approving before all evidence is attached gets
  ``OneStopServicesEvidenceMissing`` as 409). A department or a governor may escalate a
  step past its deadline (auditor tokens are read-only: 403).
- **Finalize** (house transfer; explicit, by the lead: ``POST /cases/{id}/finalize``
  after the case is Approved): the registry transfer of the unit to the applicant
  (the form names the unit and the seller's certificate; evidence hash = hash of
  the case's evidence links), a new PROPERTY_CERT certificate for a generated
  certificate document (stored encrypted, hash on chain, holder = applicant hash),
  and revocation of the seller's certificate when the lead issued it. Every part
  checks the chain first, so finalize can be repeated safely.
- **Reads**: the case view (departments involved, auditors, governors) shows the
  documents the citizen submitted versus the evidence items pulled and the
  departments involved; the citizen (citizen token) lists their own cases with
  step statuses and downloads the certificate document a case produced.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from eth_utils import keccak, to_checksum_address

from backend.chain import ContractRevert
from backend.chain.enums import CaseStatus, Classification, ServiceStatus, StepStatus
from backend.services.certificates import STATUS as CERT_STATUS
from backend.services.certificates import checksum, code32, code_text
from backend.services.common import ZERO32, Actor, ChainOps, canonical_json, h0x, text_hash, topic_address, topic_uint
from backend.services.errors import Conflict, Forbidden, InvalidInput, NotFound, ServiceError
from backend.store import AccessDenied, DocumentMissing

if TYPE_CHECKING:  # pragma: no cover
    from backend.composition import AppContext
    from backend.services.certificates import CertificateService, CitizenChain
    from backend.services.registry import RegistryService
    from backend.services.usage import UsageService

log = logging.getLogger(__name__)

OSS = "OneStopServices"
SERVICE_STATUS = tuple(m.solidity for m in ServiceStatus)
CASE_STATUS = tuple(m.solidity for m in CaseStatus)
STEP_STATUS = tuple(m.solidity for m in StepStatus)
CLASSIFICATIONS = tuple(m.name for m in Classification)
SENSITIVE, SECRET = 2, 3
DEFINITION_MEDIA_TYPE = "application/vnd.govchain.service+json"
FORM_MEDIA_TYPE = "application/vnd.govchain.form+json"
CERT_MEDIA_TYPE = "application/vnd.govchain.certificate+json"
DOCUMENTS_SUBMITTED = 2  # the identity document shown at the desk + the application form
KINDS = ("generic", "house_transfer", "newborn_registration", "business_licence_change")
DEFAULT_CERT_TYPE = {"house_transfer": "PROPERTY_CERT"}
# contract errors that mean "not you" and that the generic rules would answer 409
AUTHZ_REVERTS = ("NotServiceLead",)


class CaseNotApproved(Conflict):
    name = "CaseNotApproved"


class NoStandingGrant(Conflict):
    name = "NoStandingGrant"


class CasesService:
    def __init__(
        self,
        ctx: "AppContext",
        ops: ChainOps,
        usage: "UsageService",
        certificates: "CertificateService",
        registry: "RegistryService",
        chain: "CitizenChain | None" = None,
    ) -> None:
        self.ctx = ctx
        self.ops = ops
        self.usage = usage
        self.certificates = certificates
        self.registry = registry
        self.chain = chain or certificates.chain

    # ================================================================ helpers
    def _write(self, actor: Actor, contract: str, fn: str, args: list[Any], *, op: str, key: str,
               strict: bool = True):
        self.chain.require(OSS)
        # "not you" reverts answer 403 by the table in backend.chain.errors
        return self.ops.write(self.ops.account(actor), contract, fn, args, op=op, key=key, strict=strict)

    def _view(self, fn: str, *args: Any) -> Any:
        return self.chain.view(OSS, fn, *args)

    def _service(self, service_id: int) -> dict[str, Any]:
        return self._view("service", service_id)  # 404 OneStopServicesUnknownService

    def _case(self, case_id: int) -> dict[str, Any]:
        return self._view("caseInfo", case_id)  # 404 OneStopServicesUnknownCase

    def definition(self, service_id: int, s: dict[str, Any] | None = None) -> dict[str, Any] | None:
        """The published definition document (None when the service was registered without one)."""
        s = s or self._service(service_id)
        try:
            return json.loads(self.ctx.store.get(s["nameHash"], s["lead"]))
        except (AccessDenied, DocumentMissing, ValueError):
            return None
        except Exception as exc:  # tampered definition: shown as missing, logged
            log.warning("definition of service %s unreadable: %s", service_id, exc)
            return None

    def _form_salt(self, desk: str, key: str) -> str:
        """Stable per (desk, Idempotency-Key), unguessable without the deployment secret."""
        msg = b"govchain/form-salt/v1\x00" + desk.lower().encode() + b"\x00" + key.encode()
        return hmac.new(self.ctx.settings.subject_secret.encode(), msg, hashlib.sha256).hexdigest()

    def _serial(self, case_ref: str) -> str:
        msg = b"govchain/certificate-serial/v1\x00" + case_ref.lower().encode()
        return hmac.new(self.ctx.settings.subject_secret.encode(), msg, hashlib.sha256).hexdigest()[:32]

    def _involved(self, c: dict[str, Any], s: dict[str, Any]) -> list[dict[str, Any]]:
        """Distinct departments of a case, as the contract counts them, with their roles."""
        roles: dict[str, list[str]] = {}

        def add(addr: str, role: str) -> None:
            a = to_checksum_address(addr)
            roles.setdefault(a, [])
            if role not in roles[a]:
                roles[a].append(role)

        add(c["frontDesk"], "front_desk")
        add(s["lead"], "lead")
        for r in s["requirements"]:
            add(self.ops.view("DataCatalog", "ownerOf", int(r["resourceId"])), "evidence_source")
        for st in s["steps"]:
            add(st["department"], "approver")
        return [{**(self.chain.party(a) or {}), "roles": rs} for a, rs in roles.items()]

    def _may_read_case(self, actor: Actor, c: dict[str, Any], s: dict[str, Any]) -> bool:
        if actor.role in ("auditor", "governor"):
            return True
        if actor.role == "citizen":
            return actor.address.lower() == c["applicantHash"].lower()
        if actor.role != "department":
            return False
        if actor.same(c["frontDesk"]) or actor.same(s["lead"]):
            return True
        if any(actor.same(st["department"]) for st in s["steps"]):
            return True
        return any(actor.same(self.ops.view("DataCatalog", "ownerOf", int(r["resourceId"]))) for r in s["requirements"])

    # ================================================================ services
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
            reqs_doc.append({"resource_id": int(r["resource_id"]), "purpose_code": int(r["purpose_code"]),
                             "legal_basis": legal, "label": r.get("label")})
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
        name_hash = self.ctx.store.put(canonical_json(doc), actor.address, DEFINITION_MEDIA_TYPE)
        outcome = self._write(
            actor, OSS, "registerService",
            [bytes.fromhex(name_hash[2:]), reqs_chain, steps_chain, step_deadline_s],
            op="services.register", key=key,
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
        if int(s["status"]) != 1:
            raise Conflict("only a Proposed service can be activated", service_id=service_id,
                           status=SERVICE_STATUS[int(s["status"])])
        result = self.chain.propose_council_call(
            actor, OSS, "activateService", [service_id], justification,
            op=f"services.{service_id}.activation.propose", key=key,
        )
        return {"service_id": service_id, **result}

    def list_services(self, offset: int, limit: int) -> dict[str, Any]:
        total = int(self._view("serviceCount"))
        ids = list(range(total - offset, max(total - offset - limit, 0), -1))
        return {"total": total, "offset": offset, "limit": limit,
                "items": [self.get_service(i, with_grants=False) for i in ids]}

    def get_service(self, service_id: int, *, with_grants: bool = True) -> dict[str, Any]:
        s = self._service(service_id)
        d = self.definition(service_id, s) or {}
        dreqs = d.get("requirements") or []
        dsteps = d.get("steps") or []
        reqs = []
        for i, r in enumerate(s["requirements"]):
            rid = int(r["resourceId"])
            owner = self.ops.view("DataCatalog", "ownerOf", rid)
            item = {
                "requirement_index": i,
                "resource_id": rid,
                "label": dreqs[i].get("label") if i < len(dreqs) else None,
                "source": self.chain.party(owner),
                "classification": CLASSIFICATIONS[int(self.ops.view("DataCatalog", "classificationOf", rid))],
                "purpose_code": int(r["purposeCode"]),
                "legal_basis": dreqs[i].get("legal_basis") if i < len(dreqs) else None,
                "legal_basis_hash": r["legalBasisHash"],
            }
            if with_grants:
                g = self._standing_grant(s["lead"], r)
                item["standing_grant"] = g
            reqs.append(item)
        steps = [
            {"step_index": i, "department": self.chain.party(st["department"]), "stage": int(st["stage"]),
             "label": dsteps[i].get("label") if i < len(dsteps) else None}
            for i, st in enumerate(s["steps"])
        ]
        return {
            "service_id": service_id,
            "name": d.get("name"),
            "description": d.get("description"),
            "kind": d.get("kind", "generic"),
            "certificate_type": d.get("certificate_type"),
            "lead": self.chain.party(s["lead"]),
            "status": SERVICE_STATUS[int(s["status"])],
            "name_hash": s["nameHash"],
            "definition_verified": bool(d),
            "step_deadline_s": int(s["stepDeadline"]),
            "stage_count": int(s["stageCount"]),
            "registered_at": int(s["registeredAt"]),
            "requirements": reqs,
            "steps": steps,
        }

    # -- standing grants ------------------------------------------------------------------------
    def _grants_for(self, lead: str, r: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
        """Grants to ``lead`` matching requirement ``r`` (resource, purpose, legal basis), newest first."""
        rid = int(r["resourceId"])
        out = []
        for ev in reversed(self.ops.logs("UsageRights", "GrantIssued", [None, topic_uint(rid), topic_address(lead)])):
            a = ev["args"]
            if int(a["purposeCode"]) != int(r["purposeCode"]):
                continue
            if str(a["legalBasisHash"]).lower() != str(r["legalBasisHash"]).lower():
                continue
            gid = int(a["grantId"])
            out.append((gid, self.ops.view("UsageRights", "grant", gid)))
        return out

    def _usable_grant(self, lead: str, r: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        now = int(time.time())
        for gid, g in self._grants_for(lead, r):
            if not g["revoked"] and int(g["expiresAt"]) > now and int(g["usedCount"]) < int(g["maxUses"]):
                return gid, g
        return None

    def _standing_grant(self, lead: str, r: dict[str, Any]) -> dict[str, Any] | None:
        found = self._usable_grant(lead, r)
        if found is None:
            return None
        gid, g = found
        return {"grant_id": gid, "expires_at": int(g["expiresAt"]),
                "uses_left": int(g["maxUses"]) - int(g["usedCount"]), "usable": True}

    def issue_standing_grants(
        self, actor: Actor, service_id: int, duration_s: int, max_uses: int, *, key: str
    ) -> dict[str, Any]:
        """The source department issues standing grants to the lead for its own resources."""
        actor.require_role("department")
        self.ops.officer(actor)
        s = self._service(service_id)
        if int(s["status"]) not in (1, 2):
            raise Conflict("the service is retired", service_id=service_id)
        items, mine = [], 0
        for i, r in enumerate(s["requirements"]):
            rid = int(r["resourceId"])
            owner = self.ops.view("DataCatalog", "ownerOf", rid)
            if not actor.same(owner):
                continue
            mine += 1
            existing = self._standing_grant(s["lead"], r)
            cls = int(self.ops.view("DataCatalog", "classificationOf", rid))
            item = {"requirement_index": i, "resource_id": rid, "classification": CLASSIFICATIONS[cls]}
            if existing is not None:
                items.append({**item, "status": "exists", **existing})
                continue
            if cls >= SENSITIVE:
                items.append({**item, "status": "council_required",
                              "propose_with": f"/services/{service_id}/standing-grants/proposals"})
                continue
            outcome = self.ops.write(
                self.ops.account(actor), "UsageRights", "issueGrant",
                [rid, s["lead"], int(r["purposeCode"]), bytes.fromhex(r["legalBasisHash"][2:]), duration_s, max_uses],
                op=f"services.{service_id}.grants.{i}", key=key, strict=False,
            )
            ev = self.ops.event(outcome, "GrantIssued") or {}
            items.append({**item, "status": "issued", "grant_id": ev.get("grantId"),
                          "expires_at": ev.get("expiresAt"), "uses_left": ev.get("maxUses"), **self.ops.tx(outcome)})
        if mine == 0:
            raise Forbidden("no requirement of this service is on a resource you own", service_id=service_id)
        return {"service_id": service_id, "lead": self.chain.party(s["lead"]), "items": items}

    def propose_standing_grant(
        self, actor: Actor, service_id: int, requirement_index: int, duration_s: int, max_uses: int,
        justification: str, *, key: str,
    ) -> dict[str, Any]:
        """A governor proposes the council call issuing the lead's standing grant (SENSITIVE/SECRET;
        unanimous for SECRET)."""
        actor.require_role("governor")
        self.ops.officer(actor)
        s = self._service(service_id)
        if not 0 <= requirement_index < len(s["requirements"]):
            raise NotFound("the service has no such requirement", service_id=service_id,
                           requirement_index=requirement_index)
        r = s["requirements"][requirement_index]
        rid = int(r["resourceId"])
        existing = self._standing_grant(s["lead"], r)
        if existing is not None:
            raise Conflict("a usable standing grant exists", service_id=service_id,
                           requirement_index=requirement_index, grant_id=existing["grant_id"])
        cls = int(self.ops.view("DataCatalog", "classificationOf", rid))
        usage = self.ctx.client.contract("UsageRights")
        calldata = usage.encode_abi("issueGrant", args=[
            rid, s["lead"], int(r["purposeCode"]), bytes.fromhex(r["legalBasisHash"][2:]), duration_s, max_uses,
        ])
        fn = "proposeUnanimousCouncilCall" if cls == SECRET else "proposeCouncilCall"
        outcome = self.ops.write(
            self.ops.account(actor), "Consortium", fn,
            [usage.address, bytes.fromhex(calldata[2:]), text_hash(justification)],
            op=f"services.{service_id}.grants.{requirement_index}.propose", key=key,
        )
        created = self.ops.event(outcome, "ProposalCreated") or {}
        pid = created.get("proposalId")
        return {
            "service_id": service_id, "requirement_index": requirement_index, "resource_id": rid,
            "classification": CLASSIFICATIONS[cls], "proposal_id": pid, "unanimous": cls == SECRET,
            "executed": self.ops.event(outcome, "ProposalExecuted") is not None,
            "approve_with": f"/council/proposals/{pid}/approve", **self.ops.tx(outcome),
        }

    # ================================================================ cases
    def open_case(
        self, actor: Actor, service_id: int, applicant: bytes, form: Any, *, key: str
    ) -> dict[str, Any]:
        actor.require_role("department")
        officer = self.ops.officer(actor)
        s = self._service(service_id)
        if int(s["status"]) != 2:
            raise ContractRevert("OneStopServicesServiceNotActive", {"serviceId": service_id})
        if applicant == ZERO32:
            raise InvalidInput("the applicant identity is required", field="applicant")
        doc = {
            "govchain": "application-form/v1",
            "service_id": service_id,
            "applicant_hash": h0x(applicant),
            "front_desk": actor.address,
            "salt": self._form_salt(actor.address, key),
            "form": form,
        }
        data = canonical_json(doc)
        form_hash = self.ctx.store.put(data, s["lead"], FORM_MEDIA_TYPE)
        for st in s["steps"]:  # the deciding departments read the form too
            self.ctx.store.grant_access(form_hash, s["lead"], st["department"])
        outcome = self._write(
            actor, OSS, "openCase", [service_id, applicant, bytes.fromhex(form_hash[2:]), DOCUMENTS_SUBMITTED],
            op="cases.open", key=key,
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
            "evidence_required": len(s["requirements"]),
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
        s = self._service(int(c["serviceId"]))
        if not actor.same(s["lead"]):
            raise Forbidden("only the service's lead department pulls the evidence", case_id=case_id)
        if int(c["status"]) != 1:
            raise ContractRevert("OneStopServicesCaseNotOpen", {"caseId": case_id, "status": int(c["status"])})
        links = self._view("evidenceLinks", case_id)
        case_ref = self._view("caseRef", case_id)
        todo = [i for i, link in enumerate(links) if int(link["grantId"]) == 0]
        items: dict[int, dict[str, Any]] = {
            i: {"requirement_index": i, "resource_id": int(link["resourceId"]), "status": "already_attached",
                "grant_id": int(link["grantId"]), "use_index": int(link["useIndex"])}
            for i, link in enumerate(links) if i not in todo
        }

        def one(i: int) -> dict[str, Any]:
            try:
                return self._pull_one(actor, case_id, c, s, i, case_ref)
            except (ServiceError, ContractRevert) as exc:
                body = exc.to_dict()
                return {"requirement_index": i, "resource_id": int(s["requirements"][i]["resourceId"]),
                        "status": "failed", "http_status": getattr(exc, "http_status", 409), **body}

        if todo:
            with ThreadPoolExecutor(max_workers=min(len(todo), 8)) as pool:
                for res in pool.map(one, todo):
                    items[res["requirement_index"]] = res
        after = self._case(case_id)
        return {
            "case_id": case_id,
            "evidence_required": int(after["evidenceRequired"]),
            "evidence_attached": int(after["evidenceAttached"]),
            "complete": int(after["evidenceAttached"]) == int(after["evidenceRequired"]),
            "items": [items[i] for i in sorted(items)],
        }

    def _pull_one(self, actor: Actor, case_id: int, c: dict[str, Any], s: dict[str, Any], i: int,
                  case_ref: str) -> dict[str, Any]:
        r = s["requirements"][i]
        rid = int(r["resourceId"])
        applicant = c["applicantHash"]
        # 1. a use already recorded for this case and citizen but never attached (crash in between)?
        recovered = self._unattached_use(s["lead"], r, applicant, case_ref)
        fetched: dict[str, Any] | None = None
        if recovered is not None:
            gid, use_index, use_tx = recovered
        else:
            found = self._usable_grant(s["lead"], r)
            if found is None:
                raise NoStandingGrant("no usable standing grant covers this requirement", case_id=case_id,
                                      requirement_index=i, resource_id=rid)
            gid = found[0]
            officer = self.ops.officer(actor).hex()[:16]
            # 2. the use goes on chain (mined) before the data is decrypted: UsageService.fetch
            fetched = self.usage.fetch(
                actor, gid, bytes.fromhex(applicant[2:]), bytes.fromhex(case_ref[2:]), None,
                key=f"case-{case_id}-req-{i}-{officer}",
            )
            use_index = int(fetched["use"]["use_index"])
            use_tx = fetched["use"]["tx_hash"]
        # 3. link the use to the case
        outcome = self._write(
            actor, OSS, "attachEvidence", [case_id, i, gid, use_index],
            op=f"cases.{case_id}.evidence.{i}", key=f"g{gid}-u{use_index}",
        )
        item = {
            "requirement_index": i,
            "resource_id": rid,
            "source": self.chain.party(self.ops.view("DataCatalog", "ownerOf", rid)),
            "status": "attached",
            "grant_id": gid,
            "use_index": use_index,
            "use_tx": use_tx,
            "recovered_use": recovered is not None,
            "attach_tx": outcome.tx_hash,
            "block_number": outcome.block_number,
        }
        if fetched is not None:
            item["content_hash"] = fetched["content_hash"]
            item["version"] = fetched["version"]
            item["record_for_applicant"] = _record_for(fetched.get("data"), applicant)
        return item

    def _unattached_use(self, lead: str, r: dict[str, Any], applicant: str, case_ref: str) -> tuple[int, int, str] | None:
        for gid, _g in self._grants_for(lead, r):
            for ev in self.ops.logs("UsageRights", "UseRecorded", [topic_uint(gid)]):
                a = ev["args"]
                if (str(a["subjectHash"]).lower() == applicant.lower()
                        and str(a["contextRef"]).lower() == case_ref.lower()
                        and int(self._view("caseOfUse", gid, int(a["useIndex"]))) == 0):
                    return gid, int(a["useIndex"]), ev["tx_hash"]
        return None

    def decide_step(
        self, actor: Actor, case_id: int, step_index: int, approve: bool, reason_hash: bytes, *, key: str
    ) -> dict[str, Any]:
        """Approve or reject a step; the contract decides who may (WrongDepartment → 403)."""
        actor.require_role("department")
        officer = self.ops.officer(actor)
        self._case(case_id)  # 404 for an unknown case
        fn = "approveStep" if approve else "rejectStep"
        outcome = self._write(actor, OSS, fn, [case_id, step_index, reason_hash],
                              op=f"cases.{case_id}.steps.{step_index}.{fn}", key=key)
        after = self._case(case_id)
        completed = self.ops.event(outcome, "CaseCompleted")
        advanced = self.ops.event(outcome, "StageAdvanced")
        out = {
            "case_id": case_id,
            "step_index": step_index,
            "decision": "approved" if approve else "rejected",
            "reason_hash": h0x(reason_hash),
            "officer_hash": h0x(officer),
            "case_status": CASE_STATUS[int(after["status"])],
            "current_stage": int(after["currentStage"]),
            "stage_advanced_to": advanced.get("stage") if advanced else None,
            "events": [e["event"] for e in outcome.events],
            **self.ops.tx(outcome),
        }
        if completed:
            out["completed"] = {
                "documents_submitted": completed.get("documentsSubmitted"),
                "evidence_pulled": completed.get("evidencePulled"),
                "departments_involved": completed.get("departmentsInvolved"),
            }
            s = self._service(int(after["serviceId"]))
            d = self.definition(int(after["serviceId"]), s) or {}
            if d.get("kind") == "house_transfer":
                out["next"] = f"the lead finalizes: POST /cases/{case_id}/finalize"
        return out

    def escalate_step(self, actor: Actor, case_id: int, step_index: int, *, key: str) -> dict[str, Any]:
        actor.require_role("department", "governor")  # auditor tokens are read-only
        self._case(case_id)
        outcome = self._write(actor, OSS, "escalateStep", [case_id, step_index],
                              op=f"cases.{case_id}.steps.{step_index}.escalate", key=key, strict=False)
        ev = self.ops.event(outcome, "StepEscalated") or {}
        return {"case_id": case_id, "step_index": step_index, "escalated": True,
                "department": self.chain.party(ev.get("department")), "deadline": ev.get("deadline"),
                **self.ops.tx(outcome)}

    # -- finalize (house transfer) -----------------------------------------------------------------
    def finalize(self, actor: Actor, case_id: int) -> dict[str, Any]:
        """Registry transfer + new property certificate for an Approved house-transfer case (the lead).
        Every part checks the chain first: repeating it returns the same outcome."""
        actor.require_role("department")
        officer = self.ops.officer(actor)
        c = self._case(case_id)
        sid = int(c["serviceId"])
        s = self._service(sid)
        if not actor.same(s["lead"]):
            raise Forbidden("only the service's lead department finalizes its cases", case_id=case_id)
        if int(c["status"]) != 2:
            raise CaseNotApproved("the case is not approved", case_id=case_id, status=CASE_STATUS[int(c["status"])])
        d = self.definition(sid, s) or {}
        if d.get("kind") != "house_transfer":
            raise Conflict("this service has no finalization step", case_id=case_id, kind=d.get("kind"))
        form = self.form(actor, case_id, _checked=(c, s))["form"]["form"]
        try:
            unit_id = int(form["unit_id"])
            prior = bytes.fromhex(str(form["prior_certificate_hash"])[2:])
            assert len(prior) == 32
        except (KeyError, TypeError, ValueError, AssertionError):
            raise InvalidInput("the application form must name unit_id and prior_certificate_hash (0x…64 hex)",
                               field="form") from None
        case_ref = self._view("caseRef", case_id)
        applicant = c["applicantHash"]
        links = self._view("evidenceLinks", case_id)
        evidence_hash = keccak(canonical_json({
            "case_ref": case_ref,
            "evidence": [[int(x["resourceId"]), int(x["grantId"]), int(x["useIndex"])] for x in links],
        }))
        # 1. the registry transfer (skipped when this case already transferred the unit)
        transfer = self._transfer_of_case(unit_id, applicant, case_ref)
        if transfer is None:
            transfer = self.registry.transfer(
                actor, unit_id, bytes.fromhex(applicant[2:]), evidence_hash, prior,
                bytes.fromhex(case_ref[2:]), key=f"case-{case_id}",
            )
            transfer = {"entry_id": transfer["entry_id"], "tx_hash": transfer["tx_hash"],
                        "block_number": transfer["block_number"]}
        entry = self.chain.view("PropertyRegistry", "titleEntry", int(transfer["entry_id"]))
        u = self.chain.view("PropertyRegistry", "unit", unit_id)
        # 2. the new certificate document (deterministic from the chain: safe to regenerate)
        cert_type = d.get("certificate_type") or "PROPERTY_CERT"
        doc = {
            "govchain": "certificate/v1",
            "type_code": cert_type,
            "title": "不动产权证书 / Real-estate title certificate",
            "serial": self._serial(case_ref),
            "holder_hash": applicant,
            "unit": {
                "unit_id": unit_id,
                "parcel_code": code_text(u["parcelCode"]),
                "building_code": code_text(u["buildingCode"]),
                "unit_code": code_text(u["unitCode"]),
                "planned_use": int(u["plannedUse"]),
                "area_m2": int(u["areaM2"]),
            },
            "title_entry_id": int(entry["entryId"]),
            "previous_entry_id": int(entry["previousEntryId"]),
            "registered_at": int(entry["registeredAt"]),
            "issuer": to_checksum_address(s["lead"]),
            "case_id": case_id,
            "case_ref": case_ref,
        }
        doc_bytes = canonical_json(doc)
        doc_hash = self.ctx.store.put(doc_bytes, s["lead"], CERT_MEDIA_TYPE)
        cert = self._certificate_of_case(s["lead"], case_ref)
        if cert is None:
            issued = self.certificates.issue(
                actor, cert_type, bytes.fromhex(doc_hash[2:]), bytes.fromhex(applicant[2:]), 0, 0,
                bytes.fromhex(case_ref[2:]), key=f"case-{case_id}",
            )
            cert = {"cert_id": issued["cert_id"], "document_hash": issued["document_hash"],
                    "tx_hash": issued["tx_hash"], "block_number": issued["block_number"]}
        # 3. the seller's certificate is superseded: revoked when this department issued it
        prior_out = self._revoke_prior(actor, prior, case_id)
        return {
            "case_id": case_id,
            "unit_id": unit_id,
            "title_entry": {"entry_id": int(entry["entryId"]), "previous_entry_id": int(entry["previousEntryId"]),
                            "owner_hash": entry["ownerHash"], "case_ref": entry["caseRef"],
                            "tx_hash": transfer.get("tx_hash")},
            "certificate": {**cert, "type_code": cert_type, "holder_hash": applicant,
                            "status": self.certificates.verify(bytes.fromhex(cert["document_hash"][2:]))["status"],
                            "verify_with": f"/public/certificates/{cert['document_hash']}"},
            "prior_certificate": prior_out,
            "officer_hash": h0x(officer),
        }

    def _transfer_of_case(self, unit_id: int, applicant: str, case_ref: str) -> dict[str, Any] | None:
        self.chain.require("PropertyRegistry")
        for ev in self.ops.logs("PropertyRegistry", "TitleTransferred", [topic_uint(unit_id), applicant]):
            if str(ev["args"]["caseRef"]).lower() == case_ref.lower():
                return {"entry_id": int(ev["args"]["entryId"]), "tx_hash": ev["tx_hash"],
                        "block_number": ev["block_number"]}
        return None

    def _certificate_of_case(self, issuer: str, case_ref: str) -> dict[str, Any] | None:
        self.chain.require("Certificates")
        for ev in self.ops.logs("Certificates", "CertificateIssued", [None, None, topic_address(issuer)]):
            if str(ev["args"]["caseRef"]).lower() == case_ref.lower():
                return {"cert_id": int(ev["args"]["certId"]), "document_hash": ev["args"]["documentHash"],
                        "tx_hash": ev["tx_hash"], "block_number": ev["block_number"]}
        return None

    def _revoke_prior(self, actor: Actor, prior: bytes, case_id: int) -> dict[str, Any]:
        cid = int(self.chain.view("Certificates", "certificateIdOf", prior))
        out: dict[str, Any] = {"document_hash": h0x(prior), "cert_id": cid or None}
        if cid == 0:
            return {**out, "status": "unknown"}
        cert = self.chain.view("Certificates", "certificate", cid)
        status = CERT_STATUS[int(self.chain.view("Certificates", "statusOf", cid))]
        if status == "valid" and actor.same(cert["issuer"]):
            res = self.certificates.revoke(actor, cid, text_hash(f"superseded by the transfer of case {case_id}"),
                                           key=f"case-{case_id}-superseded")
            return {**out, "status": "revoked", "tx_hash": res["tx_hash"]}
        return {**out, "status": status}

    # ================================================================ reads
    def form(self, actor: Actor, case_id: int, _checked: tuple | None = None) -> dict[str, Any]:
        """The stored application form (the lead and the step departments), checked against the chain."""
        c, s = _checked or (None, None)
        if c is None:
            actor.require_role("department")
            c = self._case(case_id)
            s = self._service(int(c["serviceId"]))
            if not (actor.same(s["lead"]) or any(actor.same(st["department"]) for st in s["steps"])):
                raise Forbidden("only the lead and the deciding departments read the form", case_id=case_id)
        data = self.ctx.store.get(c["formHash"], actor.address)  # hash-checked on decrypt
        return {"case_id": case_id, "form_hash": c["formHash"], "form": json.loads(data)}

    def get_case(self, actor: Actor, case_id: int) -> dict[str, Any]:
        c = self._case(case_id)
        sid = int(c["serviceId"])
        s = self._service(sid)
        if not self._may_read_case(actor, c, s):
            raise Forbidden("case concerns other departments", case_id=case_id)
        return self._case_view(case_id, c, s, citizen=actor.role == "citizen")

    def _case_view(self, case_id: int, c: dict[str, Any], s: dict[str, Any], *, citizen: bool) -> dict[str, Any]:
        sid = int(c["serviceId"])
        d = self.definition(sid, s) or {}
        dreqs = d.get("requirements") or []
        dsteps = d.get("steps") or []
        links = self._view("evidenceLinks", case_id)
        steps = self._view("stepStatuses", case_id)
        case_ref = self._view("caseRef", case_id)
        evidence = []
        for i, (r, link) in enumerate(zip(s["requirements"], links)):
            rid = int(r["resourceId"])
            item = {
                "requirement_index": i,
                "label": dreqs[i].get("label") if i < len(dreqs) else None,
                "resource_id": rid,
                "source": self.chain.party(self.ops.view("DataCatalog", "ownerOf", rid)),
                "purpose_code": int(r["purposeCode"]),
                "legal_basis": dreqs[i].get("legal_basis") if i < len(dreqs) else None,
                "status": "attached" if int(link["grantId"]) else "missing",
                "grant_id": int(link["grantId"]) or None,
                "use_index": int(link["useIndex"]) or None,
                "attached_at": int(link["attachedAt"]) or None,
            }
            evidence.append(item)
        step_items = [
            {
                "step_index": i,
                "label": dsteps[i].get("label") if i < len(dsteps) else None,
                "department": self.chain.party(st["department"]),
                "stage": int(st["stage"]),
                "status": STEP_STATUS[int(st["status"])],
                "escalated": bool(st["escalated"]),
                "decided_at": int(st["decidedAt"]) or None,
                "current": int(c["status"]) == 1 and int(st["stage"]) == int(c["currentStage"])
                and int(st["status"]) == 0,
            }
            for i, st in enumerate(steps)
        ]
        involved = self._involved(c, s)
        status = CASE_STATUS[int(c["status"])]
        out: dict[str, Any] = {
            "case_id": case_id,
            "service": {"service_id": sid, "name": d.get("name"), "kind": d.get("kind", "generic"),
                        "lead": self.chain.party(s["lead"])},
            "status": status,
            "applicant_hash": c["applicantHash"],
            "case_ref": case_ref,
            "form_hash": c["formHash"],
            "front_desk": self.chain.party(c["frontDesk"]),
            "opened_at": int(c["openedAt"]),
            "closed_at": int(c["closedAt"]) or None,
            "current_stage": int(c["currentStage"]),
            "stage_count": int(c["stageCount"]),
            "stage_deadline": int(c["stageDeadline"]) if status == "Open" else None,
            "documents_submitted": {
                "count": int(c["submittedDocuments"]),
                "items": ["identity document (checked at the front desk, not stored)",
                          "application form (stored encrypted; its hash is on chain)"][: int(c["submittedDocuments"])],
            },
            "evidence": {
                "required": int(c["evidenceRequired"]),
                "pulled": int(c["evidenceAttached"]),
                "items": evidence,
            },
            "steps": step_items,
            "departments_involved": {"count": len(involved), "items": involved},
        }
        if d.get("kind") == "house_transfer" and status == "Approved":
            cert = self._certificate_of_case(s["lead"], case_ref)
            if cert is not None:
                v = self.certificates.verify(bytes.fromhex(cert["document_hash"][2:]))
                out["certificate"] = {"cert_id": cert["cert_id"], "document_hash": cert["document_hash"],
                                      "status": v["status"], "type_code": v.get("type_code"),
                                      "verify_with": f"/public/certificates/{cert['document_hash']}"}
            else:
                out["certificate"] = None
        if citizen:
            out.pop("form_hash", None)
        return out

    def list_cases(self, actor: Actor, offset: int, limit: int) -> dict[str, Any]:
        """Cases the department takes part in (auditors/governors: all), newest first."""
        actor.require_role("department", "auditor", "governor")
        total = int(self._view("caseCount"))
        services: dict[int, dict[str, Any]] = {}
        mine: list[tuple[int, dict[str, Any], dict[str, Any]]] = []
        for cid in range(total, 0, -1):
            c = self._case(cid)
            sid = int(c["serviceId"])
            if sid not in services:
                services[sid] = self._service(sid)
            if self._may_read_case(actor, c, services[sid]):
                mine.append((cid, c, services[sid]))
        window = mine[offset : offset + limit]
        return {"total": len(mine), "offset": offset, "limit": limit,
                "items": [self._summary(cid, c, s) for cid, c, s in window]}

    def _summary(self, cid: int, c: dict[str, Any], s: dict[str, Any]) -> dict[str, Any]:
        d = self.definition(int(c["serviceId"]), s) or {}
        return {
            "case_id": cid, "service_id": int(c["serviceId"]), "service_name": d.get("name"),
            "status": CASE_STATUS[int(c["status"])], "front_desk": self.chain.party(c["frontDesk"]),
            "documents_submitted": int(c["submittedDocuments"]), "evidence_required": int(c["evidenceRequired"]),
            "evidence_pulled": int(c["evidenceAttached"]), "current_stage": int(c["currentStage"]),
            "stage_count": int(c["stageCount"]), "opened_at": int(c["openedAt"]),
            "closed_at": int(c["closedAt"]) or None,
        }

    # -- the citizen -----------------------------------------------------------------------------
    def my_cases(self, citizen: Actor, offset: int, limit: int) -> dict[str, Any]:
        citizen.require_role("citizen")
        self.chain.require(OSS)
        evs = self.ops.logs(OSS, "CaseOpened", [None, None, citizen.address])
        ids = sorted({int(e["args"]["caseId"]) for e in evs}, reverse=True)
        items = []
        for cid in ids[offset : offset + limit]:
            c = self._case(cid)
            items.append(self._case_view(cid, c, self._service(int(c["serviceId"])), citizen=True))
        return {"total": len(ids), "offset": offset, "limit": limit, "items": items}

    def my_case(self, citizen: Actor, case_id: int) -> dict[str, Any]:
        citizen.require_role("citizen")
        try:
            c = self._case(case_id)
        except ContractRevert:
            c = None
        if c is None or c["applicantHash"].lower() != citizen.address.lower():
            # the same answer for someone else's case and for no case at all
            raise Forbidden("not one of your cases", case_id=case_id)
        return self._case_view(case_id, c, self._service(int(c["serviceId"])), citizen=True)

    def my_certificate_document(self, citizen: Actor, case_id: int) -> dict[str, Any]:
        """The certificate document a case of mine produced (to present to a notary or a bank)."""
        view = self.my_case(citizen, case_id)
        cert = view.get("certificate")
        if not cert:
            raise NotFound("this case has not produced a certificate", case_id=case_id)
        lead = view["service"]["lead"]["address"]
        data = self.ctx.store.get(cert["document_hash"], lead)  # hash-checked on decrypt
        return {"case_id": case_id, **cert, "media_type": CERT_MEDIA_TYPE, "document": json.loads(data),
                "document_text": data.decode()}


def _record_for(data: bytes | None, applicant: str) -> Any:
    """The record about the applicant in a pulled JSON dataset ({"records": [{"subject_hash": …}]})."""
    if not data:
        return None
    try:
        value = json.loads(data)
    except ValueError:
        return None
    records = value.get("records") if isinstance(value, dict) else value if isinstance(value, list) else None
    if not isinstance(records, list):
        return None
    for rec in records:
        if isinstance(rec, dict) and str(rec.get("subject_hash", "")).lower() == applicant.lower():
            return rec
    return None


__all__ = ["CasesService", "DOCUMENTS_SUBMITTED", "KINDS"]
