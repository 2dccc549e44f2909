"""The node directory: publish your own node, read the others'."""

from __future__ import annotations

from pydantic import Field

from backend.api.schemas.common import UINT64, Answer, Page, Strict, TxAnswer

HEX32 = r"^0x[0-9a-fA-F]{64}$"


# -- request bodies --------------------------------------------------------------------------------
class PublishNode(Strict):
    """Where peers reach the caller's node and the keys they need (public keys only)."""

    endpoint: str = Field(
        min_length=1, max_length=256, description="base URL of the node", examples=["https://nr.node.example.gov:8443"]
    )
    encryption_key: str = Field(pattern=HEX32, description="X25519 public key peers seal releases to (0x + 64 hex)")
    transport_key_hash: str | None = Field(
        default=None,
        pattern=HEX32,
        description="SHA-256 of the node's TLS SubjectPublicKeyInfo; omit for plain HTTP on a private network",
    )


# -- answers ------------------------------------------------------------------------------------------
class NodeEntryView(Answer):
    """A department's node as the directory holds it, and whether the department is active now."""

    department: str | None = None
    endpoint: str | None = None
    encryption_key: str | None = None
    transport_key_hash: str | None = Field(default=None, description="all zeros: plain HTTP, no pinned key")
    version: int | None = Field(default=None, ge=1, le=UINT64)
    published_at: int | None = None
    department_active: bool | None = Field(
        default=None, description="false: suspended; peers must not use this node (resolve refuses it)"
    )


class ListNodesAnswer(Page[NodeEntryView]):
    pass


class PublishNodeAnswer(TxAnswer):
    department: str | None = None
    endpoint: str | None = None
    encryption_key: str | None = None
    transport_key_hash: str | None = None
    version: int | None = None
