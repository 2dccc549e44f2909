"""A whole GovChain system as separate processes, for the fuzz and crash tests.

* anvil on a free port with interval mining (``--block-time 0.2``), no state file;
* ``backend.ops.bootstrap.bootstrap``: keys, funds, contracts, the demo roster admitted
  through real council proposals (everything in a temporary data dir);
* bearer tokens for departments, a governor and the auditor, written straight
  into the server's database with ``TokenService`` (what ``govchain tokens issue`` does);
* the real API server: ``python -m backend.cli serve --port P`` as a subprocess
  configured only through ``GOVCHAIN_*`` environment variables, its stdout and
  stderr appended to ``server.log`` (unhandled errors are logged there with their
  traceback). It can be SIGKILLed and started again on the same data dir.

(Named uniquely: pytest puts test folders on sys.path.)
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from web3 import Web3

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from backend.core.config import Settings
from backend.ops import purposes, roster
from backend.ops.bootstrap import bootstrap
from backend.ops.devnet import Devnet

KEYSTORE_SECRET = "live-test-keystore-secret"
SUBJECT_SECRET = "live-test-subject-secret"
# Who the fuzzer acts as: a department (owner of resource 1, grantee of grant 1),
# the auditor (read-only) and a governor (council writes).
FUZZ_ACTORS = {"department": "dept-psb", "auditor": "audit-1", "governor": "gov-bdb"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveSystem:
    tmp: Path
    network: str = "livetest"
    block_time: float = 0.2
    receipt_timeout_s: float = 20.0
    follow_index: bool = True
    devnet: Devnet | None = None
    w3: Web3 | None = None
    manifest: dict[str, Any] = field(default_factory=dict)
    addresses: dict[str, str] = field(default_factory=dict)  # keystore name -> address
    tokens: dict[str, str] = field(default_factory=dict)  # keystore name -> bearer token
    port: int = 0
    server: subprocess.Popen | None = None
    starts: int = 0
    seeded: dict[str, int] = field(default_factory=dict)  # ids made by the test's seed step

    # -- layout ---------------------------------------------------------------------------------
    @property
    def data_dir(self) -> Path:
        return self.tmp / "data"

    @property
    def deployments_dir(self) -> Path:
        return self.tmp / "deployments"

    @property
    def log_file(self) -> Path:
        return self.tmp / "server.log"

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.data_dir / 'govchain.db'}"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def settings(self) -> Settings:
        return Settings(
            env="development",
            rpc_url=self.devnet.rpc_url,
            network=self.network,
            data_dir=self.data_dir,
            database_url=self.db_url,
            deployments_dir=self.deployments_dir,
            keystore_secret=KEYSTORE_SECRET,
            subject_secret=SUBJECT_SECRET,
            receipt_timeout_s=self.receipt_timeout_s,
            poll_interval_s=0.02,
        )

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GOVCHAIN_")}
        env.update(
            {
                "GOVCHAIN_ENV": "development",
                "GOVCHAIN_RPC_URL": self.devnet.rpc_url,
                "GOVCHAIN_NETWORK": self.network,
                "GOVCHAIN_DATA_DIR": str(self.data_dir),
                "GOVCHAIN_DATABASE_URL": self.db_url,
                "GOVCHAIN_DEPLOYMENTS_DIR": str(self.deployments_dir),
                "GOVCHAIN_KEYSTORE_SECRET": KEYSTORE_SECRET,
                "GOVCHAIN_SUBJECT_SECRET": SUBJECT_SECRET,
                "GOVCHAIN_RECEIPT_TIMEOUT_S": str(self.receipt_timeout_s),
                "GOVCHAIN_POLL_INTERVAL_S": "0.02",
                # the fuzzer sends bad tokens by the thousand: throttling is tested elsewhere
                "GOVCHAIN_THROTTLE_TOKEN_PER_IP": "1000000/minute",
                "PYTHONUNBUFFERED": "1",
            }
        )
        return env

    # -- chain + consortium ---------------------------------------------------------------------
    def start_chain(self) -> None:
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.devnet = Devnet(port=free_port(), block_time=self.block_time).start(log_file=self.tmp / "anvil.log")
        self.w3 = Web3(Web3.HTTPProvider(self.devnet.rpc_url))

    def bootstrap(self) -> None:
        self.manifest = bootstrap(self.settings(), self.w3, fresh=True, log=lambda _m: None)
        from backend.core.keystore import Keystore

        ks = Keystore(self.data_dir / "keystore", KEYSTORE_SECRET)
        # the purpose codes and legal-basis texts the crash and fuzz tests name, besides the demo's
        purposes.register_catalogue(
            self.w3,
            self.manifest,
            self.settings().deployments_dir,
            [ks.load(m.key) for m in roster.GOVERNORS],
            [(code, f"测试用途{code}", f"test purpose {code}") for code in (1, 7, 101)],
            purposes.legal_basis_entries(["crash test", "Regulation 7 (crash test)", "x", "fuzz seed"]),
        )
        self.addresses = {m.key: ks.address_of(m.key) for m in roster.ALL}

    def issue_tokens(self, keys: list[str]) -> dict[str, str]:
        from backend.core.db import make_engine, session_factory
        from backend.core.tokens import TokenService
        from backend.migrations import init_db

        engine = make_engine(self.db_url)
        try:
            init_db(engine)
            svc = TokenService(session_factory(engine), KEYSTORE_SECRET)
            for key in keys:
                role = roster.by_key(key).role
                role = role if role in ("governor", "auditor") else "department"
                self.tokens[key] = svc.issue(role, self.addresses[key], f"live-test:{key}", scopes="*")
        finally:
            engine.dispose()
        return self.tokens

    def contract(self, name: str):
        from backend.ops import deployer

        return deployer.contract_at(self.w3, self.manifest, name, self.deployments_dir)

    # -- the API server process -------------------------------------------------------------------
    def start_server(self, timeout: float = 60) -> None:
        if not self.port:
            self.port = free_port()
        cmd = [sys.executable, "-m", "backend.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        if not self.follow_index:
            cmd.append("--no-follow-index")
        self.starts += 1
        with open(self.log_file, "ab") as log:
            log.write(f"\n===== server start #{self.starts} =====\n".encode())
            log.flush()
            self.server = subprocess.Popen(
                cmd, cwd=ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise RuntimeError(f"server exited with {self.server.returncode}; log:\n{self.log_tail()}")
            try:
                if requests.get(self.base_url + "/healthz", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.05)
        self.kill_server()
        raise RuntimeError(f"server did not answer within {timeout}s; log:\n{self.log_tail()}")

    def kill_server(self) -> None:
        """SIGKILL: no shutdown handler, no flush, no lifespan exit."""
        if self.server is None or self.server.poll() is not None:
            return
        os.kill(self.server.pid, signal.SIGKILL)
        self.server.wait(10)

    def stop_server(self) -> None:
        if self.server is None or self.server.poll() is not None:
            return
        self.server.send_signal(signal.SIGTERM)
        try:
            self.server.wait(10)
        except subprocess.TimeoutExpired:
            self.kill_server()

    def log_tail(self, n: int = 60) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def close(self) -> None:
        self.stop_server()
        if self.devnet is not None:
            self.devnet.stop()


def start_live_system(tmp: Path, token_keys: list[str], **kw: Any) -> LiveSystem:
    """Chain + bootstrap + tokens + server; the caller closes it."""
    live = LiveSystem(tmp, **kw)
    try:
        live.start_chain()
        live.bootstrap()
        live.issue_tokens(token_keys)
        live.start_server()
    except BaseException:
        live.close()
        raise
    return live
