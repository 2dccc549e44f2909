"""The api world's consortium (tests/backend/api/conftest.py) built on demand, for
modules that need one of their own: a chain nobody else uses (time travel), or
another database (PostgreSQL). Same keys, contracts, departments and tokens as the
session's ``system``.

(Named uniquely: pytest puts test folders on sys.path.)
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from eth_account import Account
from fastapi.testclient import TestClient
from web3 import Web3

sys.path.insert(0, str(Path(__file__).parent))

from api_testkit import Anvil, RpcProxy, core_build_dir

from backend.api.main import create_app
from backend.composition import AppContext
from backend.core.config import Settings
from backend.core.keystore import Keystore
from backend.ops import deployer

# the api world's System helper (h, granted, events, ...) and names, loaded under their own module name
_spec = importlib.util.spec_from_file_location("api_world_conftest", Path(__file__).with_name("conftest.py"))
_world = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _world
_spec.loader.exec_module(_world)
System = _world.System
SECRET, DEV_FUNDER_KEY = _world.SECRET, _world.DEV_FUNDER_KEY
DEPARTMENTS, GOVERNORS = _world.DEPARTMENTS, _world.GOVERNORS


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
