"""The platform the authorization matrix runs on: the whole system brought up as
`govchain up` does (every contract, the demo roster), on this module's own chain,
with one object of every kind an endpoint can take an id of.

(Named uniquely: pytest puts test folders on sys.path.)
"""

from __future__ import annotations

import re
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_utils import keccak

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cases"))

from cases_testkit import World

# The principal kinds every route is called by.
KINDS = ("department", "governor", "auditor", "citizen", "no_token", "bad_token")
# Who plays them: a department involved in none of the objects below, a governor
# that proposed nothing, the auditor, a citizen session for PERSON.
STRANGER, GOVERNOR = "dept-notary", "gov-jus"
PERSON = {"id_type": "resident_id", "id_value": "110101199001017777"}
OWNER, GRANTEE, LEAD, STEP, DESK, BANK, COURT = (
    "dept-tax",
    "dept-ca",
    "dept-nr",
    "dept-ca",
    "dept-psb",
    "dept-bank",
    "dept-court",
)


@dataclass
class Objects:
    ids: dict[str, Any]
    citizen_token: str


def setup_objects(w: World) -> Objects:
    """One object of each kind (owners named above); returns the path-parameter values."""
    subject = w.subject(PERSON)
    R = w.register(OWNER, {"records": [{"subject_hash": subject, "tax_clearance": "cleared"}]}, title="authz")
    req = w.post(
        "/requests",
        {
            "resource_id": R,
            "purpose_code": 7,
            "legal_basis": "authz test",
            "fields": ["a"],
            "duration_s": 86400,
            "max_uses": 50,
        },
        GRANTEE,
    )
    G = w.post(f"/requests/{req['request_id']}/approve", {"reason": "ok"}, OWNER, status=200)["grant_id"]
    Q = w.post(
        "/requests",
        {
            "resource_id": R,
            "purpose_code": 8,
            "legal_basis": "authz test",
            "fields": ["a"],
            "duration_s": 86400,
            "max_uses": 5,
        },
        GRANTEE,
    )["request_id"]
    use_key = "authz-use-" + uuid.uuid4().hex
    w.post(f"/grants/{G}/uses", {"data_subject": PERSON}, GRANTEE, key=use_key)
    I = w.post(
        "/incidents",
        {
            "incident_type": "DATA_ERROR",
            "subject_kind": "RESOURCE_VERSION",
            "subject_id": R,
            "use_index": 1,
            "evidence": "wrong value",
        },
        GRANTEE,
    )["incident_id"]
    # registry roles and the certificate type through the council endpoints
    for dept, role in ((LEAD, "REGISTRAR"), (BANK, "BANK"), (COURT, "COURT")):
        w.council(
            "/registry/roles",
            {"department": w.addr(dept), "role": role, "enabled": True, "justification": "authz matrix"},
        )
    w.council(
        "/certificates/types",
        {
            "type_code": "AUTHZ_CERT",
            "issuer": w.addr(LEAD),
            "default_validity_s": 10**8,
            "justification": "authz matrix",
        },
    )
    # a pending proposal nobody approved
    P = w.post(
        "/registry/roles",
        {"department": w.addr("dept-samr"), "role": "INSPECTOR", "enabled": True, "justification": "left pending"},
        "gov-bdb",
    )["proposal_id"]
    U = w.post("/registry/units", {"parcel_code": "AUTHZ-1", "planned_use": 1, "area_m2": 70}, LEAD)["unit_id"]
    w.post(f"/registry/units/{U}/ownership", {"owner": PERSON, "evidence": "deed", "case_ref": "authz-1"}, LEAD)
    M = w.post(f"/registry/units/{U}/mortgages", {"creditor_ref": "loan-1", "terms": "t"}, BANK)["mortgage_id"]
    S = w.post(f"/registry/units/{U}/seizures", {"court_order": "order-1"}, COURT)["seizure_id"]
    cert_hash = "0x" + keccak(b"authz cert").hex()
    C = w.post("/certificates", {"type_code": "AUTHZ_CERT", "holder": PERSON, "document_hash": cert_hash}, LEAD)[
        "cert_id"
    ]
    svc = w.post(
        "/services",
        {"name": "authz service", "steps": [{"department": w.addr(STEP), "stage": 1}], "step_deadline_s": 86400},
        LEAD,
    )
    SV = svc["service_id"]
    w.council(f"/services/{SV}/activation", {"justification": "authz matrix"})
    CS = w.post("/cases", {"service_id": SV, "applicant": PERSON, "form": {"q": 1}}, DESK)["case_id"]
    # the owner's node in the directory (so GET /directory/{address} has an entry to answer)
    r = w.http.put(
        "/directory/self",
        json={"endpoint": "https://owner.node.example", "encryption_key": HEX},
        headers=w.h(OWNER, officer=None),
    )
    assert r.status_code == 200, r.text
    token = w.citizen_token(PERSON, desk=DESK)
    ids = {
        "resource_id": R,
        "request_id": Q,
        "grant_id": G,
        "incident_id": I,
        "proposal_id": P,
        "type_code": "AUTHZ_CERT",
        "cert_id": C,
        "department": w.addr(LEAD),
        "unit_id": U,
        "mortgage_id": M,
        "seizure_id": S,
        "service_id": SV,
        "case_id": CS,
        "step_index": 0,
        "use_index": 1,
        "key": use_key,
        "address": w.addr(OWNER),
        "cert_hash": cert_hash,
        "username": "no-such-officer",
    }
    return Objects(ids, token)


def spec_routes(app) -> list[str]:
    """Every operation of the OpenAPI spec that declares bearer security, as "METHOD /path"."""
    out = []
    for path, ops in app.openapi()["paths"].items():
        for method, op in ops.items():
            if op.get("security"):
                out.append(f"{method.upper()} {path}")
    return sorted(out)


