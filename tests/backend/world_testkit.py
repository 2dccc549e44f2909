"""What every backend test world deployed with backend.ops.deployer shares: a build dir holding
only the contracts the world deploys, the consortium (keys, funds, contracts, departments and
auditor admitted by the council), the bearer tokens, and the request headers of a caller.

Importable from every test folder: pytest ("prepend" import mode) puts this folder, the
package-less home of the root backend conftest, on sys.path."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from backend.composition import AppContext
from backend.core.keystore import Keystore
from backend.ops import deployer, purposes

ROOT = Path(__file__).resolve().parents[2]


def build_dir_with(tmp: Path, contracts: Iterable[str]) -> Path:
    """A brownie-style build dir under ``tmp`` with only ``contracts``' artifacts (from `brownie compile`)."""
    out = tmp / "build"
    (out / "contracts").mkdir(parents=True, exist_ok=True)
    for name in contracts:
        src = ROOT / "build" / "contracts" / f"{name}.json"
        if not src.exists():
            raise RuntimeError(f"{src} missing: run `brownie compile`")
        shutil.copy(src, out / "contracts" / f"{name}.json")
    return out


# The purposes and legal bases test worlds register besides the demo's: every code and legal-basis text
# the backend tests name (requests and grants must name registered, unretired entries).
TEST_PURPOSES = [
    (code, f"测试用途{code}", f"test purpose {code}") for code in (1, 7, 8, 9, 33, 101, 102, 103, 202, 301)
]
TEST_LEGAL_BASES = purposes.legal_basis_entries(
    [
        *purposes.LEGAL_BASES,
        "《不动产登记暂行条例》第十六条 / Real Estate Registration Regulation art. 16",
        "《户口登记条例》第十五条",
        "《政务数据共享条例》第七条",
        "Company Registration Reg. art. 9",
        "Deed Tax Law art. 6",
        "Regulation 7",
        "Regulation 7 (test)",
        "Regulation 7 (crash test)",
        "Regulation 7 (one-stop)",
        "Regulation 8",
        "Residence Reg. art. 3",
        "R7",
        "authz test",
        "crash test",
        "fuzz seed",
        "read-your-write test",
        "test basis",
        "b",
        "x",
    ]
)

DEFAULT_OFFICER = "officer-1"  # an admin officer: the officer every test token is bound to unless named


def officer_token(ctx: AppContext, role: str, address: str, officer: str, label: str = "") -> str:
    """A token for ``role``/``address`` bound to officer ``officer`` (enrolled on first use: the
    default officer as an admin, any other as a plain officer), so writes record that person."""
    store = ctx.officers.store
    if store.get(officer) is None:
        store.enrol(officer, officer, "admin" if officer == DEFAULT_OFFICER else "officer", role, address)
    return ctx.tokens.issue(role, address, label or officer, officer=officer)


class WorldTokens(dict[str, str]):
    """Token by keystore name, each bound to the default officer; ``for_officer`` mints (once) the
    token of the same member bound to another officer."""

    def __init__(self, ctx: AppContext, members: Mapping[str, tuple[str, str]]) -> None:
        self.ctx = ctx
        self.members = dict(members)  # name -> (role, address)
        self._others: dict[tuple[str, str], str] = {}
        super().__init__({n: officer_token(ctx, r, a, DEFAULT_OFFICER, n) for n, (r, a) in self.members.items()})

    def for_officer(self, who: str, officer: str) -> str:
        if officer == DEFAULT_OFFICER:
            return self[who]
        if (who, officer) not in self._others:
            role, address = self.members[who]
            self._others[who, officer] = officer_token(self.ctx, role, address, officer, f"{who}:{officer}")
        return self._others[who, officer]


def caller_headers(
    tokens: Mapping[str, str], who: str | None, officer: str | None = DEFAULT_OFFICER, key: str | None = None
) -> dict[str, str]:
    """Headers of a request by ``who`` (a token name; None: no token) with officer ``officer`` and a fresh
    idempotency key unless ``key`` is given."""
    headers = {"Idempotency-Key": key or uuid.uuid4().hex}
    if who is not None:
        named = officer is not None and officer != DEFAULT_OFFICER and isinstance(tokens, WorldTokens)
        token = tokens.for_officer(who, officer) if named and officer is not None else tokens[who]  # type: ignore[union-attr]
        headers["Authorization"] = f"Bearer {token}"
    return headers


DEV_FUNDER_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"  # anvil's public dev key 0
GOVERNORS = ("gov-1", "gov-2", "gov-3")


@dataclass
class DeployedConsortium:
    addr: dict[str, str]  # keystore name -> address
    accounts: dict[str, LocalAccount]
    manifest: dict[str, Any]
    deployments: Path


def deploy_consortium(
    w3: Web3,
    tmp: Path,
    *,
    secret: str,
    network: str,
    contracts: Iterable[str],
    departments: Mapping[str, str],
    funds_wei: int = 10**21,
) -> DeployedConsortium:
    """Keys in ``tmp``/data/keystore for a deployer, three governors (threshold 2), ``departments``
    (keystore name -> display name on chain) and an auditor, each funded with ``funds_wei`` (anvil's
    dev account holds 10**22); ``contracts`` deployed with
    backend.ops.deployer; the departments admitted and the auditor appointed by council proposals."""
    keystore = Keystore(tmp / "data" / "keystore", secret)
    names = ("deployer", *GOVERNORS, *departments, "auditor")
    addr = {n: keystore.create(n) for n in names}
    accounts = {n: keystore.load(n) for n in names}
    deployer.fund(w3, Account.from_key(DEV_FUNDER_KEY), addr.values(), funds_wei)
    deployments = tmp / "deployments"
    manifest = deployer.deploy_system(
        w3,
        accounts["deployer"],
        [addr[g] for g in GOVERNORS],
        2,
        network=network,
        build_dir=build_dir_with(tmp, contracts),
        deployments_dir=deployments,
        fresh=True,
    )
    consortium = deployer.contract_at(w3, manifest, "Consortium", deployments)
    govs = [accounts[g] for g in GOVERNORS]
    for i, (d, display) in enumerate(departments.items()):
        deployer.run_council(
            w3,
            consortium,
            govs,
            lambda c, d=d, i=i, display=display: c.functions.proposeAdmitDepartment(
                addr[d], f"D{i}-{d}".encode().ljust(32, b"\0"), display, b"110000".ljust(32, b"\0")
            ),
        )
    deployer.run_council(w3, consortium, govs, lambda c: c.functions.proposeAppointAuditor(addr["auditor"]))
    deployer.register_standing_listener(w3, manifest, deployments, govs)
    purposes.register_catalogue(w3, manifest, deployments, govs, [*purposes.PURPOSES, *TEST_PURPOSES], TEST_LEGAL_BASES)
    return DeployedConsortium(addr, accounts, manifest, deployments)


def world_tokens(ctx: AppContext, addr: Mapping[str, str], departments: Iterable[str]) -> WorldTokens:
    """A bearer token per department, governor and the auditor, by keystore name (bound to officer-1)."""
    members = {n: ("department", addr[n]) for n in departments}
    members |= {g: ("governor", addr[g]) for g in GOVERNORS}
    members["auditor"] = ("auditor", addr["auditor"])
    return WorldTokens(ctx, members)
