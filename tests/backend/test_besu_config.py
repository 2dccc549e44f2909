"""Besu QBFT network generation (backend/ops/besu.py), checked without a running Besu.

Run: .venv/bin/python -m pytest -p no:pytest-brownie tests/backend/test_besu_config.py
"""

from __future__ import annotations

import json
import stat
import tomllib
from pathlib import Path

import pytest
import rlp
from eth_keys import keys
from eth_utils import to_checksum_address

from backend.ops.besu import (
    RPC_APIS,
    BesuConfigError,
    decode_qbft_extra_data,
    describe,
    encode_qbft_extra_data,
    fault_tolerance,
    generate_network,
    quorum,
    validator_addresses,
)

SEED = b"govchain-test-seed"

# Besu's documentation (private-networks/how-to/configure/consensus/qbft.md),
# block-header validator selection: four validators, and the empty genesis of
# contract validator selection. Our encoder must reproduce them byte for byte.
BESU_DOCS_EXTRA_DATA = (
    "0xf87aa00000000000000000000000000000000000000000000000000000000000000000f854"
    "9464a702e6263b7297a96638cac6ae65e6541f4169"
    "943923390ad55e90c237593b3b0e401f3b08a03185"
    "94aefdb9a738c9f433e5b6b212a6d62f6370c2f692"
    "94c7eeb9a4e00ce683cf93039b212648e01c6c6b78"
    "c080c0"
)
BESU_DOCS_VALIDATORS = [
    "0x64a702e6263b7297a96638cac6ae65e6541f4169",
    "0x3923390ad55e90c237593b3b0e401f3b08a03185",
    "0xaefdb9a738c9f433e5b6b212a6d62f6370c2f692",
    "0xc7eeb9a4e00ce683cf93039b212648e01c6c6b78",
]
BESU_DOCS_EMPTY_EXTRA_DATA = "0xe5a00000000000000000000000000000000000000000000000000000000000000000c0c080c0"


@pytest.fixture
def net(tmp_path):
    alloc = {"0x" + "ab" * 20: 10**18, "0x" + "cd" * 20: 0}
    return generate_network(tmp_path / "net", validators=4, chain_id=2024, seed=SEED, accounts_alloc=alloc)


def _read_genesis(layout) -> dict:
    return json.loads(layout.genesis_path.read_text())


def _key(node) -> keys.PrivateKey:
    return keys.PrivateKey(bytes.fromhex(node.key_path.read_text().removeprefix("0x")))


def _all_files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# ----------------------------------------------------------------- genesis


def test_genesis_is_json_with_qbft_section_and_chain_id(net):
    genesis = _read_genesis(net)
    config = genesis["config"]
    assert config["chainId"] == 2024
    assert config["qbft"] == {"blockperiodseconds": 2, "epochlength": 30000, "requesttimeoutseconds": 4}
    assert config["qbft"]["requesttimeoutseconds"] > config["qbft"]["blockperiodseconds"]
    # Shanghai EVM (what the contracts are compiled for), nothing later.
    assert config["berlinBlock"] == 0 and config["londonBlock"] == 0 and config["shanghaiTime"] == 0
    assert not any(k.startswith(("cancun", "prague")) for k in config)
    # Gas-free after London: zero base fee in the fee market and in the genesis header.
    assert config["zeroBaseFee"] is True
    assert genesis["baseFeePerGas"] == "0x0"
    assert int(genesis["gasLimit"], 16) == 100_000_000
    assert genesis["mixHash"] == "0x63746963616c2062797a616e74696e65206661756c7420746f6c6572616e6365"
    assert genesis["difficulty"] == "0x1"
    assert not any(k in config for k in ("clique", "ibft2", "ethash"))


def test_genesis_alloc_holds_the_platform_accounts(net):
    alloc = _read_genesis(net)["alloc"]
    assert alloc == {"ab" * 20: {"balance": hex(10**18)}, "cd" * 20: {"balance": "0x0"}}
    assert net.alloc == {to_checksum_address("0x" + "ab" * 20): 10**18, to_checksum_address("0x" + "cd" * 20): 0}


def test_priced_gas_network_has_no_zero_base_fee_and_no_min_gas_price(tmp_path):
    layout = generate_network(tmp_path / "priced", gas_free=False, seed=SEED)
    genesis = _read_genesis(layout)
    assert "zeroBaseFee" not in genesis["config"] and "baseFeePerGas" not in genesis
    for node in layout.nodes:
        assert "min-gas-price" not in tomllib.loads(node.config_path.read_text())


