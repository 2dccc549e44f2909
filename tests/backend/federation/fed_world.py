"""Two department nodes' worth of state on one real anvil, for the peer release tests.

The consortium (contracts, departments, auditor) comes from the api world's builder
(tests/backend/api/conftest.py ``build_system``). On top of it each node gets what a
department's machine would hold: its own data dir, its own secret, a keystore with
ONLY its own key, its own SQLite database and document store, its own encryption
keypair, and (the owner) its own HTTP server on its own loopback address
(127.0.0.2; the grantee publishes 127.0.0.3). Nodes find each other only through the
in-memory PeerDirectory.

(Named uniquely: pytest puts test folders on sys.path.)
"""

from __future__ import annotations

import socket
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from eth_utils import keccak
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))

from api_world import System
from world_testkit import officer_token

from backend.api.main import create_app
from backend.composition import AppContext
from backend.core.config import Settings
from backend.core.keystore import Keystore
from backend.federation.client import PeerClient
from backend.federation.dataset import DATASET_FORMAT
from backend.federation.directory import InMemoryPeerDirectory, PeerNode
from backend.federation.endpoint import EndpointPolicy
from backend.federation.envelope import NodeEncryptionKey
from backend.federation.onchain import ReleaseRecorder
from backend.federation.release import ReleaseService
from backend.ops import deployer
from backend.services.caller import Caller
from backend.services.resources import Content
from backend.services.usage import fields_hash

OWNER_HOST, GRANTEE_HOST = "127.0.0.2", "127.0.0.3"
LOOPBACK = ("127.0.0.0/8",)
NO_TLS = b"\0" * 32  # transportKeyHash of a node without TLS
RESIDENT = ("resident_id", "110105199001011234")
OTHER_RESIDENT = ("resident_id", "110105198502023456")
APPROVED = ["name", "status"]
DATASET = {
    "format": DATASET_FORMAT,
    "subject": {"id_type": "resident_id", "field": "resident_id"},
    "fields": ["resident_id", "name", "status", "address"],
    "records": [
        {"resident_id": RESIDENT[1], "name": "张三", "status": "married", "address": "1 Chang'an Ave"},
        {"resident_id": OTHER_RESIDENT[1], "name": "李四", "status": "single", "address": "2 Wangfujing St"},
        {"resident_id": "1101 0519-9001 011234", "name": "张三", "status": "divorced", "address": "3 Xidan Rd"},
    ],
}


def free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class Server:
    """A real uvicorn serving one node's app on its own address; stop() and start() again."""

    def __init__(self, app: Any, host: str, tls: dict[str, str] | None = None) -> None:
        self.app, self.host, self.port = app, host, free_port(host)
        self.tls = tls or {}  # uvicorn's ssl_certfile / ssl_keyfile / ssl_keyfile_password
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    def start(self) -> None:
        config = uvicorn.Config(
            self.app, host=self.host, port=self.port, log_level="warning", lifespan="on", **self.tls
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name=f"node-{self.host}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError(f"node server on {self.url} did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=30)
            self._server = self._thread = None


@dataclass
class Node:
    name: str
    address: str
    ctx: AppContext
    key: NodeEncryptionKey
    data_dir: Path

    @property
    def actor(self) -> Caller:
        return Caller("department", self.address, officer_id="officer-1")


def make_node(tmp: Path, system: System, name: str) -> Node:
    data_dir = tmp / name
    secret = f"{name}-own-node-secret"
    address = Keystore(data_dir / "keystore", secret, scrypt_n=2**10).import_key(name, system.accounts[name].key)
    settings = Settings(
        env="development",
        rpc_url=system.w3.provider.endpoint_uri,  # type: ignore[attr-defined]
        network=system.ctx.settings.network,
        data_dir=data_dir,
        database_url=f"sqlite:///{data_dir / 'node.db'}",
        deployments_dir=system.deployments,
        keystore_secret=secret,
        subject_secret=system.ctx.settings.subject_secret,  # deployment-wide: subject hashes agree across nodes
        receipt_timeout_s=15,
        poll_interval_s=0.02,
    )
    ctx = AppContext.from_settings(settings)
    return Node(name, address, ctx, NodeEncryptionKey.load_or_create(data_dir, secret, scrypt_n=2**12), data_dir)


