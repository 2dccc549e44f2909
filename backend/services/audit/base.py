"""Shared parts of the audit use cases: limits, wiring, ownership from the index."""

from __future__ import annotations

import logging
import re
from typing import Any

from eth_utils import to_checksum_address

from backend.indexer.query import event_json
from backend.services.common import (
    Actor,
    ChainOps,
)
from backend.store import DocumentStore

log = logging.getLogger(__name__)

MAX_PAGE = 1000
EXPORT_CHUNK = 1000
TAMPER, RESOURCE_VERSION = 3, 0
TAMPER_RESPONSE_WINDOW_S = 7 * 24 * 3600
TAMPER_OP = "audit.integrity.tamper"
HEX32_RE = re.compile(r"^0x[0-9a-fA-F]{64}$")


class AuditBase:
    def __init__(self, ops: ChainOps, store: DocumentStore) -> None:
        self.ops = ops
        self.store = store
        self.index = ops.index

    # -- index helpers ----------------------------------------------------------------------
    def indexed_to(self) -> int | None:
        return self.ops.index.indexed_to_block()

    def transaction(self, actor: Actor, tx_hash: str) -> dict[str, Any]:
        """The indexed events of one transaction, and its receipt when the node answers."""
        actor.require_role("auditor", "governor")
        rows = [event_json(r) for r in self.ops.index.events(tx_hash=tx_hash)]
        receipt: dict[str, Any] | None = None
        try:
            r = self.ops.client.get_receipt(tx_hash)
            if r is not None:
                receipt = {
                    "status": int(r["status"]),
                    "from": r["from"],
                    "to": r.get("to"),
                    "block_number": int(r["blockNumber"]),
                    "gas_used": int(r["gasUsed"]),
                }
        except Exception:
            receipt = None  # node down or unknown: the indexed rows still show
        return {"tx_hash": tx_hash.lower(), "rows": rows, "receipt": receipt}

    def _owners(self) -> dict[str, str]:
        """resource id (decimal string) → current owner (checksummed), from the index."""
        owners: dict[str, str] = {}
        for r in self.index.events("DataCatalog", ("ResourceRegistered", "ResourceOwnershipTransferred")):
            a = r["args"]
            owners[r["resource_id"]] = a["owner"] if r["event"] == "ResourceRegistered" else a["newOwner"]
        return owners

    def owner_of(self, resource_id: int) -> str:
        """Current owner: from the index (works with the node down), else the chain view.
        A resource's first event is its registration; transfers are rare."""
        first = self.index.first_with("resource_id", resource_id)
        if first is None or first["event"] != "ResourceRegistered":
            return to_checksum_address(self.ops.contracts.data_catalog.owner_of(resource_id))  # 404 / 503
        owner = first["args"]["owner"]
        for r in self.index.transfers_of(resource_id):
            owner = r["args"]["newOwner"]
        return owner

    def grant_parties(self, grant_id: int) -> tuple[str, int]:
        """(grantee, resource id) of a grant: from the index, else the chain view."""
        first = self.index.first_with("grant_id", grant_id)
        if first is not None and first["event"] == "GrantIssued":
            a = first["args"]
            return a["grantee"], int(a["resourceId"])
        g = self.ops.contracts.usage_rights.grant(grant_id)  # UsageRightsUnknownGrant → 404
        return to_checksum_address(g.grantee), g.resource_id
