"""One consortium for the citizen-service tests: real anvil (interval mining, free
port), the real compiled contracts (core + Certificates + PropertyRegistry)
deployed with backend.ops.deployer, departments admitted by the council, and the real
app over HTTP (FastAPI TestClient). Registry roles and the certificate type are
set up through the API's own council endpoints (propose + approve).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from citizen_testkit import (
    CONTRACTS,
    DEPARTMENTS,
    PROPERTY_CERT,
    ROLES,
    SECRET,
    SUBJECT_SECRET,
    Anvil,
    World,
)
from fastapi.testclient import TestClient
from web3 import Web3
from world_testkit import deploy_consortium, world_tokens

from backend.api.main import create_app
from backend.composition import AppContext
from backend.core.config import Settings


@pytest.fixture(scope="session")
def world(tmp_path_factory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("citizen")
    node = Anvil(block_time=0.2)
    try:
        w3 = Web3(Web3.HTTPProvider(node.rpc_url))
        deployed = deploy_consortium(
            w3,
            tmp,
            secret=SECRET,
            network="citizentest",
            contracts=CONTRACTS,
            departments=DEPARTMENTS,
            funds_wei=10**20,
        )
        addr, accounts, manifest, deployments = (
            deployed.addr,
            deployed.accounts,
            deployed.manifest,
            deployed.deployments,
        )
        assert {"Certificates", "PropertyRegistry"} <= set(manifest["contracts"])
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
        tokens = world_tokens(ctx, addr, DEPARTMENTS)
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
