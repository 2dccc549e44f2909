"""Authorization matrix generated from the OpenAPI spec: EVERY bearer-secured
operation × every principal kind (a department involved in none of the objects,
a governor, the auditor, a citizen session, no token, a bad token), on the whole
platform (every contract, the demo roster) brought up on this module's own chain
with one real object behind every path parameter.

``ALLOWED`` is the explicit table (route → principal kinds that get past
authorization). Every other cell is refused: 401 Unauthorized without a valid
token, else 403 with ``Forbidden`` (role or service check) or, where the contract
decides, the contract's custom error (``REFUSED``). A route in the spec and not in
the table (or the reverse) fails ``test_table_covers_exactly_the_spec``, so the
coverage stays "every". Refusals happen before any chain write: the caller's
pending nonce does not move.

Allowed cells are probed without side effects: reads answer 200 (``ALLOWED_READ``
lists the few documented non-200 answers); writes are sent WITH the retired
X-Officer-Id header and answer 422 InvalidInput{field: X-Officer-Id} (the officer
is the token's person), which the API resolves only after authentication and role
(backend/api/deps.py); the writes that do not check the header are listed in
``ALLOWED_WRITE``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from unittest.mock import MagicMock

import pytest
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).parent))

from authz_world import (
    GOVERNOR,
    KINDS,
    STRANGER,
    Objects,
    public_routes,
    request_for,
    setup_objects,
    spec_routes,
)
from cases_testkit import World, boot, demo_tokens

from backend.api.main import create_app

D, G, A, C = "department", "governor", "auditor", "citizen"
READERS = {D, G, A}

# route → the principal kinds (of KINDS) that get past authorization. A department
# here is one involved in none of the objects: owner-, grantee-, lead-, step-,
# issuer- and role-only routes refuse it.
ALLOWED: dict[str, set[str]] = {
    "GET /me": {D, G, A, C},
    # catalog
    "GET /resources": READERS,
    "POST /resources": {D},
    "POST /resources/upload": {D},
    "GET /resources/{resource_id}": READERS,  # metadata only: the catalog is shared
    "GET /resources/{resource_id}/content": set(),  # the owner only
    "POST /resources/{resource_id}/versions": set(),
    "POST /resources/{resource_id}/versions/upload": set(),
    "POST /resources/{resource_id}/anchors": set(),
    # usage rights
    "POST /requests": {D},
    "GET /requests": {D},
    "GET /requests/{request_id}": {G, A},  # + requester, owner
    "POST /requests/{request_id}/approve": set(),  # the owner
    "POST /requests/{request_id}/deny": set(),
    "GET /grants": {D},
    "GET /grants/{grant_id}": {G, A},  # + grantee, owner
    "POST /grants/{grant_id}/revoke": set(),  # the owner
    "GET /grants/{grant_id}/data": set(),  # the grantee
    "POST /grants/{grant_id}/uses": set(),
    "GET /grants/{grant_id}/uses/{key}": set(),
    # peer releases, grantee side (the node's own department)
    "POST /releases": {D},
    "POST /releases/{grant_id}/{use_index}/retry": {D},
    "GET /releases": {D},
    # accountability
    "POST /incidents": {A},  # + departments concerned
    "GET /incidents": READERS,
    "GET /incidents/{incident_id}": {G, A},  # + reporter, responsible
    "POST /incidents/{incident_id}/response": set(),  # the responsible department
    # council
    "GET /council/proposals": {G, A},
    "POST /council/proposals/{proposal_id}/approve": {G},
    "POST /council/requests/{request_id}/proposals": {G},
    "POST /council/incidents/{incident_id}/ruling": {G},
    "POST /council/certificates/{cert_id}/revocation": {G},
    "POST /council/standing-listeners": {G},
    "POST /council/purposes": {G},
    "POST /council/legal-bases": {G},
    "POST /council/departments": {G},
    "POST /council/auditors": {G},
    # audit
    "GET /audit/trail": READERS,  # departments: scoped to their own resources and grants
    "GET /audit/trail/export": READERS,
    "GET /audit/resources/{resource_id}/integrity": {G, A},  # + owner
    "POST /audit/resources/{resource_id}/integrity": {G, A},  # + owner
    "GET /audit/incidents": READERS,
    "GET /audit/departments/{address}/record": {G, A},  # + the department itself
    "GET /audit/stats": {G, A},
    "GET /audit/index": READERS,
    "GET /audit/unreleased": READERS,  # departments: scoped to their own resources and grants
    # certificates
    "POST /certificates/types": {G},
    "GET /certificates/types/{type_code}": READERS,
    "POST /certificates": set(),  # the type's issuer
    "GET /certificates/{cert_id}": {G, A},  # + issuer
    "POST /certificates/{cert_id}/revoke": set(),  # the issuer
    # property registry
    "POST /registry/roles": {G},
    "GET /registry/roles/{department}": READERS,
    "GET /purposes": READERS,  # the council's registry: public text
    "POST /registry/units": set(),  # REGISTRAR
    "POST /registry/units/{unit_id}/ownership": set(),
    "POST /registry/units/{unit_id}/transfers": set(),
    "POST /registry/units/{unit_id}/certificate": set(),  # REGISTRAR
    "POST /registry/units/{unit_id}/mortgages": set(),  # BANK
    "POST /registry/mortgages/{mortgage_id}/consent": set(),
    "POST /registry/mortgages/{mortgage_id}/release": set(),
    "POST /registry/units/{unit_id}/seizures": set(),  # COURT
    "POST /registry/seizures/{seizure_id}/release": set(),
    "POST /registry/units/{unit_id}/use-reports": set(),  # INSPECTOR
    "GET /registry/units/{unit_id}/history": {A, C},  # + registrar, the unit's banks/courts; C = the owner
    # citizens
    "POST /citizens/session": {D},
    "GET /citizens/me/uses": {C},
    "GET /citizens/me/sessions": {C},
    "POST /citizens/me/uses/{grant_id}/{use_index}/objection": {C},  # a use of the citizen's data
    "GET /citizens/me/certificates": {C},
    "GET /citizens/me/cases": {C},
    "GET /citizens/me/cases/{case_id}": {C},  # the applicant
    "GET /citizens/me/cases/{case_id}/certificate": {C},
    # one-stop services and cases
    "POST /services": {D},
    "GET /services": READERS,
    "GET /services/{service_id}": READERS,
    "POST /services/{service_id}/activation": {G},
    "POST /services/{service_id}/standing-grants": set(),  # a requirement's source department
    "POST /services/{service_id}/standing-grants/proposals": {G},
    "POST /cases": {D},  # any front desk
    "GET /cases": READERS,  # departments: the cases they take part in
    "GET /cases/{case_id}": {G, A},  # + lead, desk, step departments
    "GET /cases/{case_id}/form": set(),  # the lead and the step departments only
    "POST /cases/{case_id}/evidence/pull": set(),  # the lead
    "POST /cases/{case_id}/steps/{step_index}/approve": set(),  # the step's department
    "POST /cases/{case_id}/steps/{step_index}/reject": set(),
    "POST /cases/{case_id}/steps/{step_index}/escalate": {D, G},  # any department or governor, past the deadline
    "POST /cases/{case_id}/finalize": set(),  # the lead
    # node directory: a department publishes its own entry; every signed-in principal reads
    "PUT /directory/self": {D},  # an admin officer's token (the world's officer-1 is an admin)
    # officer accounts: an administrator officer (every world token is bound to officer-1, an admin)
    "POST /officers": {D, G, A},
    "GET /officers": {D, G, A},
    "DELETE /officers/{username}": {D, G, A},
    "GET /directory": {D, G, A, C},
    "GET /directory/{address}": {D, G, A, C},
}

# Refusals that are not 403 Forbidden: the department passes the role check and the
# contract (or the service's own pre-check) refuses it with its custom error.
REFUSED: dict[tuple[str, str], tuple[int, str]] = {
    ("POST /cases/{case_id}/steps/{step_index}/approve", D): (403, "OneStopServicesWrongDepartment"),
    ("POST /cases/{case_id}/steps/{step_index}/reject", D): (403, "OneStopServicesWrongDepartment"),
    ("POST /certificates", D): (403, "CertificatesNotTypeIssuer"),
    ("POST /certificates/{cert_id}/revoke", D): (403, "CertificatesNotIssuer"),
    ("POST /registry/units", D): (403, "PropertyRegistryMissingRole"),
    ("POST /registry/units/{unit_id}/ownership", D): (403, "PropertyRegistryMissingRole"),
    ("POST /registry/units/{unit_id}/transfers", D): (403, "PropertyRegistryMissingRole"),
    ("POST /registry/units/{unit_id}/certificate", D): (403, "PropertyRegistryMissingRole"),
    ("POST /registry/units/{unit_id}/mortgages", D): (403, "PropertyRegistryMissingRole"),
    ("POST /registry/mortgages/{mortgage_id}/consent", D): (403, "PropertyRegistryMissingRole"),
    ("POST /registry/mortgages/{mortgage_id}/release", D): (403, "PropertyRegistryMissingRole"),
    ("POST /registry/units/{unit_id}/seizures", D): (403, "PropertyRegistryMissingRole"),
    ("POST /registry/seizures/{seizure_id}/release", D): (403, "PropertyRegistryMissingRole"),
    ("POST /registry/units/{unit_id}/use-reports", D): (403, "PropertyRegistryMissingRole"),
}

# Allowed reads whose documented answer is not 200 in this world.
ALLOWED_READ: dict[tuple[str, str], tuple[int, str]] = {
    # the case has produced no certificate (yet)
    ("GET /citizens/me/cases/{case_id}/certificate", C): (404, "NotFound"),
    # this matrix runs one process with every key, not a node: it takes part in no federation
    ("GET /releases", D): (404, "ReleaseServiceOff"),
}

# Allowed writes that do not check X-Officer-Id: what they answer past authorization.
ALLOWED_WRITE: dict[str, tuple[int, str | None]] = {
    # the stage deadline (a day) is not reached: the contract's refusal, after authorization
    "POST /cases/{case_id}/steps/{step_index}/escalate": (409, "OneStopServicesDeadlineNotReached"),
    # probed with an invalid body (a valid one would file the objection)
    "POST /citizens/me/uses/{grant_id}/{use_index}/objection": (422, "ValidationError"),
    # the check itself (read-only while every version matches)
    "POST /audit/resources/{resource_id}/integrity": (200, None),
    # probed with an invalid body (a valid one would publish the department's node entry)
    "PUT /directory/self": (422, "ValidationError"),
    # probed with an invalid body (a valid one would enrol an officer)
    "POST /officers": (422, "ValidationError"),
    # the probe names no officer of the caller's department
    "DELETE /officers/{username}": (404, "NotFound"),
}
# Allowed writes probed with an invalid body, so the probe changes nothing.
INVALID_BODY_PROBES = {
    "POST /citizens/me/uses/{grant_id}/{use_index}/objection",
    "PUT /directory/self",
    "POST /officers",
}

# No bearer token on purpose. POST /peer/v1/releases: another department's node calls it, and the
# grantee's EIP-712 signature is the authentication (tests/backend/federation covers its refusals).
PUBLIC = [
    "GET /healthz",
    "GET /public/certificates/{document_hash}",
    "GET /readyz",
    "POST /auth/officer/session",
    "POST /peer/v1/releases",
    "POST /public/certificates/verify",
]

SPEC_ROUTES = spec_routes(create_app(MagicMock()))  # collection time: the spec needs no running system


@pytest.fixture(scope="module")
def platform(tmp_path_factory) -> Iterator[tuple[World, Objects]]:
    tmp = tmp_path_factory.mktemp("authz")
    p = boot(tmp, network="authztest")
    try:
        tokens = demo_tokens(p.ctx)
        with TestClient(create_app(p.ctx), raise_server_exceptions=False) as http:
            w = World(http, p, tokens)
            yield w, setup_objects(w)
    finally:
        p.close()


def _headers(w: World, o: Objects, kind: str, officer: bool) -> dict[str, str]:
    token = {
        D: w.tokens[STRANGER],
        G: w.tokens[GOVERNOR],
        A: w.tokens["auditor"],
        C: o.citizen_token,
        "bad_token": "gct_not-a-real-token",
    }.get(kind)
    h = {"Idempotency-Key": f"authz-{kind}"}
    if token is not None:
        h["Authorization"] = f"Bearer {token}"
    if officer:
        h["X-Officer-Id"] = "officer-authz"
    return h


def _address(w: World, kind: str) -> str | None:
    return {D: w.addr(STRANGER), G: w.addr(GOVERNOR), A: w.addr("audit-1")}.get(kind)


def _error(r) -> str | None:
    try:
        body = r.json()
    except ValueError:
        return None
    return body.get("error") if isinstance(body, dict) else None


def test_table_covers_exactly_the_spec(platform):
    w, _o = platform
    live = spec_routes(w.http.app)
    assert live == SPEC_ROUTES
    assert sorted(ALLOWED) == live, {
        "not in the table": sorted(set(live) - set(ALLOWED)),
        "not in the spec": sorted(set(ALLOWED) - set(live)),
    }
    assert {r for r, _k in REFUSED} | {r for r, _k in ALLOWED_READ} | set(ALLOWED_WRITE) <= set(live)
    # everything else is public on purpose (and answers without a token)
    assert public_routes(w.http.app) == PUBLIC


def test_matrix_size():
    assert len(SPEC_ROUTES) == 94 and len(KINDS) == 6  # 564 cells


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("route", SPEC_ROUTES)
def test_authorization(platform, route: str, kind: str) -> None:
    w, o = platform
    assert route in ALLOWED, f"{route} is not in the authorization table"
    kw = request_for(route, o.ids)
    method = route.split(" ", 1)[0]

    if kind in ("no_token", "bad_token"):
        r = w.http.request(**kw, headers=_headers(w, o, kind, officer=True))
        assert r.status_code == 401, r.text
        assert r.json()["error"] == "Unauthorized"
        assert r.headers["WWW-Authenticate"] == "Bearer"
        return

    if kind in ALLOWED[route]:
        if method == "GET":
            r = w.http.request(**kw, headers=_headers(w, o, kind, officer=False))
            status, error = ALLOWED_READ.get((route, kind), (200, None))
            assert (r.status_code, _error(r)) == (status, error), r.text
        elif route in ALLOWED_WRITE:
            if route in INVALID_BODY_PROBES:
                kw = {**kw, "json": {"not-a-field": 1}}
            r = w.http.request(**kw, headers=_headers(w, o, kind, officer=False))
            assert (r.status_code, _error(r)) == ALLOWED_WRITE[route], r.text
        else:
            r = w.http.request(**kw, headers=_headers(w, o, kind, officer=True))
            assert r.status_code == 422, r.text
            assert r.json()["error"] == "InvalidInput" and r.json()["args"]["field"] == "X-Officer-Id", r.text
        return

    address = _address(w, kind)
    nonce = w.p.w3.eth.get_transaction_count(address, "pending") if address else None
    r = w.http.request(**kw, headers=_headers(w, o, kind, officer=False))
    status, error = REFUSED.get((route, kind), (403, "Forbidden"))
    assert r.status_code == status, r.text
    body = r.json()
    assert body["error"] == error, r.text
    assert set(body) == {"error", "args"}
    if address:
        assert w.p.w3.eth.get_transaction_count(address, "pending") == nonce


# Unknown ids, asked by a principal kind the route allows (the first in sorted order):
# 404 with the contract's Unknown… error; a citizen's routes answer 403 (they never
# tell whether someone else's case or use exists); a role lookup is a plain view.
UNKNOWN: dict[str, tuple[int, str | None]] = {
    # not a federation node: the node's state is checked before the id (a node answers 404 NotFound)
    "POST /releases/{grant_id}/{use_index}/retry": (404, "ReleaseServiceOff"),
    "GET /resources/{resource_id}": (404, "DataCatalogUnknownResource"),
    "GET /requests/{request_id}": (404, "UsageRightsUnknownRequest"),
    "GET /grants/{grant_id}": (404, "UsageRightsUnknownGrant"),
    "GET /incidents/{incident_id}": (404, "AccountabilityUnknownIncident"),
    "POST /council/proposals/{proposal_id}/approve": (404, "ConsortiumUnknownProposal"),
    "POST /council/requests/{request_id}/proposals": (404, "UsageRightsUnknownRequest"),
    "POST /council/incidents/{incident_id}/ruling": (404, "AccountabilityUnknownIncident"),
    "POST /council/certificates/{cert_id}/revocation": (404, "CertificatesUnknownCertificate"),
    "GET /audit/resources/{resource_id}/integrity": (404, "DataCatalogUnknownResource"),
    "POST /audit/resources/{resource_id}/integrity": (404, "DataCatalogUnknownResource"),
    "GET /audit/departments/{address}/record": (404, "NotFound"),
    "GET /certificates/types/{type_code}": (404, "CertificatesUnknownType"),
    "GET /certificates/{cert_id}": (404, "CertificatesUnknownCertificate"),
    "GET /registry/roles/{department}": (200, None),
    "GET /registry/units/{unit_id}/history": (404, "PropertyRegistryUnknownUnit"),
    "POST /citizens/me/uses/{grant_id}/{use_index}/objection": (403, "Forbidden"),
    "GET /citizens/me/cases/{case_id}": (403, "Forbidden"),
    "GET /citizens/me/cases/{case_id}/certificate": (403, "Forbidden"),
    "GET /services/{service_id}": (404, "OneStopServicesUnknownService"),
    "POST /services/{service_id}/activation": (404, "OneStopServicesUnknownService"),
    "POST /services/{service_id}/standing-grants/proposals": (404, "OneStopServicesUnknownService"),
    "GET /cases/{case_id}": (404, "OneStopServicesUnknownCase"),
    "POST /cases/{case_id}/steps/{step_index}/escalate": (404, "OneStopServicesUnknownCase"),
    "GET /directory/{address}": (404, "NodeDirectoryUnknownNode"),
    "DELETE /officers/{username}": (404, "NotFound"),
}
ID_ROUTES = [r for r in SPEC_ROUTES if "{" in r and ALLOWED.get(r)]


@pytest.mark.parametrize("route", ID_ROUTES)
def test_unknown_id(platform, route: str) -> None:
    w, o = platform
    assert route in UNKNOWN, f"{route}: what an unknown id answers is not in the table"
    ids = dict.fromkeys(o.ids, 999999) | {
        "type_code": "NO_SUCH_TYPE",
        "department": "0x" + "12" * 20,
        "address": "0x" + "12" * 20,
        "key": "no-such-key",
        "step_index": 0,
        "use_index": 1,
        "cert_hash": o.ids["cert_hash"],
    }
    kind = sorted(ALLOWED[route])[0]
    r = w.http.request(**request_for(route, ids), headers=_headers(w, o, kind, officer=False))
    assert (r.status_code, _error(r)) == UNKNOWN[route], r.text


# -- on the api world (tests/backend/api/conftest.py) ----------------------------------------------
def test_revoked_token_is_401(system):
    token = system.ctx.tokens.issue("department", system.addr["dept-c"], "short-lived", scopes="me:read")
    assert system.http.get("/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    info = system.ctx.tokens.authenticate(token)
    system.ctx.tokens.revoke(info.id)
    assert system.http.get("/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


@pytest.mark.parametrize(
    "method,path,body,error",
    [
        ("GET", "/resources/999999", None, "DataCatalogUnknownResource"),
        ("POST", "/resources/999999/versions", {"record": 1}, "DataCatalogUnknownResource"),
        ("GET", "/grants/999999/data", None, "UsageRightsUnknownGrant"),
        ("POST", "/grants/999999/revoke", {"reason": "x"}, "UsageRightsUnknownGrant"),
        ("POST", "/requests/999999/approve", {"reason": "x"}, "UsageRightsUnknownRequest"),
        ("POST", "/incidents/999999/response", {"response": "x"}, "AccountabilityUnknownIncident"),
        ("GET", "/incidents/999999", None, "AccountabilityUnknownIncident"),
    ],
)
def test_unknown_ids_are_404_with_contract_error(system, method, path, body, error):
    r = system.http.request(method, path, json=body, headers=system.h("dept-a"))
    assert r.status_code == 404, r.text
    assert r.json()["error"] == error
