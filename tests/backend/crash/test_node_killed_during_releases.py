"""A department's node SIGKILLed in the middle of peer releases, then restarted (issue 9).

Real processes on a real chain: a small federation (the deployer, three governors' nodes,
two departments' nodes: dept-psb owns a dataset, dept-ca holds a grant on it), each node
its own ``govchain node run`` process with its own key and SQLite database.

* The owner's node killed during a burst of releases: after it is restarted and the grantee
  retries every use its node lists as ``recorded``, every use recorded on chain is released
  exactly once: one row per use in the owner's ledger, none twice; every receipt the grantee
  holds verifies against the chain; a further retry answers the same receipt, replayed.
* The grantee's node killed while its ``recordUse`` transactions are signed but not mined
  (mining is paused so the kill lands in that window every time): the transactions are mined
  after the kill, and the restarted node lists those uses as ``recorded`` (from its
  ``peer_use_intents`` and outbox, not from the request that died) and a retry releases them.
  A client re-sending a killed request with its Idempotency-Key gets that same use back.

No timing thresholds: every wait is bounded and fails with what it was waiting for.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from federation_testkit import quiet, running_federation

from backend.federation.messages import ReleaseDomain, ReleaseReceipt, recover
from backend.ops import federation, roster

MEMBERS = [roster.DEPLOYER, *roster.GOVERNORS, *roster.DEPARTMENTS[:2]]
NETWORK = "killtest"
OWNER, GRANTEE = "dept-psb", "dept-ca"
RESIDENT = "110105199001011234"
DATASET = {
    "format": "govchain.dataset/1",
    "subject": {"id_type": "resident_id", "field": "resident_id"},
    "fields": ["resident_id", "name", "status"],
    "records": [{"resident_id": RESIDENT, "name": "张三", "status": "married"}],
}
FIELDS = ["name", "status"]
WAIT_S = 120  # bound of every wait below (a failure says what did not happen)


@pytest.fixture(scope="module")
def fed(tmp_path_factory) -> Iterator[tuple[federation.Federation, Any, Any]]:
    with running_federation(tmp_path_factory.mktemp("killfed"), NETWORK, MEMBERS) as (f, w3, manifest):
        yield f, w3, federation.manifest_contract(w3, manifest, "UsageRights")


# -- HTTP helpers -----------------------------------------------------------------------------------
def _h(node: federation.FederationNode, key: str | None = None, **extra: str) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {node.token}",
        "Idempotency-Key": key or uuid.uuid4().hex,
        **extra,
    }


def _ok(r: httpx.Response, status: int = 200) -> dict:
    assert r.status_code == status, r.text
    return r.json()


def _grant(f: federation.Federation, max_uses: int) -> int:
    owner, grantee = f.nodes[OWNER], f.nodes[GRANTEE]
    c = httpx.Client(timeout=60)
    body = {"classification": "INTERNAL", "record": DATASET, "schema": {"type": "object"}}
    rid = _ok(c.post(f"{owner.url}/resources", json=body, headers=_h(owner)), 201)["resource_id"]
    ask = {
        "resource_id": rid,
        "purpose_code": 51,  # the federation registers the demo's entries (backend/ops/purposes.py)
        "legal_basis": "《税收征收管理法》第五条 / Tax Collection Law art. 5",
        "fields": FIELDS,
        "duration_s": 3600,
        "max_uses": max_uses,
    }
    req = _ok(c.post(f"{grantee.url}/requests", json=ask, headers=_h(grantee)), 201)["request_id"]
    approved = _ok(c.post(f"{owner.url}/requests/{req}/approve", json={"reason": "lawful"}, headers=_h(owner)))
    return int(approved["grant_id"])


def _release(grantee: federation.FederationNode, grant_id: int, key: str) -> httpx.Response | str:
    """One POST /releases; a connection that dies with the node answers its exception's name."""
    order = {"grant_id": grant_id, "fields": FIELDS}
    try:
        return httpx.post(
            f"{grantee.url}/releases",
            json=order,
            headers=_h(grantee, key, **{"X-Data-Subject": f"resident_id:{RESIDENT}"}),
            timeout=60,
        )
    except httpx.TransportError as exc:
        return type(exc).__name__


def _listed(grantee: federation.FederationNode, grant_id: int) -> dict[int, dict]:
    items = _ok(httpx.get(f"{grantee.url}/releases", params={"limit": 100}, headers=_h(grantee), timeout=30))["items"]
    return {u["use_index"]: u for u in items if u["grant_id"] == grant_id}


def _wait(what: str, check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_S
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"still not true after {WAIT_S}s: {what}")
        time.sleep(0.2)


