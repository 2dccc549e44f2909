"""Authorization matrix: every endpoint that takes an id, against every caller
that must not use it. Refusals come from the service BEFORE any chain write
(the caller's nonce does not move)."""

from __future__ import annotations

import re

import pytest

PUBLIC_PATHS = {"/healthz", "/readyz", "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"}


@pytest.fixture(scope="module")
def objs(system):
    res, appr = system.granted("dept-a", "dept-b")
    pending = system.request(res["resource_id"], "dept-b")
    r = system.http.post("/incidents", json={
        "incident_type": "DATA_ERROR", "subject_kind": "RESOURCE_VERSION", "subject_id": res["resource_id"],
        "use_index": 1, "evidence": "wrong value",
    }, headers=system.h("dept-b"))
    assert r.status_code == 201, r.text
    return {"R": res["resource_id"], "G": appr["grant_id"], "Q": pending["request_id"], "I": r.json()["incident_id"]}


def _calls(o):
    """(method, path, json body, files) for every id-taking endpoint, with a valid body."""
    R, G, Q, I = o["R"], o["G"], o["Q"], o["I"]
    pdf = {"file": ("x.bin", b"new bytes", "application/octet-stream")}
    return {
        "resource content": ("GET", f"/resources/{R}/content", None, None),
        "publish version": ("POST", f"/resources/{R}/versions", {"record": {"v": "other"}}, None),
        "publish upload": ("POST", f"/resources/{R}/versions/upload", None, pdf),
        "anchor root": ("POST", f"/resources/{R}/anchors", {"merkle_root": "0x" + "ab" * 32, "record_count": 3}, None),
        "get request": ("GET", f"/requests/{Q}", None, None),
        "approve request": ("POST", f"/requests/{Q}/approve", {"reason": "ok"}, None),
        "deny request": ("POST", f"/requests/{Q}/deny", {"reason": "no"}, None),
        "get grant": ("GET", f"/grants/{G}", None, None),
        "revoke grant": ("POST", f"/grants/{G}/revoke", {"reason": "x"}, None),
        "fetch data": ("GET", f"/grants/{G}/data", None, None),
        "record use": ("POST", f"/grants/{G}/uses", {}, None),
        "get incident": ("GET", f"/incidents/{I}", None, None),
        "respond incident": ("POST", f"/incidents/{I}/response", {"response": "x"}, None),
        "file about resource": ("POST", "/incidents", {"incident_type": "TAMPER", "subject_kind": "RESOURCE_VERSION",
                                                       "subject_id": R, "use_index": 1, "evidence": "x"}, None),
        "file about grant": ("POST", "/incidents", {"incident_type": "LEAK", "subject_kind": "GRANT",
                                                    "subject_id": G, "evidence": "x"}, None),
    }


def _do(system, who, call):
    method, path, body, files = call
    return system.http.request(method, path, json=body, files=files, headers=system.h(who))


# Which departments other than the rightful one must get 403 (dept-c is always a stranger).
OTHERS = {
    "resource content": ["dept-b", "dept-c"],
    "publish version": ["dept-b", "dept-c"],
    "publish upload": ["dept-b", "dept-c"],
    "anchor root": ["dept-b", "dept-c"],
    "get request": ["dept-c"],
    "approve request": ["dept-b", "dept-c"],
    "deny request": ["dept-b", "dept-c"],
    "get grant": ["dept-c"],
    "revoke grant": ["dept-b", "dept-c"],
    "fetch data": ["dept-a", "dept-c"],
    "record use": ["dept-a", "dept-c"],
    "get incident": ["dept-c"],
    "respond incident": ["dept-b", "dept-c"],
    "file about resource": ["dept-c"],
    "file about grant": ["dept-c"],
}


@pytest.mark.parametrize("name", sorted(OTHERS))
def test_other_department_gets_403_before_any_chain_write(system, objs, name):
    call = _calls(objs)[name]
    for who in OTHERS[name]:
        nonce = system.w3.eth.get_transaction_count(system.addr[who], "pending")
        r = _do(system, who, call)
        assert r.status_code == 403, (who, r.text)
        assert r.json()["error"] == "Forbidden"
        assert system.w3.eth.get_transaction_count(system.addr[who], "pending") == nonce


