"""Usage requests: create, approve, deny, list."""

from __future__ import annotations

from pydantic import Field

from backend.api.schemas.common import UINT32, UINT64, Answer, OptionalHex32, Page, Strict, TxAnswer


# -- request bodies --------------------------------------------------------------------------------
class CreateRequest(Strict):
    resource_id: int = Field(ge=1, le=2**256 - 1)
    purpose_code: int = Field(ge=1, le=UINT32)
    legal_basis: str | None = Field(default=None, min_length=1, max_length=10_000)
    legal_basis_hash: str | None = OptionalHex32
    fields: list[str] | None = Field(default=None, min_length=1, max_length=500)
    fields_hash: str | None = OptionalHex32
    duration_s: int = Field(ge=1, le=UINT64, description="grant duration in seconds from issuance")
    max_uses: int = Field(ge=1, le=UINT32)
    approval_deadline: int | None = Field(
        default=None, ge=1, le=UINT64, description="unix time by which the owner should decide (default now+3d)"
    )


class Decision(Strict):
    reason: str | None = Field(default=None, min_length=1, max_length=10_000)
    reason_hash: str | None = OptionalHex32


# -- answers ------------------------------------------------------------------------------------------
class RequestTerms(Answer):
    """A usage request: who asks whose resource for what, and where it stands."""

    request_id: int | None = None
    resource_id: int | None = None
    owner: str | None = None
    requester: str | None = None
    purpose_code: int | None = None
    purpose_name_zh: str | None = Field(default=None, description="the purpose's registered Chinese name")
    purpose_name_en: str | None = Field(default=None, description="the purpose's registered English name")
    legal_basis_hash: str | None = None
    legal_basis_citation: str | None = Field(default=None, description="the registered citation of the legal basis")
    fields_hash: str | None = None
    duration_s: int | None = None
    max_uses: int | None = None
    approval_deadline: int | None = None
    status: str | None = None


class RequestView(RequestTerms):
    """A usage request with the grant it led to."""

    grant_id: int | None = None


class ListRequestsAnswer(Page[RequestView]):
    pass


class CreateRequestAnswer(RequestTerms, TxAnswer):
    """The request filed (the transaction's fields first)."""


class ApproveRequestAnswer(TxAnswer):
    request_id: int | None = None
    status: str | None = None
    grant_id: int | None = None
    expires_at: int | None = None
    keys_wrapped: bool | None = None
    council_required: bool | None = None


class DenyRequestAnswer(TxAnswer):
    request_id: int | None = None
    status: str | None = None
