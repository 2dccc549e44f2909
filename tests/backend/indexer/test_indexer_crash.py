"""Scenario 7: the indexer SIGKILLed at random points during a sync; after a
restart its rows equal eth_getLogs over the same range, each log once."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time

from chain_helpers import ROOT, emit_uses, raw_logs
from sqlalchemy import func, select

from backend.indexer import chain_events


def test_sigkill_at_random_points_then_restart(w3, anvil_url, event_source, db, tmp_path):
    address, abi, deploy_block = event_source
    last = 0
    for wave in range(4):  # spread 3,000 events over several blocks
        last = emit_uses(w3, address, abi, batches=[(100 + wave, wave, 250)] * 3)
    spec = tmp_path / "spec.json"
    db_url = f"sqlite:///{tmp_path / 'idx.db'}"  # the same file the `db` fixture opened
    spec.write_text(
        json.dumps(
            {
                "rpc_url": anvil_url,
                "database_url": db_url,
                "start_block": deploy_block,
                "to_block": last,
                "chunk": 1,
                "insert_batch": 50,  # several statements per DB transaction: kills land mid-transaction
                "progress": True,
                "contracts": {"EventSource": {"address": address, "abi": abi}},
            }
        )
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "backend.indexer", str(spec)]
    rng = random.Random(7)
    killed = 0
    progress: list[int] = []  # rows present after each killed run (diagnostic only)
    for _ in range(8):
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        # Random kill point inside the sync: after k committed chunks plus a
        # random fraction of the next one (often mid-transaction).
        k = rng.randint(0, 5)
        for _line in range(k):
            if not proc.stdout.readline():
                break  # finished early
        time.sleep(rng.uniform(0.0, 0.1))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed += 1
        proc.wait()
        assert proc.returncode in (0, -signal.SIGKILL), proc.stderr.read().decode()[-2000:]
        with db() as s:
            progress.append(s.scalar(select(func.count()).select_from(chain_events)))

    final = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert final.returncode == 0, final.stderr[-2000:]

    truth = raw_logs(w3, address, deploy_block, last)
    assert len(truth) == 3000
    with db() as s:
        rows = {
            (r.tx_hash, r.log_index, r.block_hash)
            for r in s.execute(select(chain_events.c.tx_hash, chain_events.c.log_index, chain_events.c.block_hash))
        }
        count = s.scalar(select(func.count()).select_from(chain_events))
    assert rows == truth
    assert count == 3000
    print(f"killed {killed} of 8 runs before they finished; rows after each run: {progress}")
