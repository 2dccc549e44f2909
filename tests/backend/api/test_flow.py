"""Each use case end to end: HTTP answer, the event on chain, the stored document."""

from __future__ import annotations

import base64

from eth_utils import keccak

from backend.services.common import canonical_json


def test_healthz_needs_no_auth(system):
    r = system.http.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


def test_register_anchors_hash_and_stores_encrypted(system):
    record = {"id": "R-1", "name": "李四", "married_to": "王五"}
    res = system.register(
        "dept-a", record=record, data_subject={"id_type": "resident_id", "id_value": "1101 0519-9001 01234x"}
    )
    expected_hash = "0x" + keccak(canonical_json(record)).hex()
    assert res["content_hash"] == expected_hash
    assert res["owner"] == system.addr["dept-a"] and res["version"] == 1 and res["classification"] == "INTERNAL"
    # on chain: the event with the same hashes; the subject only as a keyed hash
    ev = system.events("DataCatalog", "ResourceRegistered", resourceId=res["resource_id"])
    assert len(ev) == 1 and ev[0]["owner"] == system.addr["dept-a"]
    assert "0x" + ev[0]["contentHash"].hex() == expected_hash
    assert "0x" + ev[0]["subjectHash"].hex() == res["subject_hash"] != "0x" + "00" * 32
    assert ev[0]["tx_hash"] == res["tx_hash"]
    # stored: ciphertext on disk does not contain the plaintext; owner can read it back
    blob = system.ctx.store.path_for(expected_hash).read_bytes()
    assert "李四".encode() not in blob and b"R-1" not in blob
    r = system.http.get(f"/resources/{res['resource_id']}/content", headers=system.h("dept-a"))
    assert r.status_code == 200 and r.json()["record"] == record


def test_catalog_list_and_get_with_versions(system):
    res = system.register("dept-c", classification="PUBLIC")
    rid = res["resource_id"]
    r = system.http.post(f"/resources/{rid}/versions", json={"record": {"v": 2}}, headers=system.h("dept-c"))
    assert r.status_code == 201, r.text
    v2 = r.json()
    assert v2["version"] == 2
    ev = system.events("DataCatalog", "VersionPublished", resourceId=rid)
    assert [e["version"] for e in ev] == [2] and "0x" + ev[0]["contentHash"].hex() == v2["content_hash"]

    one = system.http.get(f"/resources/{rid}", headers=system.h("dept-b")).json()
    assert one["version_count"] == 2 and one["content_hash"] == v2["content_hash"]
    assert [v["version"] for v in one["versions"]] == [1, 2]
    assert one["versions"][0]["content_hash"] == res["content_hash"] and one["versions"][1]["stored"]

    page = system.http.get("/resources?limit=100", headers=system.h("auditor")).json()
    assert rid in [i["resource_id"] for i in page["items"]] and page["total"] >= rid
    mine = system.http.get("/resources?owner=me", headers=system.h("dept-c")).json()
    assert {i["owner"] for i in mine["items"]} == {system.addr["dept-c"]}


def test_upload_file_register_and_version(system):
    data = b"%PDF-1.7 fake pdf bytes \x00\x01\x02"
    r = system.http.post(
        "/resources/upload",
        files={"file": ("deed.pdf", data, "application/pdf")},
        data={"classification": "INTERNAL", "schema_hash": "0x" + "11" * 32},
        headers=system.h("dept-a"),
    )
    assert r.status_code == 201, r.text
    res = r.json()
    assert res["content_hash"] == "0x" + keccak(data).hex() and res["media_type"] == "application/pdf"
    r = system.http.post(
        f"/resources/{res['resource_id']}/versions/upload",
        files={"file": ("deed2.pdf", data + b"v2", "application/pdf")},
        headers=system.h("dept-a"),
    )
    assert r.status_code == 201 and r.json()["version"] == 2
    got = system.http.get(f"/resources/{res['resource_id']}/content?version=1", headers=system.h("dept-a")).json()
    assert base64.b64decode(got["content_base64"]) == data


