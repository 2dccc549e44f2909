"""One consortium for all API tests: real anvil (interval mining), the real
compiled contracts deployed with backend.ops.deployer, departments admitted through
council proposals, and the real app over HTTP (FastAPI TestClient). The app
reaches the node through an RpcProxy so tests can take the node down.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from web3 import Web3

sys.path.insert(0, str(Path(__file__).parent))

from api_testkit import Anvil, RpcProxy, core_build_dir

from backend.api.main import create_app
from backend.composition import AppContext
from backend.core.config import Settings
from backend.core.keystore import Keystore
from backend.ops import deployer

DEV_FUNDER_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"  # anvil's public dev key 0
SECRET = "api-test-secret"
DEPARTMENTS = ("dept-a", "dept-b", "dept-c")
GOVERNORS = ("gov-1", "gov-2", "gov-3")


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
        headers: dict[str, str] = {}
        if who is not None:
            headers["Authorization"] = f"Bearer {self.tokens[who]}"
        if officer is not None:
            headers["X-Officer-Id"] = officer
        headers["Idempotency-Key"] = key or uuid.uuid4().hex
        headers.update(extra)
        return headers

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
def build_system(tmp: Path, network: str, database_url: str | None = None) -> Iterator[System]:
    """Anvil (0.2 s blocks) + the core contracts + 3 departments + the auditor + the app;
    ``database_url`` defaults to a SQLite file in ``tmp``."""
    node = Anvil(block_time=0.2)
    proxy = RpcProxy(node.rpc_url)
    try:
        w3 = Web3(Web3.HTTPProvider(node.rpc_url))
        keystore = Keystore(tmp / "data" / "keystore", SECRET)
        names = ("deployer", *GOVERNORS, *DEPARTMENTS, "auditor")
        addr = {n: keystore.create(n) for n in names}
        accounts = {n: keystore.load(n) for n in names}
        deployer.fund(w3, Account.from_key(DEV_FUNDER_KEY), addr.values(), 10**21)
        deployments = tmp / "deployments"
        manifest = deployer.deploy_system(
            w3,
            accounts["deployer"],
            [addr[g] for g in GOVERNORS],
            2,
            network=network,
            build_dir=core_build_dir(tmp),
            deployments_dir=deployments,
            fresh=True,
        )
        consortium = deployer.contract_at(w3, manifest, "Consortium", deployments)
        govs = [accounts[g] for g in GOVERNORS]
        for i, d in enumerate(DEPARTMENTS):
            deployer.run_council(
                w3,
                consortium,
                govs,
                lambda c, d=d, i=i: c.functions.proposeAdmitDepartment(
                    addr[d], f"DEPT{i}".encode().ljust(32, b"\0"), d, b"110000".ljust(32, b"\0")
                ),
            )
        deployer.run_council(w3, consortium, govs, lambda c: c.functions.proposeAppointAuditor(addr["auditor"]))
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
        tokens = {n: ctx.tokens.issue("department", addr[n], n) for n in DEPARTMENTS}
        tokens |= {g: ctx.tokens.issue("governor", addr[g], g) for g in GOVERNORS}
        tokens["auditor"] = ctx.tokens.issue("auditor", addr["auditor"], "auditor")
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