# ----------------------------------------------------------------- extraData


def test_extra_data_decodes_to_the_validators_derived_from_the_node_keys_in_order(net):
    genesis = _read_genesis(net)
    derived = [_key(node).public_key.to_checksum_address() for node in net.nodes]
    assert validator_addresses(genesis) == derived == net.validators
    assert validator_addresses(net.genesis_path) == derived  # path form too
    assert len(set(derived)) == 4
    # Node directories are numbered in address order.
    assert derived == sorted(derived, key=str.lower)
    assert [n.name for n in net.nodes] == ["node-1", "node-2", "node-3", "node-4"]


def test_extra_data_structure_matches_besu_qbft_genesis_encoding(net):
    raw = bytes.fromhex(_read_genesis(net)["extraData"][2:])
    items = rlp.decode(raw)
    assert len(items) == 5
    vanity, validators, vote, rnd, seals = items
    assert vanity == bytes(32)  # 32-byte vanity
    assert [to_checksum_address(v) for v in validators] == net.validators
    assert vote == []  # no vote: empty list
    assert rnd == b""  # round 0 as the minimal integer scalar (0x80)
    assert seals == []  # no commit seals in the genesis
    decoded = decode_qbft_extra_data("0x" + raw.hex())
    assert (decoded.vanity, decoded.vote, decoded.round, decoded.seals) == (bytes(32), None, 0, [])


def test_encoder_reproduces_besu_documentation_examples():
    assert encode_qbft_extra_data(BESU_DOCS_VALIDATORS) == BESU_DOCS_EXTRA_DATA
    assert encode_qbft_extra_data([]) == BESU_DOCS_EMPTY_EXTRA_DATA
    assert validator_addresses({"extraData": BESU_DOCS_EXTRA_DATA}) == [
        to_checksum_address(a) for a in BESU_DOCS_VALIDATORS
    ]


def test_decoder_reads_votes_rounds_and_seals():
    addr = "0x" + "11" * 20
    seal = b"\x01" * 65
    add = rlp.encode([b"\x22" * 32, [bytes.fromhex(addr[2:])], [bytes.fromhex(addr[2:]), b"\xff"], b"\x05", [seal]])
    d = decode_qbft_extra_data(add)
    assert d.vanity == b"\x22" * 32 and d.vote == (to_checksum_address(addr), True) and d.round == 5
    assert d.seals == [seal]
    drop = rlp.encode([bytes(32), [], [bytes.fromhex(addr[2:]), b""], b"", []])
    assert decode_qbft_extra_data(drop).vote == (to_checksum_address(addr), False)


@pytest.mark.parametrize(
    "bad",
    [
        "0x",  # empty
        "0x" + rlp.encode([bytes(31), [], [], b"", []]).hex(),  # 31-byte vanity
        "0x" + rlp.encode([bytes(32), [b"\x01" * 19], [], b"", []]).hex(),  # 19-byte address
        "0x" + rlp.encode([bytes(32), [], [], b"\x00", []]).hex(),  # non-minimal round
        "0x" + rlp.encode([bytes(32), [], []]).hex(),  # too few items
        "0xdeadbeef",  # not RLP
    ],
)
def test_decoder_rejects_malformed_extra_data(bad):
    with pytest.raises(BesuConfigError):
        decode_qbft_extra_data(bad)


def test_genesis_without_extra_data_is_rejected():
    with pytest.raises(BesuConfigError, match="extraData"):
        validator_addresses({"config": {}})


# ----------------------------------------------------------------- node keys


def test_node_keys_are_owner_only_and_in_besu_format(net):
    for node in net.nodes:
        mode = stat.S_IMODE(node.key_path.stat().st_mode)
        assert mode == 0o600, f"{node.key_path} has mode {oct(mode)}"
        assert stat.S_IMODE(node.dir.stat().st_mode) & 0o077 == 0
        text = node.key_path.read_text()
        assert text.startswith("0x") and len(text) == 66 and "\n" not in text  # one line, as Besu writes it
        pub = node.public_key_path.read_text()
        assert pub == "0x" + _key(node).public_key.to_bytes().hex()


