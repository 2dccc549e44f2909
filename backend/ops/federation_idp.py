"""The development identity provider of `govchain federation up` (a test fixture, backend/idp).

One provider process for the whole demo, its own data directory (``var/idp``) and port; each
department's node is registered as its own public client (PKCE, redirect URI on that node's
console) and has its ``oidc_*`` settings written into its ``node.json``, re-sealed with the
node's secret like any ``govchain node set``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from backend.core.config import PROJECT_ROOT
from backend.idp.store import DEMO_CITIZEN_PASSWORD, DEMO_CITIZEN_USERNAME, IdpStore
from backend.ops.devnet import wait_answering
from backend.ops.node import NodeConfig, set_oidc

CALLBACK_PATH = "/console/citizen/callback"
READY_TIMEOUT_S = 120.0


class IdpError(RuntimeError):
    """The development identity provider did not start."""


def client_id_of(node_name: str) -> str:
    return f"govchain-{node_name}"


@dataclass
class DevIdp:
    data_dir: Path
    host: str
    port: int
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def issuer(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def demo_credentials(self) -> tuple[str, str]:
        return DEMO_CITIZEN_USERNAME, DEMO_CITIZEN_PASSWORD

    def register(self, nodes: Iterable[tuple[Path, NodeConfig]]) -> dict[str, NodeConfig]:
        """Each node becomes a client; its node.json names this provider (re-sealed only on change)."""
        store = IdpStore(self.data_dir)
        store.ensure()
        out = {}
        for data_dir, config in nodes:
            client_id = client_id_of(config.name)
            redirect = config.url + CALLBACK_PATH
            store.register_client(client_id, [redirect])
            if (config.oidc_issuer, config.oidc_client_id, config.oidc_redirect_uri) != (
                self.issuer,
                client_id,
                redirect,
            ):
                config = set_oidc(data_dir, self.issuer, client_id, redirect)
            out[config.name] = config
        return out

    def start(self) -> None:
        log_path = self.data_dir / "idp.log"
        env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
        with open(log_path, "ab") as logf:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "backend.cli",
                    "idp",
                    "run",
                    "--data-dir",
                    str(self.data_dir),
                    "--host",
                    self.host,
                    "--port",
                    str(self.port),
                ],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=logf,
                stderr=subprocess.STDOUT,
            )
        failure = wait_answering(
            self.process,
            self.issuer + "/.well-known/openid-configuration",
            log_path,
            READY_TIMEOUT_S,
            "the identity provider",
        )
        if failure is not None:
            raise IdpError(failure)

    def stop(self, timeout: float = 10) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
