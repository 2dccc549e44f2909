"""Chain-side measurements: the node's own ceiling, a naive web3 client, and
broadcast-to-receipt confirmation time.

All load is a simple contract call: ``GasBaseline.emitOnly(uint256)`` (one
event, ~26k gas, the same reference transaction as reports/gas.json).
"""

from __future__ import annotations

import os
import random
import threading
import time
from dataclasses import dataclass
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from backend.core.config import PROJECT_ROOT
from backend.ops import deployer
from benchmarks.common import FastSigner, Rpc, log, p50_p95, rnd

BATCH = 100  # JSON-RPC batch size for the ceiling load


@dataclass
class Probe:
    """The reference contract and funded load accounts."""

    contract: Any
    accounts: list[LocalAccount]
    chain_id: int


def fund_many(w3: Web3, funder: LocalAccount, addresses: list[str], wei: int) -> None:
    """Fund several accounts with consecutive nonces, then wait for all receipts."""
    nonce = w3.eth.get_transaction_count(funder.address, "pending")
    fees = deployer.fee_fields(w3)
    hashes = []
    for i, addr in enumerate(addresses):
        tx = {"to": addr, "value": wei, "gas": 21_000, "nonce": nonce + i, "chainId": w3.eth.chain_id, **fees}
        hashes.append(w3.eth.send_raw_transaction(funder.sign_transaction(tx).raw_transaction))
    for h in hashes:
        w3.eth.wait_for_transaction_receipt(h, timeout=60, poll_latency=0.02)


def setup_probe(w3: Web3, funder: LocalAccount, n_accounts: int) -> Probe:
    art = deployer.load_artifact(PROJECT_ROOT / "build", "GasBaseline")
    if art is None:
        raise RuntimeError("build/contracts/GasBaseline.json missing: run `brownie compile`")
    accounts = [Account.from_key(os.urandom(32)) for _ in range(n_accounts)]
    fund_many(w3, funder, [a.address for a in accounts], 50 * 10**18)
    factory = w3.eth.contract(abi=art["abi"], bytecode=art["bytecode"])
    tx = factory.constructor().build_transaction({"from": accounts[0].address})
    receipt = deployer.send_tx(w3, accounts[0], tx)
    contract = w3.eth.contract(address=receipt["contractAddress"], abi=art["abi"])
    return Probe(contract, accounts, w3.eth.chain_id)


# -- node ceiling ------------------------------------------------------------------------------
def node_ceiling(w3: Web3, probe: Probe, per_account: int, block_time: float, timeout_s: float = 60) -> dict[str, Any]:
    """Pre-signed simple calls from several accounts, sent as JSON-RPC batches
    of 100 over one keep-alive session; timed from the first send until the
    block holding the last one is seen."""
    rpc = Rpc(w3.provider.endpoint_uri)
    c = probe.contract
    sample = c.encode_abi("emitOnly", args=[1])
    est = w3.eth.estimate_gas({"from": probe.accounts[0].address, "to": c.address, "data": sample})
    gas = int(est) + 5_000
    base_fee = int(w3.eth.get_block("latest")["baseFeePerGas"])
    gas_price = max(10**9, 8 * base_fee)  # full blocks raise the base fee 12.5 % each

    selector = bytes.fromhex(sample[2:10])
    if bytes.fromhex(sample[2:]) != selector + (1).to_bytes(32, "big"):
        raise RuntimeError("unexpected emitOnly encoding")
    # -- sign (not timed) --
    t_sign = time.perf_counter()
    per_acct: list[list[bytes]] = []
    all_hashes: list[bytes] = []
    for k, acct in enumerate(probe.accounts):
        signer = FastSigner(bytes(acct.key), probe.chain_id)
        if k == 0:
            signer.self_check()
        nonce0 = w3.eth.get_transaction_count(acct.address, "pending")
        raws = []
        for i in range(per_account):
            data = selector + (k * 1_000_000 + i).to_bytes(32, "big")  # emitOnly(uint256)
            raw, h = signer.sign(nonce0 + i, gas_price, gas, c.address, data)
            raws.append(raw)
            all_hashes.append(h)
        per_acct.append(raws)
    sign_s = time.perf_counter() - t_sign
    total = len(all_hashes)
    # Interleave accounts so every batch carries several senders, each in nonce order.
    order = [per_acct[k][i] for i in range(per_account) for k in range(len(per_acct))]
    batches = [order[i : i + BATCH] for i in range(0, len(order), BATCH)]
    log(
        f"  signed {total} txs in {sign_s:.2f}s ({total / sign_s:,.0f}/s, coincurve + rlp); sending {len(batches)} batches"
    )

    start_block = int(rpc.call("eth_blockNumber"), 16)
    mined = 0
    per_block: list[tuple[int, int, int]] = []  # (number, tx count, gas used)
    state = {"next": start_block + 1}
    errors: list[Any] = []

    def count_new() -> None:
        nonlocal mined
        head = int(rpc_poll.call("eth_blockNumber"), 16)
        while state["next"] <= head:
            blk = rpc_poll.call("eth_getBlockByNumber", [hex(state["next"]), False])
            n = len(blk["transactions"])
            per_block.append((state["next"], n, int(blk["gasUsed"], 16)))
            mined += n
            state["next"] += 1

    rpc_poll = Rpc(w3.provider.endpoint_uri)
    done_at: list[float] = []

    def poller() -> None:
        deadline = time.perf_counter() + timeout_s
        while mined < total and time.perf_counter() < deadline:
            count_new()
            if mined >= total:
                done_at.append(time.perf_counter())
                return
            time.sleep(0.002)

    t0 = time.perf_counter()
    th = threading.Thread(target=poller, daemon=True)
    th.start()
    for b in batches:
        for resp in rpc.batch([("eth_sendRawTransaction", ["0x" + raw.hex()]) for raw in b]):
            if resp.get("error"):
                errors.append(resp["error"])
    send_s = time.perf_counter() - t0
    th.join(timeout_s + 5)
    if not done_at:
        raise RuntimeError(f"node ceiling: only {mined}/{total} mined within {timeout_s}s (errors: {errors[:3]})")
    elapsed = done_at[0] - t0
    # Spot-check receipts: the last tx of every account succeeded.
    for k in range(len(per_acct)):
        h = all_hashes[(k + 1) * per_account - 1]
        rc = rpc.call("eth_getTransactionReceipt", ["0x" + h.hex()])
        if rc is None or int(rc["status"], 16) != 1:
            raise RuntimeError(f"node ceiling: tx {h.hex()} not successful: {rc}")
    rpc.close()
    rpc_poll.close()
    used = [b for b in per_block if b[1] > 0]
    block_gas_limit = int(w3.eth.get_block("latest")["gasLimit"])
    per_tx_gas = used[0][2] // used[0][1] if used else est
    return {
        "tx_per_s": rnd(total / elapsed),
        "transactions": total,
        "accounts": len(probe.accounts),
        "batch_size": BATCH,
        "elapsed_s": rnd(elapsed, 3),
        "send_s": rnd(send_s, 3),
        "send_errors": len(errors),
        "blocks_with_load": len(used),
        "max_tx_per_block": max(b[1] for b in used) if used else 0,
        "gas_per_tx": per_tx_gas,
        "block_gas_limit": block_gas_limit,
        # What the block gas limit alone allows at this block time.
        "gas_bound_tx_per_s": rnd(block_gas_limit / per_tx_gas / block_time),
        "sign_per_s_coincurve": rnd(total / sign_s),
    }


