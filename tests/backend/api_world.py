"""The API world: real anvil (interval mining), the real compiled contracts deployed with
backend.ops.deployer, departments admitted through council proposals, and the real app over
HTTP (FastAPI TestClient). The app reaches the node through an RpcProxy so tests can take the
node down.

``system`` (one per session) is the fixture of the api, audit and batching folders (their
conftests import it from here); ``build_system`` builds another one for modules that need a chain
or a database of their own (time travel, PostgreSQL). Importable from every test folder: pytest
("prepend" import mode) puts tests/backend, the package-less home of the root backend conftest,
on sys.path.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from api_testkit import CORE, Anvil, RpcProxy
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from web3 import Web3
from world_testkit import caller_headers, deploy_consortium, world_tokens

from backend.api.main import create_app
from backend.composition import AppContext
from backend.core.config import Settings
from backend.ops import deployer

SECRET = "api-test-secret"
DEPARTMENTS = ("dept-a", "dept-b", "dept-c")


@dataclass
class System:
    http: TestClient
    ctx: AppContext
    w3: Web3  # straight to anvil (not through the proxy): the tests' own view of the chain
    proxy: RpcProxy
    tokens: dict[str, str]
    addr: dict[str, str]
    accounts: dict[str, LocalAccount]
    manifest: dict[str, Any]
    deployments: Path
    app: Any = None
    _contracts: dict[str, Any] = field(default_factory=dict)

    def h(self, who: str | None, officer: str | None = "officer-1", key: str | None = None, **extra: str) -> dict:
        return caller_headers(self.tokens, who, officer, key) | extra

    def contract(self, name: str):
        if name not in self._contracts:
            self._contracts[name] = deployer.contract_at(self.w3, self.manifest, name, self.deployments)
        return self._contracts[name]

    def events(self, contract: str, event: str, **filters: Any) -> list[dict]:
        c = self.contract(contract)
        logs = getattr(c.events, event)().get_logs(
            from_block=int(self.manifest["deploy_block"]), argument_filters=filters or None
        )
        return [dict(log["args"], tx_hash="0x" + log["transactionHash"].hex().removeprefix("0x")) for log in logs]

    # -- short-cuts used by many tests --------------------------------------------------------
    def register(self, who: str = "dept-a", record: Any = None, classification: str = "INTERNAL", **extra: Any) -> dict:
        body = {
            "classification": classification,
            "record": record if record is not None else {"id": uuid.uuid4().hex, "name": "张三", "status": "married"},
            "schema": {"type": "object", "title": "marriage record"},
            **extra,
        }
        r = self.http.post("/resources", json=body, headers=self.h(who))
        assert r.status_code == 201, r.text
        return r.json()

    def request(self, resource_id: int, who: str = "dept-b", max_uses: int = 10, **extra: Any) -> dict:
        body = {
            "resource_id": resource_id,
            "purpose_code": 101,
            "legal_basis": "Regulation 7 (test)",
            "fields": ["name", "status"],
            "duration_s": 3600,
            "max_uses": max_uses,
            **extra,
        }
        r = self.http.post("/requests", json=body, headers=self.h(who))
        assert r.status_code == 201, r.text
        return r.json()

    def approve(self, request_id: int, who: str = "dept-a") -> dict:
        r = self.http.post(f"/requests/{request_id}/approve", json={"reason": "lawful"}, headers=self.h(who))
        assert r.status_code == 200, r.text
        return r.json()

    def granted(
        self, owner: str = "dept-a", grantee: str = "dept-b", max_uses: int = 10, **reg: Any
    ) -> tuple[dict, dict]:
        res = self.register(owner, **reg)
        req = self.request(res["resource_id"], grantee, max_uses=max_uses)
        return res, self.approve(req["request_id"], owner)


@contextmanager
def build_system(
    tmp: Path, network: str, database_url: str | None = None, contracts: tuple[str, ...] | None = None
) -> Iterator[System]:
    """Anvil (0.2 s blocks) + the core contracts (or ``contracts``) + 3 departments + the auditor
    + the app; ``database_url`` defaults to a SQLite file in ``tmp``."""
    node = Anvil(block_time=0.2)
    proxy = RpcProxy(node.rpc_url)
    try:
        w3 = Web3(Web3.HTTPProvider(node.rpc_url))
        world = deploy_consortium(
            w3,
            tmp,
            secret=SECRET,
            network=network,
            # CORE read per call: the browser tests' conftest widens it for the whole session
            contracts=contracts or CORE,
            departments={d: d for d in DEPARTMENTS},
        )
        addr, accounts, manifest, deployments = world.addr, world.accounts, world.manifest, world.deployments
        settings = Settings(
            env="development",
            rpc_url=proxy.url,
            network=network,
            data_dir=tmp / "data",
            database_url=database_url or f"sqlite:///{tmp / 'data' / 'govchain.db'}",
            deployments_dir=deployments,
            keystore_secret=SECRET,
            subject_secret=f"{network}-subject-secret",
            receipt_timeout_s=15,
            poll_interval_s=0.02,
        )
        ctx = AppContext.from_settings(settings)
        tokens = world_tokens(ctx, addr, DEPARTMENTS)
        app = create_app(ctx)
        try:
            with TestClient(app, raise_server_exceptions=False) as http:
                yield System(http, ctx, w3, proxy, tokens, addr, accounts, manifest, deployments, app)
        finally:
            ctx.close()
    finally:
        proxy.stop()
        node.stop()


@pytest.fixture(scope="session")
def system(tmp_path_factory) -> Iterator[System]:
    with build_system(tmp_path_factory.mktemp("api"), "apitest") as s:
        yield s


@pytest.fixture
def node_ok(system: System) -> Iterator[System]:
    """Restores the proxy after tests that take the node down."""
    yield system
    system.proxy.down = False
    system.proxy.blocked = set()
