"""The one-stop house transfer of the federated demo (backend/ops/federation_demo.py), seeded
THROUGH THE NODES with the same use cases as the single-process demo (backend/ops/demo.py):

- the council (one governor's node proposes, the others' nodes approve): REGISTRAR for NR,
  the PROPERTY_CERT certificate type issued by NR, then the service's activation;
- NR's node: the unit, the seller's first ownership and the seller's property certificate;
- NR's node registers the service (lead NR; evidence: TAX's tax clearance and CA's marriage
  records, each with the field list a peer release asks for; steps TAX ∥ CA, then NR);
- the standing grants are requests by NR's node for exactly those field lists, approved by
  the owners' nodes (both datasets are INTERNAL: no council);
- the case is opened at NR's node (desk = lead: the form stays on the node that processes
  it), NR's node pulls the evidence peer to peer (each use recorded with the applicant and
  the case ref; TAX's and CA's nodes release that citizen's records only), TAX's and CA's
  nodes approve their steps, NR's node approves its own and finalizes (title moved in the
  registry, a new PROPERTY_CERT, the seller's certificate revoked).

Idempotent like the rest of the seed: deterministic keys (each node's outbox replays), and
every step whose use case refuses a repeat (a proposal for a state already reached, a pull
on a case no longer open, a decided step) checks the chain first.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from backend.ops.demo import CITIZEN, PURPOSE, SELLER, YEAR, seller_consent_hash

Log = Callable[[str], None]

LEAD = "dept-nr"
CONSENT_DESK = "dept-psb"  # the seller consents at PSB's desk: NR is the registrar, who may not vouch for them
CASE_DESK = LEAD  # the form is held by the node that opens the case: the lead's
UNIT = {"parcel_code": "110101-001-0042", "building_code": "B3", "unit_code": "1502", "planned_use": 1, "area_m2": 89}
# (dataset, owner, purpose, legal basis, label, the fields the evidence asks for)
REQUIREMENTS = [
    (
        "tax_clearance",
        "dept-tax",
        PURPOSE["house_tax"],
        "《契税法》第十条 / Deed Tax Law art. 10",
        "完税证明 / tax clearance",
        ["tax_clearance", "year"],
    ),
    (
        "marriage_records",
        "dept-ca",
        PURPOSE["house_marriage"],
        "《不动产登记暂行条例实施细则》第三十八条 / Real Estate Registration Rules art. 38",
        "婚姻状况 / marital status",
        ["marital_status"],
    ),
]
STEPS = [  # (department, stage, label): TAX ∥ CA, then NR
    ("dept-tax", 1, "契税核定 / deed tax assessment"),
    ("dept-ca", 1, "婚姻状况核验 / marital status check"),
    ("dept-nr", 2, "登簿 / registration"),
]
STANDING_USES = 10_000


class CaseSeedError(RuntimeError):
    """The house transfer did not reach its end state."""


class Nodes(Protocol):
    """HTTP to the federation's nodes, each with its own token (federation_demo._Nodes)."""

    tag: str

    def address(self, key: str) -> str: ...

    def post(
        self, key: str, path: str, body: Any, step: str | None, token: str | None = None, **extra: str
    ) -> dict[str, Any]: ...

    def officer_token(self, key: str) -> str: ...

    def get(self, key: str, path: str, params: dict[str, Any] | None = None, token: str | None = None) -> Any: ...

    def status(self, key: str, path: str) -> int: ...


