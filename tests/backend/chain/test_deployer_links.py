"""The deployer links Certificates and PropertyRegistry by a predicted address: on a real anvil, the
registry lands where Certificates points, and a transaction of the deployer's slipped in between (so that
something else would sit at the predicted address) stops the deployment before the registry is sent."""

from __future__ import annotations

import json
from typing import Any

import pytest
from chain_testkit import ROOT
from eth_account import Account
from web3 import Web3

from backend.ops import deployer
from backend.ops.devnet import DEV_FUNDER_KEY

CONTRACTS = (*(name for name, _ in deployer.CORE), "Certificates", "PropertyRegistry")  # the core, and the linked pair


def _build(tmp_path) -> Any:
    out = tmp_path / "build" / "contracts"
    out.mkdir(parents=True)
    for name in CONTRACTS:
        (out / f"{name}.json").write_text((ROOT / "build" / "contracts" / f"{name}.json").read_text())
    return tmp_path / "build"


def _deploy(w3: Web3, tmp_path, account) -> dict[str, Any]:
    return deployer.deploy_system(
        w3,
        account,
        [Account.create().address for _ in range(3)],
        2,
        network="links-test",
        build_dir=_build(tmp_path),
        deployments_dir=tmp_path / "deployments",
        fresh=True,
    )


@pytest.fixture
def w3_and_deployer(anvil):
    w3 = Web3(Web3.HTTPProvider(anvil.url))
    account = Account.create()
    deployer.fund(w3, Account.from_key(DEV_FUNDER_KEY), [account.address], 10**21)
    return w3, account


def test_the_registry_lands_where_certificates_points(w3_and_deployer, tmp_path) -> None:
    w3, account = w3_and_deployer
    manifest = _deploy(w3, tmp_path, account)
    certs = deployer.contract_at(w3, manifest, "Certificates", tmp_path / "deployments")
    assert certs.functions.titleRegistry().call() == manifest["contracts"]["PropertyRegistry"]["address"]


def test_a_transaction_between_the_linked_pair_stops_the_deployment(w3_and_deployer, tmp_path, monkeypatch) -> None:
    w3, account = w3_and_deployer
    certificates_code = json.loads((ROOT / "build" / "contracts" / "Certificates.json").read_text())["bytecode"]
    real_send = deployer.send_tx

    def send_then_slip_one_in(w3_: Web3, acct, tx: dict[str, Any], timeout: float = 120) -> Any:
        receipt = real_send(w3_, acct, tx, timeout)
        if str(tx.get("data", "")).removeprefix("0x").startswith(certificates_code.removeprefix("0x")):
            # the deployer's own transaction right after Certificates: the next nonce is taken
            real_send(w3_, acct, {"to": acct.address, "value": 0, "gas": 21_000, **deployer.fee_fields(w3_)})
        return receipt

    monkeypatch.setattr(deployer, "send_tx", send_then_slip_one_in)
    with pytest.raises(deployer.DeployError) as info:
        _deploy(w3, tmp_path, account)
    nonce = w3.eth.get_transaction_count(account.address)
    promised = deployer.created_address(account.address, nonce - 1)
    assert str(info.value) == (
        f"PropertyRegistry would land at {deployer.created_address(account.address, nonce)}, "
        f"not at {promised} that Certificates names"
    )
    assert w3.eth.get_code(Web3.to_checksum_address(promised)) == b""
