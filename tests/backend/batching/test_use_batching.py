"""Uses of one grant coalesced into recordUseBatch transactions: real anvil (0.2 s
blocks), real contracts, the real app through TestClient; crash safety with a
SIGKILLed child process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def _uses(s, gid):
    return s.events("UsageRights", "UseRecorded", grantId=gid)


def _grant(s, gid):
    return s.contract("UsageRights").functions.grant(gid).call()


def _post_many(s, gid, n, who="dept-b", key=None, extra=None):
    def one(i):
        headers = s.h(who, key=key, **(extra or {}))
        return s.http.post(f"/grants/{gid}/uses", json={"context_ref": f"case-{i}"}, headers=headers)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


def test_40_concurrent_uses_share_transactions_and_get_their_own_use_index(system):
    s = system
    _, appr = s.granted("dept-a", "dept-b", max_uses=40)
    gid = appr["grant_id"]
    results = _post_many(s, gid, 40)
    assert [r.status_code for r in results] == [201] * 40, [r.text for r in results if r.status_code != 201]
    bodies = [r.json() for r in results]
    assert sorted(b["use_index"] for b in bodies) == list(range(1, 41))
    events = _uses(s, gid)
    assert len(events) == 40
    by_index = {e["useIndex"]: e for e in events}
    for b in bodies:  # each caller's answer is its own UseRecorded event
        ev = by_index[b["use_index"]]
        assert ev["tx_hash"] == b["tx_hash"]
        assert "0x" + ev["contextRef"].hex() == b["context_ref"]
    txs = {e["tx_hash"] for e in events}
    assert len(txs) < 40, "uses arriving together must share transactions"
    assert _grant(s, gid)[6] == 40  # usedCount
    # and the batch calls were recordUseBatch, one outbox row each
    for h in txs:
        tx = s.w3.eth.get_transaction(h)
        assert s.contract("UsageRights").decode_function_input(tx["input"])[0].fn_name == "recordUseBatch"


def test_same_key_concurrently_is_one_use_with_one_answer(system):
    s = system
    _, appr = s.granted("dept-a", "dept-b", max_uses=10)
    gid, key = appr["grant_id"], "same-" + uuid.uuid4().hex

    def one(_):
        return s.http.post(f"/grants/{gid}/uses", json={"context_ref": "case-x"}, headers=s.h("dept-b", key=key))

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(one, range(6)))
    assert [r.status_code for r in results] == [201] * 6, [r.text for r in results]
    assert len({json.dumps(r.json(), sort_keys=True) for r in results}) == 1
    assert len(_uses(s, gid)) == 1 and results[0].json()["use_index"] == 1
    # later retry: same answer; the key for another use is refused
    again = s.http.post(f"/grants/{gid}/uses", json={"context_ref": "case-x"}, headers=s.h("dept-b", key=key))
    assert again.status_code == 201 and again.json() == results[0].json()
    other = s.http.post(f"/grants/{gid}/uses", json={"context_ref": "case-y"}, headers=s.h("dept-b", key=key))
    assert other.status_code == 409 and other.json()["error"] == "IdempotencyKeyReused"
    assert len(_uses(s, gid)) == 1


def test_exhaustion_midway_exactly_max_uses_succeed_rest_get_contract_error(system):
    s = system
    _, appr = s.granted("dept-a", "dept-b", max_uses=10)
    gid = appr["grant_id"]
    results = _post_many(s, gid, 15)
    codes = sorted(r.status_code for r in results)
    assert codes == [201] * 10 + [409] * 5, [r.text for r in results]
    for r in results:
        if r.status_code == 409:
            assert r.json() == {"error": "UsageRightsGrantExhausted", "args": {"grantId": gid, "maxUses": 10}}
    assert sorted(r.json()["use_index"] for r in results if r.status_code == 201) == list(range(1, 11))
    assert len(_uses(s, gid)) == 10 and _grant(s, gid)[6] == 10
    # a refused key keeps its answer
    refused = next(r for r in results if r.status_code == 409)
    assert refused.json()["error"] == "UsageRightsGrantExhausted"


def test_respond_async_is_202_then_status_shows_mined(system):
    s = system
    _, appr = s.granted("dept-a", "dept-b", max_uses=5)
    gid, key = appr["grant_id"], "async-" + uuid.uuid4().hex
    r = s.http.post(
        f"/grants/{gid}/uses", json={"context_ref": "case-a"}, headers=s.h("dept-b", key=key, Prefer="respond-async")
    )
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["status"] == "queued" and body["idempotency_key"] == key
    assert r.headers["Location"] == body["status_url"] == f"/grants/{gid}/uses/{key}"
    assert r.headers["Preference-Applied"] == "respond-async"
    deadline = time.monotonic() + 10
    while True:
        st = s.http.get(body["status_url"], headers=s.h("dept-b"))
        assert st.status_code == 200, st.text
        if st.json()["status"] == "mined" or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    st = st.json()
    assert st["status"] == "mined" and st["use_index"] == 1
    ev = _uses(s, gid)
    assert len(ev) == 1 and ev[0]["tx_hash"] == st["tx_hash"] and ev[0]["useIndex"] == 1
    # the same key again, synchronously: the same use
    again = s.http.post(f"/grants/{gid}/uses", json={"context_ref": "case-a"}, headers=s.h("dept-b", key=key))
    assert again.status_code == 201 and again.json()["tx_hash"] == st["tx_hash"] and again.json()["use_index"] == 1
    # unknown key: 404; another department: 403
    assert s.http.get(f"/grants/{gid}/uses/nope-{uuid.uuid4().hex}", headers=s.h("dept-b")).status_code == 404
    assert s.http.get(body["status_url"], headers=s.h("dept-c")).status_code == 403


def test_fetches_and_uses_join_the_same_batches_and_data_leaves_after_mining(system):
    s = system
    _, appr = s.granted("dept-a", "dept-b", max_uses=20, record={"secret": "batched-fetch"})
    gid = appr["grant_id"]

    def one(i):
        if i % 2:
            return s.http.get(f"/grants/{gid}/data", headers=s.h("dept-b"))
        return s.http.post(f"/grants/{gid}/uses", json={}, headers=s.h("dept-b"))

    with ThreadPoolExecutor(12) as pool:
        results = list(pool.map(one, range(12)))
    assert sorted(r.status_code for r in results) == [200] * 6 + [201] * 6, [r.text for r in results]
    events = _uses(s, gid)
    assert len(events) == 12 and len({e["tx_hash"] for e in events}) < 12
    for r in results:
        if r.status_code == 200:
            body = r.json()
            assert body["record"] == {"secret": "batched-fetch"}
            # its use is on chain, in a mined transaction
            assert s.w3.eth.get_transaction_receipt(body["use"]["tx_hash"])["status"] == 1
            assert body["use"]["use_index"] in {e["useIndex"] for e in events}


@pytest.mark.parametrize("mode", ["before_broadcast", "after_broadcast"])
def test_crash_during_batch_then_reconcile_records_each_use_exactly_once(system, tmp_path, mode):
    s = system
    _, appr = s.granted("dept-a", "dept-b", max_uses=30)
    gid, n = appr["grant_id"], 8
    data = tmp_path / "data"
    data.mkdir()
    (data / "keystore").symlink_to(s.ctx.settings.keystore_dir, target_is_directory=True)
    cfg = {
        "env": "development",
        "rpc_url": s.w3.provider.endpoint_uri,
        "network": "apitest",
        "data_dir": str(data),
        "database_url": f"sqlite:///{data / 'child.db'}",
        "deployments_dir": str(s.deployments),
        "keystore_secret": s.ctx.settings.keystore_secret,
        "subject_secret": s.ctx.settings.subject_secret,
        "receipt_timeout_s": 20,
        "poll_interval_s": 0.005,
    }
    env = {**os.environ, "CRASH_SIGNER": "dept-b"}
    cmd = [sys.executable, str(HERE / "crash_uses.py"), json.dumps(cfg)]
    first = subprocess.run([*cmd, mode, str(gid), str(n)], env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == -signal.SIGKILL, first.stdout + first.stderr
    if mode == "before_broadcast":
        time.sleep(0.6)
        assert len(_uses(s, gid)) == 0  # signed and stored, never sent
    second = subprocess.run([*cmd, "recover", str(gid), str(n)], env=env, capture_output=True, text=True, timeout=120)
    # the child signed for dept-b with its own outbox: this process re-reads dept-b's nonce
    # (one backend process per signer is the deployment assumption)
    s.ctx.client.nonces.for_address(s.addr["dept-b"]).resync()
    assert second.returncode == 0, second.stdout + second.stderr
    done = json.loads(second.stdout.split("done ", 1)[1])
    events = _uses(s, gid)
    contexts = sorted(e["contextRef"].rstrip(b"\0").decode() for e in events)
    assert contexts == sorted(f"crash-{i}" for i in range(n)), contexts  # each use exactly once
    assert sorted(v[0] for v in done.values()) == list(range(1, n + 1))
    by_index = {e["useIndex"]: e for e in events}
    for i, (use_index, tx_hash) in done.items():
        assert by_index[use_index]["tx_hash"] == tx_hash
        assert by_index[use_index]["contextRef"].rstrip(b"\0").decode() == f"crash-{i}"
    assert _grant(s, gid)[6] == n
