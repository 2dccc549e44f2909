"""Demo data for `govchain federation up`, put on chain THROUGH THE NODES.

Every action is an HTTP call to the node of the party that acts, with that node's own
token (a department registers, asks and releases on its own node; a governor votes on
its own node), so no process ever signs for two parties. Seeded (the story of
docs/demo.md, the parts that work across nodes today):

- the catalog, as ``govchain.dataset/1`` documents each held by its owner's node:
  household registration (PSB, SENSITIVE), marriage records (CA), tax clearance (TAX),
  business licences (SAMR, PUBLIC), property records (NR) — resources 1-5 in that order;
- usage flows, each request → owner's approval → a peer release on the grantee's node
  about one named citizen: TAX → NR property records (about the seller), BANK → TAX tax
  clearance (the demo citizen's mortgage pre-check), NOTARY → CA marriage records (a
  neighbour; then CA revokes the grant);
- a council decision: SAMR asks PSB's SENSITIVE household registration for the demo
  citizen's business-licence change; PSB approves, one governor's node proposes the
  council approval and the other governors' nodes approve until it executes;
- an incident: TAX files DATA_ERROR about NR's property records (v1), NR answers it;
- a finished one-stop house transfer of the demo citizen (backend/ops/federation_case.py):
  the service registered by NR's node, standing grants approved by TAX's and CA's nodes,
  the case opened at NR's node, its evidence pulled peer to peer, the steps approved by
  TAX's, CA's and NR's nodes, the title moved and a new property certificate issued.

Idempotent: each write carries a deterministic Idempotency-Key namespaced by the
deployment (so each node's outbox replays its recorded outcome), steps check the chain
state they change first (a revoked grant is not revoked again nor used), and a marker
(``<nodes dir>/demo-seed.json``, per deployment) holds the summary once the seed has
finished and the chain still confirms it. A run interrupted half way is completed by
the next one.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pyotp
from eth_utils import keccak

from backend.chain.client import build_web3
from backend.chain.manifest import load_manifest
from backend.federation.dataset import DATASET_FORMAT
from backend.ops import roster
from backend.ops.demo import CITIZEN, NEIGHBOUR, PURPOSE, SELLER
from backend.ops.federation import Federation, FederationNode
from backend.ops.federation_case import house_transfer

Log = Callable[[str], None]

# the members the seed acts through (`federation up` runs them all; tests start only these)
NEEDED = (
    *(m.key for m in roster.GOVERNORS),
    "dept-psb",
    "dept-ca",
    "dept-nr",
    "dept-tax",
    "dept-samr",
    "dept-notary",
    "dept-bank",
    *(m.key for m in roster.AUDITORS),
)
MARKER = "demo-seed.json"
QUARTER = 90 * 24 * 3600
PURPOSE_LICENCE_HOUSEHOLD = PURPOSE["licence_household"]


class FederationDemoError(RuntimeError):
    """A node refused a seed step, or a member the seed needs is missing."""


# ---------------------------------------------------------------------------- the catalog
def _dataset(fields: list[str], records: list[dict[str, Any]], id_type: str = "resident_id") -> dict[str, Any]:
    id_field = fields[0]
    return {
        "format": DATASET_FORMAT,
        "subject": {"id_type": id_type, "field": id_field},
        "fields": fields,
        "records": records,
    }


def _person(who: dict[str, str], **fields: Any) -> dict[str, Any]:
    return {"resident_id": who["id_value"], **fields}


# (name, owner, classification, title, document): registered in this order (stable ids 1-5)
CATALOG: list[tuple[str, str, str, str, dict[str, Any]]] = [
    (
        "household_registration",
        "dept-psb",
        "SENSITIVE",
        "household registration",
        _dataset(
            ["resident_id", "household_no", "address", "members"],
            [
                _person(CITIZEN, household_no="110101-0042-07", address="东城区和平里街道12号", members=3),
                _person(SELLER, household_no="110101-0017-02", address="东城区东四街道8号", members=2),
                _person(NEIGHBOUR, household_no="110105-0901-11", address="朝阳区望京街道3号", members=4),
            ],
        ),
    ),
    (
        "marriage_records",
        "dept-ca",
        "INTERNAL",
        "marriage records",
        _dataset(
            ["resident_id", "marital_status", "registered"],
            [
                _person(CITIZEN, marital_status="married", registered="2019-05-20"),
                _person(SELLER, marital_status="married", registered="2005-10-01"),
                _person(NEIGHBOUR, marital_status="single"),
            ],
        ),
    ),
    (
        "tax_clearance",
        "dept-tax",
        "INTERNAL",
        "tax clearance",
        _dataset(
            ["resident_id", "tax_clearance", "year", "arrears_cny"],
            [
                _person(CITIZEN, tax_clearance="cleared", year=2024, arrears_cny=0),
                _person(SELLER, tax_clearance="cleared", year=2024, arrears_cny=0),
            ],
        ),
    ),
    (
        "business_licences",
        "dept-samr",
        "PUBLIC",
        "business licences",
        _dataset(
            ["uscc", "name", "status"],
            [
                {"uscc": "91110101MA01XYZ12K", "name": "北京和平里餐饮有限公司", "status": "active"},
                {"uscc": "91110105MA02ABC34L", "name": "望京科技有限公司", "status": "active"},
            ],
            id_type="uscc",
        ),
    ),
    (
        "property_records",
        "dept-nr",
        "INTERNAL",
        "property records",
        _dataset(
            ["resident_id", "parcel", "building", "unit", "area_m2"],
            [_person(SELLER, parcel="110101-001-0042", building="B3", unit="1502", area_m2=89)],
        ),
    ),
]


# ---------------------------------------------------------------------------- the flows
class Flow:
    """One department asks another's dataset and receives one citizen's records from it."""

    def __init__(
        self,
        name: str,
        grantee: str,
        resource: str,
        purpose: int,
        legal_basis: str,
        fields: list[str],
        max_uses: int,
        subject: dict[str, str],
        context_ref: str,
    ) -> None:
        self.name, self.grantee, self.resource, self.purpose = name, grantee, resource, purpose
        self.legal_basis, self.fields, self.max_uses = legal_basis, fields, max_uses
        self.subject, self.context_ref = subject, context_ref


FLOWS = [
    Flow(
        "tax_on_property_records",
        "dept-tax",
        "property_records",
        PURPOSE["tax_property"],
        "《税收征收管理法》第五条 / Tax Collection Law art. 5",
        ["parcel", "area_m2"],
        100,
        SELLER,
        "tax assessment 2024-0042",
    ),
    Flow(
        "bank_on_tax_clearance",
        "dept-bank",
        "tax_clearance",
        PURPOSE["bank_tax"],
        "《个人贷款管理暂行办法》第十一条 / Personal Loan Rules art. 11 (with the applicant's consent)",
        ["tax_clearance"],
        100,
        CITIZEN,
        "mortgage pre-check 2024-118",
    ),
    Flow(
        "notary_on_marriage_records",
        "dept-notary",
        "marriage_records",
        PURPOSE["notary_marriage"],
        "《公证法》第二十九条 / Notarization Law art. 29",
        ["marital_status"],
        10,
        NEIGHBOUR,
        "notarial deed 2024-77",
    ),
    Flow(  # SENSITIVE: the owner's approval is not enough, the council decides
        "samr_on_household_registration",
        "dept-samr",
        "household_registration",
        PURPOSE_LICENCE_HOUSEHOLD,
        "《市场主体登记管理条例》第九条 / Market Entity Registration Reg. art. 9",
        ["address"],
        10,
        CITIZEN,
        "business licence change 2024-031 (legal representative)",
    ),
]
GOVERNORS = [m.key for m in roster.GOVERNORS]
REVOKED = "notary_on_marriage_records"  # CA revokes it after its one release
COUNCIL = "samr_on_household_registration"


# ---------------------------------------------------------------------------- HTTP to the nodes
class _Nodes:
    """Calls to the federation's nodes, each with that node's own token."""

    def __init__(self, fed: Federation, tag: str) -> None:
        missing = [k for k in NEEDED if k not in fed.nodes or not fed.nodes[k].token]
        if missing:
            raise FederationDemoError(f"the demo needs these nodes running with a token: {', '.join(missing)}")
        self.fed, self.tag = fed, tag

    def node(self, key: str) -> FederationNode:
        return self.fed.nodes[key]

    def _headers(self, n: FederationNode, step: str | None, extra: dict[str, str] | None = None) -> dict[str, str]:
        # the node's client token: the chain records client:<token id> as the acting officer
        h = {"Authorization": f"Bearer {n.token}"}
        if step is not None:  # same step of the same deployment = same key = one on-chain effect
            h["Idempotency-Key"] = f"fdemo-{self.tag}-{step}"
        return {**h, **(extra or {})}

    def address(self, key: str) -> str:
        return self.node(key).config.address

    def officer_token(self, key: str) -> str:
        """A token of department node ``key``'s demo admin officer, signed in with its password and
        TOTP (what a front desk needs: an assisted session is opened by a person, not a client)."""
        n = self.node(key)
        if not n.officers:
            raise FederationDemoError(f"{key} has no demo officer to sign in (issue the node tokens first)")
        if n.officer_token is None:
            n.officer_token = self._sign_in(n, n.officers[0])
        return n.officer_token

    def _sign_in(self, n: FederationNode, o: dict[str, str]) -> str:
        totp = pyotp.TOTP(o["totp_secret"])
        for attempt in range(2):
            body = {"username": o["username"], "password": o["password"], "totp": totp.now()}
            r = httpx.post(n.url + "/auth/officer/session", json=body, timeout=60)
            if r.status_code == 401 and attempt == 0:  # this code was used already: the next one
                time.sleep(totp.interval - time.time() % totp.interval + 0.5)
                continue
            break
        token: str = self._answer(n, "POST", "/auth/officer/session", r)["token"]
        return token

    def status(self, key: str, path: str) -> int:
        """The HTTP status of a read (e.g. 404: not there yet)."""
        n = self.node(key)
        return httpx.get(n.url + path, headers={"Authorization": f"Bearer {n.token}"}, timeout=60).status_code

    def post(
        self, key: str, path: str, body: Any, step: str | None, token: str | None = None, **extra: str
    ) -> dict[str, Any]:
        n = self.node(key)
        headers = self._headers(n, step, extra)
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        r = httpx.post(n.url + path, json=body, headers=headers, timeout=120)
        return self._answer(n, "POST", path, r)

    def get(self, key: str, path: str, params: dict[str, Any] | None = None, token: str | None = None) -> Any:
        n = self.node(key)
        headers = {"Authorization": f"Bearer {token or n.token}"}
        r = httpx.get(n.url + path, params=params, headers=headers, timeout=60)
        return self._answer(n, "GET", path, r)

    @staticmethod
    def _answer(n: FederationNode, method: str, path: str, r: httpx.Response) -> Any:
        if r.status_code >= 300:
            raise FederationDemoError(f"{n.member.key} {method} {path}: HTTP {r.status_code} {r.text[:300]}")
        return r.json()


# ---------------------------------------------------------------------------- the marker
def deployment_tag(fed: Federation) -> str:
    """This deployment on this chain (a re-created chain or a redeploy gets a new tag)."""
    manifest = load_manifest(fed.nodes[roster.DEPLOYER.key].data_dir / "deployments" / f"{fed.network}.json")
    c = manifest.contract("Consortium")
    w3 = build_web3(fed.rpc_url)
    block_hash = bytes(w3.eth.get_block(int(c.block))["hash"])
    digest = keccak(str(w3.eth.chain_id).encode() + bytes.fromhex(c.address[2:]) + block_hash)
    return digest.hex()[:12]


def _marker_path(fed: Federation) -> Path:
    return fed.base_dir / MARKER


def _stored(fed: Federation, tag: str) -> dict[str, Any] | None:
    try:
        entry = json.loads(_marker_path(fed).read_text()).get(tag)
    except (OSError, ValueError):
        return None
    return entry if isinstance(entry, dict) else None


def _store(fed: Federation, tag: str, summary: dict[str, Any]) -> None:
    path = _marker_path(fed)
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError):
        doc = {}
    doc[tag] = summary
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(doc, indent=2, ensure_ascii=False))
    os.replace(tmp, path)


def _confirmed(nodes: _Nodes, summary: dict[str, Any]) -> bool:
    """The chain still holds what the marker says (the revoked grant, the council's grant, the
    house transfer's certificate)."""
    try:
        grants = summary["grants"]
        revoked = nodes.get("dept-ca", f"/grants/{grants[REVOKED]}")
        council = nodes.get("dept-samr", f"/grants/{grants[COUNCIL]}")
        cert = nodes.get("dept-nr", f"/public/certificates/{summary['house_transfer']['certificate']['document_hash']}")
        return (
            bool(revoked["revoked"])
            and council["grantee"].lower() == nodes.address("dept-samr").lower()
            and cert["status"] == "valid"
        )
    except (FederationDemoError, KeyError, TypeError):
        return False


# ---------------------------------------------------------------------------- seed
def seed(fed: Federation, log: Log = print) -> dict[str, Any]:
    t0 = time.monotonic()
    tag = deployment_tag(fed)
    nodes = _Nodes(fed, tag)
    stored = _stored(fed, tag)
    if stored is not None and _confirmed(nodes, stored):
        log(f"demo data already present (deployment {tag}): grants {stored['grants']}")
        return {**stored, "already_seeded": True}
    log(f"demo: seeding deployment {tag} through the nodes")

    resources = {}
    for name, owner, cls, title, doc in CATALOG:  # one after another: stable ids 1-5
        body = {"classification": cls, "record": doc, "schema": {"title": title, "type": "object"}}
        resources[name] = int(nodes.post(owner, "/resources", body, f"resource-{name}")["resource_id"])
    log(f"demo: catalog registered by the owners' nodes {resources}")

    owners = {name: owner for name, owner, *_ in CATALOG}
    with ThreadPoolExecutor(max_workers=len(FLOWS) + 1) as pool:  # different parties: independent
        futures = {
            f.name: pool.submit(_run_flow, nodes, f, resources[f.resource], owners[f.resource], log) for f in FLOWS
        }
        house = pool.submit(house_transfer, nodes, resources, GOVERNORS, log)
        flows = {name: fut.result() for name, fut in futures.items()}
        case = house.result()
    log(f"demo: grant {flows[REVOKED]['grant_id']} revoked by CA's node")

    incident = _incident(nodes, resources["property_records"])
    log(f"demo: incident {incident['incident_id']} filed by TAX's node, answered by NR's node ({incident['status']})")

    citizen = _citizen_view(nodes)
    log(f"demo: the citizen's 'who used my data' (session at PSB's node) lists {citizen['uses_total']} uses")
    trail = nodes.get("audit-1", "/audit/trail", {"event": "UseRecorded", "contract": "UsageRights", "limit": 1})

    summary = {
        "deployment": tag,
        "already_seeded": False,
        "citizen": dict(CITIZEN),
        "resources": resources,
        "grants": {name: f["grant_id"] for name, f in flows.items()},
        "uses": {name: f["use_index"] for name, f in flows.items()},
        "revoked_grant": flows[REVOKED]["grant_id"],
        "council": flows[COUNCIL]["council"],
        "incident_id": incident["incident_id"],
        "house_transfer": case,
        "citizen_uses": citizen,
        "audit_uses_recorded": trail["total"],
        "seconds": round(time.monotonic() - t0, 1),
    }
    _store(fed, tag, summary)
    log(
        f"demo: seeded in {summary['seconds']} s: {len(resources)} datasets, {len(flows)} grants "
        f"(1 by the council, 1 revoked), {len(flows)} releases, incident {summary['incident_id']}, house-transfer "
        f"case {case['case_id']} finished ({case['counts']['evidence_pulled']} evidence items peer to peer); "
        f"the auditor's node sees {summary['audit_uses_recorded']} recorded uses"
    )
    return summary


def _run_flow(nodes: _Nodes, f: Flow, resource_id: int, owner: str, log: Log) -> dict[str, Any]:
    ask = {
        "resource_id": resource_id,
        "purpose_code": f.purpose,
        "legal_basis": f.legal_basis,
        "fields": f.fields,
        "duration_s": QUARTER,
        "max_uses": f.max_uses,
    }
    request_id = int(nodes.post(f.grantee, "/requests", ask, f"request-{f.name}")["request_id"])
    approved = nodes.post(
        owner, f"/requests/{request_id}/approve", {"reason": "demo: lawful purpose"}, f"approve-{f.name}"
    )
    council: dict[str, Any] | None = None
    grant_id = approved.get("grant_id")
    if grant_id is None:  # SENSITIVE/SECRET: waits in OwnerApproved for the council
        council = _council_approves(nodes, request_id, f, owner)
        grant_id = nodes.get(owner, f"/requests/{request_id}")["grant_id"]
    grant_id = int(grant_id)
    if nodes.get(owner, f"/grants/{grant_id}")["revoked"]:  # a re-run after the revocation: released already
        mine = nodes.get(f.grantee, "/releases", {"limit": 100})["items"]
        use_index = next(int(u["use_index"]) for u in mine if int(u["grant_id"]) == grant_id)
    else:
        order = {"grant_id": grant_id, "fields": f.fields, "context_ref": f.context_ref}
        subject = f"{f.subject['id_type']}:{f.subject['id_value']}"
        released = nodes.post(f.grantee, "/releases", order, f"release-{f.name}", **{"X-Data-Subject": subject})
        use_index = int(released["use_index"])
        n = len(released["content"]["records"])  # the count only: the records are about a person
        log(
            f"demo: {f.grantee}'s node received {n} record(s) ({', '.join(f.fields)}) under grant {grant_id} from {owner}"
        )
    if f.name == REVOKED and not nodes.get(owner, f"/grants/{grant_id}")["revoked"]:
        nodes.post(owner, f"/grants/{grant_id}/revoke", {"reason": "demo: the notarial matter is closed"}, "revoke")
    out: dict[str, Any] = {"request_id": request_id, "grant_id": grant_id, "use_index": use_index}
    if council is not None:
        out["council"] = council
    return out


def _council_approves(nodes: _Nodes, request_id: int, f: Flow, owner: str) -> dict[str, Any]:
    """One governor's node proposes, the others' nodes approve until it executes. Once the
    grant is issued (a re-run), the proposal is found again instead: the contract refuses
    a second proposal for a decided request before any key could be replayed."""
    first, *others = GOVERNORS
    if nodes.get(owner, f"/requests/{request_id}")["grant_id"] is None:
        body = {"justification": f"demo: {f.legal_basis}"}
        p = nodes.post(first, f"/council/requests/{request_id}/proposals", body, f"council-{f.name}")
        pid, executed = int(p["proposal_id"]), bool(p.get("executed"))
        for gov in others:
            if executed:
                break
            path = f"/council/proposals/{pid}/approve"
            executed = bool(nodes.post(gov, path, None, f"council-{f.name}-{gov}")["executed"])
        if not executed:
            raise FederationDemoError(f"council proposal {pid} on request {request_id} did not reach the threshold")
    else:
        pid = _proposal_deciding(nodes, first, request_id)
    # each governor's own node says whether that governor approved
    voters = [g for g in GOVERNORS if _proposal(nodes, g, lambda p: int(p["proposal_id"]) == pid)["approved_by_me"]]
    return {"proposal_id": pid, "request_id": request_id, "voted_by": voters}


def _proposal(nodes: _Nodes, governor: str, match: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    page = nodes.get(governor, "/council/proposals", {"pending": "false", "limit": 100})
    found = [p for p in page["items"] if match(p)]
    if len(found) != 1:
        raise FederationDemoError(f"{governor}: {len(found)} council proposals match, expected one")
    return found[0]


def _proposal_deciding(nodes: _Nodes, governor: str, request_id: int) -> int:
    """The executed council call ``UsageRights.councilApprove(request_id)``."""
    call = "0x" + (keccak(text="councilApprove(uint256)")[:4]).hex() + f"{request_id:064x}"
    return int(_proposal(nodes, governor, lambda p: bool(p["executed"]) and p["data"].lower() == call)["proposal_id"])


def _incident(nodes: _Nodes, property_records: int) -> dict[str, Any]:
    filed = nodes.post(
        "dept-tax",
        "/incidents",
        {
            "incident_type": "DATA_ERROR",
            "subject_kind": "RESOURCE_VERSION",
            "subject_id": property_records,
            "use_index": 1,
            "evidence": "demo: area 89 m2 differs from the tax record 92 m2",
        },
        "incident",
    )
    iid = int(filed["incident_id"])
    if nodes.get("dept-nr", f"/incidents/{iid}")["status"] == "Open":
        nodes.post(
            "dept-nr",
            f"/incidents/{iid}/response",
            {"response": "demo: re-measured 2024-03; 89 m2 is correct"},
            "incident-response",
        )
    return {"incident_id": iid, "status": nodes.get("dept-nr", f"/incidents/{iid}")["status"]}


def _citizen_view(nodes: _Nodes) -> dict[str, Any]:
    """The demo citizen at PSB's front desk: an assisted session on PSB's node (on the record), then
    who used my data and the assisted sessions opened for them (this one included)."""
    session = nodes.post(
        "dept-psb",
        "/citizens/session",
        {"id_type": CITIZEN["id_type"], "id_value": CITIZEN["id_value"], "reason": "demo: the citizen at the desk"},
        "citizen-session",  # a re-run answers the session already recorded (no second one)
        token=nodes.officer_token("dept-psb"),  # the desk's officer (a client token is refused)
    )
    uses = nodes.get("dept-psb", "/citizens/me/uses", token=session["token"])
    sessions = nodes.get("dept-psb", "/citizens/me/sessions", token=session["token"])
    return {
        "front_desk": "dept-psb",
        "session_id": session["session_id"],
        "assisted_sessions": [
            {"session_id": s["session_id"], "desk": (s["desk"] or {}).get("name"), "this_session": s["this_session"]}
            for s in sessions["items"]
        ],
        "uses_total": uses["total"],
        "uses": [
            {
                "department": (u["department"] or {}).get("name"),
                "grant_id": u["grant_id"],
                "use_index": u["use_index"],
                "purpose_code": u["purpose_code"],
            }
            for u in uses["items"]
        ],
    }


__all__ = ["NEEDED", "FederationDemoError", "deployment_tag", "seed"]
