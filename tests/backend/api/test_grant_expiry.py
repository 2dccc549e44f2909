"""Grant expiry end to end, on this module's OWN chain (time travel would disturb
the session's shared consortium): a grant with a short duration is used, chain
time is moved past its expiry with anvil's ``evm_increaseTime`` + ``evm_mine``,
then fetches and uses are refused by the contract (409 UsageRightsGrantExpired
{grantId, expiresAt}) and nothing is released; a replay of an Idempotency-Key
used before the expiry must not release data either (usage.py: "a replayed request
must not release data under a grant revoked or expired since").
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from api_world import System, build_system

DURATION_S = 600
SECRET_VALUE = "expiring-s3cr3t"


@pytest.fixture(scope="module")
def system(tmp_path_factory) -> Iterator[System]:
    """The api world's consortium, on a chain of its own (overrides the session fixture here)."""
    with build_system(tmp_path_factory.mktemp("expiry"), "expirytest") as s:
        yield s


def _advance(s: System, seconds: int) -> int:
    """Move chain time forward and mine a block; returns the new head's timestamp."""
    s.w3.provider.make_request("evm_increaseTime", [seconds])
    s.w3.provider.make_request("evm_mine", [])
    return int(s.w3.eth.get_block("latest")["timestamp"])


def _uses(s: System, gid: int) -> int:
    return len(s.events("UsageRights", "UseRecorded", grantId=gid))


@pytest.fixture(scope="module")
def expired(system: System) -> dict:
    """A grant used twice (a fetch and a recorded use, each with its own key), then expired."""
    s = system
    res = s.register("dept-a", record={"secret": SECRET_VALUE})
    req = s.request(res["resource_id"], "dept-b", max_uses=10, duration_s=DURATION_S)
    appr = s.approve(req["request_id"], "dept-a")
    gid = appr["grant_id"]
    view = s.http.get(f"/grants/{gid}", headers=s.h("dept-b")).json()
    expires_at = int(view["expires_at"])

    fetch_key, use_key = uuid.uuid4().hex, uuid.uuid4().hex
    first = s.http.get(f"/grants/{gid}/data", headers=s.h("dept-b", key=fetch_key))
    assert first.status_code == 200, first.text
    assert first.json()["record"] == {"secret": SECRET_VALUE}
    used = s.http.post(f"/grants/{gid}/uses", json={}, headers=s.h("dept-b", key=use_key))
    assert used.status_code == 201, used.text
    assert _uses(s, gid) == 2

    head = _advance(s, DURATION_S + 60)
    assert head > expires_at
    return {
        "gid": gid,
        "expires_at": expires_at,
        "fetch_key": fetch_key,
        "first": first.json(),
        "use_key": use_key,
        "used": used.json(),
    }


def test_fetch_after_expiry_is_409_grant_expired_and_releases_nothing(system, expired):
    s, gid = system, expired["gid"]
    r = s.http.get(f"/grants/{gid}/data", headers=s.h("dept-b"))
    assert r.status_code == 409, r.text
    assert r.json() == {
        "error": "UsageRightsGrantExpired",
        "args": {"grantId": gid, "expiresAt": expired["expires_at"]},
    }
    assert SECRET_VALUE not in r.text
    assert _uses(s, gid) == 2


def test_record_use_after_expiry_is_409_grant_expired(system, expired):
    s, gid = system, expired["gid"]
    r = s.http.post(f"/grants/{gid}/uses", json={}, headers=s.h("dept-b"))
    assert r.status_code == 409, r.text
    assert r.json() == {
        "error": "UsageRightsGrantExpired",
        "args": {"grantId": gid, "expiresAt": expired["expires_at"]},
    }
    assert _uses(s, gid) == 2


def test_grant_view_reports_expired_and_unusable(system, expired):
    """`usable` follows the chain's clock (block time), which the contract enforces."""
    s, gid = system, expired["gid"]
    g = s.http.get(f"/grants/{gid}", headers=s.h("dept-b"))
    assert g.status_code == 200, g.text
    assert g.json()["usable"] is False and g.json()["used_count"] == 2


def test_replayed_use_key_after_expiry_answers_the_recorded_use(system, expired):
    """Replaying a recorded use's key releases no data: it answers the same use, no new one."""
    s, gid = system, expired["gid"]
    r = s.http.post(f"/grants/{gid}/uses", json={}, headers=s.h("dept-b", key=expired["use_key"]))
    assert r.status_code == 201, r.text
    assert r.json() == expired["used"]
    assert _uses(s, gid) == 2


def test_replayed_fetch_key_after_expiry_is_refused(system, expired):
    """A replayed fetch key after expiry (by block time) releases nothing."""
    s, gid = system, expired["gid"]
    r = s.http.get(f"/grants/{gid}/data", headers=s.h("dept-b", key=expired["fetch_key"]))
    assert SECRET_VALUE not in r.text
    assert r.status_code == 409, r.text
    assert r.json() == {
        "error": "UsageRightsGrantExpired",
        "args": {"grantId": gid, "expiresAt": expired["expires_at"]},
    }
    assert _uses(s, gid) == 2
