"""One consortium for the citizen-service tests: real anvil (interval mining, free
port), the real compiled contracts (core + Certificates + PropertyRegistry)
deployed with backend.ops.deployer, departments admitted by the council, and the real
app over HTTP (FastAPI TestClient). Registry roles and the certificate type are
set up through the API's own council endpoints (propose + approve).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_account import Account
from fastapi.testclient import TestClient
from web3 import Web3

sys.path.insert(0, str(Path(__file__).parent))

from citizen_testkit import (
    DEPARTMENTS,
    DEV_FUNDER_KEY,
    GOVERNORS,
    PROPERTY_CERT,
    ROLES,
    SECRET,
    SUBJECT_SECRET,
    Anvil,
    World,
    citizen_build_dir,
)

from backend.api.main import create_app
from backend.composition import AppContext
from backend.core.config import Settings
from backend.core.keystore import Keystore
from backend.ops import deployer


@pytest.fixture(scope="session")
def world(tmp_path_factory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("citizen")
    node = Anvil(block_time=0.2)
    try:
        w3 = Web3(Web3.HTTPProvider(node.rpc_url))
        keystore = Keystore(tmp / "data" / "keystore", SECRET)
        names = ("deployer", *GOVERNORS, *DEPARTMENTS, "auditor")
        addr = {n: keystore.create(n) for n in names}
        accounts = {n: keystore.load(n) for n in names}
        deployer.fund(w3, Account.from_key(DEV_FUNDER_KEY), addr.values(), 10**20)
        deployments = tmp / "deployments"
        manifest = deployer.deploy_system(
            w3,
            accounts["deployer"],
            [addr[g] for g in GOVERNORS],
            2,
            network="citizentest",
            build_dir=citizen_build_dir(tmp),
            deployments_dir=deployments,
            fresh=True,
        )
        assert {"Certificates", "PropertyRegistry"} <= set(manifest["contracts"])
        consortium = deployer.contract_at(w3, manifest, "Consortium", deployments)
        govs = [accounts[g] for g in GOVERNORS]
        for i, (d, display) in enumerate(DEPARTMENTS.items()):
            deployer.run_council(
                w3,
                consortium,
                govs,
                lambda c, d=d, i=i, display=display: c.functions.proposeAdmitDepartment(
                    addr[d], f"D{i}-{d}".encode().ljust(32, b"\0"), display, b"110000".ljust(32, b"\0")
                ),
            )
        deployer.run_council(w3, consortium, govs, lambda c: c.functions.proposeAppointAuditor(addr["auditor"]))

        settings = Settings(
            env="development",
            rpc_url=node.rpc_url,
            network="citizentest",
            data_dir=tmp / "data",
            database_url=f"sqlite:///{tmp / 'data' / 'govchain.db'}",
            deployments_dir=deployments,
            keystore_secret=SECRET,
            subject_secret=SUBJECT_SECRET,
            receipt_timeout_s=15,
            poll_interval_s=0.02,
        )
        ctx = AppContext.from_settings(settings)
        tokens = {n: ctx.tokens.issue("department", addr[n], n) for n in DEPARTMENTS}
        tokens |= {g: ctx.tokens.issue("governor", addr[g], g) for g in GOVERNORS}
        tokens["auditor"] = ctx.tokens.issue("auditor", addr["auditor"], "auditor")
        app = create_app(ctx)
        with TestClient(app, raise_server_exceptions=False) as http:
            world = World(http, ctx, w3, tokens, addr, accounts, manifest, deployments)
            for dept, role in ROLES.items():
                world.council(
                    "/registry/roles",
                    {
                        "department": addr[dept],
                        "role": role,
                        "enabled": True,
                        "justification": f"designate {dept} as {role}",
                    },
                )
            world.council(
                "/certificates/types",
                {
                    "type_code": PROPERTY_CERT,
                    "issuer": addr["nr"],
                    "default_validity_s": 10 * 365 * 24 * 3600,
                    "justification": "property certificates are issued by NR",
                },
            )
            yield world
        ctx.close()
    finally:
        node.stop()
