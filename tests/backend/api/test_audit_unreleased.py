"""GET /audit/unreleased: uses recorded on chain whose release the owner has not recorded on
chain ("recorded, not released"), decided by the contract's views; the index only supplies
confirmed details. The session's world is shared with other modules, so every query names
this module's grant."""

from __future__ import annotations

import uuid

import pytest
from api_world import System
from eth_utils import keccak
from sqlalchemy import delete, insert, select, update

from backend.indexer.models import chain_events

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
        "index_confirmed": True,
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


def _rows(system: System, grant_id: int, event: str) -> list[dict]:
    c = chain_events.c
    with system.ctx.sessions() as s:
        q = select(chain_events).where(c.grant_id == str(grant_id), c.event == event).order_by(c.id)
        return [dict(r) for r in s.execute(q).mappings()]


def test_a_dba_editing_the_index_neither_hides_nor_invents_a_use(system: System):
    res, approved = system.granted("dept-a", "dept-b", max_uses=5)
    gid = int(approved["grant_id"])
    subject = keccak(b"subject of the forged index")
    uses = [_record_use(system, gid, subject) for _ in range(3)]
    _, honest = _get(system, "auditor", grant_id=gid)
    assert [(i["use_index"], i["index_confirmed"]) for i in honest["items"]] == [(1, True), (2, True), (3, True)]

    recorded = _rows(system, gid, "UseRecorded")
    assert [r["args"]["useIndex"] for r in recorded] == [1, 2, 3]
    c = chain_events.c
    with system.ctx.sessions.begin() as s:
        # hide use 1: delete its UseRecorded row and forge a UseReleased row for it
        s.execute(delete(chain_events).where(c.id == recorded[0]["id"]))
        forged_release = {k: v for k, v in recorded[0].items() if k != "id"}
        forged_release |= {
            "event": "UseReleased",
            "tx_hash": "0x" + "ab" * 32,
            "log_index": 997,
            "args": {**recorded[0]["args"], "contentHash": "0x" + "11" * 32},
        }
        s.execute(insert(chain_events).values(**forged_release))
        # invent use 9: a copy of use 2's row under another index, on a made-up transaction
        invented = {k: v for k, v in recorded[1].items() if k != "id"}
        invented |= {"tx_hash": "0x" + "cd" * 32, "log_index": 998, "args": {**recorded[1]["args"], "useIndex": 9}}
        s.execute(insert(chain_events).values(**invented))
        # edit use 3: another subject
        edited = {**recorded[2]["args"], "subjectHash": "0x" + "22" * 32}
        s.execute(update(chain_events).where(c.id == recorded[2]["id"]).values(args=edited))

    status, body = _get(system, "auditor", grant_id=gid)
    assert status == 200, body
    body.pop("indexed_to_block")
    base = {
        "grant_id": str(gid),
        "resource_id": str(res["resource_id"]),
        "grantee": system.addr["dept-b"],
        "owner": system.addr["dept-a"],
        "purpose_code": 101,
    }
    unconfirmed = {"subject_hash": None, "tx_hash": None, "block_number": None, "time": None, "index_confirmed": False}
    use2 = honest["items"][1]
    assert use2 == {
        **base,
        "use_index": 2,
        "subject_hash": "0x" + subject.hex(),
        "tx_hash": uses[1][1],
        "block_number": uses[1][2],
        "time": use2["time"],
        "index_confirmed": True,
    }
    assert body == {
        "total": 3,
        "offset": 0,
        "limit": 100,
        # chain order from the index; the use whose row is gone last, every one still listed
        "items": [use2, {**base, "use_index": 3, **unconfirmed}, {**base, "use_index": 1, **unconfirmed}],
    }
    # the grantee sees the same through its own scoping, and no filter finds use 9 anywhere
    assert _get(system, "dept-b", grant_id=gid)[1]["items"] == body["items"]
    _, everyone = _get(system, "auditor", limit=1000)
    assert {(i["grant_id"], i["use_index"]) for i in everyone["items"] if i["grant_id"] == str(gid)} == {
        (str(gid), 1),
        (str(gid), 2),
        (str(gid), 3),
    }
