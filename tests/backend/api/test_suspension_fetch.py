"""Suspension stops data access in the single-process fetch too, on this module's OWN chain (the
council suspends a department of it): a suspended grantee's fetch and use are refused by the contract
(403 ConsortiumManagedNotActiveDepartment), a replayed fetch key releases nothing (usage.py checks
the grantee's standing like revocation and expiry), and reinstatement gives the grant back."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from api_world import System, build_system

from backend.ops import deployer

SECRET_VALUE = "suspended-s3cr3t"


@pytest.fixture(scope="module")
def system(tmp_path_factory) -> Iterator[System]:
    with build_system(tmp_path_factory.mktemp("suspension"), "suspensiontest") as s:
        yield s


def _council(s: System, propose) -> None:
    consortium = deployer.contract_at(s.w3, s.manifest, "Consortium", s.deployments)
    deployer.run_council(s.w3, consortium, [s.accounts[g] for g in ("gov-1", "gov-2", "gov-3")], propose)


def _uses(s: System, gid: int) -> int:
    return len(s.events("UsageRights", "UseRecorded", grantId=gid))


def test_suspended_grantee_fetches_nothing_until_reinstated(system: System):
    s = system
    grantee = s.addr["dept-b"]
    res = s.register("dept-a", record={"secret": SECRET_VALUE})
    gid = s.approve(s.request(res["resource_id"], "dept-b", max_uses=10)["request_id"], "dept-a")["grant_id"]
    fetch_key = uuid.uuid4().hex
    first = s.http.get(f"/grants/{gid}/data", headers=s.h("dept-b", key=fetch_key))
    assert first.status_code == 200, first.text
    assert _uses(s, gid) == 1

    _council(s, lambda c: c.functions.proposeSuspendDepartment(grantee))
    refused = {"error": "ConsortiumManagedNotActiveDepartment", "args": {"account": grantee}}
    try:
        fresh = s.http.get(f"/grants/{gid}/data", headers=s.h("dept-b"))
        replayed = s.http.get(f"/grants/{gid}/data", headers=s.h("dept-b", key=fetch_key))
        used = s.http.post(f"/grants/{gid}/uses", json={}, headers=s.h("dept-b"))
        for r in (fresh, replayed, used):
            assert (r.status_code, r.json()) == (403, refused), r.text
            assert SECRET_VALUE not in r.text
        assert _uses(s, gid) == 1
        assert s.http.get(f"/grants/{gid}", headers=s.h("dept-b")).json()["revoked"] is False  # kept, not revoked
    finally:
        _council(s, lambda c: c.functions.proposeReinstateDepartment(grantee))

    again = s.http.get(f"/grants/{gid}/data", headers=s.h("dept-b"))
    assert again.status_code == 200, again.text
    assert again.json()["record"] == {"secret": SECRET_VALUE}
    assert again.json()["use"]["use_index"] == 2