@dataclass
class Federation:
    system: System
    owner: Node
    grantee: Node
    directory: InMemoryPeerDirectory
    release: ReleaseService
    server: Server
    client: PeerClient
    recorder: ReleaseRecorder
    grantee_http: TestClient  # the grantee node's own API (its staff's routes), in process
    grantee_token: str  # a department token of the grantee's node

    def grantee_headers(self, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.grantee_token}", **extra}

    # -- chain steps through each node's own services ---------------------------------------------
    def register(self, classification: str = "INTERNAL", record: Any = None) -> int:
        out = self.owner.ctx.services.resources.register(
            self.owner.actor,
            Content.from_record(record if record is not None else DATASET),
            classification,
            keccak(b"dataset schema"),
            key=uuid.uuid4().hex,
        )
        return int(out["resource_id"])

    def grant(self, resource_id: int | None = None, max_uses: int = 5, fields: list[str] | None = None) -> int:
        rid = resource_id if resource_id is not None else self.register()
        usage_b, usage_a = self.grantee.ctx.services.usage, self.owner.ctx.services.usage
        req = usage_b.request_use(
            self.grantee.actor,
            rid,
            101,
            keccak(b"Regulation 7"),
            fields_hash(fields or APPROVED),
            3600,
            max_uses,
            None,
            key=uuid.uuid4().hex,
        )
        approved = usage_a.approve(self.owner.actor, int(req["request_id"]), keccak(b"lawful"), key=uuid.uuid4().hex)
        return int(approved["grant_id"])

    def subject(self, who: tuple[str, str] = RESIDENT) -> bytes:
        return self.grantee.ctx.ops.subject(*who)

    def record_use(self, grant_id: int, subject: bytes | None) -> tuple[int, str]:
        """A use recorded by the grantee's node without asking the owner: (use index, tx hash)."""
        ops = self.grantee.ctx.ops
        outcome = ops.contracts.usage_rights.record_use(
            ops.account_for(self.grantee.address),
            grant_id,
            ops.officer(self.grantee.actor),
            subject or b"\0" * 32,
            b"\0" * 32,
            op="test.use",
            key=uuid.uuid4().hex,
        )
        return int((ops.event(outcome, "UseRecorded") or {})["useIndex"]), outcome.tx_hash

    def close(self) -> None:
        self.recorder.stop()
        self.grantee_http.close()
        self.server.stop()
        self.client.http.close()
        for n in (self.owner, self.grantee):
            n.ctx.close()


def council(fed: Federation, propose: Any) -> None:
    """A council decision: ``propose(consortium)`` built by one governor, approved by the others."""
    s = fed.system
    consortium = deployer.contract_at(s.w3, s.manifest, "Consortium", s.deployments)
    deployer.run_council(s.w3, consortium, [s.accounts[g] for g in ("gov-1", "gov-2", "gov-3")], propose)


def build_federation(tmp: Path, system: System) -> Federation:
    owner, grantee = make_node(tmp, system, "dept-a"), make_node(tmp, system, "dept-b")
    directory = InMemoryPeerDirectory()
    # Woken by each first release; the periodic sweep never comes within a test module, so a
    # test can leave a row owed (a crash) and reconcile it itself (recorder.sweep()).
    recorder = ReleaseRecorder(owner.ctx.ops, owner.ctx.sessions, owner.address, idle_s=3600, retry_s=3600)
    release = ReleaseService(owner.ctx.ops, owner.ctx.store, owner.ctx.sessions, directory, owner.address, recorder)
    recorder.start()
    app = create_app(owner.ctx)
    app.state.peer_release = release
    server = Server(app, OWNER_HOST)
    server.start()
    # no TLS key pinned (zero): plain HTTP on loopback; test_transport_pinning.py pins one
    directory.publish(owner.address, PeerNode(server.url, owner.key.public_key, NO_TLS))
    directory.publish(
        grantee.address,
        PeerNode(f"http://{GRANTEE_HOST}:{free_port(GRANTEE_HOST)}", grantee.key.public_key, NO_TLS),
    )
    # both nodes listen on loopback: the grantee's node must be allowed to call it (refused by default)
    endpoints = EndpointPolicy(LOOPBACK)
    client = PeerClient(
        grantee.ctx.ops,
        grantee.ctx.sessions,
        directory,
        grantee.key,
        grantee.address,
        timeout_s=15,
        endpoints=endpoints,
    )
    grantee_app = create_app(grantee.ctx)
    grantee_app.state.peer_client = client
    grantee_http = TestClient(grantee_app, raise_server_exceptions=False)
    token = officer_token(grantee.ctx, "department", grantee.address, "clerk-9", "dept-b staff")
    return Federation(system, owner, grantee, directory, release, server, client, recorder, grantee_http, token)