def test_request_approve_fetch_use_revoke(system):
    record = {"id": "P-9", "name": "赵六"}
    res = system.register("dept-a", record=record)
    rid = res["resource_id"]
    req = system.request(rid, "dept-b", max_uses=5)
    assert req["status"] == "Pending" and req["owner"] == system.addr["dept-a"]
    ev = system.events("UsageRights", "UseRequested", requestId=req["request_id"])
    assert len(ev) == 1 and ev[0]["requester"] == system.addr["dept-b"] and ev[0]["purposeCode"] == 101

    incoming = system.http.get("/requests?direction=incoming", headers=system.h("dept-a")).json()
    assert req["request_id"] in [i["request_id"] for i in incoming["items"]]
    outgoing = system.http.get("/requests?direction=outgoing", headers=system.h("dept-b")).json()
    assert req["request_id"] in [i["request_id"] for i in outgoing["items"]]

    appr = system.approve(req["request_id"])
    assert appr["status"] == "Approved" and appr["grant_id"] and appr["keys_wrapped"] is True
    gid = appr["grant_id"]
    ev = system.events("UsageRights", "GrantIssued", grantId=gid)
    assert len(ev) == 1 and ev[0]["grantee"] == system.addr["dept-b"] and ev[0]["resourceId"] == rid
    assert system.ctx.store.has_access(res["content_hash"], system.addr["dept-b"])

    mine = system.http.get("/grants", headers=system.h("dept-b")).json()
    assert gid in [g["grant_id"] for g in mine["items"]]
    owned = system.http.get("/grants?role=owner", headers=system.h("dept-a")).json()
    assert gid in [g["grant_id"] for g in owned["items"]]

    # fetch: the use is on chain, with the officer's hash, before the data came back
    r = system.http.get(
        f"/grants/{gid}/data?context_ref=case-42",
        headers=system.h("dept-b", officer="clerk-7", **{"X-Data-Subject": "resident_id:110105199001011234"}),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["record"] == record and body["content_hash"] == res["content_hash"] and body["version"] == 1
    assert body["anchor"]["tx_hash"] == res["tx_hash"]
    uses = system.events("UsageRights", "UseRecorded", grantId=gid)
    assert len(uses) == 1 and uses[0]["useIndex"] == body["use"]["use_index"] == 1
    assert uses[0]["tx_hash"] == body["use"]["tx_hash"] and uses[0]["user"] == system.addr["dept-b"]
    from backend.core.identity import officer_hash, subject_hash

    secret = system.ctx.settings.subject_secret
    assert uses[0]["officerHash"] == officer_hash(secret, system.addr["dept-b"], "clerk-7")
    assert uses[0]["subjectHash"] == subject_hash(secret, "resident_id", "110105199001011234")

    # a use without fetching
    r = system.http.post(f"/grants/{gid}/uses", json={"context_ref": "case-43"}, headers=system.h("dept-b"))
    assert r.status_code == 201 and r.json()["use_index"] == 2
    assert len(system.events("UsageRights", "UseRecorded", grantId=gid)) == 2
    g = system.http.get(f"/grants/{gid}", headers=system.h("dept-a")).json()
    assert g["used_count"] == 2 and g["usable"] is True

    # revoke: event, keys gone, and fetching now fails with the contract's own error
    r = system.http.post(f"/grants/{gid}/revoke", json={"reason": "purpose ended"}, headers=system.h("dept-a"))
    assert r.status_code == 200, r.text
    assert r.json()["keys_deleted"] == 1
    assert len(system.events("UsageRights", "GrantRevoked", grantId=gid)) == 1
    assert not system.ctx.store.has_access(res["content_hash"], system.addr["dept-b"])
    r = system.http.get(f"/grants/{gid}/data", headers=system.h("dept-b"))
    assert r.status_code == 409
    assert r.json() == {"error": "UsageRightsGrantRevoked", "args": {"grantId": gid}}
    assert "record" not in r.text


def test_deny_request(system):
    res = system.register("dept-a")
    req = system.request(res["resource_id"], "dept-c")
    r = system.http.post(
        f"/requests/{req['request_id']}/deny", json={"reason": "no legal basis"}, headers=system.h("dept-a")
    )
    assert r.status_code == 200 and r.json()["status"] == "Denied"
    assert len(system.events("UsageRights", "RequestDenied", requestId=req["request_id"])) == 1
    got = system.http.get(f"/requests/{req['request_id']}", headers=system.h("dept-c")).json()
    assert got["status"] == "Denied" and got["grant_id"] is None


def test_sensitive_grant_goes_through_council_and_fetch_wraps_keys(system):
    res, appr = system.granted("dept-a", "dept-c", classification="SENSITIVE")
    assert appr["status"] == "OwnerApproved" and appr["grant_id"] is None and appr["council_required"]
    rq = appr["request_id"]
    r = system.http.post(
        f"/council/requests/{rq}/proposals", json={"justification": "public interest"}, headers=system.h("gov-1")
    )
    assert r.status_code == 201, r.text
    pid = r.json()["proposal_id"]
    pending = system.http.get("/council/proposals", headers=system.h("gov-2")).json()
    assert pid in [p["proposal_id"] for p in pending["items"]]
    r = system.http.post(f"/council/proposals/{pid}/approve", headers=system.h("gov-2"))
    assert r.status_code == 200 and r.json()["executed"] is True
    assert len(system.events("UsageRights", "RequestCouncilApproved", requestId=rq)) == 1
    gid = system.http.get(f"/requests/{rq}", headers=system.h("dept-c")).json()["grant_id"]
    assert gid and not system.ctx.store.has_access(res["content_hash"], system.addr["dept-c"])
    r = system.http.get(f"/grants/{gid}/data", headers=system.h("dept-c"))
    assert r.status_code == 200, r.text
    assert r.json()["content_hash"] == res["content_hash"]


def test_incident_file_respond_list(system):
    res, appr = system.granted("dept-a", "dept-b")
    gid = appr["grant_id"]
    r = system.http.post(
        "/incidents",
        json={
            "incident_type": "DATA_ERROR",
            "subject_kind": "RESOURCE_VERSION",
            "subject_id": res["resource_id"],
            "use_index": 1,
            "evidence": "birth date wrong in record P-1",
        },
        headers=system.h("dept-b"),
    )
    assert r.status_code == 201, r.text
    inc = r.json()
    assert inc["responsible"] == system.addr["dept-a"] and inc["reporter"] == system.addr["dept-b"]
    ev = system.events("Accountability", "IncidentFiled", incidentId=inc["incident_id"])
    assert len(ev) == 1 and ev[0]["incidentType"] == 0 and ev[0]["responsible"] == system.addr["dept-a"]

    mine = system.http.get("/incidents?role=responsible", headers=system.h("dept-a")).json()
    assert inc["incident_id"] in [i["incident_id"] for i in mine["items"]]
    filed = system.http.get("/incidents?role=filer", headers=system.h("dept-b")).json()
    assert inc["incident_id"] in [i["incident_id"] for i in filed["items"]]

    r = system.http.post(
        f"/incidents/{inc['incident_id']}/response", json={"response": "corrected in v2"}, headers=system.h("dept-a")
    )
    assert r.status_code == 200 and r.json()["status"] == "Responded"
    assert len(system.events("Accountability", "IncidentResponded", incidentId=inc["incident_id"])) == 1
    got = system.http.get(f"/incidents/{inc['incident_id']}", headers=system.h("auditor")).json()
    assert got["status"] == "Responded"

    # the owner reports a leak by the grantee; the auditor may file too
    r = system.http.post(
        "/incidents",
        json={
            "incident_type": "LEAK",
            "subject_kind": "GRANT",
            "subject_id": gid,
            "evidence": "seen on a forum",
        },
        headers=system.h("dept-a"),
    )
    assert r.status_code == 201 and r.json()["responsible"] == system.addr["dept-b"]
    r = system.http.post(
        "/incidents",
        json={
            "incident_type": "UNAUTHORIZED_USE",
            "subject_kind": "GRANT",
            "subject_id": gid,
            "evidence": "audit finding",
        },
        headers=system.h("auditor"),
    )
    assert r.status_code == 201 and r.json()["reporter"] == system.addr["auditor"]


def _hex(value: bytes) -> str:
    return "0x" + bytes(value).hex()


def test_incidents_name_the_officer_of_the_record(system):
    """Blame follows the record: the service cites the officer from the chain's own events (the use's
    UseRecorded, version 1's ResourceRegistered), and a department with no standing is refused before
    any transaction."""
    res, appr = system.granted("dept-a", "dept-b")
    gid = appr["grant_id"]
    r = system.http.post(f"/grants/{gid}/uses", json={"context_ref": "case-9"}, headers=system.h("dept-b"))
    assert r.status_code == 201, r.text
    use = system.events("UsageRights", "UseRecorded", grantId=gid)[-1]

    body = {"incident_type": "UNAUTHORIZED_USE", "subject_kind": "USE", "subject_id": gid, "evidence": "no case"}
    r = system.http.post("/incidents", json={**body, "use_index": use["useIndex"]}, headers=system.h("dept-a"))
    assert r.status_code == 201, r.text
    assert (r.json()["responsible"], r.json()["responsible_officer_hash"]) == (
        system.addr["dept-b"],
        _hex(use["officerHash"]),
    )

    registered = system.events("DataCatalog", "ResourceRegistered", resourceId=res["resource_id"])[0]
    version = {"incident_type": "DATA_ERROR", "subject_kind": "RESOURCE_VERSION", "use_index": 1, "evidence": "x"}
    r = system.http.post("/incidents", json={**version, "subject_id": res["resource_id"]}, headers=system.h("dept-b"))
    assert r.status_code == 201, r.text
    assert (r.json()["responsible"], r.json()["responsible_officer_hash"]) == (
        system.addr["dept-a"],
        _hex(registered["stewardHash"]),
    )

    outsider = system.addr["dept-c"]
    nonce = system.w3.eth.get_transaction_count(outsider, "pending")
    r = system.http.post("/incidents", json={**body, "use_index": use["useIndex"]}, headers=system.h("dept-c"))
    assert (r.status_code, r.json()["error"]) == (403, "Forbidden"), r.text
    r = system.http.post("/incidents", json={**version, "subject_id": res["resource_id"]}, headers=system.h("dept-c"))
    assert (r.status_code, r.json()["error"]) == (403, "Forbidden"), r.text
    assert system.w3.eth.get_transaction_count(outsider, "pending") == nonce


def test_openapi_and_docs_are_served(system):
    spec = system.http.get("/openapi.json").json()
    assert "/grants/{grant_id}/data" in spec["paths"] and "HTTPBearer" in spec["components"]["securitySchemes"]
    assert system.http.get("/docs").status_code == 200
    me = system.http.get("/me", headers=system.h("dept-a")).json()
    assert me["role"] == "department" and me["address"] == system.addr["dept-a"]
    r = system.http.get("/no-such-path", headers=system.h("dept-a"))
    assert r.status_code == 404 and r.json()["error"] == "NotFound"


def test_purposes_and_legal_bases_are_listed_and_requests_must_name_them(system):
    r = system.http.get("/purposes", headers=system.h("dept-b"))
    assert r.status_code == 200, r.text
    cat = r.json()
    assert {"code": 101, "name_zh": "测试用途101", "name_en": "test purpose 101", "retired": False} in cat["purposes"]
    law = "0x" + keccak(b"Regulation 7 (test)").hex()
    assert {"text_hash": law, "citation": "Regulation 7 (test)", "retired": False} in cat["legal_bases"]
    assert system.http.get("/purposes").status_code == 401

    rid = system.register("dept-a")["resource_id"]
    body = {"resource_id": rid, "purpose_code": 4040, "legal_basis": "Regulation 7 (test)", "fields": ["name"]}
    body |= {"duration_s": 3600, "max_uses": 1}
    r = system.http.post("/requests", json=body, headers=system.h("dept-b"))
    assert (r.status_code, r.json()) == (
        422,
        {
            "error": "InvalidInput",
            "args": {
                "field": "purpose_code",
                "reason": "purpose code 4040 is not a registered, unretired purpose (GET /purposes lists them)",
            },
        },
    )
    r = system.http.post(
        "/requests", json={**body, "purpose_code": 101, "legal_basis": "no such law"}, headers=system.h("dept-b")
    )
    unknown = "0x" + keccak(b"no such law").hex()
    assert (r.status_code, r.json()["args"]) == (
        422,
        {
            "field": "legal_basis",
            "reason": f"legal basis {unknown} is not a registered, unretired legal basis (GET /purposes lists them)",
        },
    )

    # the request and its grant read with words next to the code and hash
    req = system.request(rid, "dept-b")
    view = system.http.get(f"/requests/{req['request_id']}", headers=system.h("dept-b")).json()
    assert (view["purpose_name_zh"], view["purpose_name_en"]) == ("测试用途101", "test purpose 101")
    assert view["legal_basis_hash"] == law and view["legal_basis_citation"] == "Regulation 7 (test)"
    gid = system.approve(req["request_id"])["grant_id"]
    grant = system.http.get(f"/grants/{gid}", headers=system.h("dept-b")).json()
    assert grant["purpose_name_en"] == "test purpose 101"


def test_the_council_registers_a_purpose_and_a_legal_basis(system):
    proposal = system.http.post(
        "/council/purposes",
        json={"code": 4041, "name_zh": "新用途", "name_en": "new purpose"},
        headers=system.h("gov-1"),
    )
    assert proposal.status_code == 201, proposal.text
    p = proposal.json()
    assert p["code"] == 4041 and p["executed"] is False
    r = system.http.post(f"/council/proposals/{p['proposal_id']}/approve", headers=system.h("gov-2"))
    assert r.status_code == 200 and r.json()["executed"] is True, r.text
    proposal = system.http.post(
        "/council/legal-bases", json={"citation": "Reg. 9 art. 1", "text": "Article 1 text"}, headers=system.h("gov-1")
    )
    assert proposal.status_code == 201, proposal.text
    assert proposal.json()["text_hash"] == "0x" + keccak(b"Article 1 text").hex()
    system.http.post(f"/council/proposals/{proposal.json()['proposal_id']}/approve", headers=system.h("gov-2"))
    cat = system.http.get("/purposes", headers=system.h("dept-a")).json()
    assert {"code": 4041, "name_zh": "新用途", "name_en": "new purpose", "retired": False} in cat["purposes"]
    assert {"text_hash": "0x" + keccak(b"Article 1 text").hex(), "citation": "Reg. 9 art. 1", "retired": False} in cat[
        "legal_bases"
    ]
    again = system.http.post(
        "/council/purposes", json={"code": 4041, "name_zh": "x", "name_en": "x"}, headers=system.h("gov-1")
    )
    assert (again.status_code, again.json()["error"]) == (409, "Conflict")
