"""Generate a Hyperledger Besu QBFT network for GovChain (and check it without Besu).

Besu cannot be installed on the development machines (see docs/besu.md), so this
module writes everything a Besu operator needs and the test-suite checks it
byte by byte instead of running it:

    <out_dir>/
      genesis.json            QBFT genesis; extraData lists the validators
      static-nodes.json       enode URLs of every validator
      README.txt              how to start each node
      node-1/ … node-N/
        key                   node private key, "0x" + 64 hex, mode 0600
        key.pub               node public key, "0x" + 128 hex (uncompressed, no 04 prefix)
        config.toml           `besu --config-file=config.toml`, run from this directory
        permissions_config.toml  local node allowlist (only our validators may peer)
        data/                 chain database (Besu fills it)

Facts this relies on (Besu sources and docs):

* QBFT genesis ``extraData`` is ``RLP([vanity(32 bytes), [validator addresses],
  vote, round, [seals]])``; in the genesis block the vote is an empty list, the
  round is the integer scalar 0 (encoded as the empty string, 0x80) and the
  seals are an empty list (Besu ``QbftExtraDataCodec.encodeFromAddresses``).
  The docs' own 4-validator example is reproduced exactly by the tests.
* Node key files hold one line, ``0x`` + hex (Besu ``KeyPairUtil``); a node
  whose ``key`` is missing silently generates a new one and can never sign
  blocks, so the file is written once, owner-readable only.
* QBFT needs a 2/3 super-majority; it tolerates ``f = (n-1) // 3`` faulty
  validators, so fewer than 4 validators tolerate none and are refused.
* Gas-free networks after London need ``zeroBaseFee: true`` in the genesis and
  ``min-gas-price=0`` on every node (a node with a higher minimum silently
  drops price-0 transactions).
* ``tx-pool-limit-by-account-percentage`` applies only to the *sequenced*
  transaction pool; with the default *layered* pool Besu refuses to start when
  the option is set. The generated configs therefore select ``tx-pool="sequenced"``
  (the pool Besu recommends for private networks) and raise the per-sender
  share to 1.0: GovChain's backend signs for a handful of department accounts,
  and the default (0.001, i.e. 4 of 4,096 pool slots per sender) would make
  Besu drop the 5th queued transaction of a department.
* Besu's onchain permissioning contracts are deprecated since 24.12; access
  control is enforced in GovChain's own contracts, and peering is restricted
  with the (not deprecated) local ``permissions_config.toml`` node allowlist.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import rlp
from eth_keys import keys
from eth_keys.datatypes import PrivateKey
from eth_utils import keccak, to_checksum_address

MIN_VALIDATORS = 4
VANITY_LENGTH = 32
# "ctical byzantine fault tolerance": the mixHash Besu requires on IBFT 2.0/QBFT headers.
BFT_MIX_HASH = "0x63746963616c2062797a616e74696e65206661756c7420746f6c6572616e6365"
RPC_APIS = ("ETH", "NET", "QBFT", "WEB3", "TXPOOL")
DEFAULT_GAS_LIMIT = 100_000_000
DEFAULT_P2P_PORT = 30303
DEFAULT_RPC_PORT = 8545
TX_POOL_LIMIT_BY_ACCOUNT = 1.0
_SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
_KEY_DOMAIN = b"govchain/besu/node-key/v1"


class BesuConfigError(ValueError):
    """The requested network cannot be generated (bad parameters or output directory)."""


# ----------------------------------------------------------------- data types


@dataclass(frozen=True)
class NodeLayout:
    index: int  # 1-based
    name: str  # "node-1"
    dir: Path
    address: str  # checksummed validator address (derived from the node key)
    public_key: str  # 128 hex chars, no 0x: the enode id
    p2p_port: int
    rpc_port: int

    @property
    def key_path(self) -> Path:
        return self.dir / "key"

    @property
    def public_key_path(self) -> Path:
        return self.dir / "key.pub"

    @property
    def config_path(self) -> Path:
        return self.dir / "config.toml"

    @property
    def permissions_path(self) -> Path:
        return self.dir / "permissions_config.toml"

    @property
    def enode(self) -> str:
        return f"enode://{self.public_key}@127.0.0.1:{self.p2p_port}"

    @property
    def rpc_url(self) -> str:
        return f"http://127.0.0.1:{self.rpc_port}"


@dataclass(frozen=True)
class NetworkLayout:
    out_dir: Path
    chain_id: int
    block_period_s: int
    gas_free: bool
    gas_limit: int
    nodes: tuple[NodeLayout, ...]
    alloc: dict[str, int] = field(default_factory=dict)

    @property
    def genesis_path(self) -> Path:
        return self.out_dir / "genesis.json"

    @property
    def static_nodes_path(self) -> Path:
        return self.out_dir / "static-nodes.json"

    @property
    def readme_path(self) -> Path:
        return self.out_dir / "README.txt"

    @property
    def validators(self) -> list[str]:
        return [n.address for n in self.nodes]

    @property
    def fault_tolerance(self) -> int:
        return fault_tolerance(len(self.nodes))

    @property
    def rpc_url(self) -> str:
        return self.nodes[0].rpc_url


@dataclass(frozen=True)
class QbftExtraData:
    vanity: bytes
    validators: list[str]  # checksummed
    vote: tuple[str, bool] | None  # (recipient, add?) or None
    round: int
    seals: list[bytes]


# ----------------------------------------------------------------- consensus facts


def fault_tolerance(n: int) -> int:
    """Faulty validators a QBFT network of ``n`` validators survives: ``(n-1) // 3``."""
    if n < 1:
        raise BesuConfigError(f"a QBFT network needs at least one validator, got {n}")
    return (n - 1) // 3


