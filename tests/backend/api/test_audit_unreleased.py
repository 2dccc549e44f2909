"""GET /audit/unreleased: uses recorded on chain whose release the owner has not recorded on
chain ("recorded, not released"), from the index alone. The session's world is shared with
other modules, so every query names this module's grant."""

from __future__ import annotations

import uuid

import pytest
from api_world import System
from eth_utils import keccak

ZERO = b"\0" * 32


def _record_use(system: System, grant_id: int, subject: bytes) -> tuple[int, str, int]:
    ops = system.ctx.ops
    out = ops.contracts.usage_rights.record_use(
        system.accounts["dept-b"], grant_id, keccak(b"officer-9"), subject, ZERO, op="test.use", key=uuid.uuid4().hex
    )
    return int((ops.event(out, "UseRecorded") or {})["useIndex"]), out.tx_hash, int(out.block_number or 0)


@pytest.fixture(scope="module")
def used(system: System) -> dict:
    res, approved = system.granted("dept-a", "dept-b", max_uses=5)
    grant_id = int(approved["grant_id"])
    subject = keccak(b"subject of the unreleased test")
    uses = [_record_use(system, grant_id, subject if i == 0 else ZERO) for i in range(2)]
    return {"resource_id": int(res["resource_id"]), "grant_id": grant_id, "subject": subject, "uses": uses}


def _item(system: System, used: dict, n: int) -> dict:
    use_index, tx, block = used["uses"][n]
    return {
        "grant_id": str(used["grant_id"]),
        "use_index": use_index,
        "resource_id": str(used["resource_id"]),
        "grantee": system.addr["dept-b"],
        "owner": system.addr["dept-a"],
        "subject_hash": "0x" + (used["subject"] if n == 0 else ZERO).hex(),
        "purpose_code": 101,  # the api world's request purpose
        "tx_hash": tx,
        "block_number": block,
        "time": system.http.get(
            "/audit/trail", params={"grant_id": used["grant_id"], "event": "UseRecorded"}, headers=system.h("auditor")
        ).json()["items"][n]["time"],
    }


def _get(system: System, who: str, **params) -> tuple[int, dict]:
    r = system.http.get("/audit/unreleased", params=params, headers=system.h(who))
    return r.status_code, r.json()


def test_recorded_uses_show_until_released(system: System, used: dict):
    gid = used["grant_id"]
    status, body = _get(system, "auditor", grant_id=gid)
    assert status == 200, body
    indexed = body.pop("indexed_to_block")
    assert isinstance(indexed, int) and indexed >= used["uses"][1][2]
    assert body == {"total": 2, "offset": 0, "limit": 100, "items": [_item(system, used, 0), _item(system, used, 1)]}

    # the owner records the release of the first use: it leaves the list
    ops = system.ctx.ops
    out = ops.contracts.usage_rights.record_release(
        system.accounts["dept-a"], gid, 1, keccak(b"released plaintext"), op="test.release", key=uuid.uuid4().hex
    )
    status, body = _get(system, "gov-1", grant_id=gid)
    assert status == 200, body
    assert body["indexed_to_block"] >= int(out.block_number or 0)
    assert (body["total"], body["items"]) == (1, [_item(system, used, 1)])

    # both events are in the trail
    trail = system.http.get("/audit/trail", params={"grant_id": gid}, headers=system.h("auditor")).json()
    assert [i["event"] for i in trail["items"]][-3:] == ["UseRecorded", "UseRecorded", "UseReleased"]
    released = trail["items"][-1]
    assert (released["department"], released["args"]["useIndex"], released["args"]["contentHash"]) == (
        system.addr["dept-a"],
        1,
        "0x" + keccak(b"released plaintext").hex(),
    )


def test_departments_see_their_own_part(system: System, used: dict):
    gid, rid = used["grant_id"], used["resource_id"]
    _, everything = _get(system, "auditor", grant_id=gid)
    assert everything["items"]  # use 2 is never released here
    for who in ("dept-a", "dept-b"):  # owner and grantee see what the auditor sees of their grant
        status, body = _get(system, who, grant_id=gid)
        assert status == 200, body
        assert body["items"] == everything["items"]
        status, body = _get(system, who)
        assert status == 200
        assert (str(gid), 2) in {(i["grant_id"], i["use_index"]) for i in body["items"]}
    status, body = _get(system, "dept-c")
    assert status == 200
    assert all(str(gid) != i["grant_id"] for i in body["items"])
    assert _get(system, "dept-c", grant_id=gid) == (
        403,
        {"error": "Forbidden", "args": {"reason": "the uses of a grant between other departments", "grant_id": gid}},
    )
    assert _get(system, "dept-c", resource_id=rid) == (
        403,
        {"error": "Forbidden", "args": {"reason": "the uses of another department's resource", "resource_id": rid}},
    )