WRITES = [n for n, c in _calls({"R": 1, "G": 1, "Q": 1, "I": 1}).items() if c[0] == "POST" and not n.startswith("file")]


@pytest.mark.parametrize("name", WRITES)
def test_auditor_and_governor_cannot_write(system, objs, name):
    for who in ("auditor", "gov-1"):
        r = _do(system, who, _calls(objs)[name])
        assert r.status_code == 403, (who, r.text)
        assert r.json()["error"] == "Forbidden"


def test_auditor_cannot_register_or_request(system, objs):
    r = system.http.post("/resources", json={"classification": "PUBLIC", "record": 1, "schema_hash": "0x" + "22" * 32},
                         headers=system.h("auditor"))
    assert r.status_code == 403
    r = system.http.post("/requests", json={"resource_id": objs["R"], "purpose_code": 1, "legal_basis": "x",
                                            "fields": ["a"], "duration_s": 60, "max_uses": 1}, headers=system.h("auditor"))
    assert r.status_code == 403


def test_readers_may_read_ids(system, objs):
    for who in ("auditor", "gov-2"):
        for path in (f"/resources/{objs['R']}", f"/grants/{objs['G']}", f"/requests/{objs['Q']}", f"/incidents/{objs['I']}"):
            assert system.http.get(path, headers=system.h(who)).status_code == 200, (who, path)
    # the catalog is shared: any department reads resource metadata (hashes, never content)
    assert system.http.get(f"/resources/{objs['R']}", headers=system.h("dept-c")).status_code == 200


def _all_routes(app):
    """Every operation of the OpenAPI spec that declares bearer security (so a new
    endpoint is covered automatically; deliberately public ones declare none)."""
    for path, ops in app.openapi()["paths"].items():
        for method, op in ops.items():
            if path in PUBLIC_PATHS:
                assert not op.get("security"), path
                continue
            if not op.get("security"):
                assert not path.startswith(("/resources", "/requests", "/grants", "/incidents", "/council", "/me")), path
                continue
            yield method.upper(), re.sub(r"\{[^}]+\}", "1", path)


def test_missing_or_wrong_token_is_401_everywhere(system):
    routes = list(_all_routes(system.app))
    assert len(routes) >= 20
    for method, path in routes:
        for headers in ({}, {"Authorization": "Bearer gct_not-a-real-token"}, {"Authorization": "Basic Zm9vOmJhcg=="}):
            r = system.http.request(method, path, headers={**headers, "X-Officer-Id": "o"})
            assert r.status_code == 401, (method, path, headers, r.text)
            assert r.headers["WWW-Authenticate"] == "Bearer"
            assert r.json()["error"] == "Unauthorized"


def test_revoked_token_is_401(system):
    token = system.ctx.tokens.issue("department", system.addr["dept-c"], "short-lived")
    assert system.http.get("/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    info = system.ctx.tokens.authenticate(token)
    system.ctx.tokens.revoke(info.id)
    assert system.http.get("/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


@pytest.mark.parametrize("method,path,body,error", [
    ("GET", "/resources/999999", None, "DataCatalogUnknownResource"),
    ("POST", "/resources/999999/versions", {"record": 1}, "DataCatalogUnknownResource"),
    ("GET", "/grants/999999/data", None, "UsageRightsUnknownGrant"),
    ("POST", "/grants/999999/revoke", {"reason": "x"}, "UsageRightsUnknownGrant"),
    ("POST", "/requests/999999/approve", {"reason": "x"}, "UsageRightsUnknownRequest"),
    ("POST", "/incidents/999999/response", {"response": "x"}, "AccountabilityUnknownIncident"),
    ("GET", "/incidents/999999", None, "AccountabilityUnknownIncident"),
])
def test_unknown_ids_are_404_with_contract_error(system, method, path, body, error):
    r = system.http.request(method, path, json=body, headers=system.h("dept-a"))
    assert r.status_code == 404, r.text
    assert r.json()["error"] == error
