"""Deploy and wire the GovChain contracts with plain web3, and write the manifest.

One implementation serves `brownie run scripts/deploy.py`, `govchain deploy`,
the demo and the tests. The manifest (``deployments/<network>.json``) plus the
ABI files beside it are all a third-party tool (ethers.js, cast) needs.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from web3 import Web3
from web3.logs import DISCARD
from web3.types import Wei

if TYPE_CHECKING:  # pragma: no cover
    from eth_typing import ChecksumAddress
    from web3.types import TxParams

from backend.core.config import PROJECT_ROOT

# Deploy order and constructor wiring: each entry names the earlier contracts
# its constructor takes. Citizen-service contracts deploy when compiled.
CORE = [
    ("Consortium", None),
    ("DataCatalog", ["Consortium"]),
    ("Purposes", ["Consortium"]),  # the council's purposes and legal bases (issue 11)
    ("UsageRights", ["Consortium", "DataCatalog", "Purposes"]),
    ("Accountability", ["Consortium", "DataCatalog", "UsageRights"]),
    ("NodeDirectory", ["Consortium"]),  # where each department's node is reached (issue 9)
    ("AssistedSessions", ["Consortium"]),  # the record of front-desk citizen sessions (issue 10)
]
NEXT_CONTRACT = "<next>"  # the address of the contract deployed right after this one (same deployer)
SERVICES = [
    ("OneStopServices", ["Consortium", "DataCatalog", "UsageRights"]),
    # Certificates and PropertyRegistry name each other: Certificates lets only its title registry
    # supersede a certificate, fixed at construction, so it gets the registry's address before it exists.
    ("Certificates", ["Consortium", NEXT_CONTRACT]),
    ("PropertyRegistry", ["Consortium", "Certificates", "AssistedSessions"]),
]
LINKED = ("Certificates", "PropertyRegistry")
COMPILER = {"solc": "0.8.37", "evm_version": "shanghai", "optimizer": {"enabled": True, "runs": 200}}


class DeployError(RuntimeError):
    pass


def load_artifact(build_dir: Path, name: str) -> dict[str, Any] | None:
    path = Path(build_dir) / "contracts" / f"{name}.json"
    if not path.exists():
        return None
    art = json.loads(path.read_text())
    if not art.get("bytecode"):
        raise DeployError(f"{path} has no bytecode; run `brownie compile`")
    return art


def send_tx(w3: Web3, account: LocalAccount, tx: dict[str, Any], timeout: float = 120) -> Any:
    """Sign, send and wait: for deployment and set-up only (the API uses TxSender)."""
    tx = dict(tx)
    tx.setdefault("from", account.address)
    tx.setdefault("chainId", w3.eth.chain_id)
    tx.setdefault("nonce", w3.eth.get_transaction_count(account.address, "pending"))
    tx.update(fee_fields(w3))
    if "gas" not in tx:
        tx["gas"] = int(w3.eth.estimate_gas(cast("TxParams", tx)) * 1.2) + 10_000
    signed = account.sign_transaction(tx)
    tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=timeout, poll_latency=0.05)
    if receipt["status"] != 1:
        raise DeployError(f"transaction {tx_hash.hex()} reverted")
    return receipt


def fee_fields(w3: Web3) -> dict[str, int]:
    """EIP-1559 fees when the chain has a base fee, else legacy (Besu free-gas networks)."""
    base = w3.eth.get_block("latest").get("baseFeePerGas")
    if base is None:
        return {"gasPrice": w3.eth.gas_price}
    tip = 1_000_000_000 if base > 0 else 0
    return {"maxFeePerGas": base * 2 + tip, "maxPriorityFeePerGas": tip}


def transact(w3: Web3, account: LocalAccount, fn: Any) -> Any:
    """Send a bound contract function call (``contract.functions.x(...)``)."""
    tx = fn.build_transaction(
        {"from": account.address, "nonce": w3.eth.get_transaction_count(account.address, "pending"), **fee_fields(w3)}
    )
    return send_tx(w3, account, tx)


def fund(w3: Web3, funder: LocalAccount | str, addresses: Iterable[str], wei: int) -> None:
    """Give each address ``wei`` (devnet only). ``funder`` may be an unlocked node account."""
    for addr in addresses:
        if w3.eth.get_balance(cast("ChecksumAddress", addr)) >= wei:
            continue
        if isinstance(funder, str):
            h = w3.eth.send_transaction({"from": funder, "to": addr, "value": Wei(wei)})
            w3.eth.wait_for_transaction_receipt(h, timeout=60, poll_latency=0.05)
        else:
            send_tx(w3, funder, {"to": addr, "value": wei, "gas": 21_000})


def created_address(sender: str, nonce: int) -> str:
    """The address a contract created by ``sender`` at ``nonce`` gets (CREATE: keccak(rlp([sender, nonce])))."""
    nonce_rlp = b"\x80" if nonce == 0 else _rlp_bytes(nonce.to_bytes((nonce.bit_length() + 7) // 8, "big"))
    body = _rlp_bytes(bytes.fromhex(sender[2:])) + nonce_rlp
    return Web3.to_checksum_address(keccak(bytes([0xC0 + len(body)]) + body)[12:])


def _rlp_bytes(b: bytes) -> bytes:
    # short strings only (an address, a nonce): a single byte below 0x80 is itself
    return b if len(b) == 1 and b[0] < 0x80 else bytes([0x80 + len(b)]) + b


def _live(w3: Web3, manifest: dict[str, Any]) -> bool:
    try:
        if int(manifest["chain_id"]) != w3.eth.chain_id:
            return False
        return all(
            len(w3.eth.get_code(Web3.to_checksum_address(c["address"]))) > 0 for c in manifest["contracts"].values()
        )
    except (KeyError, TypeError, ValueError):
        return False


def deploy_system(
    w3: Web3,
    deployer: LocalAccount,
    governors: list[str],
    threshold: int,
    *,
    network: str,
    build_dir: Path = PROJECT_ROOT / "build",
    deployments_dir: Path = PROJECT_ROOT / "deployments",
    fresh: bool = False,
    log: Callable[[str], None] = lambda _m: None,
) -> dict[str, Any]:
    """Deploy (or reuse) the whole system and write ``deployments/<network>.json``.

    A live deployment (same chain id, code at every address) is reused unless
    ``fresh`` is set, so re-running is safe.
    """
    deployments_dir = Path(deployments_dir)
    manifest_file = deployments_dir / f"{network}.json"
    if manifest_file.exists() and not fresh:
        existing = json.loads(manifest_file.read_text())
        if _live(w3, existing):
            log(f"reusing live deployment from {manifest_file}")
            return existing
    if not governors or not 1 <= threshold <= len(governors):
        raise DeployError(f"need 1 <= threshold <= governors ({threshold} of {len(governors)})")

    addresses: dict[str, str] = {}
    entries: dict[str, dict[str, Any]] = {}
    (deployments_dir / "abi").mkdir(parents=True, exist_ok=True)
    first_block = None
    linked = [load_artifact(build_dir, n) is not None for n in LINKED]
    if any(linked) and not all(linked):
        raise DeployError(f"{' and '.join(LINKED)} deploy together (they name each other); compile both")
    promised: tuple[str, str] | None = None  # (name of the contract that named its successor, that address)
    for name, deps in CORE + SERVICES:
        art = load_artifact(build_dir, name)
        if art is None:
            if (name, deps) in CORE:
                raise DeployError(f"missing artifact build/contracts/{name}.json; run `brownie compile`")
            continue
        nonce = w3.eth.get_transaction_count(deployer.address, "pending")
        args: list[Any] = (
            [list(governors), threshold]
            if deps is None
            else [created_address(deployer.address, nonce + 1) if d == NEXT_CONTRACT else addresses[d] for d in deps]
        )
        if promised is not None:
            # The contract right after one that named its successor must land at the address it was promised
            # (a transaction of the deployer's in between would put it elsewhere): checked before sending.
            if created_address(deployer.address, nonce) != promised[1]:
                raise DeployError(
                    f"{name} would land at {created_address(deployer.address, nonce)}, "
                    f"not at {promised[1]} that {promised[0]} names"
                )
            promised = None
        if deps is not None and NEXT_CONTRACT in deps:
            promised = (name, created_address(deployer.address, nonce + 1))
        factory = w3.eth.contract(abi=art["abi"], bytecode=art["bytecode"])
        tx = factory.constructor(*args).build_transaction({"from": deployer.address, "nonce": nonce, **fee_fields(w3)})
        receipt = send_tx(w3, deployer, tx)
        if receipt["contractAddress"] != created_address(deployer.address, nonce):
            raise DeployError(f"{name} landed at {receipt['contractAddress']}, not where its links expect it")
        addresses[name] = receipt["contractAddress"]
        first_block = first_block if first_block is not None else receipt["blockNumber"]
        abi_rel = f"abi/{name}.json"
        (deployments_dir / abi_rel).write_text(json.dumps(art["abi"], indent=1))
        entries[name] = {
            "address": receipt["contractAddress"],
            "abi": abi_rel,
            "block": receipt["blockNumber"],
            "tx": receipt["transactionHash"].hex()
            if hasattr(receipt["transactionHash"], "hex")
            else str(receipt["transactionHash"]),
        }
        log(f"deployed {name} at {receipt['contractAddress']} (block {receipt['blockNumber']})")

    manifest = {
        "network": network,
        "chain_id": w3.eth.chain_id,
        "deploy_block": first_block,
        "deployed_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "deployer": deployer.address,
        "governors": list(governors),
        "threshold": threshold,
        "compiler": COMPILER,
        "contracts": entries,
    }
    tmp = manifest_file.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(manifest, indent=2))
    tmp.replace(manifest_file)
    log(f"manifest written to {manifest_file}")
    return manifest


def contract_at(w3: Web3, manifest: dict[str, Any], name: str, deployments_dir: Path) -> Any:
    entry = manifest["contracts"][name]
    abi = json.loads((Path(deployments_dir) / entry["abi"]).read_text())
    return w3.eth.contract(address=Web3.to_checksum_address(entry["address"]), abi=abi)


def run_council(w3: Web3, consortium: Any, governors: list[LocalAccount], propose: Callable[[Any], Any]) -> int:
    """Create a proposal with the first governor and approve it with the next
    ones until it executes; returns the proposal id. ``propose`` maps the
    consortium contract to a bound ``propose…`` call."""
    receipt = transact(w3, governors[0], propose(consortium))
    created = consortium.events.ProposalCreated().process_receipt(receipt, errors=DISCARD)
    if not created:
        raise DeployError("no ProposalCreated event")
    pid = created[0]["args"]["proposalId"]
    for gov in governors[1:]:
        if _executed(consortium, pid):
            break
        transact(w3, gov, consortium.functions.approve(pid))
    if not _executed(consortium, pid):
        raise DeployError(f"proposal {pid} did not reach the threshold")
    return pid


def usage_rights_listening(w3: Web3, manifest: dict[str, Any], deployments_dir: Path) -> tuple[Any, str, bool]:
    """(the Consortium, UsageRights' address, whether the council registered it as a standing listener:
    then recordUse checks standing from its own copy instead of calling the Consortium)."""
    consortium = contract_at(w3, manifest, "Consortium", deployments_dir)
    rights = Web3.to_checksum_address(manifest["contracts"]["UsageRights"]["address"])
    return consortium, rights, rights in consortium.functions.standingListeners().call()


def register_standing_listener(
    w3: Web3, manifest: dict[str, Any], deployments_dir: Path, governors: list[LocalAccount]
) -> bool:
    """The council (these governors' keys: development and tests) registers UsageRights as a standing
    listener, once; whether it did now."""
    consortium, rights, listening = usage_rights_listening(w3, manifest, deployments_dir)
    if listening:
        return False
    run_council(w3, consortium, governors, lambda c: c.functions.proposeAddStandingListener(rights))
    return True


def _executed(consortium: Any, pid: int) -> bool:
    # web3 returns the Proposal struct as a tuple; `executed` is its last field.
    return bool(consortium.functions.proposal(pid).call()[-1])


def wait_for_node(w3: Web3, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            _ = w3.eth.chain_id  # any answer means the node is up
            return
        except Exception:
            time.sleep(0.1)
    raise DeployError(f"node at {w3.provider} did not answer within {timeout}s")