def quorum(n: int) -> int:
    """Commit seals QBFT needs for a block: ceil(2n/3)."""
    if n < 1:
        raise BesuConfigError(f"a QBFT network needs at least one validator, got {n}")
    return -(-2 * n // 3)


# ----------------------------------------------------------------- extraData codec


def encode_qbft_extra_data(validators: list[str], vanity: bytes = bytes(VANITY_LENGTH)) -> str:
    """Genesis extraData: ``RLP([vanity, [addresses], [] (no vote), 0 (round), [] (no seals)])``."""
    if len(vanity) != VANITY_LENGTH:
        raise BesuConfigError(f"vanity must be {VANITY_LENGTH} bytes, got {len(vanity)}")
    addrs = [_address_bytes(a) for a in validators]
    if len(set(addrs)) != len(addrs):
        raise BesuConfigError("duplicate validator address")
    return "0x" + rlp.encode([vanity, addrs, [], b"", []]).hex()


def decode_qbft_extra_data(extra_data: str | bytes) -> QbftExtraData:
    """Decode a QBFT header's extraData (as Besu's ``QbftExtraDataCodec.decodeRaw``)."""
    raw = bytes.fromhex(extra_data.removeprefix("0x")) if isinstance(extra_data, str) else bytes(extra_data)
    if not raw:
        raise BesuConfigError("empty extraData: a QBFT header needs BFT extra data")
    try:
        items = rlp.decode(raw, strict=True)
    except rlp.exceptions.DecodingError as exc:
        raise BesuConfigError(f"extraData is not valid RLP: {exc}") from None
    if not isinstance(items, list) or len(items) < 5:
        raise BesuConfigError("QBFT extraData must be an RLP list of 5 items")
    vanity, validators, vote, rnd, seals = items[:5]
    if not isinstance(vanity, bytes) or len(vanity) != VANITY_LENGTH:
        raise BesuConfigError("QBFT extraData vanity must be 32 bytes")
    if not isinstance(validators, list) or any(not isinstance(v, bytes) or len(v) != 20 for v in validators):
        raise BesuConfigError("QBFT extraData validators must be a list of 20-byte addresses")
    if not isinstance(vote, list):
        raise BesuConfigError("QBFT extraData vote must be a list")
    decoded_vote: tuple[str, bool] | None = None
    if vote:
        if len(vote) != 2 or not isinstance(vote[0], bytes) or len(vote[0]) != 20 or vote[1] not in (b"", b"\xff"):
            raise BesuConfigError("QBFT extraData vote must be [address, 0xff (add) | empty (drop)]")
        decoded_vote = (to_checksum_address(vote[0]), vote[1] == b"\xff")
    if not isinstance(rnd, bytes) or rnd[:1] == b"\x00":
        raise BesuConfigError("QBFT extraData round must be a minimal integer scalar")
    if not isinstance(seals, list) or any(not isinstance(s, bytes) for s in seals):
        raise BesuConfigError("QBFT extraData seals must be a list of byte strings")
    return QbftExtraData(
        vanity=vanity,
        validators=[to_checksum_address(v) for v in validators],
        vote=decoded_vote,
        round=int.from_bytes(rnd, "big"),
        seals=list(seals),
    )


def validator_addresses(genesis: Mapping[str, Any] | str | Path) -> list[str]:
    """The validators a QBFT genesis declares, decoded from its ``extraData`` (checksummed, in order).

    ``genesis`` is the parsed genesis dict, or a path to ``genesis.json``.
    """
    data: Mapping[str, Any] = genesis if isinstance(genesis, Mapping) else json.loads(Path(genesis).read_text())
    extra = next((v for k, v in data.items() if k.lower() == "extradata"), None)
    if not extra:
        raise BesuConfigError("genesis has no extraData")
    return decode_qbft_extra_data(extra).validators


# ----------------------------------------------------------------- generation


def generate_network(
    out_dir: Path,
    validators: int = 4,
    chain_id: int = 1337,
    block_period_s: int = 2,
    gas_free: bool = True,
    accounts_alloc: dict[str, int] | None = None,
    seed: bytes | None = None,
    *,
    gas_limit: int = DEFAULT_GAS_LIMIT,
    request_timeout_s: int | None = None,
    epoch_length: int = 30_000,
    contract_size_limit: int | None = None,
    p2p_port: int = DEFAULT_P2P_PORT,
    rpc_port: int = DEFAULT_RPC_PORT,
    overwrite: bool = False,
) -> NetworkLayout:
    """Write a ``validators``-node QBFT network configuration under ``out_dir``.

    ``accounts_alloc`` maps account addresses to genesis balances in wei (the
    platform's department accounts; on a gas-free network they need none).
    ``seed`` makes the node keys, and so every file, deterministic — for tests
    and reproducible demos only: anyone with the seed has the validator keys.
    Without it keys come from ``secrets``. ``out_dir`` must be empty or absent
    unless ``overwrite`` (which deletes it first: validator keys are lost).
    """
    out_dir = Path(out_dir)
    _check_params(validators, chain_id, block_period_s, gas_limit, epoch_length, p2p_port, rpc_port)
    if request_timeout_s is None:
        # Besu's examples use 2x the block period; must exceed it so a round can finish.
        request_timeout_s = max(2 * block_period_s, block_period_s + 1)
    if request_timeout_s <= block_period_s:
        raise BesuConfigError("request_timeout_s must be longer than block_period_s")
    if contract_size_limit is not None and not 0 < contract_size_limit <= 2_147_483_647:
        raise BesuConfigError("contract_size_limit must be in 1..2147483647")
    alloc = _normalise_alloc(accounts_alloc or {})
    _prepare_out_dir(out_dir, overwrite)

    private_keys = _node_keys(validators, seed)
    # Order validators by address: the order is then a property of the key set,
    # and node-1 … node-N, extraData and static-nodes.json all agree.
    entries = sorted(((k.public_key.to_checksum_address(), k) for k in private_keys), key=lambda e: e[0].lower())
    nodes: list[NodeLayout] = []
    node_keys: dict[str, PrivateKey] = {}
    for i, (address, pk) in enumerate(entries, start=1):
        node = NodeLayout(
            index=i,
            name=f"node-{i}",
            dir=out_dir / f"node-{i}",
            address=address,
            public_key=pk.public_key.to_bytes().hex(),
            p2p_port=p2p_port + i - 1,
            rpc_port=rpc_port + i - 1,
        )
        nodes.append(node)
        node_keys[node.name] = pk
    layout = NetworkLayout(
        out_dir=out_dir,
        chain_id=chain_id,
        block_period_s=block_period_s,
        gas_free=gas_free,
        gas_limit=gas_limit,
        nodes=tuple(nodes),
        alloc=alloc,
    )

    genesis = build_genesis(
        layout.validators,
        chain_id=chain_id,
        block_period_s=block_period_s,
        request_timeout_s=request_timeout_s,
        epoch_length=epoch_length,
        gas_free=gas_free,
        gas_limit=gas_limit,
        alloc=alloc,
        contract_size_limit=contract_size_limit,
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    _write_text(layout.genesis_path, json.dumps(genesis, indent=2) + "\n")
    _write_text(layout.static_nodes_path, json.dumps([n.enode for n in nodes], indent=2) + "\n")
    for node in nodes:
        node.dir.mkdir(mode=0o700)
        (node.dir / "data").mkdir(mode=0o700)
        _write_secret(node.key_path, "0x" + node_keys[node.name].to_bytes().hex())
        _write_text(node.public_key_path, "0x" + node.public_key)
        _write_text(node.config_path, render_node_config(layout, node))
        _write_text(node.permissions_path, render_permissions(layout))
    _write_text(layout.readme_path, render_readme(layout))
    return layout


def build_genesis(
    validators: list[str],
    *,
    chain_id: int,
    block_period_s: int,
    request_timeout_s: int,
    epoch_length: int = 30_000,
    gas_free: bool = True,
    gas_limit: int = DEFAULT_GAS_LIMIT,
    alloc: Mapping[str, int] | None = None,
    contract_size_limit: int | None = None,
) -> dict[str, Any]:
    """The QBFT genesis as a dict (block-header validator selection)."""
    config: dict[str, Any] = {"chainId": chain_id}
    # Every pre-Shanghai milestone at block 0, Shanghai at time 0: the EVM the
    # contracts are compiled for (evm_version shanghai, see docs/besu.md). No Cancun.
    for milestone in (
        "homesteadBlock",
        "eip150Block",
        "eip155Block",
        "eip158Block",
        "byzantiumBlock",
        "constantinopleBlock",
        "petersburgBlock",
        "istanbulBlock",
        "muirGlacierBlock",
        "berlinBlock",
        "londonBlock",
    ):
        config[milestone] = 0
    config["shanghaiTime"] = 0
    if gas_free:
        config["zeroBaseFee"] = True
    if contract_size_limit is not None:
        config["contractSizeLimit"] = contract_size_limit
    config["qbft"] = {
        "blockperiodseconds": block_period_s,
        "epochlength": epoch_length,
        "requesttimeoutseconds": request_timeout_s,
    }
    genesis: dict[str, Any] = {
        "config": config,
        "nonce": "0x0",
        "timestamp": "0x0",
        "extraData": encode_qbft_extra_data(validators),
        "gasLimit": hex(gas_limit),
        "difficulty": "0x1",
        "mixHash": BFT_MIX_HASH,
        "coinbase": "0x" + "00" * 20,
        "alloc": {addr[2:].lower(): {"balance": hex(bal)} for addr, bal in (alloc or {}).items()},
        "number": "0x0",
        "gasUsed": "0x0",
        "parentHash": "0x" + "00" * 32,
    }
    if gas_free:
        genesis["baseFeePerGas"] = "0x0"
    return genesis


def render_node_config(layout: NetworkLayout, node: NodeLayout) -> str:
    """``config.toml`` for one node; paths are relative to the node's directory."""
    others = [n.enode for n in layout.nodes if n.name != node.name]
    lines = [
        f"# Besu configuration for GovChain validator {node.name} ({node.address}).",
        "# Start from this directory:  besu --config-file=config.toml",
        "# Generated by backend/ops/besu.py; regenerate rather than edit by hand.",
        "",
        "# -- identity and chain",
        f"data-path={_toml_str('data')}",
        f"genesis-file={_toml_str('../genesis.json')}",
        f"node-private-key-file={_toml_str('key')}",
        "",
        "# -- peer-to-peer: loopback ports; peers are the other validators",
        f"p2p-host={_toml_str('127.0.0.1')}",
        f"p2p-port={node.p2p_port}",
        f"bootnodes={_toml_list(others)}",
        f"static-nodes-file={_toml_str('../static-nodes.json')}",
        "# Local node allowlist (onchain permissioning is deprecated since Besu 24.12).",
        "permissions-nodes-config-file-enabled=true",
        f"permissions-nodes-config-file={_toml_str('permissions_config.toml')}",
        "",
        "# -- JSON-RPC over HTTP: loopback only; put a TLS proxy in front for remote backends",
        "rpc-http-enabled=true",
        f"rpc-http-host={_toml_str('127.0.0.1')}",
        f"rpc-http-port={node.rpc_port}",
        f"rpc-http-api={_toml_list(list(RPC_APIS))}",
        f"host-allowlist={_toml_list(['localhost', '127.0.0.1'])}",
        "",
        "# -- transactions",
        "# Custom-error revert data in receipts and eth_call errors: the backend maps",
        "# them to 4xx answers with the error's name and arguments.",
        "revert-reason-enabled=true",
    ]
    if layout.gas_free:
        lines += [
            "# Free gas: every node must accept price-0 transactions, or it silently drops them.",
            "min-gas-price=0",
        ]
    lines += [
        "# The sequenced pool (Besu's choice for private networks) keeps transactions in",
        "# arrival order. tx-pool-limit-by-account-percentage is the share of the pool one",
        "# sender may fill; the default 0.001 (4 of 4,096 slots) throttles GovChain, whose",
        "# backend signs for a few department accounts and queues many nonces per account.",
        "# 1.0 lifts that limit; only the validators' own RPC clients can submit here.",
        "# (The layered pool does not accept this option: Besu refuses to start with it.)",
        f"tx-pool={_toml_str('sequenced')}",
        f"tx-pool-limit-by-account-percentage={TX_POOL_LIMIT_BY_ACCOUNT}",
        "",
    ]
    return "\n".join(lines)


def render_permissions(layout: NetworkLayout) -> str:
    return (
        "# Local node permissioning: only these validators may peer with this node.\n"
        "# Bootnodes must be listed here or Besu refuses to start.\n"
        f"nodes-allowlist={_toml_list([n.enode for n in layout.nodes])}\n"
    )


def render_readme(layout: NetworkLayout) -> str:
    n = len(layout.nodes)
    lines = [
        f"GovChain Besu network: QBFT, chain id {layout.chain_id}, {n} validators,",
        f"block period {layout.block_period_s}s, tolerates {layout.fault_tolerance} faulty validator(s)",
        f"(blocks need {quorum(n)} of {n} commit seals).",
        "",
        "Requires Hyperledger Besu (24.x or later) on PATH. Start every node, each in its",
        "own terminal (or as a service), from its own directory:",
        "",
    ]
    for node in layout.nodes:
        lines.append(f"  cd {node.name} && besu --config-file=config.toml")
    lines += [
        "",
        "Nodes:",
    ]
    for node in layout.nodes:
        lines.append(f"  {node.name}  validator {node.address}  rpc {node.rpc_url}  p2p {node.p2p_port}")
    lines += [
        "",
        "Blocks are produced once more than 2/3 of the validators are up. Check:",
        "",
        "  curl -s -X POST -H 'Content-Type: application/json' \\",
        '    --data \'{"jsonrpc":"2.0","method":"qbft_getValidatorsByBlockNumber","params":["latest"],"id":1}\' \\',
        f"    {layout.rpc_url}",
        "",
        "Each node logs 'Loaded public key 0x… from …/key' at start. If it logs",
        "'Generated new … public key' instead, it is not using its validator key and",
        "will never sign blocks: stop it and fix the key path.",
        "",
        "Keep node-*/key secret (mode 0600). Do not reuse a generated network whose",
        "seed is known (tests, demos) for real data.",
        "",
        "Deploy GovChain: see docs/besu.md (GOVCHAIN_BESU_RPC="
        + layout.rpc_url
        + f" GOVCHAIN_BESU_CHAIN_ID={layout.chain_id}).",
        "",
    ]
    return "\n".join(lines)


def describe(layout: NetworkLayout) -> str:
    """Human-readable summary of a generated network (for the CLI)."""
    n = len(layout.nodes)
    lines = [
        f"Besu QBFT network in {layout.out_dir}",
        f"  chain id {layout.chain_id}, {n} validators, block period {layout.block_period_s}s,"
        f" gas {'free (price 0, zero base fee)' if layout.gas_free else 'priced'}, block gas limit {layout.gas_limit:,}",
        f"  tolerates {layout.fault_tolerance} faulty validator(s); blocks need {quorum(n)} of {n} seals",
        f"  genesis: {layout.genesis_path}",
    ]
    for node in layout.nodes:
        lines.append(f"  {node.name}: {node.address}  rpc {node.rpc_url}  p2p 127.0.0.1:{node.p2p_port}")
        lines.append(f"          {node.enode}")
    if layout.alloc:
        lines.append(f"  genesis alloc: {len(layout.alloc)} account(s)")
    lines.append(f"  start: see {layout.readme_path}")
    lines.append(
        f"  backend: GOVCHAIN_RPC_URL={layout.rpc_url} GOVCHAIN_NETWORK=govchain-besu"
        + (" GOVCHAIN_GAS_PRICE_WEI=0" if layout.gas_free else "")
    )
    return "\n".join(lines)


# ----------------------------------------------------------------- helpers


def _check_params(
    validators: int, chain_id: int, block_period_s: int, gas_limit: int, epoch: int, p2p: int, rpc: int
) -> None:
    if validators < MIN_VALIDATORS:
        raise BesuConfigError(
            f"QBFT needs at least {MIN_VALIDATORS} validators to tolerate one faulty node "
            f"(f = (n-1)//3; {validators} validator(s) tolerate {max(validators - 1, 0) // 3})"
        )
    if not 0 < chain_id < 2**63:
        raise BesuConfigError("chain_id must be a positive integer")
    if chain_id in (1, 31337):
        raise BesuConfigError(f"chain_id {chain_id} is reserved (1 = Ethereum mainnet, 31337 = local anvil devnet)")
    if block_period_s < 1:
        raise BesuConfigError("block_period_s must be at least 1 second")
    if gas_limit < 5_000:
        raise BesuConfigError("gas_limit is too small")
    if epoch < 1:
        raise BesuConfigError("epoch_length must be positive")
    for base in (p2p, rpc):
        if not (base >= 1024 and base + validators - 1 <= 65535):
            raise BesuConfigError("ports must lie in 1024..65535")
    if not (p2p + validators <= rpc or rpc + validators <= p2p):
        raise BesuConfigError("p2p and rpc port ranges overlap")


def _address_bytes(address: str) -> bytes:
    raw = bytes.fromhex(address.removeprefix("0x"))
    if len(raw) != 20:
        raise BesuConfigError(f"not a 20-byte address: {address!r}")
    return raw


def _normalise_alloc(alloc: Mapping[str, int]) -> dict[str, int]:
    out: dict[str, int] = {}
    for addr, balance in alloc.items():
        try:
            checksummed = to_checksum_address(_address_bytes(addr))
        except ValueError as exc:
            raise BesuConfigError(f"bad alloc address {addr!r}: {exc}") from None
        if not isinstance(balance, int) or balance < 0:
            raise BesuConfigError(f"alloc balance for {addr} must be a non-negative int (wei)")
        if checksummed in out:
            raise BesuConfigError(f"duplicate alloc address {checksummed}")
        out[checksummed] = balance
    return dict(sorted(out.items(), key=lambda e: e[0].lower()))


def _node_keys(count: int, seed: bytes | None) -> list[PrivateKey]:
    result: list[PrivateKey] = []
    for i in range(count):
        counter = 0
        while True:
            if seed is None:
                raw = secrets.token_bytes(32)
            else:
                raw = keccak(
                    _KEY_DOMAIN
                    + len(seed).to_bytes(4, "big")
                    + seed
                    + i.to_bytes(4, "big")
                    + counter.to_bytes(4, "big")
                )
            if 0 < int.from_bytes(raw, "big") < _SECP256K1_N:
                break
            counter += 1
        result.append(keys.PrivateKey(raw))
    if len({k.to_bytes() for k in result}) != count:  # pragma: no cover - 2^-256
        raise BesuConfigError("duplicate node key generated")
    return result


def _prepare_out_dir(out_dir: Path, overwrite: bool) -> None:
    if out_dir.exists():
        if not out_dir.is_dir():
            raise BesuConfigError(f"{out_dir} exists and is not a directory")
        if any(out_dir.iterdir()):
            if not overwrite:
                raise BesuConfigError(
                    f"{out_dir} is not empty: refusing to overwrite node keys (pass overwrite=True to replace the network)"
                )
            shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def _write_secret(path: Path, text: str) -> None:
    # Created 0600 from the start (no window in which the key is world-readable);
    # one line, no newline, as Besu writes it.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(text)
    os.chmod(path, 0o600)  # umask cannot widen it, but be explicit


def _toml_str(value: str) -> str:
    return json.dumps(value)  # a JSON string of printable ASCII is a valid TOML basic string


def _toml_list(values: list[str]) -> str:
    return "[" + ", ".join(_toml_str(v) for v in values) + "]"


# ----------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(
        prog="python -m backend.ops.besu", description="Generate a Besu QBFT network for GovChain."
    )
    p.add_argument("out_dir", type=Path)
    p.add_argument("--validators", type=int, default=4)
    p.add_argument("--chain-id", type=int, default=1337)
    p.add_argument("--block-period", type=int, default=2)
    p.add_argument("--priced-gas", action="store_true", help="do not configure a gas-free network")
    p.add_argument("--alloc", action="append", default=[], metavar="ADDRESS=WEI", help="genesis balance (repeatable)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing network (its keys are lost)")
    args = p.parse_args(argv)
    try:
        alloc = {}
        for item in args.alloc:
            addr, _, wei = item.partition("=")
            alloc[addr] = int(wei or "0", 0)
        layout = generate_network(
            args.out_dir,
            validators=args.validators,
            chain_id=args.chain_id,
            block_period_s=args.block_period,
            gas_free=not args.priced_gas,
            accounts_alloc=alloc,
            overwrite=args.overwrite,
        )
    except (BesuConfigError, ValueError) as exc:
        print(f"error: {exc}")
        return 2
    print(describe(layout))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
