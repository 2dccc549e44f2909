"""The auditor's trail after a register → request → approve → fetch flow: rows equal the
on-chain events exactly, filters, department scoping (403), exports, read-only auditor."""

from __future__ import annotations

import csv
import io
import json
import uuid

import pytest
from audit_testkit import chain_events, essentials, sync

from backend.core.identity import subject_hash


@pytest.fixture(scope="module")
def flow(audit):
    s = audit
    person = ("resident_id", "AUDIT" + uuid.uuid4().hex[:10].upper())
    res = s.register(
        "dept-a", record={"name": "王五", "id": person[1]}, data_subject={"id_type": person[0], "id_value": person[1]}
    )
    rid = res["resource_id"]
    req = s.request(rid, "dept-b")
    appr = s.approve(req["request_id"], "dept-a")
    gid = appr["grant_id"]
    r = s.http.get(f"/grants/{gid}/data", headers=s.h("dept-b", **{"X-Data-Subject": f"{person[0]}:{person[1]}"}))
    assert r.status_code == 200, r.text
    fetched = r.json()
    last = sync(s)
    assert last >= fetched["use"]["block_number"]
    subj = "0x" + subject_hash(s.ctx.settings.subject_secret, *person).hex()
    return {
        "rid": rid,
        "gid": gid,
        "rqid": req["request_id"],
        "subject": subj,
        "fetch": fetched,
        "register": res,
        "approve": appr,
        "last": last,
        "chain": chain_events(s, last),
    }


def _trail(s, who="auditor", **params):
    r = s.http.get("/audit/trail", params={"limit": 1000, **params}, headers=s.h(who))
    assert r.status_code == 200, r.text
    return r.json()


def test_resource_trail_equals_onchain_events(audit, flow):
    s = audit
    page = _trail(s, resource_id=flow["rid"])
    expected = [e for e in flow["chain"] if str(e["args"].get("resourceId")) == str(flow["rid"])]
    assert [e["event"] for e in expected] == ["ResourceRegistered", "UseRequested", "GrantIssued", "UseRecorded"]
    assert essentials(page["items"]) == expected
    assert page["total"] == 4 and page["indexed_to_block"] >= flow["last"]
    # the rows carry what the API answered when the writes were made
    by_event = {i["event"]: i for i in page["items"]}
    assert by_event["ResourceRegistered"]["tx_hash"] == flow["register"]["tx_hash"]
    assert by_event["GrantIssued"]["tx_hash"] == flow["approve"]["tx_hash"]
    use = by_event["UseRecorded"]
    assert use["tx_hash"] == flow["fetch"]["use"]["tx_hash"]
    assert use["args"]["user"] == s.addr["dept-b"] and use["args"]["grantId"] == str(flow["gid"])
    assert use["args"]["subjectHash"] == flow["subject"] == use["subject_hash"]
    assert use["department"] == s.addr["dept-b"] and use["grant_id"] == str(flow["gid"])
    assert use["time"].endswith("Z")


def test_filters(audit, flow):
    s = audit
    rid, gid = flow["rid"], flow["gid"]
    everything = essentials(_trail(s, resource_id=rid)["items"])

    grant = _trail(s, grant_id=gid)["items"]
    assert essentials(grant) == [e for e in flow["chain"] if str(e["args"].get("grantId")) == str(gid)]
    assert {"GrantIssued", "UseRecorded"} <= {i["event"] for i in grant}

    dept_b = _trail(s, resource_id=rid, department=s.addr["dept-b"])["items"]
    assert {i["event"] for i in dept_b} >= {"GrantIssued", "UseRecorded"}
    assert all(i["department"] == s.addr["dept-b"] for i in dept_b)

    subj = _trail(s, subject=flow["subject"])["items"]
    assert essentials(subj) == [e for e in flow["chain"] if e["args"].get("subjectHash") == flow["subject"]]
    assert [i["event"] for i in subj] == ["ResourceRegistered", "UseRecorded"]

    used_at = next(e for e in everything if e["event"] == "UseRecorded")["block_time"]
    window = _trail(s, resource_id=rid, **{"from": used_at, "to": used_at})["items"]
    assert essentials(window) == [e for e in everything if e["block_time"] == used_at]
    iso = _trail(s, resource_id=rid, **{"from": window[0]["time"]})["items"]
    assert essentials(iso) == [e for e in everything if e["block_time"] >= used_at]
    assert _trail(s, resource_id=rid, to=used_at - 10**6)["items"] == []

    ev = _trail(s, resource_id=rid, event="UseRecorded")["items"]
    assert essentials(ev) == [e for e in everything if e["event"] == "UseRecorded"]

    officer = ev[0]["args"]["officerHash"]
    assert essentials(_trail(s, resource_id=rid, officer_hash=officer)["items"]) == essentials(ev)

    paged = _trail(s, resource_id=rid, limit=2, offset=1)
    assert paged["total"] == 4 and essentials(paged["items"]) == everything[1:3]

    for bad in ({"subject": "0x12"}, {"department": "nope"}, {"from": "yesterday"}, {"limit": 0}, {"resource_id": 0}):
        r = s.http.get("/audit/trail", params=bad, headers=s.h("auditor"))
        assert r.status_code == 422, (bad, r.text)


