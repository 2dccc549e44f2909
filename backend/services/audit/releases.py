"""Uses "recorded, not released": a ``UseRecorded`` in the index with no ``UseReleased`` for
the same (grant, use index). Built from the chain alone, so every node's index (an auditor's,
either department's) tells the same: the owner's node records each release it made on chain
(UsageRights.recordRelease, docs/federation.md).

A use without its release is not by itself a wrong: the owner's node may be down, or still
sending its record; a use that stays on this list is what an auditor follows up.

Who sees what: auditors and governors every such use; a department those on the resources it
owns now and under the grants it holds (403 when it filters on another department's resource
or grant).
"""

from __future__ import annotations

from typing import Any

from backend.indexer.query import iso
from backend.services.audit.base import MAX_PAGE, AuditBase
from backend.services.common import Actor
from backend.services.errors import Forbidden, InvalidInput


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
        ids: dict[str, Any] = {}
        if resource_id is not None:
            ids["resourceId"] = resource_id
        if grant_id is not None:
            ids["grantId"] = grant_id
        visible = self._visible(actor, resource_id, grant_id)
        released = {
            (r["grant_id"], int(r["args"]["useIndex"]))
            for r in self.index.events("UsageRights", "UseReleased", args=ids)
        }
        owners = self._owners()
        items = []
        for r in self.index.events("UsageRights", "UseRecorded", args=ids):
            a = r["args"]
            if (r["grant_id"], int(a["useIndex"])) in released:
                continue
            owner = owners.get(r["resource_id"])
            if visible is not None and not (actor.same(a["user"]) or (owner is not None and actor.same(owner))):
                continue
            items.append(
                {
                    "grant_id": r["grant_id"],
                    "use_index": int(a["useIndex"]),
                    "resource_id": r["resource_id"],
                    "grantee": a["user"],
                    "owner": owner,
                    "subject_hash": a["subjectHash"],
                    "purpose_code": int(a["purposeCode"]),
                    "tx_hash": r["tx_hash"],
                    "block_number": int(r["block_number"]),
                    "time": iso(r["block_time"]),
                }
            )
        return {
            "total": len(items),
            "offset": offset,
            "limit": limit,
            "indexed_to_block": seen,
            "items": items[offset : offset + limit],
        }

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
