"""Requester side of the federation: record a use and receive its release from the owner's node."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from backend.api.schemas.common import Answer, Page, Strict
from backend.api.schemas.peer import ReceiptView

FieldName = Annotated[str, Field(min_length=1, max_length=64)]


class ReleaseOrder(Strict):
    """What the officer asks for: the fields approved in the grant (the subject goes in the
    X-Data-Subject header, so it never lands in an access log)."""

    grant_id: int = Field(ge=1, le=2**256 - 1)
    fields: list[FieldName] = Field(min_length=1, max_length=256)
    context_ref: str | None = Field(default=None, min_length=1, max_length=200)


class ReleasedAnswer(Answer):
    grant_id: int
    use_index: int
    use_tx: str
    owner: str
    content: dict[str, Any] = Field(description="the released records of the subject, projected on the fields")
    receipt: ReceiptView
    owner_signature: str = Field(description="the owner's EIP-712 signature of the receipt (keep it as proof)")
    replayed: bool


class PeerUseItem(Answer):
    grant_id: int
    use_index: int
    use_tx: str
    owner: str
    status: str = Field(description="recorded (spent on chain, not yet released) or released")
    fields: list[str]
    content_hash: str | None = None
    released_at: int | None = None


class PeerUsesAnswer(Page[PeerUseItem]):
    pass