def test_departments_see_only_their_own_trail(audit, flow):
    s = audit
    rid, gid = flow["rid"], flow["gid"]
    # the owner reads its resource's trail, with the grantee's uses
    assert essentials(_trail(s, "dept-a", resource_id=rid)["items"]) == essentials(_trail(s, resource_id=rid)["items"])
    # the grantee reads its grant's trail, not the owner's whole resource
    assert essentials(_trail(s, "dept-b", grant_id=gid)["items"]) == essentials(_trail(s, grant_id=gid)["items"])
    for who, params in (
        ("dept-b", {"resource_id": rid}),
        ("dept-c", {"resource_id": rid}),
        ("dept-c", {"grant_id": gid}),
        ("dept-c", {"department": s.addr["dept-a"]}),
    ):
        for path in ("/audit/trail", "/audit/trail/export"):
            r = s.http.get(path, params=params, headers=s.h(who))
            assert r.status_code == 403 and r.json()["error"] == "Forbidden", (who, params, path, r.text)
    for who, path in (
        ("dept-b", f"/audit/resources/{rid}/integrity"),
        ("dept-c", f"/audit/departments/{s.addr['dept-a']}/record"),
        ("dept-a", "/audit/stats"),
    ):
        r = s.http.get(path, headers=s.h(who))
        assert r.status_code == 403 and r.json()["error"] == "Forbidden", (who, path, r.text)
    r = s.http.post(f"/audit/resources/{rid}/integrity", headers=s.h("dept-b"))
    assert r.status_code == 403 and r.json()["error"] == "Forbidden", r.text
    # unfiltered, a department sees only rows about itself, its resources and its grants
    mine = _trail(s, "dept-c")["items"]
    assert all(str(i["resource_id"]) != str(rid) and i["grant_id"] != str(gid) for i in mine)
    assert all(i["department"] in (s.addr["dept-c"], None) for i in mine)
    assert any(i["event"] == "DepartmentAdmitted" for i in mine)
    # no token: 401
    assert s.http.get("/audit/trail").status_code == 401


def test_auditor_token_cannot_write(audit, flow):
    s = audit
    writes = (
        ("/resources", {"classification": "PUBLIC", "record": {"a": 1}, "schema_hash": "0x" + "11" * 32}),
        (
            "/requests",
            {
                "resource_id": flow["rid"],
                "purpose_code": 1,
                "legal_basis": "x",
                "fields": ["a"],
                "duration_s": 60,
                "max_uses": 1,
            },
        ),
        (f"/requests/{flow['rqid']}/approve", {"reason": "x"}),
        (f"/grants/{flow['gid']}/revoke", {"reason": "x"}),
        (f"/grants/{flow['gid']}/uses", {}),
    )
    for path, body in writes:
        r = s.http.post(path, json=body, headers=s.h("auditor"))
        assert r.status_code == 403 and r.json()["error"] == "Forbidden", (path, r.text)
    assert s.http.get(f"/grants/{flow['gid']}/data", headers=s.h("auditor")).status_code == 403
    assert s.http.post("/audit/trail", json={}, headers=s.h("auditor")).status_code == 405
    # the one audit POST: an integrity check that files only under the auditor's own account
    # (nothing here: the resource is intact)
    r = s.http.post(f"/audit/resources/{flow['rid']}/integrity", headers=s.h("auditor"))
    assert r.status_code == 200 and r.json()["result"] == "pass", r.text
    assert r.json()["filing"]["reporter"] == s.addr["auditor"]