def _kill(node: federation.FederationNode) -> None:
    assert node.process is not None and node.process.poll() is None, f"{node.member.key} is not running"
    os.kill(node.process.pid, signal.SIGKILL)
    node.process.wait(30)


def _retry_until_released(grantee: federation.FederationNode, grant_id: int) -> dict[int, dict]:
    """Retry every use the grantee lists as recorded until all are released; the answers by use."""
    answers: dict[int, dict] = {}
    deadline = time.monotonic() + WAIT_S
    while True:
        pending = [i for i, u in _listed(grantee, grant_id).items() if u["status"] == "recorded"]
        if not pending:
            return answers
        if time.monotonic() > deadline:
            pytest.fail(f"uses {pending} of grant {grant_id} still recorded, not released, after {WAIT_S}s")
        for i in pending:
            r = httpx.post(f"{grantee.url}/releases/{grant_id}/{i}/retry", headers=_h(grantee), timeout=60)
            assert r.status_code in (200, 503), r.text  # 503: the owner is not back yet; anything else is wrong
            if r.status_code == 200:
                answers[i] = r.json()


# -- what the chain and each node's own database hold -------------------------------------------------
def _rows(node: federation.FederationNode, sql: str, *args: Any) -> list[tuple]:
    db = sqlite3.connect(f"file:{node.data_dir / 'govchain.db'}?mode=ro", uri=True)
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()


def _used_count(usage_rights: Any, grant_id: int) -> int:
    return int(usage_rights.functions.grant(grant_id).call()[6])  # Grant.usedCount


def _uses_on_chain(usage_rights: Any, grant_id: int) -> list[int]:
    logs = usage_rights.events.UseRecorded().get_logs(from_block=0, argument_filters={"grantId": grant_id})
    return sorted(int(e["args"]["useIndex"]) for e in logs)


def _assert_released_exactly_once(f: federation.Federation, w3: Any, usage_rights: Any, grant_id: int) -> None:
    owner, grantee = f.nodes[OWNER], f.nodes[GRANTEE]
    on_chain = _uses_on_chain(usage_rights, grant_id)
    assert on_chain == list(range(1, len(on_chain) + 1))
    assert _used_count(usage_rights, grant_id) == len(on_chain)
    listed = _listed(grantee, grant_id)
    assert sorted(listed) == on_chain, "the grantee lists exactly the uses recorded on chain"
    assert {u["status"] for u in listed.values()} == {"released"}
    ledger = _rows(owner, "SELECT use_index FROM peer_releases WHERE grant_id = ? ORDER BY use_index", str(grant_id))
    assert [r[0] for r in ledger] == on_chain, "one ledger row per recorded use: none missing, none twice"
    # every receipt the grantee holds is the owner's, for that use, and the same as the owner's ledger row
    domain = ReleaseDomain(w3.eth.chain_id, usage_rights.address)
    held = _rows(
        grantee,
        "SELECT use_index, content_hash, envelope_hash, released_at, receipt_signature FROM peer_uses"
        " WHERE grant_id = ? ORDER BY use_index",
        str(grant_id),
    )
    owners = dict(
        _rows(owner, "SELECT use_index, receipt_signature FROM peer_releases WHERE grant_id = ?", str(grant_id))
    )
    for use_index, content_hash, envelope_hash, released_at, sig in held:
        receipt = ReleaseReceipt(
            grant_id, use_index, bytes.fromhex(content_hash[2:]), bytes.fromhex(envelope_hash[2:]), released_at
        )
        assert recover(domain, receipt, bytes.fromhex(sig[2:])) == owner.config.address
        assert sig == owners[use_index]


# -- the tests -------------------------------------------------------------------------------------------
def test_restart_brings_a_killed_node_back_on_its_address(fed) -> None:
    f, _, _ = fed
    node = f.nodes[GRANTEE]
    before = node.process.pid if node.process else None
    with pytest.raises(federation.FederationError, match="still running"):
        federation.restart(f, GRANTEE, log=quiet)
    with pytest.raises(federation.FederationError, match="serves nothing"):
        federation.restart(f, roster.DEPLOYER.key, log=quiet)
    _kill(node)
    assert federation.restart(f, GRANTEE, log=quiet) is node
    assert node.process is not None and node.process.pid != before and node.process.poll() is None
    assert _ok(httpx.get(f"{node.url}/releases", headers=_h(node), timeout=30))["total"] >= 0


