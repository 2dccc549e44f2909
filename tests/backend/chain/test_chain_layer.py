"""The chain access layer against a real anvil and the real compiled ChainProbe."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from chain_testkit import DEV_KEYS, account, deploy_probe, load_manifest, make_sessions
from sqlalchemy import select
from web3 import Web3

from backend.chain.errors import ChainUnavailable, ContractRevert
from backend.chain.outbox import OutboxTx

HERE = Path(__file__).resolve().parent


def rows(stack) -> list[OutboxTx]:
    with stack.sessions() as s:
        return list(s.scalars(select(OutboxTx).order_by(OutboxTx.nonce)))


def bumped_tags(w3: Web3, manifest, by: str) -> Counter:
    probe = w3.eth.contract(address=manifest.contract("ChainProbe").address, abi=manifest.contract("ChainProbe").abi)
    logs = probe.events.Bumped().get_logs(from_block=manifest.deploy_block, argument_filters={"by": by})
    return Counter(int(ev["args"]["tag"]) for ev in logs)


def test_revert_is_decoded_exactly_and_consumes_no_nonce(anvil, probe_manifest_path, stack_factory):
    st = stack_factory(anvil.url, probe_manifest_path)
    acct = account(1)
    before = st.client.w3.eth.get_transaction_count(acct.address, "pending")

    with pytest.raises(ContractRevert) as exc:
        st.sender.send(acct, "ChainProbe", "reject", [7], "rej-1")
    assert (exc.value.name, exc.value.args_dict, exc.value.http_status) == (
        "ProbeRejected",
        {"code": 7, "who": acct.address},
        409,
    )
    assert rows(st) == []
    assert st.client.w3.eth.get_transaction_count(acct.address, "pending") == before

    # Reads map the two built-in revert kinds too.
    with pytest.raises(ContractRevert) as panic:
        st.client.call("ChainProbe", "divide", 1, 0)
    assert (panic.value.name, panic.value.args_dict) == ("Panic", {"code": 0x12})
    with pytest.raises(ContractRevert) as reason:
        st.client.call("ChainProbe", "failWithReason")
    assert (reason.value.name, reason.value.args_dict) == ("Error", {"reason": "probe: reason"})

    # The nonce the revert did not consume is the one the next write gets.
    ok = st.sender.send(acct, "ChainProbe", "bump", [1], "rej-2")
    assert (ok.status, ok.nonce, ok.pending) == ("mined", before, False)


def test_fifty_concurrent_sends_by_one_account(anvil, probe_manifest_path, stack_factory):
    st = stack_factory(anvil.url, probe_manifest_path)
    acct = account(2)
    first = st.client.w3.eth.get_transaction_count(acct.address, "pending")

    with ThreadPoolExecutor(max_workers=50) as pool:
        outcomes = list(pool.map(lambda i: st.sender.send(acct, "ChainProbe", "bump", [i], f"c-{i}"), range(50)))

    assert [o.status for o in outcomes] == ["mined"] * 50
    assert sorted(o.nonce for o in outcomes) == list(range(first, first + 50))
    for i, o in enumerate(outcomes):
        assert [(e["contract"], e["event"], e["args"]["tag"], e["args"]["by"]) for e in o.events] == [
            ("ChainProbe", "Bumped", i, acct.address)
        ]
    assert st.client.w3.eth.get_transaction_count(acct.address, "latest") == first + 50
    assert [(r.status, r.nonce) for r in rows(st)] == [("mined", first + i) for i in range(50)]
    assert bumped_tags(st.client.w3, st.manifest, acct.address) == Counter(range(50))


def test_same_idempotency_key_twice_has_one_effect(anvil, probe_manifest_path, stack_factory):
    st = stack_factory(anvil.url, probe_manifest_path)
    acct = account(3)

    barrier = threading.Barrier(2)

    def send():
        barrier.wait()
        return st.sender.send(acct, "ChainProbe", "bump", [4242], "same-key")

    with ThreadPoolExecutor(max_workers=2) as pool:
        a, b = list(pool.map(lambda _: send(), range(2)))
    c = st.sender.send(acct, "ChainProbe", "bump", [4242], "same-key")

    assert a.status == "mined"
    assert (a.tx_hash, a.nonce, a.block_number, a.events) == (b.tx_hash, b.nonce, b.block_number, b.events)
    assert (a.tx_hash, a.nonce, a.block_number, a.events, a.gas_used) == (
        c.tx_hash,
        c.nonce,
        c.block_number,
        c.events,
        c.gas_used,
    )
    assert len(rows(st)) == 1
    assert bumped_tags(st.client.w3, st.manifest, acct.address) == Counter({4242: 1})


def test_receipt_timeout_is_pending_then_reconcile_marks_mined(anvil_factory, probe_artifact, stack_factory, tmp_path):
    node = anvil_factory("--no-mining")  # blocks only when the test says so
    manifest_path = deploy_probe(node.url, probe_artifact, tmp_path / "dep", mine=True)
    st = stack_factory(node.url, manifest_path, receipt_timeout_s=0.3)
    acct = account(1)
    nonce = st.client.w3.eth.get_transaction_count(acct.address, "pending")

    out = st.sender.send(acct, "ChainProbe", "bump", [9], "slow")
    assert (out.status, out.pending, out.nonce, out.block_number) == ("sent", True, nonce, None)
    assert [(r.status, r.nonce, r.tx_hash) for r in rows(st)] == [("sent", nonce, out.tx_hash)]

    node.rpc("evm_mine")
    assert st.sender.reconcile() == {"mined": 1, "reverted": 0, "rebroadcast": 0, "failed": 0}
    [row] = rows(st)
    assert (row.status, row.nonce, row.tx_hash) == ("mined", nonce, out.tx_hash)
    assert row.events[0]["args"] == {"tag": 9, "by": acct.address, "n": 1}

    # The same key now answers the mined outcome; the nonce was used exactly once.
    again = st.sender.send(acct, "ChainProbe", "bump", [9], "slow")
    assert (again.status, again.tx_hash, again.nonce, again.pending) == ("mined", out.tx_hash, nonce, False)
    assert st.client.w3.eth.get_transaction_count(acct.address, "pending") == nonce + 1
    assert st.client.w3.eth.get_transaction_by_block(row.block_number, 0)["hash"].hex() == out.tx_hash[2:]


def test_reverted_on_chain_is_recorded_with_decoded_error(anvil_factory, probe_artifact, stack_factory, tmp_path):
    # Our write passes simulation (count 0 < 1); a higher-paying write of another
    # signer is mined before it in the same block (anvil orders by fee), so ours
    # reverts on chain: the outbox records the decoded error, not a generic failure.
    node = anvil_factory("--no-mining")
    manifest_path = deploy_probe(node.url, probe_artifact, tmp_path / "dep", mine=True)
    ours = stack_factory(node.url, manifest_path, receipt_timeout_s=0.2, gas_price_wei=2 * 10**9)
    theirs = stack_factory(
        node.url, manifest_path, db_name="theirs.db", receipt_timeout_s=0.2, gas_price_wei=50 * 10**9
    )
    acct = account(2)
    assert ours.sender.send(acct, "ChainProbe", "bumpUnlessCode", [1, 1], "will-revert").pending
    assert theirs.sender.send(account(3), "ChainProbe", "bump", [0], "goes-first").pending

    node.rpc("evm_mine")
    assert ours.sender.reconcile() == {"mined": 0, "reverted": 1, "rebroadcast": 0, "failed": 0}
    [row] = rows(ours)
    assert (row.status, row.events) == ("reverted", [])
    assert row.revert == {"error": "ProbeRejected", "args": {"code": 1, "who": acct.address}}
    again = ours.sender.send(acct, "ChainProbe", "bumpUnlessCode", [1, 1], "will-revert")
    assert (again.status, again.revert.name, again.revert.args_dict) == (
        "reverted",
        "ProbeRejected",
        {"code": 1, "who": acct.address},
    )


def test_node_down_write_stays_queued_and_is_sent_after_restart(anvil_factory, probe_artifact, stack_factory, tmp_path):
    state = tmp_path / "anvil-state.json"
    node = anvil_factory("--block-time", "0.2", "--state", str(state))
    manifest_path = deploy_probe(node.url, probe_artifact, tmp_path / "dep")
    st = stack_factory(node.url, manifest_path)
    acct = account(5)
    warm = st.sender.send(acct, "ChainProbe", "bump", [1], "warm")
    assert warm.status == "mined"

    node.stop()  # SIGTERM: anvil writes its state
    with pytest.raises(ChainUnavailable):
        st.sender.send(acct, "ChainProbe", "bump", [2], "while-down")
    queued = [r for r in rows(st) if r.idempotency_key == "while-down"]
    assert [(r.status, r.nonce) for r in queued] == [("signed", warm.nonce + 1)]
    with pytest.raises(ChainUnavailable):
        st.sender.reconcile()

    anvil_factory("--block-time", "0.2", "--state", str(state), port=node.port)
    assert st.sender.reconcile() == {"mined": 0, "reverted": 0, "rebroadcast": 1, "failed": 0}
    done = st.sender.send(acct, "ChainProbe", "bump", [2], "while-down")
    assert (done.status, done.nonce, done.tx_hash) == ("mined", warm.nonce + 1, queued[0].tx_hash)
    assert bumped_tags(st.client.w3, st.manifest, acct.address) == Counter({1: 1, 2: 1})


def test_crash_at_random_points_loses_and_duplicates_nothing(anvil, probe_manifest_path, tmp_path, outbox_db, request):
    n, kills = 30, 10
    seed = random.randrange(1 << 30)
    rnd = random.Random(seed)
    if outbox_db == "postgresql":  # the crashing process's outbox on the real server
        db_url = request.getfixturevalue("pg_database_url")
    else:
        db_url = f"sqlite:///{tmp_path / 'crash.db'}"
    key = DEV_KEYS[4]
    cmd = [sys.executable, str(HERE / "crash_batch.py"), anvil.url, str(probe_manifest_path), db_url, key, str(n)]

    for _ in range(kills):
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rnd.uniform(0, 1.0))  # where the kill lands, not a timing assertion
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()

    final = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert final.returncode == 0, final.stderr[-2000:]
    assert final.stdout.splitlines()[-1] == "done " + ",".join(["mined"] * n), f"seed={seed}"

    engine, sessions = make_sessions(db_url)
    with sessions() as s:
        stored = list(s.scalars(select(OutboxTx).order_by(OutboxTx.nonce)))
    engine.dispose()
    first = stored[0].nonce
    assert sorted(r.idempotency_key for r in stored) == sorted(f"k-{i}" for i in range(n)), f"seed={seed}"
    assert [(r.nonce, r.status) for r in stored] == [(first + i, "mined") for i in range(n)], f"seed={seed}"
    addr = Web3.to_checksum_address(account(4).address)

    assert bumped_tags(Web3(Web3.HTTPProvider(anvil.url)), load_manifest(probe_manifest_path), addr) == Counter(
        range(n)
    ), f"seed={seed}"