def test_enode_ids_are_the_uncompressed_public_keys(net):
    static = json.loads(net.static_nodes_path.read_text())
    assert static == [n.enode for n in net.nodes]
    for node, enode in zip(net.nodes, static):
        pub = _key(node).public_key.to_bytes()
        assert len(pub) == 64
        node_id, _, hostport = enode.removeprefix("enode://").partition("@")
        assert node_id == pub.hex() == node.public_key
        assert len(bytes.fromhex(node_id)) == 64
        assert hostport == f"127.0.0.1:{node.p2p_port}"
    assert [n.p2p_port for n in net.nodes] == [30303, 30304, 30305, 30306]
    assert [n.rpc_port for n in net.nodes] == [8545, 8546, 8547, 8548]


# ----------------------------------------------------------------- config.toml


def test_each_config_toml_parses_and_has_the_documented_settings(net):
    for node in net.nodes:
        cfg = tomllib.loads(node.config_path.read_text())
        assert cfg["data-path"] == "data" and (node.dir / "data").is_dir()
        assert (node.dir / cfg["genesis-file"]).resolve() == net.genesis_path.resolve()
        assert (node.dir / cfg["node-private-key-file"]).resolve() == node.key_path.resolve()
        assert (node.dir / cfg["static-nodes-file"]).resolve() == net.static_nodes_path.resolve()
        assert cfg["p2p-port"] == node.p2p_port and cfg["p2p-host"] == "127.0.0.1"
        # JSON-RPC on loopback only, with exactly the APIs the platform needs.
        assert cfg["rpc-http-enabled"] is True
        assert cfg["rpc-http-host"] == "127.0.0.1"
        assert cfg["rpc-http-port"] == node.rpc_port
        assert cfg["rpc-http-api"] == ["ETH", "NET", "QBFT", "WEB3", "TXPOOL"] == list(RPC_APIS)
        assert "*" not in cfg["host-allowlist"] and set(cfg["host-allowlist"]) <= {"localhost", "127.0.0.1"}
        assert "rpc-http-cors-origins" not in cfg
        assert cfg["min-gas-price"] == 0
        assert cfg["revert-reason-enabled"] is True
        # The per-sender limit only exists in the sequenced pool; Besu refuses
        # to start with it under the default layered pool.
        assert cfg["tx-pool"] == "sequenced"
        assert cfg["tx-pool-limit-by-account-percentage"] == 1
        # Bootnodes: every other validator, never itself.
        others = [n.enode for n in net.nodes if n is not node]
        assert cfg["bootnodes"] == others
        # Local node allowlist lists every validator (bootnodes must be in it).
        assert cfg["permissions-nodes-config-file-enabled"] is True
        perms = tomllib.loads((node.dir / cfg["permissions-nodes-config-file"]).read_text())
        assert perms["nodes-allowlist"] == [n.enode for n in net.nodes]
        assert set(cfg["bootnodes"]) <= set(perms["nodes-allowlist"])


def test_config_explains_the_tx_pool_limit(net):
    text = net.nodes[0].config_path.read_text()
    comment = text.split("tx-pool=")[0]
    assert "tx-pool-limit-by-account-percentage" in comment and "0.001" in comment


def test_readme_says_how_to_start_each_node(net):
    text = net.readme_path.read_text()
    for node in net.nodes:
        assert f"cd {node.name} && besu --config-file=config.toml" in text
        assert node.address in text
    assert "tolerates 1 faulty" in text


# ----------------------------------------------------------------- parameters


@pytest.mark.parametrize("n", [0, 1, 2, 3])
def test_fewer_than_four_validators_are_refused(tmp_path, n):
    with pytest.raises(BesuConfigError, match="at least 4 validators"):
        generate_network(tmp_path / "small", validators=n)
    assert not (tmp_path / "small").exists()


def test_fault_tolerance_and_quorum():
    assert fault_tolerance(4) == 1
    assert fault_tolerance(7) == 2
    assert [fault_tolerance(n) for n in (1, 3, 5, 6, 10)] == [0, 0, 1, 1, 3]
    assert [quorum(n) for n in (4, 5, 6, 7, 10)] == [3, 4, 4, 5, 7]
    for n in range(4, 30):  # a quorum always survives f faults and two quorums overlap in an honest node
        assert quorum(n) <= n - fault_tolerance(n)
        assert 2 * quorum(n) - n >= fault_tolerance(n) + 1
    with pytest.raises(BesuConfigError):
        fault_tolerance(0)


def test_seven_validators(tmp_path):
    layout = generate_network(tmp_path / "seven", validators=7, seed=SEED)
    assert len(validator_addresses(layout.genesis_path)) == 7
    assert layout.fault_tolerance == 2
    assert len(json.loads(layout.static_nodes_path.read_text())) == 7


