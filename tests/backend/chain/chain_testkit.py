"""Helpers for the chain-layer tests: anvil process, ChainProbe deployment, stacks.

(Named uniquely: pytest puts test folders on sys.path, so a generic name would clash.)
"""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from eth_account import Account
from web3 import Web3

from backend.chain.client import ChainClient
from backend.chain.manifest import Manifest, load_manifest
from backend.chain.outbox import OutboxTx
from backend.chain.sender import TxSender
from backend.core.config import Settings
from backend.core.db import Base, make_engine, session_factory
from backend.ops.devnet import DevnetError, anvil_binary

ROOT = Path(__file__).resolve().parents[3]
PROBE_SOURCE = ROOT / "contracts" / "test" / "ChainProbe.sol"
PROBE_ARTIFACT = ROOT / "build" / "contracts" / "ChainProbe.json"
# anvil's default development accounts (public test mnemonic; never real funds).
DEV_MNEMONIC = "test test test test test test test test test test test junk"
Account.enable_unaudited_hdwallet_features()
DEV_KEYS = [
    "0x" + bytes(Account.from_mnemonic(DEV_MNEMONIC, account_path=f"m/44'/60'/0'/0/{i}").key).hex() for i in range(10)
]


def _anvil_binary() -> str:
    try:
        return anvil_binary()
    except DevnetError as exc:
        pytest.fail(str(exc))


@dataclass
class Anvil:
    port: int
    args: list[str]
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Anvil:
        self.proc = subprocess.Popen(
            [_anvil_binary(), "--port", str(self.port), *self.args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        w3 = Web3(Web3.HTTPProvider(self.url))
        deadline = time.monotonic() + 15
        while True:  # startup wait only; no test asserts on timing
            try:
                w3.eth.chain_id
                return self
            except Exception:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError("anvil did not start")
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: anvil dumps --state on the way out
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def rpc(self, method: str, params: list | None = None):
        resp = Web3(Web3.HTTPProvider(self.url)).provider.make_request(method, params or [])
        assert "error" not in resp, resp
        return resp["result"]


def deploy_probe(url: str, artifact: dict, tmp_dir: Path, *, mine: bool = False) -> Path:
    """Deploy ChainProbe with dev key 0 and write a manifest in the project's format
    (``mine=True`` for a node started with --no-mining)."""
    w3 = Web3(Web3.HTTPProvider(url))
    deployer = Account.from_key(DEV_KEYS[0])
    factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    tx = factory.constructor().build_transaction(
        {
            "from": deployer.address,
            "nonce": w3.eth.get_transaction_count(deployer.address, "pending"),
            "chainId": w3.eth.chain_id,
        }
    )
    tx_hash = w3.eth.send_raw_transaction(deployer.sign_transaction(tx).raw_transaction)
    if mine:
        w3.provider.make_request("evm_mine", [])
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30, poll_latency=0.05)
    (tmp_dir / "abi").mkdir(parents=True, exist_ok=True)
    (tmp_dir / "abi" / "ChainProbe.json").write_text(json.dumps(artifact["abi"]))
    manifest = {
        "network": "test",
        "chain_id": w3.eth.chain_id,
        "deploy_block": receipt["blockNumber"],
        "compiler": {"version": "0.8.37", "evm_version": "shanghai"},
        "contracts": {
            "ChainProbe": {
                "address": receipt["contractAddress"],
                "abi": "abi/ChainProbe.json",
                "block": receipt["blockNumber"],
            }
        },
    }
    path = tmp_dir / "test.json"
    path.write_text(json.dumps(manifest))
    return path


def make_sessions(db_url: str):
    engine = make_engine(db_url)
    # Only our table: the test must not depend on other modules' models.
    Base.metadata.create_all(engine, tables=[OutboxTx.__table__])
    return engine, session_factory(engine)


@dataclass
class Stack:
    client: ChainClient
    sender: TxSender
    sessions: object
    manifest: Manifest
    engine: object

    def close(self) -> None:
        self.client.close()
        self.engine.dispose()


def build_stack(url: str, manifest_path: Path, db_url: str, **settings_overrides) -> Stack:
    settings = Settings(rpc_url=url, database_url=db_url, **settings_overrides)
    manifest = load_manifest(manifest_path)
    engine, sessions = make_sessions(db_url)
    client = ChainClient(settings, manifest, sessions)
    return Stack(client, TxSender(client), sessions, manifest, engine)


def account(i: int):
    return Account.from_key(DEV_KEYS[i])