def house_transfer(nodes: Nodes, resources: dict[str, int], governors: list[str], log: Log) -> dict[str, Any]:
    """The finished house-transfer case of the demo citizen (the summary's ``house_transfer``)."""
    with ThreadPoolExecutor(max_workers=3) as pool:  # independent parties and proposals
        unit = pool.submit(_unit_of_the_seller, nodes, governors)
        prior = pool.submit(_seller_certificate, nodes, governors)
        service = pool.submit(_service, nodes, resources, governors)
        unit_id, (prior_hash, prior_cert_id), (service_id, grants) = unit.result(), prior.result(), service.result()
    session_id, consent_hash = _seller_consent(nodes, unit_id, prior_cert_id)
    log(
        f"demo: house transfer: unit {unit_id} of the seller (certificate {prior_cert_id}, bound to the title), "
        f"who consented in assisted session {session_id} at PSB's desk; service {service_id} active, standing "
        f"grants {grants} approved by TAX's and CA's nodes"
    )
    form = {
        "unit_id": unit_id,
        "prior_certificate_hash": prior_hash,
        "seller_consent_hash": consent_hash,
        "seller_assisted_session_id": session_id,
        "seller_consent_desk": nodes.address(CONSENT_DESK),
        "price_cny": 3_200_000,
        "contract_no": "京(2024)东城区二手房买卖合同第0042号",
        "buyer": "王芳",
        "seller": "李强",
    }
    opened = nodes.post(
        CASE_DESK, "/cases", {"service_id": service_id, "applicant": CITIZEN, "form": form}, "case-house"
    )
    case_id = int(opened["case_id"])
    pulled = _pull(nodes, case_id)
    log(f"demo: case {case_id} opened at NR's node; evidence pulled peer to peer {pulled}")
    _decide(nodes, case_id)
    fin = nodes.post(LEAD, f"/cases/{case_id}/finalize", None, None)
    case = nodes.get(LEAD, f"/cases/{case_id}")
    if case["status"] != "Approved" or fin["certificate"]["status"] != "valid":
        raise CaseSeedError(f"case {case_id} ended {case['status']}, certificate {fin['certificate']['status']}")
    evidence = [
        {"requirement_index": e["requirement_index"], "grant_id": e["grant_id"], "use_index": e["use_index"]}
        for e in case["evidence"]["items"]
    ]
    log(
        f"demo: case {case_id} approved by TAX's, CA's and NR's nodes; NR's node moved the title "
        f"(entry {fin['title_entry']['entry_id']}) and issued certificate {fin['certificate']['document_hash']}"
    )
    return {
        "service_id": service_id,
        "case_id": case_id,
        "unit_id": unit_id,
        "standing_grants": grants,
        "evidence": evidence,
        "title_entry_id": fin["title_entry"]["entry_id"],
        "certificate": {
            "cert_id": fin["certificate"]["cert_id"],
            "document_hash": fin["certificate"]["document_hash"],
        },
        "prior_certificate": {"cert_id": prior_cert_id, "document_hash": prior_hash},
        "seller_consent": fin["seller_consent"],
        "counts": {
            "documents_submitted": case["documents_submitted"]["count"],
            "evidence_pulled": case["evidence"]["pulled"],
            "departments_involved": case["departments_involved"]["count"],
        },
    }


# ---------------------------------------------------------------------------- the council
def council(nodes: Nodes, governors: list[str], path: str, body: dict[str, Any], step: str) -> int:
    """One governor's node proposes the call, the others' nodes approve until it executes."""
    first, *others = governors
    p = nodes.post(first, path, body, f"council-{step}")
    pid, executed = int(p["proposal_id"]), bool(p.get("executed"))
    for gov in others:
        if executed:
            break
        executed = bool(nodes.post(gov, f"/council/proposals/{pid}/approve", None, f"council-{step}-{gov}")["executed"])
    if not executed:
        raise CaseSeedError(f"council proposal {pid} ({step}) did not reach the threshold")
    return pid


# ---------------------------------------------------------------------------- the registry
def _unit_of_the_seller(nodes: Nodes, governors: list[str]) -> int:
    nr = nodes.address(LEAD)
    if "REGISTRAR" not in nodes.get(LEAD, f"/registry/roles/{nr}")["roles"]:
        body = {"department": nr, "role": "REGISTRAR", "justification": "demo: designate REGISTRAR"}
        council(nodes, governors, "/registry/roles", body, "role-registrar")
    unit_id = int(nodes.post(LEAD, "/registry/units", UNIT, "unit")["unit_id"])
    first = {"owner": SELLER, "evidence": "demo: purchase contract 2015-0042", "case_ref": "demo: first registration"}
    nodes.post(LEAD, f"/registry/units/{unit_id}/ownership", first, "first-ownership")
    return unit_id


def _seller_certificate(nodes: Nodes, governors: list[str]) -> tuple[str, int]:
    """(document hash, certificate id) of the seller's certificate, issued by NR's node."""
    if nodes.status(LEAD, "/certificates/types/PROPERTY_CERT") == 404:
        body = {
            "type_code": "PROPERTY_CERT",
            "issuer": nodes.address(LEAD),
            "default_validity_s": 30 * YEAR,
            "justification": "demo: property certificates are issued by Natural Resources",
        }
        council(nodes, governors, "/certificates/types", body, "cert-type")
    doc = json.dumps(
        {
            "govchain": "certificate/v1",
            "type_code": "PROPERTY_CERT",
            "title": "不动产权证书 / Real-estate title certificate",
            "unit": UNIT,
            "issued": "2015-06-30",
            "demo": nodes.tag,
        },
        sort_keys=True,
        ensure_ascii=False,
    ).encode()
    issued = nodes.post(
        LEAD,
        "/certificates",
        {"type_code": "PROPERTY_CERT", "document_base64": base64.b64encode(doc).decode(), "holder": SELLER},
        "seller-cert",
    )
    return str(issued["document_hash"]), int(issued["cert_id"])


