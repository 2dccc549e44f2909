"""One-stop services end to end through the API on the real chain (anvil, 0.2 s blocks):
service definition → council activation → standing grants → case at a front desk →
evidence pulled through grants (each pull a recorded use for the citizen and the case) →
staged approvals → registry transfer + new certificate; and the refusals."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from cases_testkit import BUYER, OTHER, SELLER, World
from eth_utils import keccak
from sqlalchemy import insert, select

from backend.indexer.models import chain_events

TAX_PURPOSE, CA_PURPOSE = 31, 32
TAX_LEGAL = "《契税法》第十条 / Deed Tax Law art. 10"
CA_LEGAL = "《不动产登记暂行条例》第十六条 / Real Estate Registration Regulation art. 16"


@pytest.fixture(scope="module")
def house(world: World) -> dict[str, Any]:
    """Resources (TAX, CA), the house-transfer service (lead NR) activated, standing grants issued,
    a unit owned by SELLER with a valid PROPERTY_CERT."""
    w = world
    buyer, seller = w.subject(BUYER), w.subject(SELLER)
    tax_res = w.register(
        "dept-tax",
        {
            "records": [
                {"subject_hash": buyer, "tax_clearance": "cleared", "year": 2024},
                {"subject_hash": seller, "tax_clearance": "cleared", "year": 2024},
            ]
        },
        title="tax clearance",
    )
    ca_res = w.register(
        "dept-ca", {"records": [{"subject_hash": buyer, "marital_status": "married"}]}, title="marriage records"
    )
    body = {
        "name": "二手房转移登记 / Second-hand house transfer",
        "kind": "house_transfer",
        "requirements": [
            {"resource_id": tax_res, "purpose_code": TAX_PURPOSE, "legal_basis": TAX_LEGAL, "label": "tax clearance"},
            {"resource_id": ca_res, "purpose_code": CA_PURPOSE, "legal_basis": CA_LEGAL, "label": "marital status"},
        ],
        "steps": [
            {"department": w.addr("dept-tax"), "stage": 1, "label": "deed tax"},
            {"department": w.addr("dept-ca"), "stage": 1, "label": "marital status check"},
            {"department": w.addr("dept-nr"), "stage": 2, "label": "registration"},
        ],
        "step_deadline_s": 3600,
    }
    svc = w.post("/services", body, "dept-nr")
    sid = svc["service_id"]
    assert svc["status"] == "Proposed" and svc["name_hash"].startswith("0x")
    # a case cannot be opened before the council activates the service
    r = w.http.post("/cases", json={"service_id": sid, "applicant": BUYER, "form": {"x": 1}}, headers=w.h("dept-psb"))
    assert r.status_code == 409 and r.json()["error"] == "OneStopServicesServiceNotActive", r.text
    # only a governor proposes the activation
    r = w.http.post(f"/services/{sid}/activation", json={"justification": "x"}, headers=w.h("dept-nr"))
    assert r.status_code == 403
    w.council(f"/services/{sid}/activation", {"justification": "approved by the council, session 12"})
    # standing grants: each source department for its own resource; others have nothing to issue
    r = w.http.post(f"/services/{sid}/standing-grants", json={}, headers=w.h("dept-samr"))
    assert r.status_code == 403, r.text
    g_tax = w.post(f"/services/{sid}/standing-grants", {"max_uses": 50}, "dept-tax")
    g_ca = w.post(f"/services/{sid}/standing-grants", {"max_uses": 50}, "dept-ca")
    assert [i["status"] for i in g_tax["items"]] == ["issued"] and [i["status"] for i in g_ca["items"]] == ["issued"]
    again = w.post(f"/services/{sid}/standing-grants", {"max_uses": 50}, "dept-tax")
    assert again["items"][0]["status"] == "exists"
    # the unit and the seller's certificate
    unit = w.post(
        "/registry/units",
        {"parcel_code": "110101-001-0042", "building_code": "B3", "unit_code": "1502", "planned_use": 1, "area_m2": 89},
        "dept-nr",
    )
    w.post(
        f"/registry/units/{unit['unit_id']}/ownership",
        {"owner": SELLER, "evidence": "purchase contract 2015-0042", "case_ref": "first-registration-42"},
        "dept-nr",
    )
    prior_doc = b"PROPERTY_CERT seller unit 42 (2015)"
    prior = w.post(
        "/certificates",
        {"type_code": "PROPERTY_CERT", "holder": SELLER, "document_hash": "0x" + keccak(prior_doc).hex()},
        "dept-nr",
    )
    w.post(f"/registry/units/{unit['unit_id']}/certificate", {"cert_id": prior["cert_id"]}, "dept-nr")
    # the seller consents in an assisted session at PSB's desk (NR, the registrar, may not vouch for them)
    consent = w.post("/citizens/session", {**SELLER, "reason": "consents to the sale of unit 42"}, "dept-psb")
    return {
        "seller_session": consent["session_id"],
        "service_id": sid,
        "tax_res": tax_res,
        "ca_res": ca_res,
        "unit_id": unit["unit_id"],
        "prior_hash": prior["document_hash"],
        "prior_cert_id": prior["cert_id"],
        "grants": {"tax": g_tax["items"][0]["grant_id"], "ca": g_ca["items"][0]["grant_id"]},
    }


SELLER_CONSENT = "0x" + keccak(b"the seller's signed consent to sell unit 42").hex()


def open_case(w: World, house: dict, person: dict = BUYER, desk: str = "dept-psb", key: str | None = None) -> dict:
    form = {
        "unit_id": house["unit_id"],
        "prior_certificate_hash": house["prior_hash"],
        "seller_consent_hash": SELLER_CONSENT,
        "seller_assisted_session_id": house["seller_session"],
        "seller_consent_desk": w.addr("dept-psb"),
        "price_cny": 3_200_000,
        "buyer_name": "王芳",
        "seller_name": "李强",
    }
    return w.post("/cases", {"service_id": house["service_id"], "applicant": person, "form": form}, desk, key=key)


def test_service_view_shows_definition_and_standing_grants(world: World, house: dict) -> None:
    r = world.http.get(f"/services/{house['service_id']}", headers=world.h("dept-psb"))
    assert r.status_code == 200, r.text
    s = r.json()
    assert s["status"] == "Active" and s["kind"] == "house_transfer" and s["definition_verified"] is True
    assert s["lead"]["address"] == world.addr("dept-nr")
    assert [q["legal_basis"] for q in s["requirements"]] == [TAX_LEGAL, CA_LEGAL]
    assert [q["standing_grant"]["grant_id"] for q in s["requirements"]] == [
        house["grants"]["tax"],
        house["grants"]["ca"],
    ]
    assert [(st["stage"], st["department"]["address"]) for st in s["steps"]] == [
        (1, world.addr("dept-tax")),
        (1, world.addr("dept-ca")),
        (2, world.addr("dept-nr")),
    ]
    listed = world.http.get("/services", headers=world.h("auditor")).json()
    assert house["service_id"] in [i["service_id"] for i in listed["items"]]


def test_open_case_is_idempotent_and_counts_two_documents(world: World, house: dict) -> None:
    a = open_case(world, house, key="open-case-idem-1")
    b = open_case(world, house, key="open-case-idem-1")
    assert a["case_id"] == b["case_id"] and a["tx_hash"] == b["tx_hash"]
    assert a["documents_submitted"] == 2 and a["evidence_required"] == 2
    ops = world.p.ctx.services.ops
    ops.fresh()
    opened = ops.history("OneStopServices", "CaseOpened", caseId=a["case_id"])
    assert len(opened) == 1 and opened[0]["args"]["submittedDocuments"] == 2
    assert opened[0]["args"]["applicantHash"] == world.subject(BUYER)


def test_refusals_before_evidence(world: World, house: dict) -> None:
    w = world
    case = open_case(w, house)
    cid = case["case_id"]
    # approving before the evidence is attached: the contract's error, 409
    r = w.http.post(f"/cases/{cid}/steps/0/approve", json={"reason": "ok"}, headers=w.h("dept-tax"))
    assert r.status_code == 409, r.text
    assert r.json() == {
        "error": "OneStopServicesEvidenceMissing",
        "args": {"caseId": cid, "attached": 0, "required": 2},
    }
    # a step by the wrong department: 403 with the contract's error
    r = w.http.post(f"/cases/{cid}/steps/0/approve", json={"reason": "ok"}, headers=w.h("dept-ca"))
    assert r.status_code == 403, r.text
    assert r.json()["error"] == "OneStopServicesWrongDepartment"
    assert r.json()["args"]["caller"] == w.addr("dept-ca") and r.json()["args"]["stepIndex"] == 0
    # only the lead pulls evidence; auditors never write
    r = w.http.post(f"/cases/{cid}/evidence/pull", headers=w.h("dept-tax"))
    assert r.status_code == 403 and r.json()["error"] == "Forbidden"
    r = w.http.post(f"/cases/{cid}/evidence/pull", headers=w.h("auditor"))
    assert r.status_code == 403
    # escalation before the deadline: the contract says no
    r = w.http.post(f"/cases/{cid}/steps/0/escalate", headers=w.h("dept-psb"))
    assert r.status_code == 409 and r.json()["error"] == "OneStopServicesDeadlineNotReached", r.text
    # finalize before approval
    r = w.http.post(f"/cases/{cid}/finalize", headers=w.h("dept-nr"))
    assert r.status_code == 409 and r.json()["error"] == "CaseNotApproved"
    # a department not involved cannot read the case; an unknown case is 404
    assert w.http.get(f"/cases/{cid}", headers=w.h("dept-court")).status_code == 403
    r = w.http.get("/cases/999999", headers=w.h("dept-nr"))
    assert r.status_code == 404 and r.json()["error"] == "OneStopServicesUnknownCase"
    # the form: the lead and the deciding departments, nobody else
    f = w.http.get(f"/cases/{cid}/form", headers=w.h("dept-ca"))
    assert f.status_code == 200 and f.json()["form"]["form"]["unit_id"] == house["unit_id"]
    assert w.http.get(f"/cases/{cid}/form", headers=w.h("dept-psb")).status_code == 403
    # rejection does not need evidence: the case ends Rejected
    r = w.post(f"/cases/{cid}/steps/1/reject", {"reason": "marriage record inconsistent"}, "dept-ca", status=200)
    assert r["case_status"] == "Rejected" and "CaseRejected" in r["events"]
    r = w.http.post(f"/cases/{cid}/evidence/pull", headers=w.h("dept-nr"))
    assert r.status_code == 409 and r.json()["error"] == "OneStopServicesCaseNotOpen"


def test_house_transfer_end_to_end(world: World, house: dict) -> None:
    w = world
    case = open_case(w, house)
    cid, case_ref = case["case_id"], case["case_ref"]

    pulled = w.post(f"/cases/{cid}/evidence/pull", None, "dept-nr", status=200, officer="nr-clerk-7")
    assert pulled["complete"] is True and pulled["evidence_attached"] == 2 == pulled["evidence_required"]
    items = pulled["items"]
    assert [i["status"] for i in items] == ["attached", "attached"]
    assert [i["grant_id"] for i in items] == [house["grants"]["tax"], house["grants"]["ca"]]
    assert items[0]["record_for_applicant"]["tax_clearance"] == "cleared"
    assert items[1]["record_for_applicant"]["marital_status"] == "married"
    # every pull is a use on chain for this citizen and this case
    ops = w.ctx.services.ops
    ops.fresh()
    for it in items:
        uses = [
            e["args"]
            for e in ops.history("UsageRights", "UseRecorded", grantId=it["grant_id"], useIndex=it["use_index"])
        ]
        assert len(uses) == 1
        assert uses[0]["subjectHash"] == w.subject(BUYER) and uses[0]["contextRef"] == case_ref
        assert uses[0]["user"] == w.addr("dept-nr")
    again = w.post(f"/cases/{cid}/evidence/pull", None, "dept-nr", status=200)
    assert [i["status"] for i in again["items"]] == ["already_attached", "already_attached"]

    # stage 2 cannot go first
    r = w.http.post(f"/cases/{cid}/steps/2/approve", json={"reason": "ok"}, headers=w.h("dept-nr"))
    assert r.status_code == 409 and r.json()["error"] == "OneStopServicesStageNotCurrent", r.text
    a0 = w.post(f"/cases/{cid}/steps/0/approve", {"reason": "deed tax paid"}, "dept-tax", status=200)
    assert a0["case_status"] == "Open" and a0["stage_advanced_to"] is None
    a1 = w.post(f"/cases/{cid}/steps/1/approve", {"reason": "status confirmed"}, "dept-ca", status=200)
    assert a1["stage_advanced_to"] == 2
    a2 = w.post(f"/cases/{cid}/steps/2/approve", {"reason": "registered"}, "dept-nr", status=200)
    assert a2["case_status"] == "Approved"
    assert a2["completed"] == {"documents_submitted": 2, "evidence_pulled": 2, "departments_involved": 4}
    assert a2["next"] == f"the lead finalizes: POST /cases/{cid}/finalize"

    fin = w.post(f"/cases/{cid}/finalize", None, "dept-nr", status=200)
    assert fin["title_entry"]["owner_hash"] == w.subject(BUYER) and fin["title_entry"]["case_ref"] == case_ref
    cert = fin["certificate"]
    assert cert["status"] == "valid" and cert["holder_hash"] == w.subject(BUYER)
    assert fin["prior_certificate"] == {
        "document_hash": house["prior_hash"],
        "cert_id": house["prior_cert_id"],
        "status": "revoked",
        "revocation_reason": "superseded",
    }
    assert fin["seller_consent"] == {
        "consent_hash": SELLER_CONSENT,
        "assisted_session_id": house["seller_session"],
        "consent_desk": {"address": w.addr("dept-psb"), "name": fin["seller_consent"]["consent_desk"]["name"]},
    }
    fin2 = w.post(f"/cases/{cid}/finalize", None, "dept-nr", status=200)
    assert fin2["certificate"]["cert_id"] == cert["cert_id"]
    assert fin2["title_entry"]["entry_id"] == fin["title_entry"]["entry_id"]
    # public verification, no token
    v = w.http.get(f"/public/certificates/{cert['document_hash']}").json()
    assert v["status"] == "valid" and v["issuer"]["address"] == w.addr("dept-nr") and v["type_code"] == "PROPERTY_CERT"
    assert w.http.get(f"/public/certificates/{house['prior_hash']}").json()["status"] == "revoked"
    # the unit's title chain
    hist = w.http.get(f"/registry/units/{house['unit_id']}/history", headers=w.h("auditor")).json()
    assert [e["owner_hash"] for e in hist["title_chain"]] == [w.subject(SELLER), w.subject(BUYER)]
    assert hist["title_chain"][-1]["case_ref"] == case_ref and hist["title_chain"][-1]["current"] is True
    # the buyer's new certificate is bound to the new entry: the one they will present to sell
    assert [e["certificate_id"] for e in hist["title_chain"]] == [house["prior_cert_id"], cert["cert_id"]]

    # the case as the departments involved see it
    view = w.http.get(f"/cases/{cid}", headers=w.h("dept-ca"))
    assert view.status_code == 200, view.text
    v = view.json()
    assert v["status"] == "Approved" and v["documents_submitted"]["count"] == 2
    assert v["evidence"]["required"] == 2 == v["evidence"]["pulled"]
    assert v["departments_involved"]["count"] == 4
    roles = {d["address"]: d["roles"] for d in v["departments_involved"]["items"]}
    assert roles[w.addr("dept-psb")] == ["front_desk"] and "lead" in roles[w.addr("dept-nr")]
    assert [s["status"] for s in v["steps"]] == ["Approved"] * 3
    assert v["certificate"]["document_hash"] == cert["document_hash"]
    listed = w.http.get("/cases", headers=w.h("dept-psb")).json()
    assert cid in [i["case_id"] for i in listed["items"]]
    assert cid not in [i["case_id"] for i in w.http.get("/cases", headers=w.h("dept-court")).json()["items"]]

    # the citizen: their cases with step statuses, the certificate document, who used their data
    tok = w.citizen_token(BUYER)
    mine = w.http.get("/citizens/me/cases", headers=w.bearer(tok)).json()
    done = next(i for i in mine["items"] if i["case_id"] == cid)
    assert done["status"] == "Approved" and [s["status"] for s in done["steps"]] == ["Approved"] * 3
    assert done["documents_submitted"]["count"] == 2 and done["evidence"]["pulled"] == 2
    assert "form_hash" not in done
    doc = w.http.get(f"/citizens/me/cases/{cid}/certificate", headers=w.bearer(tok))
    assert doc.status_code == 200, doc.text
    body = doc.json()
    assert body["document"]["holder_hash"] == w.subject(BUYER)
    files = {"document": ("certificate.json", body["document_text"].encode(), "application/json")}
    verified = w.http.post("/public/certificates/verify", files=files).json()
    assert verified["status"] == "valid" and verified["cert_id"] == cert["cert_id"]
    uses = w.http.get("/citizens/me/uses", headers=w.bearer(tok)).json()
    pulls = {(u["grant_id"], u["use_index"]) for u in uses["items"] if u["context_ref"] == case_ref}
    assert pulls == {(i["grant_id"], i["use_index"]) for i in items}
    # another citizen: 403 for this case, not even its existence
    other = w.citizen_token(OTHER)
    r = w.http.get(f"/citizens/me/cases/{cid}", headers=w.bearer(other))
    assert r.status_code == 403 and r.json()["error"] == "Forbidden"
    assert w.http.get("/citizens/me/cases/999999", headers=w.bearer(other)).status_code == 403
    assert w.http.get(f"/citizens/me/cases/{cid}/certificate", headers=w.bearer(other)).status_code == 403
    assert w.http.get(f"/cases/{cid}", headers=w.bearer(other)).status_code == 403
    assert all(i["case_id"] != cid for i in w.http.get("/citizens/me/cases", headers=w.bearer(other)).json()["items"])
    # a row forged in the index (a DBA naming the other citizen as applicant) shows them nothing
    c = chain_events.c
    with w.ctx.sessions() as db:
        row = db.execute(select(chain_events).where(c.event == "CaseOpened")).mappings().all()
        row = next(r for r in row if int(r["args"]["caseId"]) == cid)
        forged = {k: v for k, v in row.items() if k != "id"}
        forged |= {"args": {**row["args"], "applicantHash": w.subject(OTHER)}, "subject_hash": w.subject(OTHER)}
        forged |= {"tx_hash": "0x" + "ab" * 32, "log_index": 999}
        db.execute(insert(chain_events).values(**forged))
        db.commit()
    mine_now = w.http.get("/citizens/me/cases", headers=w.bearer(other)).json()["items"]
    assert all(i["case_id"] != cid for i in mine_now)
    # a department token is not a citizen token
    assert w.http.get("/citizens/me/cases", headers=w.h("dept-nr")).status_code == 403


def test_house_transfer_naming_another_unit_with_the_sellers_certificate_is_refused(world: World, house: dict) -> None:
    """The buyer's form names unit B with the seller's certificate for unit A: the finalize is refused by the
    contract (B's current certificate is not the one presented); B stays with its owner, B's certificate
    stays valid, and nothing is issued."""
    w = world
    unit_b = w.post(
        "/registry/units",
        {"parcel_code": "110101-001-0099", "building_code": "B9", "unit_code": "0901", "planned_use": 1, "area_m2": 70},
        "dept-nr",
    )["unit_id"]
    w.post(
        f"/registry/units/{unit_b}/ownership",
        {"owner": OTHER, "evidence": "purchase contract 2010-0099", "case_ref": "first-registration-99"},
        "dept-nr",
    )
    doc_b = "0x" + keccak(b"PROPERTY_CERT other unit 99 (2010)").hex()
    cert_b = w.post("/certificates", {"type_code": "PROPERTY_CERT", "holder": OTHER, "document_hash": doc_b}, "dept-nr")
    w.post(f"/registry/units/{unit_b}/certificate", {"cert_id": cert_b["cert_id"]}, "dept-nr")
    form = {
        "unit_id": unit_b,
        "prior_certificate_hash": house["prior_hash"],
        "seller_consent_hash": SELLER_CONSENT,
        "seller_assisted_session_id": house["seller_session"],
        "seller_consent_desk": w.addr("dept-psb"),
    }
    cid = w.post("/cases", {"service_id": house["service_id"], "applicant": BUYER, "form": form}, "dept-psb")["case_id"]
    assert w.post(f"/cases/{cid}/evidence/pull", None, "dept-nr", status=200)["complete"] is True
    w.post(f"/cases/{cid}/steps/0/approve", {"reason": "deed tax paid"}, "dept-tax", status=200)
    w.post(f"/cases/{cid}/steps/1/approve", {"reason": "status confirmed"}, "dept-ca", status=200)
    w.post(f"/cases/{cid}/steps/2/approve", {"reason": "registered"}, "dept-nr", status=200)
    issued_before = w.ctx.services.ops.contracts.certificates.certificate_count()

    r = w.http.post(f"/cases/{cid}/finalize", headers=w.h("dept-nr"))
    assert r.status_code == 409, r.text
    assert r.json() == {
        "error": "PropertyRegistryNotCurrentCertificate",
        "args": {"unitId": unit_b, "presentedCertId": house["prior_cert_id"], "currentCertId": cert_b["cert_id"]},
    }
    hist = w.http.get(f"/registry/units/{unit_b}/history", headers=w.h("auditor")).json()
    assert hist["current_owner_hash"] == w.subject(OTHER) and len(hist["title_chain"]) == 1
    assert w.http.get(f"/public/certificates/{doc_b}").json()["status"] == "valid"
    assert w.ctx.services.ops.contracts.certificates.certificate_count() == issued_before


def test_escalation_after_deadline(world: World, house: dict) -> None:
    w = world
    tax_res = house["tax_res"]
    svc = w.post(
        "/services",
        {
            "name": "快速核验 / Quick check",
            "kind": "generic",
            "requirements": [{"resource_id": tax_res, "purpose_code": 33, "legal_basis": "test basis"}],
            "steps": [{"department": w.addr("dept-samr"), "stage": 1}],
            "step_deadline_s": 1,
        },
        "dept-samr",
    )
    sid = svc["service_id"]
    w.council(f"/services/{sid}/activation", {"justification": "test"})
    case = w.post("/cases", {"service_id": sid, "applicant": OTHER, "form": {"q": 1}}, "dept-ca")
    cid = case["case_id"]
    # no standing grant yet: the pull reports it per requirement, nothing is attached
    pulled = w.post(f"/cases/{cid}/evidence/pull", None, "dept-samr", status=200)
    assert pulled["complete"] is False and pulled["items"][0]["error"] == "NoStandingGrant"
    deadline = time.monotonic() + 10
    while w.chain_time() <= case["block_number"] and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(2.5)
    # auditor tokens are read-only: 403 even past the deadline, and nothing is sent
    r = w.http.post(f"/cases/{cid}/steps/0/escalate", headers=w.h("auditor"))
    assert r.status_code == 403 and r.json()["error"] == "Forbidden", r.text
    assert w.http.get(f"/cases/{cid}", headers=w.h("auditor")).json()["steps"][0]["escalated"] is False
    r = w.post(f"/cases/{cid}/steps/0/escalate", None, "gov-bdb", status=200)
    assert r["escalated"] is True and r["department"]["address"] == w.addr("dept-samr")
    again = w.http.post(f"/cases/{cid}/steps/0/escalate", headers=w.h("dept-psb"))
    assert again.status_code == 409 and again.json()["error"] == "OneStopServicesStepAlreadyEscalated"
    v = w.http.get(f"/cases/{cid}", headers=w.h("auditor")).json()
    assert v["steps"][0]["escalated"] is True and v["steps"][0]["status"] == "Pending"


def test_sensitive_standing_grant_needs_the_council(world: World) -> None:
    w = world
    hh = w.register(
        "dept-psb",
        {"records": [{"subject_hash": w.subject(OTHER), "household": "Dongcheng 12"}]},
        classification="SENSITIVE",
        title="household registration",
    )
    svc = w.post(
        "/services",
        {
            "name": "营业执照变更 / Business licence change",
            "kind": "business_licence_change",
            "requirements": [
                {"resource_id": hh, "purpose_code": 41, "legal_basis": "Company Registration Reg. art. 9"}
            ],
            "steps": [{"department": w.addr("dept-samr"), "stage": 1}],
            "step_deadline_s": 86400,
        },
        "dept-samr",
    )
    sid = svc["service_id"]
    res = w.post(f"/services/{sid}/standing-grants", {}, "dept-psb")
    assert res["items"][0]["status"] == "council_required"
    # a department cannot propose; a governor proposes, another approves
    r = w.http.post(
        f"/services/{sid}/standing-grants/proposals",
        json={"requirement_index": 0, "justification": "x"},
        headers=w.h("dept-psb"),
    )
    assert r.status_code == 403
    prop = w.council(
        f"/services/{sid}/standing-grants/proposals",
        {"requirement_index": 0, "max_uses": 1000, "justification": "licence changes need the household"},
    )
    assert prop["unanimous"] is False
    s = w.http.get(f"/services/{sid}", headers=w.h("dept-samr")).json()
    g = s["requirements"][0]["standing_grant"]
    assert g is not None and g["uses_left"] == 1000
    w.ctx.services.ops.fresh()
    issued = [e["args"] for e in w.ctx.services.ops.history("UsageRights", "GrantIssued", grantId=g["grant_id"])]
    assert issued[0]["issuer"] == w.ctx.manifest.contract("Consortium").address
    r = w.http.post(
        f"/services/{sid}/standing-grants/proposals",
        json={"requirement_index": 0, "justification": "again"},
        headers=w.h("gov-bdb"),
    )
    assert r.status_code == 409


def test_standing_grants_key_reused_with_other_terms_is_409(world: World) -> None:
    w = world
    res = w.register("dept-psb", {"records": []}, title="address register")
    svc = w.post(
        "/services",
        {
            "name": "address change",
            "requirements": [{"resource_id": res, "purpose_code": 42, "legal_basis": "Residence Reg. art. 3"}],
            "steps": [{"department": w.addr("dept-samr"), "stage": 1}],
            "step_deadline_s": 86400,
        },
        "dept-samr",
    )
    sid, key = svc["service_id"], f"standing-{uuid.uuid4().hex}"
    first = w.post(f"/services/{sid}/standing-grants", {"max_uses": 5}, "dept-psb", key=key)
    assert [i["status"] for i in first["items"]] == ["issued"]
    # the same key and terms: the same grant (not a second one, nor "exists")
    assert w.post(f"/services/{sid}/standing-grants", {"max_uses": 5}, "dept-psb", key=key) == first
    r = w.http.post(f"/services/{sid}/standing-grants", json={"max_uses": 6}, headers=w.h("dept-psb", key=key))
    assert r.status_code == 409, r.text
    assert r.json() == {
        "error": "IdempotencyKeyReused",
        "args": {"reason": "this Idempotency-Key was used for a different request", "key": key},
    }
    # a new key finds the grant the chain has
    again = w.post(f"/services/{sid}/standing-grants", {"max_uses": 6}, "dept-psb")
    assert again["items"][0]["status"] == "exists" and again["items"][0]["grant_id"] == first["items"][0]["grant_id"]
    assert again["items"][0]["uses_left"] == 5


def test_register_service_refusals(world: World, house: dict) -> None:
    w = world
    # the lead's own resource needs no grant: the contract refuses it
    r = w.http.post(
        "/services",
        json={
            "name": "x",
            "requirements": [{"resource_id": house["tax_res"], "purpose_code": 1, "legal_basis": "b"}],
            "steps": [{"department": w.addr("dept-tax"), "stage": 1}],
            "step_deadline_s": 60,
        },
        headers=w.h("dept-tax"),
    )
    assert r.status_code == 409 and r.json()["error"] == "OneStopServicesOwnResource", r.text
    r = w.http.post(
        "/services",
        json={
            "name": "x",
            "steps": [{"department": w.addr("dept-tax"), "stage": 2}],
            "step_deadline_s": 60,
        },
        headers=w.h("dept-nr"),
    )
    assert r.status_code == 422 and r.json()["error"] == "OneStopServicesInvalidStage", r.text
    r = w.http.post("/services", json={"name": "x", "steps": [], "step_deadline_s": 60}, headers=w.h("dept-nr"))
    assert r.status_code == 422
    r = w.http.post(
        "/services",
        json={"name": "x", "steps": [{"department": w.addr("dept-nr"), "stage": 1}], "step_deadline_s": 60},
        headers=w.h("gov-bdb"),
    )
    assert r.status_code == 403


def test_openapi_lists_the_one_stop_endpoints(world: World) -> None:
    spec = world.http.get("/openapi.json")
    assert spec.status_code == 200
    paths = spec.json()["paths"]
    for path in (
        "/services",
        "/services/{service_id}/activation",
        "/services/{service_id}/standing-grants",
        "/cases",
        "/cases/{case_id}/evidence/pull",
        "/cases/{case_id}/steps/{step_index}/approve",
        "/cases/{case_id}/finalize",
        "/citizens/me/cases",
        "/citizens/me/cases/{case_id}/certificate",
    ):
        assert path in paths, path
    # no token: 401 everywhere, never 500
    for path in ("/services", "/cases", "/cases/1", "/citizens/me/cases"):
        assert world.http.get(path).status_code == 401
