"""One consortium for the citizen-service tests: real anvil (interval mining, free
port), the real compiled contracts (core + Certificates + PropertyRegistry)
deployed with backend.deployer, departments admitted by the council, and the real
app over HTTP (FastAPI TestClient). Registry roles and the certificate type are
set up through the API's own council endpoints (propose + approve).
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from web3 import Web3

sys.path.insert(0, str(Path(__file__).parent))

from citizen_testkit import Anvil, citizen_build_dir  # noqa: E402

from backend import deployer  # noqa: E402
from backend.api.main import create_app  # noqa: E402
from backend.config import Settings  # noqa: E402
from backend.context import AppContext  # noqa: E402
from backend.keystore import Keystore  # noqa: E402

DEV_FUNDER_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"  # anvil's public dev key 0
SECRET = "citizen-test-secret"
SUBJECT_SECRET = "citizen-test-subject-secret"
GOVERNORS = ("gov-1", "gov-2", "gov-3")
# name -> display name on chain
DEPARTMENTS = {
    "nr": "自然资源局 / Natural Resources",
    "bank": "工商银行分行 / Commercial Bank",
    "court": "人民法院 / People's Court",
    "insp": "市场监管局 / Market Regulation",
    "desk": "政务服务中心 / Service Centre",
    "ca": "民政局 / Civil Affairs",
    "tax": "税务局 / Tax",
    "other": "统计局 / Statistics",
}
ROLES = {"nr": "REGISTRAR", "bank": "BANK", "court": "COURT", "insp": "INSPECTOR"}
PROPERTY_CERT = "PROPERTY_CERT"
CITIZEN_A = {"id_type": "resident_id", "id_value": "110105199001011234"}
CITIZEN_B = {"id_type": "resident_id", "id_value": "110105198502024321"}
CITIZEN_C = {"id_type": "resident_id", "id_value": "310104197703035555"}


@dataclass
class World:
    http: TestClient
    ctx: AppContext
    w3: Web3
    tokens: dict[str, str]
    addr: dict[str, str]
    accounts: dict[str, LocalAccount]
    manifest: dict[str, Any]
    deployments: Path
    _contracts: dict[str, Any] = field(default_factory=dict)

    def h(self, who: str | None, officer: str | None = "officer-1", key: str | None = None) -> dict[str, str]:
        headers: dict[str, str] = {"Idempotency-Key": key or uuid.uuid4().hex}
        if who is not None:
            headers["Authorization"] = f"Bearer {self.tokens[who]}"
        if officer is not None:
            headers["X-Officer-Id"] = officer
        return headers

    def bearer(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex}

    def contract(self, name: str):
        if name not in self._contracts:
            self._contracts[name] = deployer.contract_at(self.w3, self.manifest, name, self.deployments)
        return self._contracts[name]

    def subject(self, person: dict[str, str]) -> str:
        return "0x" + self.ctx.services.ops.subject(person["id_type"], person["id_value"]).hex()

    def citizen_token(self, person: dict[str, str], desk: str = "desk") -> str:
        r = self.http.post("/citizens/session", json=person, headers=self.h(desk))
        assert r.status_code == 201, r.text
        return r.json()["token"]

    def chain_time(self) -> int:
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def council(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """Propose through the API as gov-1, approve as gov-2 (threshold 2): executed."""
        r = self.http.post(path, json=body, headers=self.h("gov-1"))
        assert r.status_code == 201, r.text
        proposal = r.json()
        r = self.http.post(f"/council/proposals/{proposal['proposal_id']}/approve", headers=self.h("gov-2"))
        assert r.status_code == 200, r.text
        assert r.json()["executed"] is True, r.json()
        return proposal


@pytest.fixture(scope="session")
def world(tmp_path_factory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("citizen")
    node = Anvil(block_time=0.2)
    try:
        w3 = Web3(Web3.HTTPProvider(node.url))
        keystore = Keystore(tmp / "data" / "keystore", SECRET)
        names = ("deployer", *GOVERNORS, *DEPARTMENTS, "auditor")
        addr = {n: keystore.create(n) for n in names}
        accounts = {n: keystore.load(n) for n in names}
        deployer.fund(w3, Account.from_key(DEV_FUNDER_KEY), addr.values(), 10**20)
        deployments = tmp / "deployments"
        manifest = deployer.deploy_system(
            w3, accounts["deployer"], [addr[g] for g in GOVERNORS], 2,
            network="citizentest", build_dir=citizen_build_dir(tmp), deployments_dir=deployments, fresh=True,
        )
        assert {"Certificates", "PropertyRegistry"} <= set(manifest["contracts"])
        consortium = deployer.contract_at(w3, manifest, "Consortium", deployments)
        govs = [accounts[g] for g in GOVERNORS]
        for i, (d, display) in enumerate(DEPARTMENTS.items()):
            deployer.run_council(
                w3, consortium, govs,
                lambda c, d=d, i=i, display=display: c.functions.proposeAdmitDepartment(
                    addr[d], f"D{i}-{d}".encode().ljust(32, b"\0"), display, b"110000".ljust(32, b"\0")
                ),
            )
        deployer.run_council(w3, consortium, govs, lambda c: c.functions.proposeAppointAuditor(addr["auditor"]))

        settings = Settings(
            env="development", rpc_url=node.url, network="citizentest", data_dir=tmp / "data",
            database_url=f"sqlite:///{tmp / 'data' / 'govchain.db'}", deployments_dir=deployments,
            keystore_secret=SECRET, subject_secret=SUBJECT_SECRET, receipt_timeout_s=15, poll_interval_s=0.02,
        )
        ctx = AppContext.from_settings(settings)
        tokens = {n: ctx.tokens.issue("department", addr[n], n) for n in DEPARTMENTS}
        tokens |= {g: ctx.tokens.issue("governor", addr[g], g) for g in GOVERNORS}
        tokens["auditor"] = ctx.tokens.issue("auditor", addr["auditor"], "auditor")
        app = create_app(ctx)
        with TestClient(app, raise_server_exceptions=False) as http:
            world = World(http, ctx, w3, tokens, addr, accounts, manifest, deployments)
            for dept, role in ROLES.items():
                world.council("/registry/roles", {"department": addr[dept], "role": role, "enabled": True,
                                                  "justification": f"designate {dept} as {role}"})
            world.council("/certificates/types", {"type_code": PROPERTY_CERT, "issuer": addr["nr"],
                                                  "default_validity_s": 10 * 365 * 24 * 3600,
                                                  "justification": "property certificates are issued by NR"})
            yield world
        ctx.close()
    finally:
        node.stop()
