"""Failure behaviour: fail-closed fetch, node down, tampering, idempotency,
revert mapping, pending receipts, malformed input."""

from __future__ import annotations

import dataclasses
import time
import uuid

from sqlalchemy import text


def _wait(pred, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.1)
    return False


# -- fail closed ----------------------------------------------------------------------------------
def test_fetch_with_node_down_is_503_and_releases_nothing(node_ok):
    s = node_ok
    res, appr = s.granted("dept-a", "dept-b", record={"secret": "s3cr3t-value"})
    gid = appr["grant_id"]
    before = len(s.events("UsageRights", "UseRecorded", grantId=gid))
    s.proxy.down = True
    r = s.http.get(f"/grants/{gid}/data", headers=s.h("dept-b"))
    assert r.status_code == 503 and r.json()["error"] == "ChainUnavailable"
    assert "s3cr3t-value" not in r.text
    # writes answer 503 too; the liveness endpoint stays up
    assert s.http.post(f"/grants/{gid}/uses", json={}, headers=s.h("dept-b")).status_code == 503
    assert (
        s.http.post(
            "/resources",
            json={"classification": "PUBLIC", "record": 1, "schema_hash": "0x" + "33" * 32},
            headers=s.h("dept-a"),
        ).status_code
        == 503
    )
    assert s.http.get("/healthz").status_code == 200
    s.proxy.down = False
    assert len(s.events("UsageRights", "UseRecorded", grantId=gid)) == before


def test_chain_write_failing_midway_releases_nothing_and_loses_nothing(node_ok):
    s = node_ok
    res, appr = s.granted("dept-a", "dept-b", record={"secret": "mid-way-value"})
    gid = appr["grant_id"]
    assert s.http.get(f"/grants/{gid}/data", headers=s.h("dept-b")).status_code == 200  # warm: gas known
    before = len(s.events("UsageRights", "UseRecorded", grantId=gid))
    # the grant checks pass (views work), then the node fails the write itself
    s.proxy.blocked = {"eth_sendRawTransaction", "eth_estimateGas"}
    r = s.http.get(f"/grants/{gid}/data", headers=s.h("dept-b"))
    assert r.status_code == 503, r.text
    assert "mid-way-value" not in r.text and "record" not in r.json()
    time.sleep(0.5)
    assert len(s.events("UsageRights", "UseRecorded", grantId=gid)) == before
    # node back: the queued use (signed, in the outbox) is broadcast by reconcile, once
    s.proxy.blocked = set()
    s.ctx.reconcile_once()
    assert _wait(lambda: len(s.events("UsageRights", "UseRecorded", grantId=gid)) == before + 1)
    s.ctx.reconcile_once()
    time.sleep(0.5)
    assert len(s.events("UsageRights", "UseRecorded", grantId=gid)) == before + 1
    # and the department keeps working with contiguous nonces
    r = s.http.get(f"/grants/{gid}/data", headers=s.h("dept-b"))
    assert r.status_code == 200 and r.json()["record"] == {"secret": "mid-way-value"}


# -- tampering ---------------------------------------------------------------------------------------
def _tamper_incidents(s, resource_id):
    return [
        e
        for e in s.events("Accountability", "IncidentFiled")
        if e["subjectId"] == resource_id and e["incidentType"] == 3
    ]


