"""Shared helpers: progress console (stderr), statistics, the node memory
sampler, fast transaction signing (coincurve) and raw JSON-RPC batches."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import psutil
import requests
import rlp
from coincurve import PrivateKey
from eth_utils import keccak, to_canonical_address
from rich.console import Console

console = Console(stderr=True, highlight=False)


def log(msg: str) -> None:
    console.print(f"[dim]{time.strftime('%H:%M:%S')}[/dim] {msg}")


# -- statistics --------------------------------------------------------------------------------
def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100) of a non-empty sequence."""
    if not values:
        raise ValueError("no samples")
    xs = sorted(values)
    if len(xs) == 1:
        return float(xs[0])
    pos = (len(xs) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return float(xs[lo] + (xs[hi] - xs[lo]) * (pos - lo))


def p50_p95(values_ms: Sequence[float]) -> dict[str, float]:
    return {"p50": round(percentile(values_ms, 50), 2), "p95": round(percentile(values_ms, 95), 2)}


def rnd(x: float, nd: int = 1) -> float:
    return round(float(x), nd)


# -- node memory -------------------------------------------------------------------------------
class RssSampler:
    """Samples the resident memory of a process tree (anvil's npm shim and the
    native anvil it spawns) in a daemon thread until stopped."""

    def __init__(self, pid: int, interval_s: float = 0.2) -> None:
        self.root = psutil.Process(pid)
        self.interval = interval_s
        self.max_tree_mb = 0.0
        self.max_native_mb = 0.0  # the largest single process (the anvil binary itself)
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def start(self) -> RssSampler:
        self._thread.start()
        return self

    def sample(self) -> None:
        try:
            procs = [self.root, *self.root.children(recursive=True)]
        except psutil.Error:
            return
        total = biggest = 0.0
        for p in procs:
            try:
                rss = p.memory_info().rss / 2**20
            except psutil.Error:
                continue
            total += rss
            biggest = max(biggest, rss)
        self.max_tree_mb = max(self.max_tree_mb, total)
        self.max_native_mb = max(self.max_native_mb, biggest)
        self.samples += 1

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def stop(self) -> None:
        self.sample()
        self._stop.set()
        self._thread.join(timeout=2)


def descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def reap(procs: list[psutil.Process], timeout: float = 5) -> None:
    """Terminate (then kill) the given processes that are still alive — only
    processes this benchmark started, identified by pid."""
    alive = []
    for p in procs:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                p.terminate()
                alive.append(p)
        except psutil.Error:
            pass
    _gone, still = psutil.wait_procs(alive, timeout=timeout)
    for p in still:
        try:
            p.kill()
        except psutil.Error:
            pass


# -- fast signing ------------------------------------------------------------------------------
class FastSigner:
    """Legacy EIP-155 transactions signed with coincurve directly (~10x eth-account).

    Used only to pre-sign the node-ceiling load outside the timed part; the
    first signature is checked against eth-account so a wrong encoding cannot
    go unnoticed."""

    def __init__(self, private_key: bytes, chain_id: int) -> None:
        self.key = PrivateKey(private_key)
        self.chain_id = chain_id

    def sign(self, nonce: int, gas_price: int, gas: int, to: str, data: bytes, value: int = 0) -> tuple[bytes, bytes]:
        """(raw transaction, transaction hash)."""
        fields = [nonce, gas_price, gas, to_canonical_address(to), value, data]
        digest = keccak(rlp.encode([*fields, self.chain_id, 0, 0]))
        sig = self.key.sign_recoverable(digest, hasher=None)
        r, s, recid = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:64], "big"), sig[64]
        raw = rlp.encode([*fields, recid + 35 + 2 * self.chain_id, r, s])
        return raw, keccak(raw)

    def self_check(self) -> None:
        from eth_account import Account

        to = "0x" + "11" * 20
        raw, h = self.sign(7, 10**9, 50_000, to, b"\x01\x02")
        ref = Account.sign_transaction(
            {
                "nonce": 7,
                "gasPrice": 10**9,
                "gas": 50_000,
                "to": to,
                "value": 0,
                "data": b"\x01\x02",
                "chainId": self.chain_id,
            },
            self.key.secret,
        )
        if bytes(ref.raw_transaction) != raw or bytes(ref.hash) != h:
            raise RuntimeError("FastSigner disagrees with eth-account")


# -- raw JSON-RPC ------------------------------------------------------------------------------
class Rpc:
    """Raw JSON-RPC over one keep-alive session (no web3 formatters)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = requests.Session()
        self._id = 0

    def call(self, method: str, params: list | None = None) -> Any:
        self._id += 1
        r = self.http.post(
            self.url, json={"jsonrpc": "2.0", "id": self._id, "method": method, "params": params or []}, timeout=30
        )
        body = r.json()
        if body.get("error"):
            raise RuntimeError(f"{method}: {body['error']}")
        return body["result"]

    def batch(self, calls: list[tuple[str, list]]) -> list[dict[str, Any]]:
        payload = []
        for method, params in calls:
            self._id += 1
            payload.append({"jsonrpc": "2.0", "id": self._id, "method": method, "params": params})
        r = self.http.post(self.url, json=payload, timeout=60)
        out = r.json()
        if isinstance(out, dict):  # the whole batch was refused
            raise RuntimeError(f"batch refused: {out}")
        return sorted(out, key=lambda m: m.get("id", 0))

    def close(self) -> None:
        self.http.close()


# -- machine -----------------------------------------------------------------------------------
def machine_info(anvil_bin: str) -> dict[str, Any]:
    cpu_model = None
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):  # noqa: SIM115
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        anvil_version = subprocess.run([anvil_bin, "--version"], capture_output=True, text=True, timeout=20).stdout
        anvil_version = anvil_version.splitlines()[0].strip() if anvil_version else None
    except (OSError, subprocess.SubprocessError):
        anvil_version = None
    import web3

    return {
        "cores_logical": os.cpu_count(),
        "cores_physical": psutil.cpu_count(logical=False),
        "cpu_model": cpu_model,
        "memory_total_mb": round(psutil.virtual_memory().total / 2**20),
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "web3": web3.__version__,
        "anvil": anvil_version,
        "load_avg_at_start": [round(x, 2) for x in os.getloadavg()],
    }


@dataclass
class Clock:
    """Wall-clock of each phase, for the report and a runtime bound."""

    started: float = field(default_factory=time.monotonic)
    phases: dict[str, float] = field(default_factory=dict)

    def elapsed(self) -> float:
        return time.monotonic() - self.started
