"""Where a department's node is and the keys its peers need: the port the federation
code resolves peers through. The contract-backed implementation (NodeDirectory on
chain) is wired by the node process; :class:`InMemoryPeerDirectory` serves tests."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from eth_utils import is_hex_address, to_checksum_address

from backend.federation.errors import PeerNotInDirectory

if TYPE_CHECKING:
    from backend.chain.bindings import Contracts
    from backend.services.prefetch import Prefetched, View

ENCRYPTION_KEY_LEN = 32  # an X25519 public key


@dataclass(frozen=True)
class PeerNode:
    endpoint: str  # base URL of the node's API, e.g. https://node.dept-a.example:8443
    encryption_key: bytes  # X25519 public key releases to this department are sealed to
    transport_key_hash: bytes  # SHA-256 of the node's TLS SPKI; zero: no TLS (PeerClient pins it: transport.py)

    def __post_init__(self) -> None:
        if len(self.encryption_key) != ENCRYPTION_KEY_LEN:
            raise ValueError("encryption_key must be a 32-byte X25519 public key")


class PeerDirectory(Protocol):
    def resolve(self, department: str, reads: Prefetched | None = None) -> PeerNode:
        """The active node of ``department`` (an address); raises PeerNotInDirectory.
        ``reads``: a batch read just before that holds :meth:`views_for` this department."""
        ...

    def views_for(self, department: str) -> list[View]:
        """The chain views :meth:`resolve` reads (to be read ahead in one batch with others)."""
        ...


class InMemoryPeerDirectory:
    """A directory held in memory (tests, and a node started with a static peer list)."""

    def __init__(self) -> None:
        self._nodes: dict[str, PeerNode] = {}
        self._lock = threading.Lock()

    def publish(self, department: str, node: PeerNode) -> None:
        with self._lock:
            self._nodes[_key(department)] = node

    def withdraw(self, department: str) -> None:
        with self._lock:
            self._nodes.pop(_key(department), None)

    def resolve(self, department: str, reads: Prefetched | None = None) -> PeerNode:
        with self._lock:
            node = self._nodes.get(_key(department))
        if node is None:
            raise PeerNotInDirectory("no active node for this department", department=department)
        return node

    def views_for(self, department: str) -> list[View]:
        return []  # held in memory: nothing to read


def _key(department: str) -> str:
    if not is_hex_address(department):
        raise PeerNotInDirectory("not a department address", department=department)
    return to_checksum_address(department)


class ChainPeerDirectory:
    """The on-chain NodeDirectory as the federation's directory: the entry a department
    published, returned only while that department is active (``DirectoryService.resolve``
    reads the contract, never the index)."""

    def __init__(self, resolve: Callable[[str, Contracts | None], tuple[str, bytes, bytes | None]]) -> None:
        self._resolve = resolve  # (address, bindings to read through or None) -> the entry

    def resolve(self, department: str, reads: Prefetched | None = None) -> PeerNode:
        contracts = reads.contracts if reads is not None else None
        endpoint, encryption_key, transport_key_hash = self._resolve(_key(department), contracts)
        return PeerNode(endpoint, encryption_key, transport_key_hash or b"\0" * 32)

    def views_for(self, department: str) -> list[View]:
        if not is_hex_address(department):
            return []  # resolve() refuses it
        return [("NodeDirectory", "activeNode", (to_checksum_address(department),))]
