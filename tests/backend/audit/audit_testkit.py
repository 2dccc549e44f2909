"""Helpers of the audit tests (named uniquely: pytest puts test folders on sys.path)."""

from __future__ import annotations

from typing import Any

from web3 import Web3

from backend.indexer.runtime import make_indexer

CORE = ("Consortium", "DataCatalog", "Purposes", "UsageRights", "Accountability")


def sync(system) -> int:
    """Index up to the chain head; returns the last indexed block."""
    idx = make_indexer(system.ctx)
    idx.sync()
    return idx.cursor().block_number


def wait_mined_and_sync(system, tx_hash: str) -> int:
    block = system.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30)["blockNumber"]
    last = sync(system)
    assert last >= block
    return last


def _norm(inp: dict, v: Any) -> Any:
    """web3's decoded value → the index's JSON encoding (see backend/indexer/decoder.py)."""
    t = inp["type"]
    if t.startswith("uint") or t.startswith("int"):
        bits = int(t.lstrip("uint") or 256)
        return int(v) if bits <= 64 else str(int(v))
    if t == "address":
        return Web3.to_checksum_address(v)
    if isinstance(v, (bytes, bytearray)):
        return "0x" + bytes(v).hex()
    return v


def chain_events(system, to_block: int) -> list[dict[str, Any]]:
    """Every log of the core contracts from the deploy block, straight from eth_getLogs
    (not through the app's proxy), decoded with web3 and the manifest ABIs."""
    by_addr = {}
    for name in CORE:
        c = system.contract(name)
        by_addr[c.address.lower()] = (name, c)
    logs = system.w3.eth.get_logs(
        {
            "fromBlock": int(system.manifest["deploy_block"]),
            "toBlock": to_block,
            "address": [c.address for _n, c in by_addr.values()],
        }
    )
    out = []
    times: dict[int, int] = {}
    for log in logs:
        name, c = by_addr[log["address"].lower()]
        ev = None
        for entry in c.abi:
            if entry.get("type") != "event":
                continue
            try:
                ev = c.events[entry["name"]]().process_log(log)
            except Exception:
                continue
            inputs = entry["inputs"]
            break
        assert ev is not None, log
        bn = int(log["blockNumber"])
        if bn not in times:
            times[bn] = int(system.w3.eth.get_block(bn)["timestamp"])
        out.append(
            {
                "block_number": bn,
                "block_time": times[bn],
                "tx_hash": "0x" + bytes(log["transactionHash"]).hex(),
                "log_index": int(log["logIndex"]),
                "contract": name,
                "address": Web3.to_checksum_address(log["address"]),
                "event": ev["event"],
                "args": {i["name"]: _norm(i, ev["args"][i["name"]]) for i in inputs},
            }
        )
    return out


TRAIL_KEYS = ("block_number", "block_time", "tx_hash", "log_index", "contract", "address", "event", "args")


def essentials(items: list[dict]) -> list[dict]:
    return [{k: i[k] for k in TRAIL_KEYS} for i in items]