# -- naive web3 client -------------------------------------------------------------------------
def raw_web3_loop(url: str, probe: Probe, account: LocalAccount, duration_s: float) -> dict[str, Any]:
    """A plain web3.py loop: build, sign, send one call, wait for its receipt (poll 1 ms)."""
    w3 = Web3(Web3.HTTPProvider(url))
    c = w3.eth.contract(address=probe.contract.address, abi=probe.contract.abi)
    n = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < duration_s:
        tx = c.functions.emitOnly(n).build_transaction(
            {"from": account.address, "nonce": w3.eth.get_transaction_count(account.address, "pending")}
        )
        signed = account.sign_transaction(tx)
        h = w3.eth.send_raw_transaction(signed.raw_transaction)
        rc = w3.eth.wait_for_transaction_receipt(h, timeout=30, poll_latency=0.001)
        if rc["status"] != 1:
            raise RuntimeError("raw web3 loop: reverted")
        n += 1
    elapsed = time.perf_counter() - t0
    return {"tx_per_s": rnd(n / elapsed, 2), "transactions": n, "elapsed_s": rnd(elapsed, 2)}


def confirm_loop(
    url: str, probe: Probe, account: LocalAccount, stop: threading.Event, block_time: float, out: list[float]
) -> None:
    """Broadcast-to-receipt time (ms) of raw transactions, one at a time, each
    started at a random phase of the block interval (as independent clients
    arrive); poll 1 ms. Signing and fee lookup are outside the timed part."""
    w3 = Web3(Web3.HTTPProvider(url))
    c = w3.eth.contract(address=probe.contract.address, abi=probe.contract.abi)
    nonce = w3.eth.get_transaction_count(account.address, "pending")
    gas = (
        int(w3.eth.estimate_gas({"from": account.address, "to": c.address, "data": c.encode_abi("emitOnly", args=[1])}))
        + 5_000
    )
    rng = random.Random(7)
    i = 0
    while not stop.is_set():
        fees = deployer.fee_fields(w3)
        tx = {
            "to": c.address,
            "data": c.encode_abi("emitOnly", args=[i]),
            "gas": gas,
            "nonce": nonce,
            "chainId": probe.chain_id,
            "value": 0,
            **fees,
        }
        raw = account.sign_transaction(tx).raw_transaction
        if stop.wait(rng.uniform(0, block_time)):
            break
        t = time.perf_counter()
        h = w3.eth.send_raw_transaction(raw)
        w3.eth.wait_for_transaction_receipt(h, timeout=30, poll_latency=0.001)
        out.append((time.perf_counter() - t) * 1000)
        nonce += 1
        i += 1


def summarize_confirm(samples: list[float]) -> dict[str, Any]:
    return {**p50_p95(samples), "samples": len(samples)}