def public_routes(app) -> list[str]:
    return sorted(
        f"{m.upper()} {p}"
        for p, ops in app.openapi()["paths"].items()
        for m, op in ops.items()
        if not op.get("security")
    )


HEX = "0x" + "ab" * 32

# A well-formed body for every write (what a rightful caller would send), so a refusal
# can only come from authorization.
BODIES: dict[str, Any] = {
    "POST /resources": {"classification": "PUBLIC", "record": {"x": 1}, "schema_hash": HEX},
    "POST /resources/{resource_id}/versions": {"record": {"v": "other"}},
    "POST /resources/{resource_id}/anchors": {"merkle_root": HEX, "record_count": 3},
    "POST /requests": {
        "resource_id": "{resource_id}",
        "purpose_code": 9,
        "legal_basis": "x",
        "fields": ["a"],
        "duration_s": 60,
        "max_uses": 1,
    },
    "POST /requests/{request_id}/approve": {"reason": "ok"},
    "POST /requests/{request_id}/deny": {"reason": "no"},
    "POST /grants/{grant_id}/revoke": {"reason": "x"},
    "POST /grants/{grant_id}/uses": {},
    "POST /incidents": {"incident_type": "LEAK", "subject_kind": "GRANT", "subject_id": "{grant_id}", "evidence": "x"},
    "POST /incidents/{incident_id}/response": {"response": "x"},
    "POST /council/requests/{request_id}/proposals": {"justification": "x"},
    "POST /council/incidents/{incident_id}/ruling": {"upheld": True, "ruling_text": "x"},
    "POST /council/certificates/{cert_id}/revocation": {"reason": "fraud", "decision": "x"},
    "POST /council/departments": {"address": "0x" + "ab" * 20, "code": "NEW", "name": "x", "region": "110000"},
    "POST /council/auditors": {"address": "0x" + "ab" * 20},
    "POST /council/standing-listeners": {"address": "0x" + "ab" * 20},
    "POST /council/purposes": {"code": 4242, "name_zh": "测试", "name_en": "test"},
    "POST /council/legal-bases": {"citation": "authz citation", "text": "authz legal text"},
    "POST /releases": {"grant_id": "{grant_id}", "fields": ["name"]},
    "POST /certificates/types": {
        "type_code": "OTHER_CERT",
        "issuer": "{department}",
        "default_validity_s": 60,
        "justification": "x",
    },
    "POST /certificates": {"type_code": "AUTHZ_CERT", "holder": PERSON, "document_hash": HEX},
    "POST /certificates/{cert_id}/revoke": {"reason": "x"},
    "POST /registry/roles": {"department": "{department}", "role": "INSPECTOR", "enabled": True, "justification": "x"},
    "POST /registry/units": {"parcel_code": "AUTHZ-2", "planned_use": 1, "area_m2": 10},
    "POST /registry/units/{unit_id}/ownership": {"owner": PERSON, "evidence": "x", "case_ref": "x"},
    "POST /registry/units/{unit_id}/transfers": {
        "new_owner": PERSON,
        "evidence": "x",
        "prior_certificate_hash": "{cert_hash}",
        "case_ref": "x",
        "seller_consent_hash": HEX,
        "assisted_session_id": 1,
        "consent_desk": "{department}",
    },
    "POST /registry/units/{unit_id}/certificate": {"cert_id": "{cert_id}"},
    "POST /registry/units/{unit_id}/mortgages": {"creditor_ref": "x", "terms": "x"},
    "POST /registry/units/{unit_id}/seizures": {"court_order": "x"},
    "POST /registry/seizures/{seizure_id}/release": {"order": "x"},
    "POST /registry/units/{unit_id}/use-reports": {"actual_use": 2, "inspection": "x"},
    "POST /citizens/session": {**PERSON, "reason": "walk-in, identity card checked"},
    "POST /citizens/me/uses/{grant_id}/{use_index}/objection": {"text": "not me"},
    "POST /services": {"name": "x", "steps": [{"department": "{department}", "stage": 1}], "step_deadline_s": 60},
    "POST /services/{service_id}/activation": {"justification": "x"},
    "POST /services/{service_id}/standing-grants": {},
    "POST /services/{service_id}/standing-grants/proposals": {"requirement_index": 0, "justification": "x"},
    "POST /cases": {"service_id": "{service_id}", "applicant": PERSON, "form": {"q": 2}},
    "POST /cases/{case_id}/steps/{step_index}/approve": {"reason": "ok"},
    "POST /cases/{case_id}/steps/{step_index}/reject": {"reason": "no"},
    "PUT /directory/self": {"endpoint": "https://node.example", "encryption_key": HEX},
}
UPLOADS = {"POST /resources/upload", "POST /resources/{resource_id}/versions/upload"}


def _fill(value: Any, ids: dict[str, Any]) -> Any:
    if isinstance(value, str):
        m = re.fullmatch(r"\{(\w+)\}", value)
        return ids[m.group(1)] if m else value
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


def request_for(route: str, ids: dict[str, Any]) -> dict[str, Any]:
    """httpx request arguments (method, url, json/files/data) for a route, with real ids."""
    method, template = route.split(" ", 1)
    url = re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), template)
    kw: dict[str, Any] = {"method": method, "url": url}
    if route in UPLOADS:
        kw["files"] = {"file": ("x.bin", b"new bytes", "application/octet-stream")}
        kw["data"] = {"classification": "PUBLIC", "schema_hash": HEX}
    elif route in BODIES:
        kw["json"] = _fill(BODIES[route], ids)
    return kw