def test_export_csv_and_json_exact(audit, flow):
    s = audit
    items = _trail(s, resource_id=flow["rid"])["items"]

    r = s.http.get("/audit/trail/export", params={"format": "json", "resource_id": flow["rid"]}, headers=s.h("auditor"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    cd = r.headers["content-disposition"]
    assert cd.startswith('attachment; filename="govchain-trail-') and cd.endswith('.json"')
    assert json.loads(r.content) == items

    r = s.http.get("/audit/trail/export", params={"format": "csv", "resource_id": flow["rid"]}, headers=s.h("auditor"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"].endswith('.csv"')
    rows = list(csv.reader(io.StringIO(r.content.decode())))
    from backend.services.audit import TRAIL_COLUMNS

    assert tuple(rows[0]) == TRAIL_COLUMNS and len(rows) == 1 + len(items)
    for row, item in zip(rows[1:], items):
        rec = dict(zip(TRAIL_COLUMNS, row))
        assert json.loads(rec.pop("args")) == item["args"]
        assert rec == {k: "" if item[k] is None else str(item[k]) for k in TRAIL_COLUMNS if k != "args"}

    # paging through the export (keyset chunks) gives the same rows as the page API
    from backend.services.audit import AuditService, TrailFilter
    from backend.services.common import Actor

    svc = AuditService(s.ctx.services.ops, s.ctx.store)
    every = list(svc.iter_trail(Actor("auditor", s.addr["auditor"]), TrailFilter(), chunk=7))
    assert essentials(every) == essentials(_trail(s, limit=1000)["items"])[: len(every)]
    assert len(every) == _trail(s, limit=1)["total"]

    r = s.http.get("/audit/trail/export", params={"format": "xml"}, headers=s.h("auditor"))
    assert r.status_code == 422


def test_incidents_record_and_stats(audit, flow):
    s = audit
    # dept-b reports a LEAK on its own use... the grantee self-reports: responsible = dept-b
    r = s.http.post(
        "/incidents",
        json={
            "incident_type": "LEAK",
            "subject_kind": "USE",
            "subject_id": flow["gid"],
            "use_index": 1,
            "evidence": "mail sent to the wrong address",
        },
        headers=s.h("dept-b"),
    )
    assert r.status_code == 201, r.text
    filed = r.json()
    sync(s)
    inc = s.http.get("/audit/incidents", params={"incident_type": "LEAK"}, headers=s.h("auditor")).json()
    mine = next(i for i in inc["items"] if i["incident_id"] == filed["incident_id"])
    onchain = s.contract("Accountability").functions.incident(filed["incident_id"]).call()
    assert mine["status"] == "Open" and mine["incident_type"] == "LEAK" and mine["subject_kind"] == "USE"
    assert mine["responsible"] == s.addr["dept-b"] == onchain[6] and mine["reporter"] == s.addr["dept-b"]
    assert mine["filed_tx"] == filed["tx_hash"] and mine["evidence_hash"] == filed["evidence_hash"]
    # departments see only incidents they filed or answer for
    assert filed["incident_id"] not in [
        i["incident_id"] for i in s.http.get("/audit/incidents", headers=s.h("dept-c")).json()["items"]
    ]
    assert filed["incident_id"] in [
        i["incident_id"] for i in s.http.get("/audit/incidents", headers=s.h("dept-b")).json()["items"]
    ]

    rec = s.http.get(f"/audit/departments/{s.addr['dept-b']}/record", headers=s.h("auditor")).json()
    assert rec["name"] == "dept-b" and rec["status"] == "Active"
    assert rec["incidents"]["responsible_total"] >= 1 and rec["incidents"]["by_type"]["LEAK"] >= 1
    assert rec["incidents"]["upheld"] == rec["upheld_count_onchain"] == 0
    assert rec["grants_held"] >= 1 and rec["uses_recorded"] >= 1
    assert s.http.get(f"/audit/departments/{s.addr['dept-b']}/record", headers=s.h("dept-b")).status_code == 200
    assert s.http.get(f"/audit/departments/{'0x' + '42' * 20}/record", headers=s.h("auditor")).status_code == 404

    st = s.http.get("/audit/stats", headers=s.h("auditor")).json()
    day_rows = [u for u in st["uses_per_day"] if u["department"] == s.addr["dept-b"]]
    total_uses = len([e for e in chain_events(s, s.w3.eth.block_number) if e["event"] == "UseRecorded"])
    assert sum(u["count"] for u in st["uses_per_day"]) == st["totals"]["uses"] == total_uses
    assert day_rows and day_rows[0]["department_name"] == "dept-b"
    assert st["grants_by_classification"]["INTERNAL"] >= 1
    assert st["incidents_by_type"]["LEAK"] >= 1 and st["incidents_by_outcome"]["Open"] >= 1
    assert st["incidents_by_type_and_outcome"]["LEAK"]["Open"] >= 1


def test_citizen_scope_at_service_level(audit, flow):
    """The web console shows citizens their own uses through the same service."""
    from backend.services.audit import AuditService, TrailFilter
    from backend.services.common import Actor
    from backend.services.errors import Forbidden

    s = audit
    svc = AuditService(s.ctx.services.ops, s.ctx.store)
    me = Actor("citizen", flow["subject"])
    mine = svc.trail(me, TrailFilter(), limit=100)
    assert [i["event"] for i in mine["items"]] == ["ResourceRegistered", "UseRecorded"]
    assert svc.trail(me, TrailFilter(event="UseRecorded"), limit=100)["total"] == 1
    with pytest.raises(Forbidden):
        svc.trail(me, TrailFilter(subject_hash="0x" + "12" * 32), limit=10)
    # the HTTP routes take no citizen tokens at all
    tok = s.ctx.tokens.issue("citizen", flow["subject"], "citizen")
    r = s.http.get("/audit/trail", headers={"Authorization": f"Bearer {tok}"})
    assert r.status_code == 403
