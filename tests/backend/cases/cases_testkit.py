"""Helpers for the one-stop-service tests and the demo-seed test: a devnet (anvil,
interval mining 0.2 s) on a free port and the platform brought up exactly as
`govchain up` does it (backend.ops.bootstrap.bootstrap with the demo roster), in a
temporary data dir.

(Named uniquely: pytest puts test folders on sys.path.)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from web3 import Web3
from world_testkit import TEST_LEGAL_BASES, TEST_PURPOSES, WorldTokens, caller_headers

from backend.composition import AppContext
from backend.core.config import Settings
from backend.ops import purposes, roster
from backend.ops.bootstrap import bootstrap
from backend.ops.deployer import wait_for_node
from backend.ops.devnet import Devnet, free_port

SECRET = "cases-test-secret"
SUBJECT_SECRET = "cases-test-subject-secret"


@dataclass
class Platform:
    net: Devnet
    settings: Settings
    ctx: AppContext
    w3: Web3

    def address(self, key: str) -> str:
        return self.ctx.keystore.address_of(key)

    def close(self) -> None:
        try:
            self.ctx.close()
        finally:
            self.net.stop()


def boot(tmp: Path, network: str = "casestest") -> Platform:
    """Devnet on a free port + bootstrap (keys, funds, contracts, departments, auditor) + AppContext."""
    net = Devnet(port=free_port(), block_time=0.2)
    net.start(log_file=tmp / "anvil.log")
    try:
        settings = Settings(
            env="development",
            rpc_url=net.rpc_url,
            network=network,
            data_dir=tmp / "data",
            database_url=f"sqlite:///{tmp / 'data' / 'govchain.db'}",
            deployments_dir=tmp / "deployments",
            keystore_secret=SECRET,
            subject_secret=SUBJECT_SECRET,
            receipt_timeout_s=20,
            poll_interval_s=0.02,
        )
        w3 = Web3(Web3.HTTPProvider(net.rpc_url))
        wait_for_node(w3)
        manifest = bootstrap(settings, w3, fresh=True, log=lambda _m: None)
        ctx = AppContext.from_settings(settings)
        governors = [ctx.keystore.load(m.key) for m in roster.GOVERNORS]  # the tests' own codes and texts too
        purposes.register_catalogue(w3, manifest, settings.deployments_dir, governors, TEST_PURPOSES, TEST_LEGAL_BASES)
        return Platform(net, settings, ctx, w3)
    except BaseException:
        net.stop()
        raise


def demo_tokens(ctx: AppContext) -> WorldTokens:
    """One bearer token per roster member (governors, departments, auditor), by keystore name,
    bound to the default test officer."""
    members = {}
    for m in [*roster.GOVERNORS, *roster.DEPARTMENTS, *roster.AUDITORS]:
        role = {"governor": "governor", "auditor": "auditor"}.get(m.role, "department")
        members[m.key] = (role, ctx.keystore.address_of(m.key))
    members["auditor"] = members[roster.AUDITORS[0].key]
    return WorldTokens(ctx, members)


BUYER = {"id_type": "resident_id", "id_value": "110101199001011234"}
SELLER = {"id_type": "resident_id", "id_value": "110101198003035678"}
OTHER = {"id_type": "resident_id", "id_value": "310104197703035555"}


@dataclass
class World:
    http: TestClient
    p: Platform
    tokens: dict[str, str]

    @property
    def ctx(self):
        return self.p.ctx

    def addr(self, key: str) -> str:
        return self.p.address(key)

    def h(self, who: str | None, officer: str | None = "officer-1", key: str | None = None) -> dict[str, str]:
        return caller_headers(self.tokens, who, officer, key)

    def bearer(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    def subject(self, person: dict[str, str]) -> str:
        return "0x" + self.ctx.services.ops.subject(person["id_type"], person["id_value"]).hex()

    def citizen_token(self, person: dict[str, str], desk: str = "dept-psb") -> str:
        r = self.http.post(
            "/citizens/session", json={**person, "reason": "walk-in, identity card checked"}, headers=self.h(desk)
        )
        assert r.status_code == 201, r.text
        return r.json()["token"]

    def chain_time(self) -> int:
        return int(self.p.w3.eth.get_block("latest")["timestamp"])

    def post(self, path: str, body: dict[str, Any] | None, who: str, status: int = 201, **kw: Any) -> dict[str, Any]:
        r = self.http.post(path, json=body, headers=self.h(who, **kw))
        assert r.status_code == status, (path, r.status_code, r.text)
        return r.json()

    def council(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """Propose as gov-bdb, approve as gov-gov (threshold 2): executed."""
        proposal = self.post(path, body, "gov-bdb")
        r = self.http.post(f"/council/proposals/{proposal['proposal_id']}/approve", headers=self.h("gov-gov"))
        assert r.status_code == 200, r.text
        assert r.json()["executed"] is True, r.json()
        return proposal

    def register(self, who: str, record: Any, classification: str = "INTERNAL", title: str = "dataset") -> int:
        body = {"classification": classification, "record": record, "schema": {"title": title}}
        return self.post("/resources", body, who)["resource_id"]
