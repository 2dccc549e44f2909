"""Group commit of the per-use outbox rows and unsimulated batches: real anvil, real
contracts, the real app through TestClient (the `system` consortium), with the
app's database on SQLite (the session's consortium) and on a real PostgreSQL (a
consortium of this module's own, tests/backend/api_world.py)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from api_world import build_system
from eth_utils import to_checksum_address
from postgres_testkit import DATABASES, create_database, drop_database
from sqlalchemy import func, select

from backend.chain.outbox import OutboxTx, OutboxUse


@pytest.fixture(scope="module", params=DATABASES)
def system(request, system, tmp_path_factory) -> Iterator:
    """Overrides the session's consortium here: itself for "sqlite"; for "postgresql"
    the same consortium on a chain of its own with the app's database on the server."""
    if request.param == "sqlite":
        yield system
        return
    server = request.getfixturevalue("pg_server")
    url = create_database(server)
    try:
        with build_system(tmp_path_factory.mktemp("batching-pg"), "batchingpg", database_url=url) as s:
            assert s.ctx.sender.sessions.kw["bind"].dialect.name == "postgresql"
            yield s
    finally:
        drop_database(server, url)


def _rows_for(s, keys):
    with s.ctx.sender.sessions() as db:
        return {
            r.idempotency_key.partition(":")[2]: r
            for r in db.scalars(select(OutboxUse).where(OutboxUse.idempotency_key.in_(keys)))
        }


def test_every_202_is_durable_when_answered_and_duplicates_in_one_group_are_one_row(system):
    s = system
    _, appr = system.granted("dept-a", "dept-b", max_uses=100)
    gid = appr["grant_id"]
    keys = [f"gc-{uuid.uuid4().hex}" for _ in range(24)]
    keys += keys[:6]  # the same keys again, concurrently: they land in the same commit groups

    def one(key):
        r = s.http.post(
            f"/grants/{gid}/uses",
            json={"context_ref": key[:20]},
            headers=s.h("dept-b", key=key, Prefer="respond-async"),
        )
        # the answer comes only after the COMMIT: the row is there when the client sees it
        full = f"grants.{gid}.use:{key}"
        row = _rows_for(s, [full]).get(key)
        return r, row

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(one, keys))
    for r, row in results:
        assert r.status_code in (201, 202), r.text
        assert row is not None and row.grant_id == str(gid)
    unique = {f"grants.{gid}.use:{k}" for k in keys}
    with s.ctx.sender.sessions() as db:
        n = db.scalar(select(func.count()).select_from(OutboxUse).where(OutboxUse.idempotency_key.in_(unique)))
    assert n == 24  # one row per key
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        rows = _rows_for(s, unique)
        if all(r.status == "mined" for r in rows.values()):
            break
        time.sleep(0.05)
    rows = _rows_for(s, unique)
    assert sorted(r.use_index for r in rows.values()) == list(range(1, 25))
    assert s.contract("UsageRights").functions.grant(gid).call()[6] == 24  # usedCount: each key once


def test_revoke_through_the_app_makes_the_next_batch_simulated_and_refused(system):
    s = system
    _, appr = system.granted("dept-a", "dept-b", max_uses=50)
    gid = appr["grant_id"]
    # warm the lane: batches after the first are sent without a separate simulation
    for i in range(3):
        r = s.http.post(f"/grants/{gid}/uses", json={"context_ref": f"w{i}"}, headers=s.h("dept-b"))
        assert r.status_code == 201, r.text
    rv = s.http.post(f"/grants/{gid}/revoke", json={"reason": "ended"}, headers=s.h("dept-a"))
    assert rv.status_code == 200, rv.text
    r = s.http.post(f"/grants/{gid}/uses", json={"context_ref": "after"}, headers=s.h("dept-b"))
    assert r.status_code in (403, 409), r.text
    assert r.json()["error"] == "UsageRightsGrantRevoked"
    d = s.http.get(f"/grants/{gid}/data", headers=s.h("dept-b"))
    assert d.status_code in (403, 409) and "record" not in d.json()
    assert s.contract("UsageRights").functions.grant(gid).call()[6] == 3


def test_async_path_on_a_cached_grant_still_checks_the_grantee_and_answers_replays(system):
    s = system
    _, appr = system.granted("dept-a", "dept-b", max_uses=20)
    gid = appr["grant_id"]
    key = f"ap-{uuid.uuid4().hex}"
    r = s.http.post(
        f"/grants/{gid}/uses", json={"context_ref": "one"}, headers=s.h("dept-b", key=key, Prefer="respond-async")
    )
    assert r.status_code in (201, 202), r.text  # the grant view is cached from here on
    r = s.http.post(f"/grants/{gid}/uses", json={"context_ref": "x"}, headers=s.h("dept-c", Prefer="respond-async"))
    assert r.status_code == 403 and r.json()["error"] == "Forbidden", r.text
    # the same key, another use: refused; the same use again: one row, one on-chain use
    r = s.http.post(
        f"/grants/{gid}/uses", json={"context_ref": "two"}, headers=s.h("dept-b", key=key, Prefer="respond-async")
    )
    assert r.status_code == 409 and r.json()["error"] == "IdempotencyKeyReused", r.text
    for _ in range(2):
        r = s.http.post(
            f"/grants/{gid}/uses", json={"context_ref": "one"}, headers=s.h("dept-b", key=key, Prefer="respond-async")
        )
        assert r.status_code in (200, 201, 202), r.text
    assert len(_rows_for(s, [f"grants.{gid}.use:{key}"])) == 1
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and s.contract("UsageRights").functions.grant(gid).call()[6] < 1:
        time.sleep(0.05)
    time.sleep(0.5)
    assert s.contract("UsageRights").functions.grant(gid).call()[6] == 1


def test_only_rows_under_this_services_keys_are_legacy_uses(system):
    """A single recordUse row of the peer protocol (key ``peer.use:…``) can never answer a key of
    POST /grants/{id}/uses: it does not send the signer's uses down the legacy (thread) path; a
    single recordUse row under ``grants.…`` does."""
    usage = system.ctx.services.usage
    signer = to_checksum_address("0x" + uuid.uuid4().hex + uuid.uuid4().hex[:8])

    def single_record_use(key: str, nonce: int) -> None:
        with system.ctx.sender.sessions.begin() as db:
            db.add(
                OutboxTx(
                    signer=signer,
                    idempotency_key=key,
                    nonce=nonce,
                    contract_name="UsageRights",
                    fn_name="recordUse",
                    to=signer,
                    data="0x",
                    raw_tx="0x",
                    tx_hash="0x" + uuid.uuid4().hex + uuid.uuid4().hex,
                    status="mined",
                )
            )

    single_record_use(f"peer.use:{uuid.uuid4().hex}", 0)
    assert usage._has_legacy_uses(signer) is False
    usage._legacy.pop(signer)
    single_record_use(f"grants.7.use:{uuid.uuid4().hex}", 1)
    assert usage._has_legacy_uses(signer) is True