def test_flipped_byte_in_stored_file_is_409_and_files_tamper_incident(system):
    s = system
    res, appr = s.granted("dept-a", "dept-b")
    path = s.ctx.store.path_for(res["content_hash"])
    blob = bytearray(path.read_bytes())
    blob[len(blob) // 2] ^= 0x01
    path.write_bytes(bytes(blob))
    r = s.http.get(f"/grants/{appr['grant_id']}/data", headers=s.h("dept-b"))
    assert r.status_code == 409, r.text
    body = r.json()
    assert body["error"] == "TamperDetected" and body["args"]["expected_hash"] == res["content_hash"]
    assert "record" not in body
    inc = _tamper_incidents(s, res["resource_id"])
    assert len(inc) == 1 and body["incident"]["incident_id"] == inc[0]["incidentId"]
    assert inc[0]["reporter"] == s.addr["dept-b"] and inc[0]["responsible"] == s.addr["dept-a"]
    assert inc[0]["subjectKind"] == 0 and inc[0]["useIndex"] == 1
    # fetching again does not file a second incident for the same version
    assert s.http.get(f"/grants/{appr['grant_id']}/data", headers=s.h("dept-b")).status_code == 409
    assert len(_tamper_incidents(s, res["resource_id"])) == 1


def test_edited_database_row_is_409_and_files_tamper_incident(system):
    s = system
    res, appr = s.granted("dept-a", "dept-b")
    with s.ctx.engine.begin() as conn:
        n = conn.execute(
            text("UPDATE documents SET media_type = 'text/plain' WHERE content_hash = :h"), {"h": res["content_hash"]}
        ).rowcount
    assert n == 1
    r = s.http.get(f"/grants/{appr['grant_id']}/data", headers=s.h("dept-b"))
    assert r.status_code == 409 and r.json()["error"] == "TamperDetected"
    assert len(_tamper_incidents(s, res["resource_id"])) == 1


# -- idempotency ----------------------------------------------------------------------------------------
def test_same_key_twice_gives_one_event_and_same_body(system):
    s = system
    key = "reg-" + uuid.uuid4().hex
    body = {"classification": "PUBLIC", "record": {"k": key}, "schema_hash": "0x" + "44" * 32}
    r1 = s.http.post("/resources", json=body, headers=s.h("dept-a", key=key))
    r2 = s.http.post("/resources", json=body, headers=s.h("dept-a", key=key))
    assert r1.status_code == r2.status_code == 201 and r1.json() == r2.json()
    ev = [
        e
        for e in s.events("DataCatalog", "ResourceRegistered", owner=s.addr["dept-a"])
        if "0x" + e["contentHash"].hex() == r1.json()["content_hash"]
    ]
    assert len(ev) == 1
    # the same key for a different request is refused
    r3 = s.http.post("/resources", json={**body, "record": {"k": "other"}}, headers=s.h("dept-a", key=key))
    assert r3.status_code == 409 and r3.json()["error"] == "IdempotencyKeyReused"


def test_fetch_and_approve_replays_are_single_effects(system):
    s = system
    res = s.register("dept-a")
    req = s.request(res["resource_id"], "dept-b")
    k = uuid.uuid4().hex
    a1 = s.http.post(f"/requests/{req['request_id']}/approve", json={"reason": "ok"}, headers=s.h("dept-a", key=k))
    a2 = s.http.post(f"/requests/{req['request_id']}/approve", json={"reason": "ok"}, headers=s.h("dept-a", key=k))
    assert a1.status_code == a2.status_code == 200 and a1.json() == a2.json()
    gid = a1.json()["grant_id"]
    assert len(s.events("UsageRights", "GrantIssued", grantId=gid)) == 1
    k = uuid.uuid4().hex
    f1 = s.http.get(f"/grants/{gid}/data", headers=s.h("dept-b", key=k))
    f2 = s.http.get(f"/grants/{gid}/data", headers=s.h("dept-b", key=k))
    assert f1.status_code == f2.status_code == 200 and f1.json() == f2.json()
    assert len(s.events("UsageRights", "UseRecorded", grantId=gid)) == 1
    # after a revoke, replaying the old key releases nothing
    assert s.http.post(f"/grants/{gid}/revoke", json={"reason": "r"}, headers=s.h("dept-a")).status_code == 200
    f3 = s.http.get(f"/grants/{gid}/data", headers=s.h("dept-b", key=k))
    assert f3.status_code == 409 and f3.json()["error"] == "UsageRightsGrantRevoked"


def test_receipt_timeout_is_202_then_same_key_completes(node_ok):
    s = node_ok
    res, appr = s.granted("dept-a", "dept-b")
    gid, k = appr["grant_id"], uuid.uuid4().hex
    original = s.ctx.client.settings
    s.ctx.client.settings = dataclasses.replace(original, receipt_timeout_s=0.3)
    s.proxy.blocked = {"eth_getTransactionReceipt"}
    try:
        r = s.http.post(f"/grants/{gid}/uses", json={}, headers=s.h("dept-b", key=k))
    finally:
        s.proxy.blocked = set()
        s.ctx.client.settings = original
    assert r.status_code == 202, r.text
    pending = r.json()
    assert pending["status"] == "pending" and pending["idempotency_key"] == k
    r = s.http.post(f"/grants/{gid}/uses", json={}, headers=s.h("dept-b", key=k))
    assert r.status_code == 201 and r.json()["tx_hash"] == pending["tx_hash"]
    assert len(s.events("UsageRights", "UseRecorded", grantId=gid)) == 1


# -- reverts map to 4xx with the contract's error ---------------------------------------------------------
def test_exhausted_grant_is_409_with_contract_error(system):
    s = system
    _, appr = s.granted("dept-a", "dept-c", max_uses=1)
    gid = appr["grant_id"]
    assert s.http.get(f"/grants/{gid}/data", headers=s.h("dept-c")).status_code == 200
    r = s.http.get(f"/grants/{gid}/data", headers=s.h("dept-c"))
    assert r.status_code == 409
    assert r.json() == {"error": "UsageRightsGrantExhausted", "args": {"grantId": gid, "maxUses": 1}}


def test_state_and_input_reverts(system):
    s = system
    res = s.register("dept-a")
    rid = res["resource_id"]
    # own resource
    r = s.http.post(
        "/requests",
        json={
            "resource_id": rid,
            "purpose_code": 1,
            "legal_basis": "x",
            "fields": ["a"],
            "duration_s": 60,
            "max_uses": 1,
        },
        headers=s.h("dept-a"),
    )
    assert r.status_code == 409 and r.json()["error"] == "UsageRightsOwnUse"
    # deadline in the past → the contract's Invalid… error → 422
    r = s.http.post(
        "/requests",
        json={
            "resource_id": rid,
            "purpose_code": 1,
            "legal_basis": "x",
            "fields": ["a"],
            "duration_s": 60,
            "max_uses": 1,
            "approval_deadline": 1000,
        },
        headers=s.h("dept-b"),
    )
    assert r.status_code == 422 and r.json()["error"] == "UsageRightsInvalidDeadline"
    # deciding twice
    req = s.request(rid, "dept-b")
    s.approve(req["request_id"])
    r = s.http.post(f"/requests/{req['request_id']}/deny", json={"reason": "late"}, headers=s.h("dept-a"))
    assert r.status_code == 409 and r.json()["error"] == "UsageRightsInvalidRequestStatus"
    assert r.json()["args"]["requestId"] == req["request_id"]
    # unchanged content
    r = s.http.post(f"/resources/{rid}/versions", json={"record": None}, headers=s.h("dept-a"))
    assert r.status_code == 201
    r = s.http.post(f"/resources/{rid}/versions", json={"record": None}, headers=s.h("dept-a"))
    assert r.status_code == 409 and r.json()["error"] == "DataCatalogUnchangedContent", r.text


def test_malformed_input_is_422(system):
    s = system
    h = s.h("dept-a")
    assert (
        s.http.post("/resources", json={"classification": "TOP", "record": 1}, headers=h).json()["error"]
        == "ValidationError"
    )
    r = s.http.post("/resources", json={"classification": "PUBLIC", "record": 1}, headers=h)
    assert r.status_code == 422 and r.json()["args"]["field"] == "schema"
    r = s.http.post(
        "/resources",
        json={"classification": "PUBLIC", "record": 1, "schema_hash": "0x" + "55" * 32},
        headers=s.h("dept-a", **{"X-Officer-Id": "someone-else"}),
    )
    assert r.status_code == 422 and r.json()["args"] == {
        "reason": "the officer is the signed-in person; X-Officer-Id is no longer accepted",
        "field": "X-Officer-Id",
    }
    assert s.http.get("/grants/0", headers=h).status_code == 422
    assert s.http.get("/grants/abc", headers=h).status_code == 422
    assert s.http.get(f"/grants/{2**256}", headers=h).status_code == 422
    assert (
        s.http.post("/resources", content=b"{not json", headers={**h, "Content-Type": "application/json"}).status_code
        == 422
    )
    r = s.http.post(
        "/resources",
        json={"classification": "PUBLIC", "record": 1, "schema_hash": "0x" + "55" * 32},
        headers=s.h("dept-a", key="bad key with spaces"),
    )
    assert r.status_code == 422 and r.json()["args"]["field"] == "Idempotency-Key"
    r = s.http.get("/grants/1/data", headers=s.h("dept-b", **{"X-Data-Subject": "no-colon"}))
    assert r.status_code == 422


def test_concurrent_uses_by_one_department_all_mined(system):
    from concurrent.futures import ThreadPoolExecutor

    s = system
    _, appr = s.granted("dept-a", "dept-c", max_uses=50)
    gid = appr["grant_id"]
    nonce0 = s.w3.eth.get_transaction_count(s.addr["dept-c"])

    def use(i):
        return s.http.post(f"/grants/{gid}/uses", json={"context_ref": f"c-{i}"}, headers=s.h("dept-c"))

    with ThreadPoolExecutor(12) as pool:
        results = list(pool.map(use, range(24)))
    assert [r.status_code for r in results] == [201] * 24, [r.text for r in results if r.status_code != 201]
    assert sorted(r.json()["use_index"] for r in results) == list(range(1, 25))
    assert len(s.events("UsageRights", "UseRecorded", grantId=gid)) == 24
    # Uses that arrive together are batched: contiguous nonces, at most one tx per use.
    txs = {e["tx_hash"] for e in s.events("UsageRights", "UseRecorded", grantId=gid)}
    assert s.w3.eth.get_transaction_count(s.addr["dept-c"]) == nonce0 + len(txs) <= nonce0 + 24
