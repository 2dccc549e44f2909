"""Uses "recorded, not released": a use the chain holds (``1 ≤ useIndex ≤ grant.usedCount``)
whose release the owner has not recorded (``UsageRights.releaseOf(grant, use)`` is zero).
Every node tells the same: the owner's node records each release it made on chain
(UsageRights.recordRelease, docs/federation.md).

The chain decides, not this node's index: a DBA who deletes a ``UseRecorded`` row, forges a
``UseReleased`` one or edits either cannot hide a recorded-not-released use, and a forged
``UseRecorded`` row invents none. The set of uses comes from the contract's views (every grant
up to ``grantCount``, or the one asked for): grantee, resource and owner from the chain. The
index only orders the list and supplies each use's transaction details, and those are shown
only when the transaction's mined receipt holds that very ``UseRecorded`` (``index_confirmed``);
else they are null (a use not indexed yet, or a row deleted or edited).

A use without its release is not by itself a wrong: the owner's node may be down, or still
sending its record; a use that stays on this list is what an auditor follows up.

Who sees what: auditors and governors every such use; a department those on the resources it
owns now and under the grants it holds (403 when it filters on another department's resource
or grant).
"""

from __future__ import annotations

from typing import Any

from eth_utils import to_checksum_address

from backend.indexer.query import iso
from backend.services.audit.base import MAX_PAGE, AuditBase
from backend.services.common import Actor
from backend.services.errors import Forbidden, InvalidInput

_LAST = float("inf")  # a use with no index row sorts after every indexed one


class ReleasesMixin(AuditBase):
    def unreleased(
        self,
        actor: Actor,
        *,
        resource_id: int | None = None,
        grant_id: int | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> dict[str, Any]:
        """Recorded, not released uses in chain order (oldest first), one page."""
        actor.require_role("department", "auditor", "governor")
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidInput(f"limit must be in 1..{MAX_PAGE}", field="limit")
        if offset < 0:
            raise InvalidInput("offset must be >= 0", field="offset")
        seen = self.ops.fresh()
        visible = self._visible(actor, resource_id, grant_id)
        items = self._unreleased_on_chain(actor if visible is not None else None, resource_id, grant_id)
        rows = self._use_rows(grant_id)
        items.sort(key=lambda i: _order(rows.get((i["grant_id"], i["use_index"]))))
        page = items[offset : offset + limit]
        for item in page:  # only the page: one receipt per listed use
            self._confirm(item, rows.get((item["grant_id"], item["use_index"])))
        return {"total": len(items), "offset": offset, "limit": limit, "indexed_to_block": seen, "items": page}

    def _unreleased_on_chain(
        self, viewer: Actor | None, resource_id: int | None, grant_id: int | None
    ) -> list[dict[str, Any]]:
        """Every (grant, use) the chain holds as recorded and not released, that ``viewer``
        (None: everyone) may see; facts from the contract's views only."""
        usage, catalog = self.ops.contracts.usage_rights, self.ops.contracts.data_catalog
        count = usage.grant_count()
        grant_ids = range(1, count + 1) if grant_id is None else [grant_id] if grant_id <= count else []
        owners: dict[int, str] = {}
        items: list[dict[str, Any]] = []
        for gid in grant_ids:
            g = usage.grant(gid)
            if g.used_count == 0 or (resource_id is not None and g.resource_id != resource_id):
                continue
            owner = owners.get(g.resource_id)
            if owner is None:
                owner = owners[g.resource_id] = to_checksum_address(catalog.owner_of(g.resource_id))
            grantee = to_checksum_address(g.grantee)
            if viewer is not None and not (viewer.same(grantee) or viewer.same(owner)):
                continue
            for use_index in range(1, g.used_count + 1):
                if int(usage.release_of(gid, use_index), 16):
                    continue
                items.append(
                    {
                        "grant_id": str(gid),
                        "use_index": use_index,
                        "resource_id": str(g.resource_id),
                        "grantee": grantee,
                        "owner": owner,
                        "purpose_code": g.purpose_code,
                        "subject_hash": None,
                        "tx_hash": None,
                        "block_number": None,
                        "time": None,
                        "index_confirmed": False,
                    }
                )
        return items

    def _use_rows(self, grant_id: int | None) -> dict[tuple[str, int], dict[str, Any]]:
        """This node's index rows of UseRecorded by (grant, use): candidates, confirmed later."""
        args = {"grantId": grant_id} if grant_id is not None else {}
        rows: dict[tuple[str, int], dict[str, Any]] = {}
        for r in self.index.events("UsageRights", "UseRecorded", args=args):
            try:
                rows.setdefault((str(r["grant_id"]), int(r["args"]["useIndex"])), r)
            except (KeyError, TypeError, ValueError):  # a mangled row confirms nothing
                continue
        return rows

    def _confirm(self, item: dict[str, Any], row: dict[str, Any] | None) -> None:
        """Fill the use's transaction details from its index row only when the mined receipt
        of that transaction holds this very UseRecorded (grant, use, grantee, subject)."""
        if row is None:
            return
        receipt = self.ops.client.get_receipt(str(row["tx_hash"]))
        if receipt is None or int(receipt.get("status", 0)) != 1:
            return
        if int(receipt["blockNumber"]) != int(row["block_number"]):
            return
        subject = str(row["args"].get("subjectHash", "")).lower()
        for ev in self.ops.client.decode_receipt_events(receipt):
            a = ev["args"]
            if (
                ev["contract"] == "UsageRights"
                and ev["event"] == "UseRecorded"
                and str(a["grantId"]) == item["grant_id"]
                and int(a["useIndex"]) == item["use_index"]
                and str(a["user"]).lower() == item["grantee"].lower()
                and str(a["subjectHash"]).lower() == subject
            ):
                item |= {
                    "subject_hash": a["subjectHash"],
                    "tx_hash": row["tx_hash"],
                    "block_number": int(receipt["blockNumber"]),
                    "time": iso(row["block_time"]),
                    "index_confirmed": True,
                }
                return

    def _visible(self, actor: Actor, resource_id: int | None, grant_id: int | None) -> str | None:
        """None: the caller sees every use; else the department whose part it sees. Raises 403."""
        if actor.role != "department":
            return None
        if resource_id is not None and not actor.same(self.owner_of(resource_id)):
            # its own grants on another's resource are visible through grant_id
            raise Forbidden("the uses of another department's resource", resource_id=resource_id)
        if grant_id is not None:
            grantee, rid = self.grant_parties(grant_id)
            if not (actor.same(grantee) or actor.same(self.owner_of(rid))):
                raise Forbidden("the uses of a grant between other departments", grant_id=grant_id)
        return actor.address


def _order(row: dict[str, Any] | None) -> tuple[float, float]:
    if row is None:
        return (_LAST, _LAST)
    return (float(row["block_number"]), float(row["log_index"]))