def test_output_is_deterministic_with_a_seed(tmp_path):
    a = generate_network(tmp_path / "a", seed=SEED)
    b = generate_network(tmp_path / "b", seed=SEED)
    c = generate_network(tmp_path / "c", seed=b"another seed")
    assert _all_files(a.out_dir) == _all_files(b.out_dir)
    assert a.validators == b.validators
    assert set(a.validators).isdisjoint(c.validators)


def test_keys_are_random_without_a_seed(tmp_path):
    a = generate_network(tmp_path / "a")
    b = generate_network(tmp_path / "b")
    assert set(a.validators).isdisjoint(b.validators)


def test_existing_network_is_not_overwritten_by_accident(tmp_path, net):
    before = _all_files(net.out_dir)
    with pytest.raises(BesuConfigError, match="not empty"):
        generate_network(net.out_dir, seed=b"other")
    assert _all_files(net.out_dir) == before
    replaced = generate_network(net.out_dir, seed=b"other", overwrite=True)
    assert replaced.validators != net.validators


@pytest.mark.parametrize(
    "kwargs",
    [
        {"chain_id": 0},
        {"chain_id": 31337},  # the anvil devnet's id: deploy scripts treat it as a dev chain
        {"block_period_s": 0},
        {"accounts_alloc": {"0x1234": 1}},
        {"accounts_alloc": {"0x" + "ab" * 20: -1}},
        {"request_timeout_s": 2},  # not longer than the 2 s block period
        {"p2p_port": 8544},  # p2p range overlaps the rpc range
    ],
)
def test_bad_parameters_are_refused(tmp_path, kwargs):
    with pytest.raises(BesuConfigError):
        generate_network(tmp_path / "bad", **kwargs)


def test_contract_size_limit_is_opt_in(tmp_path, net):
    assert "contractSizeLimit" not in _read_genesis(net)["config"]
    layout = generate_network(tmp_path / "big", seed=SEED, contract_size_limit=2_147_483_647)
    assert _read_genesis(layout)["config"]["contractSizeLimit"] == 2_147_483_647


def test_describe_summarises_the_network(net):
    text = describe(net)
    assert "chain id 2024" in text and "4 validators" in text and "tolerates 1 faulty" in text
    for node in net.nodes:
        assert node.address in text and node.enode in text and node.rpc_url in text
    assert "GOVCHAIN_GAS_PRICE_WEI=0" in text


# ----------------------------------------------------------------- web3 client fact


def test_web3_needs_the_poa_middleware_for_qbft_blocks(net):
    """Blocks of this network carry the genesis-sized extraData (>32 bytes): a plain
    web3 client refuses them; with ExtraDataToPOAMiddleware (backend/chain/client.py)
    they parse. Every Web3 the platform builds for Besu needs the middleware."""
    from web3 import Web3
    from web3.exceptions import ExtraDataLengthError
    from web3.middleware import ExtraDataToPOAMiddleware
    from web3.providers.base import BaseProvider

    extra = _read_genesis(net)["extraData"]
    assert len(bytes.fromhex(extra[2:])) > 32

    class OneBlock(BaseProvider):
        def make_request(self, method, params):
            assert method == "eth_getBlockByNumber"
            z32, z20 = "0x" + "00" * 32, "0x" + "00" * 20
            block = {
                "number": "0x1",
                "hash": "0x" + "11" * 32,
                "parentHash": z32,
                "extraData": extra,
                "baseFeePerGas": "0x0",
                "gasLimit": "0x5f5e100",
                "gasUsed": "0x0",
                "timestamp": "0x2",
                "transactions": [],
                "miner": z20,
                "difficulty": "0x1",
                "nonce": "0x0000000000000000",
                "logsBloom": "0x" + "00" * 256,
                "sha3Uncles": z32,
                "stateRoot": z32,
                "transactionsRoot": z32,
                "receiptsRoot": z32,
                "mixHash": z32,
                "size": "0x1",
                "uncles": [],
            }
            return {"jsonrpc": "2.0", "id": 1, "result": block}

    w3 = Web3(OneBlock())
    with pytest.raises(ExtraDataLengthError):
        w3.eth.get_block("latest")
    w3.middleware_onion.inject(ExtraDataToPOAMiddleware, layer=0)
    block = w3.eth.get_block("latest")
    assert block["baseFeePerGas"] == 0
    assert decode_qbft_extra_data(block["proofOfAuthorityData"]).validators == net.validators
