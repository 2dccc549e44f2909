"""Scenario 9 (node down: indexed reads keep working, writes 503, the follower thread
survives and catches up) and scenario 7 (indexer killed mid-sync: rows equal eth_getLogs),
plus the `govchain audit` CLI on the same deployment."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from audit_testkit import CORE, chain_events, essentials, sync
from sqlalchemy import select
from typer.testing import CliRunner

from backend.core.db import make_engine, session_factory
from backend.indexer import chain_events as chain_events_table
from backend.indexer.runtime import IndexerThread
from backend.migrations import init_db


def _wait(pred, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.05)
    return False


def test_node_down_indexed_reads_work_writes_503_follower_catches_up(audit_ok):
    s = audit_ok
    res = s.register("dept-a")
    sync(s)
    thread = IndexerThread(s.ctx, interval_s=0.1, max_backoff_s=0.4).start()
    try:
        before = s.http.get("/audit/trail", params={"resource_id": res["resource_id"]}, headers=s.h("auditor")).json()
        assert before["total"] == 1
        s.proxy.down = True
        r = s.http.get("/audit/trail", params={"resource_id": res["resource_id"]}, headers=s.h("auditor"))
        assert r.status_code == 200 and r.json()["items"] == before["items"]
        assert (
            s.http.get("/audit/trail", params={"resource_id": res["resource_id"]}, headers=s.h("dept-a")).status_code
            == 200
        )  # ownership from the index
        for path in (
            "/audit/incidents",
            "/audit/stats",
            f"/audit/departments/{s.addr['dept-a']}/record",
            "/audit/trail/export?format=csv",
        ):
            assert s.http.get(path, headers=s.h("auditor")).status_code == 200, path
        idx = s.http.get("/audit/index", headers=s.h("auditor")).json()
        assert idx["node_reachable"] is False and idx["indexed_to_block"] >= res["block_number"]
        r = s.http.post(
            "/resources",
            json={"classification": "PUBLIC", "record": {"x": 1}, "schema_hash": "0x" + "22" * 32},
            headers=s.h("dept-a"),
        )
        assert r.status_code == 503 and r.json()["error"] == "ChainUnavailable"
        assert s.http.get(f"/audit/resources/{res['resource_id']}/integrity", headers=s.h("auditor")).status_code == 503
        assert (
            s.http.post(f"/audit/resources/{res['resource_id']}/integrity", headers=s.h("auditor")).status_code == 503
        )
        assert _wait(lambda: thread.status()["failures"] >= 2)
        assert thread.is_alive() and thread.status()["last_error"]

        s.proxy.down = False
        new = s.register("dept-a")
        assert thread.wait_for(new["block_number"], timeout=20)
        st = thread.status()
        assert st["failures"] == 0 and st["last_error"] is None and st["running"]
        got = s.http.get("/audit/trail", params={"resource_id": new["resource_id"]}, headers=s.h("auditor")).json()
        assert [i["tx_hash"] for i in got["items"]] == [new["tx_hash"]]
    finally:
        thread.stop()
    assert not thread.is_alive() and thread.status()["running"] is False


def test_indexer_killed_mid_sync_restarts_and_rows_equal_getlogs(audit, tmp_path):
    s = audit
    s.register("dept-c")  # make sure there is something after the last sync
    head = s.w3.eth.block_number
    db = tmp_path / "crash.db"
    spec = {
        "rpc_url": s.proxy.upstream,
        "database_url": f"sqlite:///{db}",
        "start_block": int(s.manifest["deploy_block"]),
        "to_block": head,
        "chunk": 1,
        "progress": True,
        "contracts": {
            n: {"address": c.address, "abi": c.abi} for n, c in s.ctx.manifest.contracts.items() if n in CORE
        },
    }
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    cmd = [sys.executable, "-m", "backend.indexer", str(tmp_path / "spec.json")]
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    for kill_after in (3, 11):  # SIGKILL after some committed chunks, twice
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)
        seen = 0
        for line in p.stdout:
            if "block" in json.loads(line):
                seen += 1
            if seen >= kill_after:
                p.send_signal(signal.SIGKILL)
                break
        p.wait(20)
        p.stdout.close()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr

    engine = make_engine(f"sqlite:///{db}")
    init_db(engine)
    c = chain_events_table.c
    with session_factory(engine)() as sess:
        rows = [
            dict(r._mapping)
            for r in sess.execute(
                select(
                    c.block_number, c.block_time, c.tx_hash, c.log_index, c.contract, c.address, c.event, c.args
                ).order_by(c.block_number, c.log_index)
            )
        ]
    engine.dispose()
    for r in rows:
        r["address"] = s.w3.to_checksum_address(r["address"])
    expected = chain_events(s, head)
    assert len({(r["tx_hash"], r["log_index"]) for r in rows}) == len(rows)  # each log once
    assert rows == expected


def test_cli_trail_integrity_incidents(audit, monkeypatch, tmp_path):
    s = audit
    res = s.register("dept-b")
    monkeypatch.setenv("COLUMNS", "240")  # rich reads it when the console is made
    monkeypatch.delitem(sys.modules, "backend.cli.audit", raising=False)
    from backend.cli.audit import audit_app

    st = s.ctx.settings
    for k, v in {
        "RPC_URL": st.rpc_url,
        "NETWORK": st.network,
        "DATA_DIR": str(st.data_dir),
        "DATABASE_URL": st.database_url,
        "DEPLOYMENTS_DIR": str(st.deployments_dir),
        "KEYSTORE_SECRET": st.keystore_secret,
        "SUBJECT_SECRET": st.subject_secret,
    }.items():
        monkeypatch.setenv(f"GOVCHAIN_{k}", v)
    runner = CliRunner()
    # trail as JSON to stdout (index synced first) equals the API's export
    r = runner.invoke(audit_app, ["trail", "--resource-id", str(res["resource_id"]), "--format", "json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    api = s.http.get("/audit/trail", params={"resource_id": res["resource_id"]}, headers=s.h("auditor")).json()["items"]
    assert out == api and essentials(out)[0]["event"] == "ResourceRegistered"
    # csv to a file
    f = tmp_path / "t.csv"
    r = runner.invoke(
        audit_app, ["trail", "--resource-id", str(res["resource_id"]), "--format", "csv", "--out", str(f), "--no-sync"]
    )
    assert r.exit_code == 0, r.output
    assert f.read_text().splitlines()[1].split(",")[3] == res["tx_hash"]
    r = runner.invoke(audit_app, ["trail", "--resource-id", str(res["resource_id"]), "--no-sync"])
    assert r.exit_code == 0 and "ResourceRegistered" in r.stdout
    r = runner.invoke(audit_app, ["integrity", str(res["resource_id"])])
    assert r.exit_code == 0 and "PASS" in r.stdout, r.output
    r = runner.invoke(audit_app, ["integrity", str(res["resource_id"]), "--file-as", s.addr["auditor"]])
    assert r.exit_code == 0 and "PASS" in r.stdout, r.output
    r = runner.invoke(audit_app, ["integrity", str(res["resource_id"]), "--file-as", s.addr["dept-a"]])
    assert r.exit_code == 2 and "InvalidInput" in r.output, r.output
    r = runner.invoke(audit_app, ["incidents", "--json", "--no-sync"])
    assert r.exit_code == 0 and "items" in json.loads(r.stdout)
    r = runner.invoke(audit_app, ["trail", "--subject", "0x12", "--no-sync"])
    assert r.exit_code == 2
