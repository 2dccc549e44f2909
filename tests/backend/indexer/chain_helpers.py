"""Helpers for indexer tests: a throw-away anvil, solc-js compilation of the
test contract and batch event emission. Imported by conftest and by tests."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import select
from web3 import Web3

from backend.indexer import chain_events

ROOT = Path(__file__).resolve().parents[3]
EVENT_SOURCE = ROOT / "contracts" / "test" / "EventSource.sol"

_ANVIL_CANDIDATES = [
    os.environ.get("GOVCHAIN_ANVIL", ""),
    str(ROOT / "node_modules" / ".bin" / "anvil"),
]
_SOLC_CANDIDATES = [
    str(ROOT / "node_modules" / "solc"),
]


def _first_existing(paths: list[str]) -> str:
    for p in paths:
        if p and Path(p).exists():
            return p
    raise FileNotFoundError(f"none of {paths} exists")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def anvil(block_time: float = 0.2) -> Iterator[str]:
    """Start anvil on a free port with interval mining; yields the RPC URL."""
    binary = _first_existing(_ANVIL_CANDIDATES)
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--block-time", str(block_time), "--silent"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        w3 = Web3(Web3.HTTPProvider(url))
        for _ in range(200):
            if proc.poll() is not None:
                raise RuntimeError("anvil exited at start-up")
            try:
                w3.eth.block_number
                break
            except Exception:
                time.sleep(0.05)
        else:
            raise RuntimeError("anvil did not answer")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


_COMPILE_JS = r"""
const solc = require(process.argv[2]);
const fs = require('fs');
const input = {
  language: 'Solidity',
  sources: { 'EventSource.sol': { content: fs.readFileSync(process.argv[3], 'utf8') } },
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: 'shanghai',
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
  },
};
fs.writeFileSync(process.argv[4], solc.compile(JSON.stringify(input)));
"""


def compile_event_source() -> tuple[list[dict], str]:
    """(abi, bytecode) of EventSource, compiled once per source version with
    solc-js 0.8.37 (shanghai, optimizer 200) and cached in the temp dir."""
    source = EVENT_SOURCE.read_bytes()
    digest = hashlib.sha256(source).hexdigest()[:16]
    cache = Path(tempfile.gettempdir()) / f"govchain-eventsource-{digest}.json"
    if not cache.exists():
        solc = _first_existing(_SOLC_CANDIDATES)
        with tempfile.TemporaryDirectory() as tmp:
            script = Path(tmp) / "compile.js"
            script.write_text(_COMPILE_JS)
            out = Path(tmp) / "out.json"
            subprocess.run(["node", str(script), solc, str(EVENT_SOURCE), str(out)], check=True)
            result = json.loads(out.read_text())
            errors = [e for e in result.get("errors", []) if e["severity"] == "error"]
            if errors:
                raise RuntimeError(errors)
            c = result["contracts"]["EventSource.sol"]["EventSource"]
            tmp_cache = Path(tmp) / "cache.json"
            tmp_cache.write_text(json.dumps({"abi": c["abi"], "bytecode": c["evm"]["bytecode"]["object"]}))
            shutil.move(str(tmp_cache), cache)
    data = json.loads(cache.read_text())
    return data["abi"], data["bytecode"]


def deploy_event_source(w3: Web3) -> tuple[str, list[dict], int]:
    """Deploys EventSource from anvil's first (unlocked) account; returns (address, abi, block)."""
    abi, bytecode = compile_event_source()
    tx = w3.eth.contract(abi=abi, bytecode=bytecode).constructor().transact({"from": w3.eth.accounts[0]})
    rcpt = w3.eth.wait_for_transaction_receipt(tx, timeout=30, poll_latency=0.05)
    return rcpt["contractAddress"], abi, rcpt["blockNumber"]


def emit_uses(
    w3: Web3,
    address: str,
    abi: list[dict],
    *,
    batches: list[tuple[int, int, int]],
    subject: bytes = b"\x11" * 32,
    sender_index: int = 0,
) -> int:
    """Sends one emitUses tx per (resource_id, grant_id, count) without waiting
    in between, then waits for all receipts; returns the last block number."""
    c = w3.eth.contract(address=address, abi=abi)
    sender = w3.eth.accounts[sender_index]
    seq = 0
    txs = []
    for resource_id, grant_id, count in batches:
        txs.append(
            c.functions.emitUses(resource_id, grant_id, subject, seq, count).transact(
                {"from": sender, "gas": 30_000 + 12_000 * count}
            )
        )
        seq += count
    last = 0
    for tx in txs:
        rcpt = w3.eth.wait_for_transaction_receipt(tx, timeout=60, poll_latency=0.05)
        assert rcpt["status"] == 1
        last = max(last, rcpt["blockNumber"])
    return last


def raw_logs(w3: Web3, address: str, from_block: int, to_block: int) -> set[tuple[str, int, str]]:
    """{(tx_hash, log_index, block_hash)} straight from eth_getLogs: the ground truth."""
    resp = w3.provider.make_request(
        "eth_getLogs", [{"fromBlock": hex(from_block), "toBlock": hex(to_block), "address": address}]
    )
    return {(lg["transactionHash"].lower(), int(lg["logIndex"], 16), lg["blockHash"].lower()) for lg in resp["result"]}


def indexed_rows(db, address: str) -> set[tuple[str, int, str]]:
    """(tx_hash, log_index, block_hash) of every indexed event of ``address``: compared with :func:`raw_logs`."""
    with db() as s:
        return {
            (r.tx_hash, r.log_index, r.block_hash)
            for r in s.execute(
                select(chain_events.c.tx_hash, chain_events.c.log_index, chain_events.c.block_hash).where(
                    chain_events.c.address == address.lower()
                )
            )
        }
