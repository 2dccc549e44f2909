"""What a fetch releases: one Idempotency-Key, one use, one content; and the data key
comes from whoever holds it (ownership transfers), checked before any use is spent."""

from __future__ import annotations

import uuid

from sqlalchemy import delete

from backend.chain.outbox import OutboxFetch
from backend.ops import deployer
from backend.store.models import DocumentKey

GOVERNORS = ("gov-1", "gov-2", "gov-3")


def _uses(s, gid: int) -> int:
    return len(s.events("UsageRights", "UseRecorded", grantId=gid))


def _transfer(s, resource_id: int, new_owner: str) -> None:
    """The council moves a resource to another department (DataCatalog.transferOwnership)."""
    cat, cons = s.contract("DataCatalog"), s.contract("Consortium")
    data = cat.encode_abi("transferOwnership", args=[resource_id, s.addr[new_owner]])
    govs = [s.accounts[g] for g in GOVERNORS]
    deployer.run_council(s.w3, cons, govs, lambda c: c.functions.proposeCouncilCall(cat.address, data, b"\1" * 32))
    for g in govs:  # signed outside the app: its nonce managers re-read the chain
        s.ctx.client.nonces.for_address(g.address).resync()


def test_fetch_replay_with_another_version_is_409_and_releases_nothing(system):
    s = system
    res, appr = s.granted("dept-a", "dept-b", record={"v": "first-version"})
    gid, rid = appr["grant_id"], res["resource_id"]
    r = s.http.post(f"/resources/{rid}/versions", json={"record": {"v": "second-version"}}, headers=s.h("dept-a"))
    assert r.status_code == 201, r.text
    key = uuid.uuid4().hex

    first = s.http.get(f"/grants/{gid}/data?version=1", headers=s.h("dept-b", key=key))
    assert first.status_code == 200, first.text
    assert first.json()["record"] == {"v": "first-version"} and first.json()["version"] == 1
    assert _uses(s, gid) == 1

    other = s.http.get(f"/grants/{gid}/data?version=2", headers=s.h("dept-b", key=key))
    assert other.status_code == 409, other.text
    assert other.json()["error"] == "IdempotencyKeyReused" and other.json()["args"]["key"] == key
    assert "second-version" not in other.text

    # a replay of the same request (or without a version) answers the same content and use
    for url in (f"/grants/{gid}/data?version=1", f"/grants/{gid}/data"):
        again = s.http.get(url, headers=s.h("dept-b", key=key))
        assert again.status_code == 200, again.text
        assert again.json()["record"] == {"v": "first-version"}
        assert again.json()["use"] == first.json()["use"]
    assert _uses(s, gid) == 1

    # a latest-version fetch binds the latest content; a later version does not change its replay
    key2 = uuid.uuid4().hex
    latest = s.http.get(f"/grants/{gid}/data", headers=s.h("dept-b", key=key2))
    assert latest.status_code == 200 and latest.json()["record"] == {"v": "second-version"}
    assert (
        s.http.post(f"/resources/{rid}/versions", json={"record": {"v": "third"}}, headers=s.h("dept-a")).status_code
        == 201
    )
    replay = s.http.get(f"/grants/{gid}/data", headers=s.h("dept-b", key=key2))
    assert replay.status_code == 200 and replay.json()["record"] == {"v": "second-version"}
    assert s.http.get(f"/grants/{gid}/data?version=3", headers=s.h("dept-b", key=key2)).status_code == 409
    assert _uses(s, gid) == 2
    with s.ctx.sessions() as db:
        bound = (
            db.query(OutboxFetch).filter_by(signer=s.addr["dept-b"], idempotency_key=f"grants.{gid}.fetch:{key}").one()
        )
    assert (bound.version, bound.content_hash) == (1, res["content_hash"])


def test_fetch_after_ownership_transfer_unwraps_from_a_key_holder(system):
    s = system
    res, appr = s.granted("dept-a", "dept-b", record={"moved": "yes"})
    gid, rid = appr["grant_id"], res["resource_id"]
    # a version the grantee holds no key for yet (published after the grant)
    r = s.http.post(f"/resources/{rid}/versions", json={"record": {"moved": "v2"}}, headers=s.h("dept-a"))
    assert r.status_code == 201, r.text
    v2 = r.json()["content_hash"]
    _transfer(s, rid, "dept-c")
    got = s.http.get(f"/resources/{rid}", headers=s.h("dept-b")).json()
    assert got["owner"] == s.addr["dept-c"]
    assert not s.ctx.store.has_access(v2, s.addr["dept-c"]) and not s.ctx.store.has_access(v2, s.addr["dept-b"])

    r = s.http.get(f"/grants/{gid}/data", headers=s.h("dept-b"))
    assert r.status_code == 200, r.text
    assert r.json()["record"] == {"moved": "v2"} and r.json()["content_hash"] == v2
    assert _uses(s, gid) == 1
    assert s.ctx.store.has_access(v2, s.addr["dept-b"])


def test_fetch_with_no_key_obtainable_is_refused_before_the_use(system):
    s = system
    res, appr = s.granted("dept-a", "dept-b", record={"lost": "keys"})
    gid = appr["grant_id"]
    with s.ctx.sessions.begin() as db:  # the data can no longer be decrypted by anyone here
        db.execute(delete(DocumentKey).where(DocumentKey.content_hash == res["content_hash"]))
    r = s.http.get(f"/grants/{gid}/data", headers=s.h("dept-b"))
    assert r.status_code == 409, r.text
    assert r.json()["error"] == "DocumentMissing" and r.json()["args"]["content_hash"] == res["content_hash"]
    assert "keys" not in r.text
    assert _uses(s, gid) == 0
    g = s.http.get(f"/grants/{gid}", headers=s.h("dept-b")).json()
    assert g["used_count"] == 0 and g["usable"] is True
