"""Integrity: an untouched resource passes; one flipped byte in the stored file, or an
edited documents row, fails. ``GET`` only reports; ``POST`` files exactly one TAMPER
incident per finding, signed by the CALLER (auditor or owner department), attributed by
the contract to the owner; a governor's POST only reports; nobody signs for another."""

from __future__ import annotations

import uuid

from audit_testkit import sync
from eth_utils import keccak
from sqlalchemy import text

from backend.services.common import canonical_json


def _integrity(s, rid, who="auditor"):
    """The filing check (POST)."""
    r = s.http.post(f"/audit/resources/{rid}/integrity", headers=s.h(who))
    assert r.status_code == 200, r.text
    return r.json()


def _report(s, rid, who="auditor"):
    """The read-only check (GET)."""
    r = s.http.get(f"/audit/resources/{rid}/integrity", headers=s.h(who))
    assert r.status_code == 200, r.text
    return r.json()


def _flip_byte(s, content_hash):
    path = s.ctx.store.path_for(content_hash)
    blob = bytearray(path.read_bytes())
    blob[len(blob) // 2] ^= 0x01
    path.write_bytes(bytes(blob))


def _two_versions(s):
    res = s.register("dept-a", record={"deed": uuid.uuid4().hex})
    rid = res["resource_id"]
    r = s.http.post(
        f"/resources/{rid}/versions", json={"record": {"deed": uuid.uuid4().hex, "v": 2}}, headers=s.h("dept-a")
    )
    assert r.status_code == 201, r.text
    return rid, res["content_hash"], r.json()["content_hash"]


def _check_incident(s, rid, version, inc, reporter="auditor"):
    """The incident on chain, field by field: TAMPER about the version, signed by the
    caller (``reporter``), attributed to the owner, with the evidence hash the API reported."""
    evs = s.events("Accountability", "IncidentFiled", incidentId=inc["incident_id"])
    assert len(evs) == 1
    ev = evs[0]
    assert ev["tx_hash"] == inc["tx_hash"]
    assert s.w3.eth.get_transaction(inc["tx_hash"])["from"] == s.addr[reporter]
    assert ev["incidentType"] == 3 and ev["subjectKind"] == 0
    assert ev["subjectId"] == rid and ev["useIndex"] == version
    assert ev["reporter"] == s.addr[reporter] == inc["reporter"]
    assert ev["responsible"] == s.addr["dept-a"] == inc["responsible"]
    assert "0x" + ev["evidenceHash"].hex() == inc["evidence_hash"]
    view = s.contract("Accountability").functions.incident(inc["incident_id"]).call()
    assert view[2] == 1  # Open
    return ev


def _tamper_incidents(s, rid):
    return [e for e in s.events("Accountability", "IncidentFiled") if e["subjectId"] == rid and e["incidentType"] == 3]


def test_untouched_resource_passes(audit):
    s = audit
    rid, h1, h2 = _two_versions(s)
    rep = _integrity(s, rid)
    assert rep["result"] == "pass" and rep["failed_versions"] == [] and rep["owner"] == s.addr["dept-a"]
    assert [(v["version"], v["onchain_hash"], v["result"], v["status"], v["incident"]) for v in rep["versions"]] == [
        (1, h1, "pass", "ok", None),
        (2, h2, "pass", "ok", None),
    ]
    assert rep["versions"][0]["actual_hash"] == h1
    # the owner may check its own resource
    assert _integrity(s, rid, "dept-a")["result"] == "pass"
    assert _tamper_incidents(s, rid) == []
    assert s.http.get("/audit/resources/999999/integrity", headers=s.h("auditor")).status_code == 404
    assert s.http.post("/audit/resources/999999/integrity", headers=s.h("auditor")).status_code == 404
    for bad in ("0", "-1", str(2**256)):
        assert s.http.post(f"/audit/resources/{bad}/integrity", headers=s.h("auditor")).status_code == 422


def test_flipped_byte_in_stored_file_fails_and_files_one_incident(audit):
    s = audit
    rid, h1, h2 = _two_versions(s)
    _flip_byte(s, h2)

    rep = _integrity(s, rid)
    assert rep["filing"]["mode"] == "file" and rep["filing"]["reporter"] == s.addr["auditor"]
    assert rep["result"] == "fail" and rep["failed_versions"] == [2]
    v1, v2 = rep["versions"]
    assert v1["result"] == "pass" and v1["incident"] is None
    assert v2["result"] == "fail" and v2["status"] == "tampered" and "authentication failed" in v2["reason"]
    inc = v2["incident"]
    assert inc["status"] == "filed" and inc["incident_id"]
    _check_incident(s, rid, 2, inc)

    # checking again does not file a second incident for the same mismatch
    again = _integrity(s, rid)["versions"][1]["incident"]
    assert again["status"] == "already_filed" and again["incident_id"] == inc["incident_id"]
    assert [e["incidentId"] for e in _tamper_incidents(s, rid)] == [inc["incident_id"]]

    # the auditor's incident list shows it, from the index
    sync(s)
    items = s.http.get(
        "/audit/incidents", params={"incident_type": "TAMPER", "status": "Open"}, headers=s.h("auditor")
    ).json()["items"]
    listed = next(i for i in items if i["incident_id"] == inc["incident_id"])
    assert listed["responsible"] == s.addr["dept-a"] and listed["subject_id"] == rid and listed["use_index"] == 2


def test_edited_database_row_fails_and_files_incident(audit):
    s = audit
    record = {"deed": uuid.uuid4().hex}
    res = s.register("dept-a", record=record)
    rid, h = res["resource_id"], res["content_hash"]
    assert h == "0x" + keccak(canonical_json(record)).hex()
    with s.ctx.engine.begin() as conn:
        n = conn.execute(
            text("UPDATE documents SET media_type = 'text/plain' WHERE content_hash = :h"), {"h": h}
        ).rowcount
    assert n == 1

    rep = _integrity(s, rid)
    assert rep["result"] == "fail" and rep["failed_versions"] == [1]
    v = rep["versions"][0]
    assert v["status"] == "tampered" and v["onchain_hash"] == h
    _check_incident(s, rid, 1, v["incident"])
    assert len(_tamper_incidents(s, rid)) == 1

    # a second, different edit (the row re-keyed under another hash) is a new finding
    with s.ctx.engine.begin() as conn:
        conn.execute(
            text("UPDATE documents SET content_hash = :x WHERE content_hash = :h"), {"x": "0x" + "ab" * 32, "h": h}
        )
    v = _integrity(s, rid)["versions"][0]
    assert v["status"] == "tampered" and "documents row" in v["reason"]
    assert v["incident"]["status"] == "filed"
    _check_incident(s, rid, 1, v["incident"])
    assert len(_tamper_incidents(s, rid)) == 2


def test_get_reports_a_failure_without_filing(audit):
    s = audit
    rid, _h1, h2 = _two_versions(s)
    _flip_byte(s, h2)
    for who in ("auditor", "gov-1", "dept-a"):
        rep = _report(s, rid, who)
        assert rep["result"] == "fail" and rep["failed_versions"] == [2], who
        assert rep["filing"]["mode"] == "report_only" and rep["filing"]["reporter"] is None
        assert "nothing is filed" in rep["filing"]["reason"]
        assert all(v["incident"] is None for v in rep["versions"])
    assert _tamper_incidents(s, rid) == []
    # another department may not even look
    r = s.http.get(f"/audit/resources/{rid}/integrity", headers=s.h("dept-b"))
    assert r.status_code == 403 and r.json()["error"] == "Forbidden"


def test_governor_check_only_reports(audit):
    s = audit
    rid, _h1, h2 = _two_versions(s)
    _flip_byte(s, h2)
    nonce_owner = s.w3.eth.get_transaction_count(s.addr["dept-a"])
    nonce_gov = s.w3.eth.get_transaction_count(s.addr["gov-1"])
    rep = _integrity(s, rid, "gov-1")
    assert rep["result"] == "fail" and rep["failed_versions"] == [2]
    assert rep["filing"]["mode"] == "report_only" and "governors do not file" in rep["filing"]["reason"]
    assert all(v["incident"] is None for v in rep["versions"])
    assert _tamper_incidents(s, rid) == []
    # nothing was signed: not by the governor, not in the owner's name
    assert s.w3.eth.get_transaction_count(s.addr["dept-a"]) == nonce_owner
    assert s.w3.eth.get_transaction_count(s.addr["gov-1"]) == nonce_gov


def test_auditor_files_as_itself_never_as_the_owner(audit):
    s = audit
    rid, _h1, h2 = _two_versions(s)
    _flip_byte(s, h2)
    nonce_owner = s.w3.eth.get_transaction_count(s.addr["dept-a"])
    inc = _integrity(s, rid, "auditor")["versions"][1]["incident"]
    assert inc["status"] == "filed"
    _check_incident(s, rid, 2, inc, reporter="auditor")
    assert s.w3.eth.get_transaction_count(s.addr["dept-a"]) == nonce_owner  # no write in the owner's name


def test_owner_department_files_as_itself(audit):
    s = audit
    rid, _h1, h2 = _two_versions(s)
    _flip_byte(s, h2)
    rep = _integrity(s, rid, "dept-a")
    assert rep["filing"]["reporter"] == s.addr["dept-a"]
    inc = rep["versions"][1]["incident"]
    assert inc["status"] == "filed"
    _check_incident(s, rid, 2, inc, reporter="dept-a")
    again = _integrity(s, rid, "dept-a")["versions"][1]["incident"]
    assert again["status"] == "already_filed" and again["incident_id"] == inc["incident_id"]
    assert [e["incidentId"] for e in _tamper_incidents(s, rid)] == [inc["incident_id"]]
    # another department can neither file nor read
    r = s.http.post(f"/audit/resources/{rid}/integrity", headers=s.h("dept-b"))
    assert r.status_code == 403 and r.json()["error"] == "Forbidden"
    assert [e["incidentId"] for e in _tamper_incidents(s, rid)] == [inc["incident_id"]]