def _seller_consent(nodes: Nodes, unit_id: int, cert_id: int) -> tuple[int, str]:
    """The seller's certificate bound to their title entry, then the seller at PSB's front desk: an assisted
    session on the record (opened by PSB's officer, on PSB's node: not the registrar's), in which they consent
    to the sale.
    Answers (session id, consent record hash)."""
    unit = nodes.get(LEAD, f"/registry/units/{unit_id}/history")
    current = next(e for e in unit["title_chain"] if e["current"])
    if current["kind"] == "first_registration" and current.get("certificate_id") is None:
        nodes.post(LEAD, f"/registry/units/{unit_id}/certificate", {"cert_id": cert_id}, "seller-cert-bind")
    session = nodes.post(
        CONSENT_DESK,
        "/citizens/session",
        {
            "id_type": SELLER["id_type"],
            "id_value": SELLER["id_value"],
            "reason": f"demo: the seller consents to the sale of unit {unit_id}",
        },
        "seller-session",  # a re-run answers the session already recorded
        token=nodes.officer_token(CONSENT_DESK),
    )
    sid = int(session["session_id"])
    seller = str(unit["title_chain"][0]["owner_hash"])  # the first registration's owner (also on a re-run)
    return sid, seller_consent_hash(unit_id, seller, None, sid)


# ---------------------------------------------------------------------------- the service
def _service(nodes: Nodes, resources: dict[str, int], governors: list[str]) -> tuple[int, dict[str, int]]:
    """(service id, {dataset: standing grant}) once the service is active and its grants issued."""
    body = {
        "name": "二手房转移登记 / Second-hand house transfer registration",
        "kind": "house_transfer",
        "requirements": [
            {"resource_id": resources[name], "purpose_code": p, "legal_basis": legal, "label": label, "fields": fields}
            for name, _owner, p, legal, label, fields in REQUIREMENTS
        ],
        "steps": [{"department": nodes.address(d), "stage": st, "label": label} for d, st, label in STEPS],
        "step_deadline_s": 7 * 24 * 3600,
    }
    sid = int(nodes.post(LEAD, "/services", body, "service-house")["service_id"])
    with ThreadPoolExecutor(max_workers=len(REQUIREMENTS) + 1) as pool:
        grants = {r[0]: pool.submit(_standing_grant, nodes, resources[r[0]], r) for r in REQUIREMENTS}
        if nodes.get(LEAD, f"/services/{sid}")["status"] == "Proposed":
            body = {"justification": "demo: approved by the council"}
            pool.submit(council, nodes, governors, f"/services/{sid}/activation", body, f"activate-{sid}").result()
        return sid, {name: fut.result() for name, fut in grants.items()}


def _standing_grant(nodes: Nodes, resource_id: int, r: tuple[Any, ...]) -> int:
    """NR's node requests exactly the requirement's fields; the owner's node approves."""
    name, owner, purpose, legal, _label, fields = r
    ask = {
        "resource_id": resource_id,
        "purpose_code": purpose,
        "legal_basis": legal,
        "fields": fields,
        "duration_s": YEAR,
        "max_uses": STANDING_USES,
    }
    request_id = int(nodes.post(LEAD, "/requests", ask, f"standing-request-{name}")["request_id"])
    approved = nodes.post(
        owner, f"/requests/{request_id}/approve", {"reason": "demo: one-stop house transfer"}, f"standing-{name}"
    )
    return int(approved["grant_id"])


# ---------------------------------------------------------------------------- the case
def _pull(nodes: Nodes, case_id: int) -> str:
    case = nodes.get(LEAD, f"/cases/{case_id}")
    if case["status"] == "Open" and case["evidence"]["pulled"] < case["evidence"]["required"]:
        pulled = nodes.post(LEAD, f"/cases/{case_id}/evidence/pull", None, f"pull-{case_id}")
        if not pulled["complete"]:
            failed = [(i.get("requirement_index"), i.get("error")) for i in pulled["items"] if i["status"] == "failed"]
            raise CaseSeedError(f"evidence of case {case_id} incomplete: {failed}")
        case = nodes.get(LEAD, f"/cases/{case_id}")
    return f"{case['evidence']['pulled']}/{case['evidence']['required']}"


def _decide(nodes: Nodes, case_id: int) -> None:
    """Each step's department approves on its own node, stage by stage."""
    for stage in sorted({st for _d, st, _l in STEPS}):
        steps = nodes.get(LEAD, f"/cases/{case_id}")["steps"]
        todo = [(i, dept) for i, (dept, st, _l) in enumerate(STEPS) if st == stage and steps[i]["status"] == "Pending"]
        with ThreadPoolExecutor(max_workers=max(1, len(todo))) as pool:
            for fut in [
                pool.submit(
                    nodes.post,
                    dept,
                    f"/cases/{case_id}/steps/{i}/approve",
                    {"reason": f"demo: step {i} checked"},
                    f"case-{case_id}-step-{i}",
                )
                for i, dept in todo
            ]:
                fut.result()


__all__ = ["CASE_DESK", "LEAD", "REQUIREMENTS", "CaseSeedError", "council", "house_transfer"]
