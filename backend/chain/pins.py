"""The chain a node was set up on, pinned: chain id, genesis block hash, and the keccak of each
contract's deployed runtime code.

Recorded when the node's manifest is installed (``govchain node manifest``) into the
manifest itself, which the node's secret then seals (backend/ops/node_seal.py). Checked
against the RPC when the node starts and again before releases: an RPC that answers for
another chain (a fresh one where a fake grant was made, or contracts of someone else's
deployment at the pinned addresses) is refused.

What this does NOT catch: a fork of the real chain (same genesis, same code) served by an RPC
the node's operator controls. See docs/federation.md, "What a node checks".
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from eth_utils import keccak, to_checksum_address
from web3 import Web3

from backend.chain.errors import ChainConfigError


class ChainPinMismatch(ChainConfigError):
    """The RPC does not serve the chain the node's manifest pinned."""


@dataclass(frozen=True)
class ChainPins:
    chain_id: int
    genesis_hash: str  # 0x-hex
    code: dict[str, str] = field(default_factory=dict)  # contract name -> 0x keccak of its runtime code

    def to_json(self) -> dict[str, Any]:
        return {"chain_id": self.chain_id, "genesis_hash": self.genesis_hash, "code": dict(sorted(self.code.items()))}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> ChainPins:
        return cls(int(raw["chain_id"]), str(raw["genesis_hash"]), {str(k): str(v) for k, v in raw["code"].items()})


def read_pins(w3: Web3, addresses: Mapping[str, str]) -> ChainPins:
    """What the RPC serves now for the given contracts (name -> address)."""
    genesis = w3.eth.get_block(0)
    code = {name: _code_hash(w3, address) for name, address in addresses.items()}
    return ChainPins(int(w3.eth.chain_id), "0x" + bytes(genesis["hash"]).hex(), code)


def check_pins(w3: Web3, pins: ChainPins, addresses: Mapping[str, str]) -> None:
    """Raise ChainPinMismatch naming the first thing that differs from the pins."""
    chain_id = int(w3.eth.chain_id)
    if chain_id != pins.chain_id:
        raise ChainPinMismatch(f"the RPC serves chain id {chain_id}, the node pinned {pins.chain_id}")
    genesis = "0x" + bytes(w3.eth.get_block(0)["hash"]).hex()
    if genesis.lower() != pins.genesis_hash.lower():
        raise ChainPinMismatch(f"the RPC's genesis block is {genesis}, the node pinned {pins.genesis_hash}")
    missing = sorted(set(addresses) - set(pins.code))
    if missing:
        raise ChainPinMismatch(f"no pinned code hash for {', '.join(missing)}")
    for name, address in sorted(addresses.items()):
        got = _code_hash(w3, address)
        if got.lower() != pins.code[name].lower():
            raise ChainPinMismatch(
                f"the code of {name} at {address} hashes to {got}, the node pinned {pins.code[name]}"
            )


class PinnedChainWatch:
    """Re-checks the pins at most every ``interval_s`` (a release asks before it reads a grant);
    a mismatch is raised every time until the RPC serves the pinned chain again."""

    def __init__(self, w3: Web3, pins: ChainPins, addresses: Mapping[str, str], interval_s: float = 30.0) -> None:
        self.w3, self.pins, self.addresses, self.interval_s = w3, pins, dict(addresses), interval_s
        self._lock = threading.Lock()
        self._good_at: float | None = None

    def check(self) -> None:
        with self._lock:
            if self._good_at is not None and time.monotonic() - self._good_at < self.interval_s:
                return
            self._good_at = None
            check_pins(self.w3, self.pins, self.addresses)
            self._good_at = time.monotonic()


def _code_hash(w3: Web3, address: str) -> str:
    code = bytes(w3.eth.get_code(to_checksum_address(address)))
    if not code:
        raise ChainPinMismatch(f"no contract code at {address} on this RPC's chain")
    return "0x" + keccak(code).hex()
