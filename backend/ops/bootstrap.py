"""Bring a chain to a working consortium: keys, funds, contracts, members.

Every step is idempotent (existing keys are kept, a live deployment is
reused, admitted departments are skipped), so the run command can be re-run
after a crash and converges to the same state.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eth_account import Account
from web3 import Web3

from backend.core.config import Settings
from backend.core.keystore import KeyNotFound, Keystore
from backend.ops import deployer, purposes, roster

Log = Callable[[str], None]


def ensure_accounts(keystore: Keystore, members: list[roster.Member], log: Log = print) -> dict[str, str]:
    """Create a keystore entry for every member that lacks one; name → address."""
    out = {}
    for m in members:
        try:
            out[m.key] = keystore.address_of(m.key)
        except KeyNotFound:
            out[m.key] = keystore.create(m.key)
            log(f"created key {m.key} {out[m.key]}")
    return out


def bootstrap(
    settings: Settings,
    w3: Web3,
    *,
    fresh: bool = False,
    fund_from_dev_key: bool = True,
    log: Log = print,
) -> dict[str, Any]:
    """Keys → funds (devnet) → deploy (or reuse) → admit departments and auditors."""
    keystore = Keystore(settings.keystore_dir, settings.keystore_secret)
    addresses = ensure_accounts(keystore, roster.ALL, log)
    if fund_from_dev_key:
        from backend.ops.devnet import DEV_FUNDER_KEY

        deployer.fund(w3, Account.from_key(DEV_FUNDER_KEY), addresses.values(), 10**20)
    governors = [keystore.load(m.key) for m in roster.GOVERNORS]
    manifest = deployer.deploy_system(
        w3,
        keystore.load(roster.DEPLOYER.key),
        [g.address for g in governors],
        roster.THRESHOLD,
        network=settings.network,
        deployments_dir=settings.deployments_dir,
        fresh=fresh,
        log=log,
    )
    consortium = deployer.contract_at(w3, manifest, "Consortium", settings.deployments_dir)
    for m in roster.DEPARTMENTS:
        addr = addresses[m.key]
        if consortium.functions.isActiveDepartment(addr).call():
            continue

        def admit(c: Any, m: roster.Member = m, addr: str = addr) -> Any:
            return c.functions.proposeAdmitDepartment(addr, roster.bytes32(m.code), m.name, roster.bytes32(m.region))

        deployer.run_council(w3, consortium, governors, admit)
        log(f"admitted {m.code} {m.name}")
    for m in roster.AUDITORS:
        addr = addresses[m.key]
        if consortium.functions.isAuditor(addr).call():
            continue

        def appoint(c: Any, addr: str = addr) -> Any:
            return c.functions.proposeAppointAuditor(addr)

        deployer.run_council(w3, consortium, governors, appoint)
        log(f"appointed auditor {m.name}")
    if deployer.register_standing_listener(w3, manifest, settings.deployments_dir, governors):
        log("registered UsageRights as a standing listener (uses check standing from its own copy)")
    if registered := purposes.register_catalogue(w3, manifest, settings.deployments_dir, governors):
        log(f"registered {registered} purposes and legal bases (requests and grants must name registered ones)")
    return manifest
