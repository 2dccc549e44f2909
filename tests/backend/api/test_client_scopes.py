"""A system client's token reaches only what its scopes name (issue 10: "system-to-system clients get
their own credentials with scopes, recorded as such"): reads and writes apart, a GET that records a
use counts as a write, every authenticated route belongs to a scope area, and a narrowly scoped
client token opens no console page."""

from __future__ import annotations

import re
import uuid

import pytest
from api_world import System
from fastapi.testclient import TestClient

from backend.core.identity import officer_hash
from backend.core.scopes import AREAS, ScopeError, allows, parse_scopes
from backend.web import session

# Paths whose first segment is no scope area: open without a token, peer-signed, or for people only.
NOT_FOR_CLIENTS = {"auth", "healthz", "officers", "peer", "public", "readyz"}


def _client(s: System, who: str, scopes: str) -> str:
    return s.ctx.tokens.issue("department", s.addr[who], f"client {scopes}", scopes=scopes)


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex}


def _lacks(scope: str) -> dict:
    return {
        "error": "Forbidden",
        "args": {"reason": f"this client token lacks the scope {scope}", "role": "department", "scope": scope},
    }


def test_a_client_token_reaches_only_its_scopes(system: System) -> None:
    s = system
    reader = _client(s, "dept-a", "grants:read me:read")
    assert s.http.get("/grants", headers=_h(reader)).status_code == 200
    me = s.http.get("/me", headers=_h(reader)).json()
    assert (me["kind"], me["scopes"]) == ("client", ["grants:read", "me:read"])
    r = s.http.get("/resources", headers=_h(reader))
    assert (r.status_code, r.json()) == (403, _lacks("resources:read"))
    body = {"classification": "INTERNAL", "record": {"id": uuid.uuid4().hex}, "schema": {"type": "object"}}
    count = s.contract("DataCatalog").functions.resourceCount().call()
    r = s.http.post("/resources", json=body, headers=_h(reader))
    assert (r.status_code, r.json()) == (403, _lacks("resources:write"))
    assert s.contract("DataCatalog").functions.resourceCount().call() == count  # nothing reached the chain


def test_a_write_scope_does_not_imply_read(system: System) -> None:
    s = system
    writer = _client(s, "dept-a", "resources:write")
    body = {"classification": "INTERNAL", "record": {"id": uuid.uuid4().hex}, "schema": {"type": "object"}}
    created = s.http.post("/resources", json=body, headers=_h(writer))
    assert created.status_code == 201, created.text
    r = s.http.get(f"/resources/{created.json()['resource_id']}", headers=_h(writer))
    assert (r.status_code, r.json()) == (403, _lacks("resources:read"))
    both = _client(s, "dept-a", "resources:*")
    assert s.http.get(f"/resources/{created.json()['resource_id']}", headers=_h(both)).status_code == 200


def test_fetching_granted_data_needs_the_write_scope(system: System) -> None:
    """GET /grants/{id}/data records a use on chain: a read-only client may not spend one."""
    s = system
    _, grant = s.granted("dept-a", "dept-b")
    gid = grant["grant_id"]
    uses = len(s.events("UsageRights", "UseRecorded", grantId=gid))
    r = s.http.get(f"/grants/{gid}/data", headers=_h(_client(s, "dept-b", "grants:read")))
    assert (r.status_code, r.json()) == (403, _lacks("grants:write"))
    assert len(s.events("UsageRights", "UseRecorded", grantId=gid)) == uses
    job = _client(s, "dept-b", "grants:write")
    r = s.http.get(f"/grants/{gid}/data", headers=_h(job))
    assert r.status_code == 200, r.text
    recorded = s.events("UsageRights", "UseRecorded", grantId=gid)
    assert len(recorded) == uses + 1
    # recorded as that client (fixed at issue), not as a person
    job_id = s.ctx.tokens.authenticate(job).id
    expected = officer_hash(s.ctx.settings.subject_secret, s.addr["dept-b"], f"client:{job_id}")
    assert recorded[-1]["officerHash"] == expected


def test_every_authenticated_route_belongs_to_a_scope_area(system: System) -> None:
    """A new route under a new first segment must be placed (an area, or closed to clients) on purpose."""
    firsts = {path.lstrip("/").split("/", 1)[0] for path in system.http.app.openapi()["paths"]}
    assert firsts - AREAS - NOT_FOR_CLIENTS == set()
    assert AREAS - firsts == set()  # no stale area either


def test_a_path_outside_every_area_is_closed_to_a_client_even_with_a_wide_scope(system: System) -> None:
    s = system
    r = s.http.get("/officers", headers=_h(_client(s, "dept-a", "me:* grants:*")))
    assert (r.status_code, r.json()["args"]["scope"]) == (403, "officers:read")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"scopes": ""}, "needs at least one scope"),
        ({"scopes": "grants:delete"}, "unknown scope 'grants:delete'"),
        ({"scopes": "officers:*"}, "unknown scope 'officers:*'"),
        ({"scopes": "*", "officer": "officer-1"}, "scopes are for system clients' tokens"),
    ],
)
def test_scopes_are_checked_at_issue(system: System, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        system.ctx.tokens.issue("department", system.addr["dept-a"], "bad", **kwargs)


def test_scope_grammar() -> None:
    assert parse_scopes(" Grants:Read grants:read  * ") == ("grants:read", "*")
    assert parse_scopes(["grants:write releases:*", "me:read"]) == ("grants:write", "releases:*", "me:read")
    with pytest.raises(ScopeError):
        parse_scopes("grants")
    assert allows("releases:*", "releases", write=True) and allows("releases:*", "releases", write=False)
    assert not allows("releases:write", "releases", write=False)
    assert not allows("grants:*", "officers", write=False) and allows("*", "officers", write=False)


def _console_sign_in(s: System, token: str) -> tuple[int, str]:
    with TestClient(s.http.app, raise_server_exceptions=False) as browser:  # its own cookies
        page = browser.get("/console/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert csrf, page.text[:300]
        browser.cookies.set(session.LANG_COOKIE, "en")
        r = browser.post("/console/login", data={"csrf": csrf.group(1), "token": token}, follow_redirects=False)
        landed = browser.get(r.headers["location"], follow_redirects=True)
        return r.status_code, landed.text


def test_a_narrowly_scoped_client_token_opens_no_console_page(system: System) -> None:
    s = system
    status, page = _console_sign_in(s, _client(s, "dept-a", "grants:read"))
    assert status == 303
    assert "cannot open the console; sign in as an officer" in page
    status, page = _console_sign_in(s, _client(s, "dept-a", "*"))
    assert status == 303 and "cannot open the console" not in page and 'name="token"' not in page
