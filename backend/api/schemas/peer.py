"""Peer release: the body a grantee's node sends and the owner's node answers."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from backend.api.schemas.common import UINT32, UINT64, Answer, Hex32, Strict

Hex32Str = Annotated[str, Hex32]
FieldName = Annotated[str, Field(min_length=1, max_length=64)]


class SignedReleaseRequest(Strict):
    """The EIP-712 ReleaseRequest (domain "GovChain Release" v1, chain id, UsageRights)."""

    grant_id: int = Field(ge=1, le=2**256 - 1)
    use_index: int = Field(ge=1, le=UINT32)
    use_tx: Hex32Str = Field(description="the transaction that recorded the use")
    subject_hash: Hex32Str = Field(description="the use's subject hash (zero: an aggregate use)")
    fields_hash: Hex32Str = Field(description='EIP-712 "fields": hash of the sorted field list')
    expires_at: int = Field(ge=0, le=UINT64, description="chain time (seconds) after which the request is void")
    nonce: Hex32Str


class ReleaseBody(Strict):
    request: SignedReleaseRequest
    signature: str = Field(pattern=r"^0x[0-9a-fA-F]{130}$", description="the grantee's EIP-712 signature")
    fields: list[FieldName] = Field(min_length=1, max_length=256, description="the approved field list")


class ReceiptView(Answer):
    """The EIP-712 ReleaseReceipt the owner signed."""

    grant_id: int
    use_index: int
    content_hash: str = Field(description="sha256 of the released plaintext")
    envelope_hash: str = Field(description="sha256 of the sealed envelope")
    released_at: int = Field(description="chain time of the first release")


class ReleaseAnswer(Answer):
    envelope: str = Field(description="base64 of the sealed box (X25519, to the grantee's published key)")
    receipt: ReceiptView
    signature: str = Field(description="the owner's EIP-712 signature of the receipt")
    owner: str
    replayed: bool = Field(description="this use had been released before: the same stored bytes")
