"""Helpers for the citizen-service tests: anvil on a free port with interval
mining, and a build dir holding the core contracts plus Certificates and
PropertyRegistry (so these tests do not depend on other service contracts).

(Named uniquely: pytest puts test folders on sys.path.)
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

from web3 import Web3

ROOT = Path(__file__).resolve().parents[3]
CONTRACTS = ("Consortium", "DataCatalog", "UsageRights", "Accountability", "Certificates", "PropertyRegistry")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def anvil_binary() -> str:
    """The native binary when present (terminating it stops the node itself, not a
    node.js wrapper that might leave it running), else the npm shim, else PATH."""
    native = ROOT / "node_modules" / "@foundry-rs" / "anvil-linux-amd64" / "bin" / "anvil"
    if native.exists():
        return str(native)
    local = ROOT / "node_modules" / ".bin" / "anvil"
    if local.exists():
        return str(local)
    found = shutil.which("anvil")
    if not found:
        raise RuntimeError("anvil not installed (npm i @foundry-rs/anvil)")
    return found


class Anvil:
    """anvil with interval mining (never automine) on a free port; ``stop()`` kills it."""

    def __init__(self, block_time: float = 0.2) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(
            [anvil_binary(), "--port", str(self.port), "--block-time", str(block_time)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        w3 = Web3(Web3.HTTPProvider(self.url))
        deadline = time.monotonic() + 15
        while True:
            try:
                w3.eth.chain_id
                break
            except Exception:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    self.stop()
                    raise RuntimeError("anvil did not start")
                time.sleep(0.05)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def citizen_build_dir(tmp: Path) -> Path:
    out = tmp / "build"
    (out / "contracts").mkdir(parents=True, exist_ok=True)
    for name in CONTRACTS:
        src = ROOT / "build" / "contracts" / f"{name}.json"
        if not src.exists():
            raise RuntimeError(f"{src} missing: run `brownie compile`")
        shutil.copy(src, out / "contracts" / f"{name}.json")
    return out
