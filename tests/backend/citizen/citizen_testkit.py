"""Helpers for the citizen-service tests: anvil on a free port with interval
mining, and a build dir holding the core contracts plus Certificates and
PropertyRegistry (so these tests do not depend on other service contracts).

(Named uniquely: pytest puts test folders on sys.path.)
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from web3 import Web3
from world_testkit import caller_headers

from backend.composition import AppContext
from backend.ops import deployer
from backend.ops.devnet import Devnet, free_port

CONTRACTS = (*(name for name, _ in deployer.CORE), "Certificates", "PropertyRegistry")  # the core and the registry pair


def Anvil(block_time: float = 0.2) -> Devnet:
    """anvil with interval mining on a free port: the platform's own Devnet."""
    return Devnet(port=free_port(), block_time=block_time).start()


SECRET = "citizen-test-secret"
SUBJECT_SECRET = "citizen-test-subject-secret"
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
REASON = "walk-in, no e-ID: identity card checked at the desk"
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
        return caller_headers(self.tokens, who, officer, key)

    def bearer(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex}

    def contract(self, name: str):
        if name not in self._contracts:
            self._contracts[name] = deployer.contract_at(self.w3, self.manifest, name, self.deployments)
        return self._contracts[name]

    def subject(self, person: dict[str, str]) -> str:
        return "0x" + self.ctx.services.ops.subject(person["id_type"], person["id_value"]).hex()

    def citizen_token(self, person: dict[str, str], desk: str = "desk") -> str:
        r = self.http.post("/citizens/session", json={**person, "reason": REASON}, headers=self.h(desk))
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
