"""Data resources: register, publish versions, anchor record sets, browse the catalog.

Content is stored encrypted BEFORE its hash is anchored on chain: a crash in
between leaves an orphan ciphertext nobody can decrypt, never an anchored hash
without data. Retrying with the same Idempotency-Key finishes the job.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from backend.chain.bindings import Resource
from backend.services.common import (
    CLASSIFICATIONS,
    ZERO32,
    Actor,
    ChainOps,
    canonical_json,
    h0x,
    hex32,
)
from backend.services.errors import Forbidden, InvalidInput, NotFound
from backend.store import DocumentStore, normalise_hash

JSON_MEDIA_TYPE = "application/json"
MAX_CONTENT_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class Content:
    data: bytes
    media_type: str

    @classmethod
    def from_record(cls, record: Any) -> Content:
        return cls(canonical_json(record), JSON_MEDIA_TYPE)


def classification_code(value: str | int) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(CLASSIFICATIONS):
        return value
    if isinstance(value, str) and value.upper() in CLASSIFICATIONS:
        return CLASSIFICATIONS.index(value.upper())
    raise InvalidInput(f"classification must be one of {', '.join(CLASSIFICATIONS)}", field="classification")


class ResourceService:
    def __init__(self, ops: ChainOps, store: DocumentStore) -> None:
        self.ops = ops
        self.store = store

    # -- writes ------------------------------------------------------------------------------
    def register(
        self,
        actor: Actor,
        content: Content,
        classification: str | int,
        schema_hash: bytes,
        *,
        subject: bytes | None = None,
        steward_officer_id: str | None = None,
        key: str,
    ) -> dict[str, Any]:
        actor.require_role("department")
        cls = classification_code(classification)
        self._check_content(content)
        if schema_hash == ZERO32:
            raise InvalidInput("schema hash must not be zero", field="schema_hash")
        steward = self.ops.officer(actor, steward_officer_id)
        account = self.ops.account(actor)
        content_hash = self.store.put(content.data, actor.address, content.media_type)
        outcome = self.ops.contracts.data_catalog.register_resource(
            account,
            cls,
            schema_hash,
            bytes.fromhex(content_hash[2:]),
            steward,
            subject or ZERO32,
            op="resources.register",
            key=key,
        )
        ev = self.ops.event(outcome, "ResourceRegistered") or {}
        return {
            "resource_id": ev.get("resourceId"),
            "version": 1,
            "owner": actor.address,
            "classification": CLASSIFICATIONS[cls],
            "content_hash": content_hash,
            "schema_hash": h0x(schema_hash),
            "steward_hash": h0x(steward),
            "subject_hash": h0x(subject) if subject else None,
            "media_type": content.media_type,
            "size": len(content.data),
            **self.ops.tx(outcome),
        }

    def publish_version(self, actor: Actor, resource_id: int, content: Content, *, key: str) -> dict[str, Any]:
        actor.require_role("department")
        self._require_owner(actor, resource_id)
        self._check_content(content)
        officer = self.ops.officer(actor)
        account = self.ops.account(actor)
        content_hash = self.store.put(content.data, actor.address, content.media_type, resource_id=resource_id)
        outcome = self.ops.contracts.data_catalog.publish_version(
            account,
            resource_id,
            bytes.fromhex(content_hash[2:]),
            officer,
            op=f"resources.{resource_id}.publish",
            key=key,
        )
        ev = self.ops.event(outcome, "VersionPublished") or {}
        return {
            "resource_id": resource_id,
            "version": ev.get("version"),
            "content_hash": content_hash,
            "officer_hash": h0x(officer),
            "media_type": content.media_type,
            "size": len(content.data),
            **self.ops.tx(outcome),
        }

    def anchor_root(
        self, actor: Actor, resource_id: int, merkle_root: str, record_count: int, *, key: str
    ) -> dict[str, Any]:
        actor.require_role("department")
        root = hex32(merkle_root, "merkle_root")
        self._require_owner(actor, resource_id)
        outcome = self.ops.contracts.data_catalog.anchor_root(
            self.ops.account(actor), resource_id, root, record_count, op=f"resources.{resource_id}.anchor", key=key
        )
        ev = self.ops.event(outcome, "RootAnchored") or {}
        return {
            "anchor_id": ev.get("anchorId"),
            "resource_id": resource_id,
            "merkle_root": h0x(root),
            "record_count": record_count,
            **self.ops.tx(outcome),
        }

    # -- reads --------------------------------------------------------------------------------
    def list(self, offset: int, limit: int, owner: str | None = None) -> dict[str, Any]:
        """The catalog from the chain's views, newest first."""
        seen = None
        if owner is not None:
            seen = self.ops.fresh()
            ids = sorted(self.ops.owned_resources(owner), reverse=True)
            total = len(ids)
            window = ids[offset : offset + limit]
        else:
            total = self.ops.contracts.data_catalog.resource_count()
            window = list(range(total - offset, max(total - offset - limit, 0), -1))
        views = [(i, self.ops.contracts.data_catalog.resource(i)) for i in window]
        if owner is not None:  # the index only finds candidates; the contract says who owns what
            views = [(i, r) for i, r in views if r.owner.lower() == owner.lower()]
        items = [self._summary(i, r) for i, r in views]
        out = {"total": total, "offset": offset, "limit": limit, "items": items}
        if owner is not None:
            out["indexed_to_block"] = seen
        return out

    def get(self, resource_id: int) -> dict[str, Any]:
        r = self.ops.contracts.data_catalog.resource(resource_id)
        out = self._summary(resource_id, r)
        versions = []
        for v in range(1, r.version_count + 1):
            content_hash, published_at = self.ops.contracts.data_catalog.version_hash(resource_id, v)
            meta = self.store.metadata(content_hash)
            versions.append(
                {
                    "version": v,
                    "content_hash": content_hash,
                    "published_at": published_at,
                    "media_type": meta.media_type if meta else None,
                    "size": meta.size if meta else None,
                    "stored": meta is not None,
                }
            )
        out["versions"] = versions
        return out

    def content(self, actor: Actor, resource_id: int, version: int | None) -> dict[str, Any]:
        """The owner reads its own data (others go through a grant)."""
        actor.require_role("department")
        r = self._require_owner(actor, resource_id)
        v, content_hash = self.version_hash(resource_id, r, version)
        data = self.store.get(content_hash, actor.address)  # verifies the hash on decrypt
        meta = self.store.metadata(content_hash)
        return {
            "resource_id": resource_id,
            "version": v,
            "content_hash": content_hash,
            "media_type": meta.media_type if meta else None,
            "data": data,
        }

    # -- helpers ------------------------------------------------------------------------------
    def version_hash(self, resource_id: int, r: Resource, version: int | None) -> tuple[int, str]:
        count = r.version_count
        if version is None or version == count:
            return count, normalise_hash(r.content_hash)
        if not 1 <= version <= count:
            raise NotFound(f"resource {resource_id} has no version {version}", resource_id=resource_id, version=version)
        content_hash, _ = self.ops.contracts.data_catalog.version_hash(resource_id, version)
        return version, normalise_hash(content_hash)

    def _require_owner(self, actor: Actor, resource_id: int) -> Resource:
        r = self.ops.contracts.data_catalog.resource(resource_id)  # unknown -> DataCatalogUnknownResource (404)
        if not actor.same(r.owner):
            raise Forbidden("resource belongs to another department", resource_id=resource_id)
        return r

    @staticmethod
    def _check_content(content: Content) -> None:
        if not content.data:
            raise InvalidInput("content must not be empty", field="content")
        if len(content.data) > MAX_CONTENT_BYTES:
            raise InvalidInput(f"content larger than {MAX_CONTENT_BYTES} bytes", field="content")

    @staticmethod
    def _summary(resource_id: int, r: Resource) -> dict[str, Any]:
        return {
            "resource_id": resource_id,
            "owner": r.owner,
            "classification": CLASSIFICATIONS[r.classification],
            "version_count": r.version_count,
            "anchor_count": r.anchor_count,
            "registered_at": r.registered_at,
            "content_hash": r.content_hash,
        }


__all__ = ["Content", "ResourceService", "classification_code"]
