"""Indexer rebuild and auditor trail queries over a large, realistic trail.

The data set is real platform events: ``UsageRights.recordUseBatch`` by a real
grantee on a real grant (200 uses per transaction, varied officers, data
subjects and case references), so the auditor's question "every use of
resource R" has ≥50,000 answers. The rebuild indexes every event of every
platform contract from the deploy block into a fresh SQLite file.
"""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from sqlalchemy import select
from web3 import Web3

from backend.chain import build_web3, load_manifest, manifest_path
from backend.core.config import Settings
from backend.core.db import make_engine, session_factory
from backend.core.identity import officer_hash, subject_hash
from backend.indexer import Indexer, chain_events, query_events
from backend.migrations import init_db
from benchmarks.common import Rpc, console, log, p50_p95, percentile, rnd

USES_PER_TX = 200
OFFICERS = 12
SUBJECTS = 400


def officer_hashes(settings: Settings, address: str) -> list[bytes]:
    return [officer_hash(settings.subject_secret, address, f"officer-{k:02d}") for k in range(OFFICERS)]


def subject_hashes(settings: Settings) -> list[bytes]:
    return [subject_hash(settings.subject_secret, "resident_id", f"11010519900101{k:04d}") for k in range(SUBJECTS)]


def emit_uses(
    w3: Web3,
    usage_rights: Any,
    grantee: LocalAccount,
    grant_id: int,
    total: int,
    settings: Settings,
    timeout_s: float = 120,
    *,
    subjects: list[bytes] | None = None,
    seed: int = 3,
) -> dict[str, Any]:
    """Record ``total`` uses of ``grant_id`` in batches of USES_PER_TX, pipelined
    (all transactions signed with consecutive nonces, then sent, then awaited).
    ``subjects``: the data subjects drawn from (default: SUBJECTS synthetic residents)."""
    rng = random.Random(seed)
    officers = officer_hashes(settings, grantee.address)
    subjects = subjects or subject_hashes(settings)
    zero = b"\x00" * 32
    n_tx = (total + USES_PER_TX - 1) // USES_PER_TX

    def batch_args(b: int) -> list:
        size = min(USES_PER_TX, total - b * USES_PER_TX)
        offs = [officers[rng.randrange(OFFICERS)] for _ in range(size)]
        subs = [subjects[rng.randrange(len(subjects))] if rng.random() < 0.8 else zero for _ in range(size)]
        ctxs = [keccak(f"case-{seed}-{b}-{i}".encode()) if rng.random() < 0.5 else zero for i in range(size)]
        return [grant_id, offs, subs, ctxs]

    args = [batch_args(b) for b in range(n_tx)]
    est = w3.eth.estimate_gas(
        {
            "from": grantee.address,
            "to": usage_rights.address,
            "data": usage_rights.encode_abi("recordUseBatch", args=args[0]),
        }
    )
    gas = int(est * 1.2) + 20_000
    base = int(w3.eth.get_block("latest")["baseFeePerGas"])
    tip = 10**9
    fees = {"maxFeePerGas": 4 * base + tip, "maxPriorityFeePerGas": tip}
    nonce = w3.eth.get_transaction_count(grantee.address, "pending")
    chain_id = w3.eth.chain_id
    raws = []
    for b, a in enumerate(args):
        tx = {
            "to": usage_rights.address,
            "data": usage_rights.encode_abi("recordUseBatch", args=a),
            "gas": gas,
            "nonce": nonce + b,
            "chainId": chain_id,
            "value": 0,
            "type": 2,
            **fees,
        }
        raws.append(grantee.sign_transaction(tx))
    rpc = Rpc(w3.provider.endpoint_uri)
    t0 = time.perf_counter()
    for i in range(0, len(raws), 50):
        for resp in rpc.batch(
            [("eth_sendRawTransaction", ["0x" + bytes(s.raw_transaction).hex()]) for s in raws[i : i + 50]]
        ):
            if resp.get("error"):
                raise RuntimeError(f"recordUseBatch refused: {resp['error']}")
    hashes = ["0x" + bytes(s.hash).hex() for s in raws]
    deadline = time.perf_counter() + timeout_s
    while True:
        rc = rpc.call("eth_getTransactionReceipt", [hashes[-1]])
        if rc is not None:
            break
        if time.perf_counter() > deadline:
            raise RuntimeError("recordUseBatch load not mined in time")
        time.sleep(0.05)
    elapsed = time.perf_counter() - t0
    receipts = []
    for i in range(0, len(hashes), 100):
        receipts += [r["result"] for r in rpc.batch([("eth_getTransactionReceipt", [h]) for h in hashes[i : i + 100]])]
    rpc.close()
    failed = [r for r in receipts if r is None or int(r["status"], 16) != 1]
    if failed:
        raise RuntimeError(f"{len(failed)} recordUseBatch transactions failed")
    gas_used = [int(r["gasUsed"], 16) for r in receipts]
    return {
        "uses": total,
        "transactions": n_tx,
        "uses_per_tx": USES_PER_TX,
        "gas_per_use": rnd(sum(gas_used) / total, 0),
        "mined_in_s": rnd(elapsed, 2),
        "uses_per_s_on_chain": rnd(total / elapsed, 0),
    }


