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
from backend.ops import deployer

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


def caller_headers(
    tokens: Mapping[str, str], who: str | None, officer: str | None = "officer-1", key: str | None = None
) -> dict[str, str]:
    """Headers of a request by ``who`` (a token name; None: no token) with officer ``officer`` and a fresh
    idempotency key unless ``key`` is given."""
    headers = {"Idempotency-Key": key or uuid.uuid4().hex}
    if who is not None:
        headers["Authorization"] = f"Bearer {tokens[who]}"
    if officer is not None:
        headers["X-Officer-Id"] = officer
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
    return DeployedConsortium(addr, accounts, manifest, deployments)


def world_tokens(ctx: AppContext, addr: Mapping[str, str], departments: Iterable[str]) -> dict[str, str]:
    """A bearer token per department, governor and the auditor, by keystore name."""
    tokens = {n: ctx.tokens.issue("department", addr[n], n) for n in departments}
    tokens |= {g: ctx.tokens.issue("governor", addr[g], g) for g in GOVERNORS}
    tokens["auditor"] = ctx.tokens.issue("auditor", addr["auditor"], "auditor")
    return tokens
