"""The node directory: where each department's node is reached, and the keys its peers need.

- ``publish``: a department writes its OWN entry (the contract takes ``msg.sender``; the
  service signs with the caller's key only, there is no parameter naming another department);
- ``get`` / ``list``: any signed-in principal reads entries (they are public on chain); each answer says whether the
  department is active now (a suspended department's last entry stays readable);
- ``resolve``: what the federation's peer client asks before talking to a node. It reads
  ``NodeDirectory.activeNode`` (entry and department standing in one contract call) and
  never the event index: the index is a read model, not an authority.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from eth_utils import is_hex_address, to_checksum_address

from backend.chain import ContractRevert
from backend.chain.bindings import Contracts, NodeEntry
from backend.services.common import ZERO32, Actor, ChainOps, h0x
from backend.services.errors import InvalidInput, ServiceError

CONTRACT = "NodeDirectory"
MAX_ENDPOINT_BYTES = 256  # NodeDirectory.MAX_ENDPOINT_LENGTH
_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f]")


class ResolvedNode(NamedTuple):
    """A peer's node as the directory publishes it; unpacks as (endpoint, encryption_key, transport_key_hash)."""

    endpoint: str
    encryption_key: bytes  # 32-byte X25519 public key to seal releases to
    transport_key_hash: bytes | None  # SHA-256 of the TLS SubjectPublicKeyInfo; None: plain HTTP


class PeerUnresolvable(ServiceError):
    """The directory gives no usable node for this department (base of the two cases below)."""

    http_status = 409
    name = "PeerUnresolvable"


class NodeNotPublished(PeerUnresolvable):
    """The department has no entry in the directory (never published, or cleared by the council)."""

    http_status = 404
    name = "NodeNotPublished"


class DepartmentNotActive(PeerUnresolvable):
    """The department is not an active member now (unknown or suspended): its node is not a peer."""

    http_status = 409
    name = "DepartmentNotActive"


def check_endpoint(endpoint: str) -> str:
    """An absolute http(s) URL with a host, no spaces or control characters, within the contract's bound."""
    if not isinstance(endpoint, str) or not endpoint:
        raise InvalidInput("endpoint must not be empty", field="endpoint")
    if len(endpoint.encode()) > MAX_ENDPOINT_BYTES:
        raise InvalidInput(f"endpoint longer than {MAX_ENDPOINT_BYTES} bytes", field="endpoint")
    if _CONTROL_OR_SPACE.search(endpoint):
        raise InvalidInput("endpoint contains spaces or control characters", field="endpoint")
    try:
        parts = urlsplit(endpoint)
        _ = parts.port  # raises on a malformed port
    except ValueError:
        raise InvalidInput("endpoint is not a valid URL", field="endpoint") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("endpoint must be an http:// or https:// URL with a host", field="endpoint")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise InvalidInput("endpoint must not carry credentials, a query or a fragment", field="endpoint")
    return endpoint


class DirectoryService:
    def __init__(self, ops: ChainOps) -> None:
        self.ops = ops

    # -- writes --------------------------------------------------------------------------------
    def publish(
        self, actor: Actor, endpoint: str, encryption_key: bytes, transport_key_hash: bytes | None, *, key: str
    ) -> dict[str, Any]:
        """Publish the caller's own node entry (a new version each time)."""
        actor.require_role("department")
        check_endpoint(endpoint)
        if len(encryption_key) != 32 or encryption_key == ZERO32:
            raise InvalidInput("encryption_key must be a non-zero 32-byte X25519 public key", field="encryption_key")
        tls = transport_key_hash or ZERO32
        if len(tls) != 32:
            raise InvalidInput("transport_key_hash must be 32 bytes", field="transport_key_hash")
        outcome = self.ops.contracts.node_directory.publish_node(
            self.ops.account(actor),
            endpoint,
            encryption_key,
            tls,
            op="directory.publish",
            key=key,
        )
        ev = self.ops.event(outcome, "NodePublished") or {}
        return {
            "department": actor.address,
            "endpoint": ev.get("endpoint", endpoint),
            "encryption_key": ev.get("encryptionKey", h0x(encryption_key)),
            "transport_key_hash": ev.get("transportKeyHash", h0x(tls)),
            "version": ev.get("version"),
            **self.ops.tx(outcome),
        }

    # -- reads ---------------------------------------------------------------------------------
    def get(self, actor: Actor, address: str) -> dict[str, Any]:
        """One entry as published (404 NodeDirectoryUnknownNode), with the department's standing now."""
        address = _address(address)
        return self._view(address, self.ops.contracts.node_directory.node(address))

    def list(self, actor: Actor, offset: int, limit: int) -> dict[str, Any]:
        """Every current entry, newest publish first: the departments come from the index, each
        entry from the contract (a row the index holds and the contract does not is dropped)."""
        seen = self.ops.fresh()
        latest: dict[str, tuple[int, int, str]] = {}  # department -> (block, log index, event)
        for row in self.ops.history(CONTRACT, ("NodePublished", "NodeCleared")):
            dept = str(row["args"]["department"])
            latest[dept.lower()] = (int(row["block_number"]), int(row["log_index"]), row["event"])
        published = sorted(((pos, dept) for dept, (*pos, ev) in latest.items() if ev == "NodePublished"), reverse=True)
        items = []
        for _pos, dept in published:
            dept = _address(dept)
            try:
                entry = self.ops.contracts.node_directory.node(dept)
            except ContractRevert as exc:
                if exc.name == "NodeDirectoryUnknownNode":
                    continue  # the index says published, the contract does not: the contract wins
                raise
            items.append(self._view(dept, entry))
        return {
            "total": len(items),
            "offset": offset,
            "limit": limit,
            "items": items[offset : offset + limit],
            "indexed_to_block": seen,
        }

    def resolve(self, address: str, contracts: Contracts | None = None) -> ResolvedNode:
        """The node of ``address`` if that department is active now; else NodeNotPublished or
        DepartmentNotActive (both PeerUnresolvable). Reads the contract, never the index
        (through ``contracts`` when given: e.g. a batch read just before)."""
        address = _address(address)
        try:
            entry = (contracts or self.ops.contracts).node_directory.active_node(address)
        except ContractRevert as exc:
            if exc.name == "NodeDirectoryUnknownNode":
                raise NodeNotPublished("the department has published no node", department=address) from None
            if exc.name == "ConsortiumManagedNotActiveDepartment":
                raise DepartmentNotActive("the department is not active", department=address) from None
            raise
        tls = bytes.fromhex(entry.transport_key_hash[2:])
        return ResolvedNode(
            endpoint=entry.endpoint,
            encryption_key=bytes.fromhex(entry.encryption_key[2:]),
            transport_key_hash=None if tls == ZERO32 else tls,
        )

    # -- internals -----------------------------------------------------------------------------
    def _view(self, address: str, entry: NodeEntry) -> dict[str, Any]:
        return {
            "department": address,
            "endpoint": entry.endpoint,
            "encryption_key": entry.encryption_key,
            "transport_key_hash": entry.transport_key_hash,
            "version": entry.version,
            "published_at": entry.published_at,
            "department_active": self.ops.contracts.consortium.is_active_department(address),
        }


def _address(address: str) -> str:
    if not is_hex_address(address):
        raise InvalidInput("not a chain address", field="address")
    return to_checksum_address(address)


__all__ = [
    "DepartmentNotActive",
    "DirectoryService",
    "NodeNotPublished",
    "PeerUnresolvable",
    "ResolvedNode",
    "check_endpoint",
]