def rebuild(settings: Settings, db_file: Path) -> tuple[dict[str, Any], Any]:
    """Index every platform event from the deploy block into a fresh SQLite file."""
    db_file.unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{db_file}")
    init_db(engine)
    sessions = session_factory(engine)
    manifest = load_manifest(manifest_path(settings.deployments_dir, settings.network))
    contracts = {name: (c.address, c.abi) for name, c in manifest.contracts.items()}
    w3 = build_web3(settings.rpc_url)
    head = w3.eth.block_number
    idx = Indexer(w3, contracts, sessions, manifest.deploy_block)
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("  indexer rebuild"),
        BarColumn(),
        TextColumn("{task.fields[events]:,} events"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("rebuild", total=max(1, head - manifest.deploy_block + 1), events=0)

        def progress(block: int, _target: int, inserted: int) -> None:
            bar.update(task, completed=block - manifest.deploy_block + 1, events=inserted)

        t0 = time.perf_counter()
        inserted = idx.rebuild(progress)
        elapsed = time.perf_counter() - t0
    cursor = idx.cursor()
    # Baseline in the same run: eth_getLogs alone over the same range, same chunks, no decoding or SQL.
    rpc = Rpc(settings.rpc_url)
    addresses = sorted({a.lower() for a, _ in contracts.values()})
    t1 = time.perf_counter()
    fetched = 0
    start = manifest.deploy_block
    while start <= cursor.block_number:
        end = min(start + idx.chunk - 1, cursor.block_number)
        fetched += len(rpc.call("eth_getLogs", [{"fromBlock": hex(start), "toBlock": hex(end), "address": addresses}]))
        start = end + 1
    getlogs_s = time.perf_counter() - t1
    rpc.close()
    result = {
        "events": inserted,
        "blocks": cursor.block_number - manifest.deploy_block + 1,
        "elapsed_s": rnd(elapsed, 2),
        "events_per_s": rnd(inserted / elapsed, 0),
        "baseline_getlogs_events_per_s": rnd(fetched / getlogs_s, 0),
        "baseline_getlogs_events": fetched,
        "database": "sqlite (fresh file, WAL)",
    }
    return result, sessions


def audit_queries(
    sessions: Any, resource_id: int, grant_id: int, grantee: str, settings: Settings, rounds: int = 8
) -> dict[str, Any]:
    """Trail queries for one resource (limit 100) at various offsets and filters."""
    with sessions() as s:
        total_uses = len(
            s.execute(
                select(chain_events.c.id).where(
                    chain_events.c.resource_id == str(resource_id), chain_events.c.event == "UseRecorded"
                )
            ).all()
        )
        times = [
            r[0]
            for r in s.execute(
                select(chain_events.c.block_time)
                .where(chain_events.c.resource_id == str(resource_id))
                .order_by(chain_events.c.block_number)
            ).all()
        ]
        max_id = s.execute(select(chain_events.c.id).order_by(chain_events.c.id.desc()).limit(1)).scalar()
    mid = times[len(times) // 2]
    officers = officer_hashes(settings, grantee)
    subjects = subject_hashes(settings)
    deep = max(0, total_uses - 100)

    def at(frac: float) -> int:  # an offset at a fraction of the trail (the last page at most)
        return min(deep, int(total_uses * frac))

    per_officer = total_uses // OFFICERS
    cases: list[tuple[str, dict[str, Any]]] = []
    for off in sorted({0, 100, 1_000, at(0.2), at(0.5), deep}):
        cases.append((f"resource offset={off}", {"resource_id": resource_id, "offset": off}))
    cases += [
        (
            f"resource+event UseRecorded offset={at(0.4)}",
            {"resource_id": resource_id, "event": "UseRecorded", "offset": at(0.4)},
        ),
        ("resource+time window", {"resource_id": resource_id, "from_time": mid, "to_time": mid + 5}),
        (
            f"resource+department offset={at(0.1)}",
            {"resource_id": resource_id, "department": grantee, "offset": at(0.1)},
        ),
        ("grant offset=0", {"grant_id": grant_id}),
        (f"grant offset={at(0.6)}", {"grant_id": grant_id, "offset": at(0.6)}),
        ("officer offset=0", {"officer_hash": officers[3]}),
        (f"officer offset={per_officer // 2}", {"officer_hash": officers[5], "offset": per_officer // 2}),
        ("data subject offset=0", {"subject_hash": subjects[7]}),
    ]
    samples: dict[str, list[float]] = {name: [] for name, _ in cases}
    rows_seen: dict[str, int] = {}
    for _ in range(rounds):
        for name, kw in cases:
            t = time.perf_counter()
            with sessions() as s:  # one session per query, as one API request would
                rows = query_events(s, limit=100, **kw)
            samples[name].append((time.perf_counter() - t) * 1000)
            rows_seen[name] = len(rows)
    empty = [n for n, c in rows_seen.items() if c == 0]
    if empty:
        raise RuntimeError(f"audit queries returned no rows: {empty}")
    all_ms = [x for xs in samples.values() for x in xs]
    # Baseline in the same run: the database's own floor for reading 100 rows (primary-key range).
    base = []
    rng = random.Random(5)
    for _ in range(rounds * 4):
        start = rng.randrange(1, max(2, max_id - 100))
        t = time.perf_counter()
        with sessions() as s:
            list(
                s.execute(select(chain_events).where(chain_events.c.id >= start).order_by(chain_events.c.id).limit(100))
            )
        base.append((time.perf_counter() - t) * 1000)
    by_case = {name: {**p50_p95(xs), "rows": rows_seen[name]} for name, xs in samples.items()}
    worst = max(by_case.items(), key=lambda kv: kv[1]["p95"])
    log(f"  slowest query: {worst[0]} p95 {worst[1]['p95']} ms")
    return {
        "p95_ms": rnd(percentile(all_ms, 95), 2),
        "p50_ms": rnd(percentile(all_ms, 50), 2),
        "queries": len(all_ms),
        "resource_uses": total_uses,
        "baseline_pk_range_100_rows_ms": p50_p95(base),
        "by_query": by_case,
    }