def test_owner_killed_during_releases_every_recorded_use_is_released_exactly_once(fed) -> None:
    f, w3, usage_rights = fed
    owner, grantee = f.nodes[OWNER], f.nodes[GRANTEE]
    n_uses = 12
    grant_id = _grant(f, n_uses)
    released = threading.Semaphore(0)
    answers: list[httpx.Response | str] = []

    def one(key: str) -> None:
        r = _release(grantee, grant_id, key)
        answers.append(r)
        if isinstance(r, httpx.Response) and r.status_code == 201:
            released.release()

    with ThreadPoolExecutor(3) as pool:
        futures = [pool.submit(one, uuid.uuid4().hex) for _ in range(n_uses)]
        for _ in range(3):  # kill once a few have gone through: the rest are in flight or queued
            assert released.acquire(timeout=WAIT_S), f"fewer than 3 releases answered within {WAIT_S}s: {answers}"
        _kill(owner)
        for fu in futures:
            fu.result()

    # the grantee answered each request: released (201), or owner down after the use was recorded (503)
    statuses = sorted(r.status_code if isinstance(r, httpx.Response) else r for r in answers)
    assert set(statuses) <= {201, 503}, [r.text if isinstance(r, httpx.Response) else r for r in answers]
    assert 503 in statuses, "the kill landed after the burst: nothing was left recorded, not released"
    for r in answers:
        if isinstance(r, httpx.Response) and r.status_code == 503:
            body = r.json()
            assert body["error"] == "PeerUnavailable" and body["args"]["grant_id"] == grant_id, body
    assert len(_uses_on_chain(usage_rights, grant_id)) == n_uses  # every request recorded its use

    federation.restart(f, OWNER, log=quiet)
    retried = _retry_until_released(grantee, grant_id)
    assert retried, "some uses were retried"
    _assert_released_exactly_once(f, w3, usage_rights, grant_id)

    # once everything is released, a retry is answered from the owner's ledger: the same receipt
    for use_index, first in retried.items():
        again = _ok(httpx.post(f"{grantee.url}/releases/{grant_id}/{use_index}/retry", headers=_h(grantee), timeout=60))
        assert again["replayed"] is True
        assert (again["receipt"], again["owner_signature"]) == (first["receipt"], first["owner_signature"])
    assert len(_rows(owner, "SELECT 1 FROM peer_releases WHERE grant_id = ?", str(grant_id))) == n_uses


def test_grantee_killed_between_signing_and_noting_its_uses_recovers_them(fed) -> None:
    f, w3, usage_rights = fed
    grantee = f.nodes[GRANTEE]
    grant_id = _grant(f, 12)
    for _ in range(2):  # released before the kill
        assert _release(grantee, grant_id, uuid.uuid4().hex).status_code == 201  # type: ignore[union-attr]

    in_flight = 4
    keys = [uuid.uuid4().hex for _ in range(in_flight)]
    w3.provider.make_request("evm_setIntervalMining", [0])  # nothing mines: every recordUse stays unmined
    try:
        with ThreadPoolExecutor(in_flight) as pool:
            futures = [pool.submit(_release, grantee, grant_id, k) for k in keys]
            _wait(
                f"{in_flight} recordUse transactions signed by the grantee's node",
                lambda: _outbox_in_flight(grantee) == in_flight,
            )
            _kill(grantee)
            died = [fu.result() for fu in futures]
        assert all(isinstance(d, str) for d in died), died  # no answer: the node died mid-request
    finally:
        w3.provider.make_request("evm_setIntervalMining", [1])

    federation.restart(f, GRANTEE, log=quiet)  # reconciles its outbox, then recovers the uses
    _wait(
        f"the {in_flight} killed uses mined on chain",
        lambda: len(_uses_on_chain(usage_rights, grant_id)) == 2 + in_flight,
    )
    _wait(
        "the restarted grantee lists every use recorded on chain",
        lambda: sorted(_listed(grantee, grant_id)) == _uses_on_chain(usage_rights, grant_id),
    )
    listed = _listed(grantee, grant_id)
    assert [listed[i]["status"] for i in sorted(listed)] == ["released"] * 2 + ["recorded"] * in_flight
    assert all(u["fields"] == FIELDS for u in listed.values())
    assert _rows(grantee, "SELECT COUNT(*) FROM peer_use_intents") == [(0,)], "every intent settled"

    # a client re-sending a killed request with its key gets that same use, not a new one
    again = _release(grantee, grant_id, keys[0])
    assert isinstance(again, httpx.Response) and again.status_code == 201, again
    assert again.json()["use_index"] in listed and again.json()["use_index"] > 2
    _retry_until_released(grantee, grant_id)
    assert len(_uses_on_chain(usage_rights, grant_id)) == 2 + in_flight
    _assert_released_exactly_once(f, w3, usage_rights, grant_id)


def _outbox_in_flight(node: federation.FederationNode) -> int:
    rows = _rows(node, "SELECT COUNT(*) FROM outbox WHERE fn_name = 'recordUse' AND status IN ('signed', 'sent')")
    return int(rows[0][0])
