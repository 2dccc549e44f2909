"""The platform's local chain: anvil from node_modules with interval mining.

Interval mining (``--block-time``), not automine: under bursts anvil's
automine stops mining (measured: docs/benchmarks.md), and Besu's QBFT also produces blocks on
a period, so a backend that assumes instant inclusion fails here first.
The chain state is dumped to a file on exit and loaded on start, so stopping
the platform loses nothing.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from backend.core.config import PROJECT_ROOT

# anvil's well-known first development key (public knowledge, devnet only):
# funds the platform's own accounts; never used on a real network.
DEV_FUNDER_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"


class DevnetError(RuntimeError):
    pass


def anvil_binary() -> str:
    local = PROJECT_ROOT / "node_modules" / ".bin" / "anvil"
    if local.exists():
        return str(local)
    found = shutil.which("anvil")
    if not found:
        raise DevnetError("anvil not found: run `make setup` (it installs @foundry-rs/anvil from npm)")
    return found


def port_open(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex((host, port)) == 0


def wait_answering(process: subprocess.Popen | None, url: str, log_path: Path, timeout: float, who: str) -> str | None:
    """Wait until ``url`` answers 200 while ``process`` (if any) runs: None once it does, else why not
    (the process's exit with the tail of its log, or the time out) for the caller's own error."""
    import httpx  # only the operations that start child services need it

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            tail = log_path.read_text(errors="replace")[-2000:]
            return f"{who} exited with code {process.returncode}:\n{tail}"
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return None
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    return f"{who} not ready on {url} after {timeout:.0f}s"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Devnet:
    port: int = 8545
    block_time: float = 0.2
    state_file: Path | None = None
    chain_id: int = 31337
    host: str = "127.0.0.1"
    process: subprocess.Popen | None = None

    @property
    def rpc_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def command(self) -> list[str]:
        cmd = [
            anvil_binary(),
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--block-time",
            str(self.block_time),
            "--chain-id",
            str(self.chain_id),
            "--hardfork",
            "shanghai",
            "--gas-limit",
            "30000000",
            "--quiet",
        ]
        if self.state_file is not None:
            self.state_file.parent.mkdir(parents=True, exist_ok=True)
            # --state loads the file if present and dumps to it on exit;
            # the interval dump bounds what a hard kill can lose.
            cmd += ["--state", str(self.state_file), "--state-interval", "5"]
        return cmd

    def start(self, log_file: Path | None = None, timeout: float = 30) -> Devnet:
        if port_open(self.host, self.port):
            raise DevnetError(f"port {self.port} is already in use (another chain running?)")
        if log_file:
            log_file.parent.mkdir(parents=True, exist_ok=True)
        out = open(log_file, "ab") if log_file else subprocess.DEVNULL  # noqa: SIM115 - held by the child for its life
        self.process = subprocess.Popen(self.command(), stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise DevnetError(f"anvil exited with code {self.process.returncode}")
            if port_open(self.host, self.port):
                return self
            time.sleep(0.05)
        self.stop()
        raise DevnetError(f"anvil did not open port {self.port} within {timeout}s")

    def stop(self, timeout: float = 10) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        # npm's `anvil` is a node launcher with the real binary as its child; the
        # whole process group gets SIGTERM, which lets anvil dump its state.
        self._signal_group(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self._signal_group(signal.SIGKILL)
            self.process.wait()

    def _signal_group(self, sig: int) -> None:
        try:
            assert self.process is not None  # (only called while anvil runs)
            os.killpg(self.process.pid, sig)  # started with start_new_session=True
        except ProcessLookupError:
            pass

    def __enter__(self) -> Devnet:
        return self.start() if self.process is None else self

    def __exit__(self, *_exc: object) -> None:
        self.stop()
