"""The council: proposals, approvals, rulings."""

from __future__ import annotations

from pydantic import Field

from backend.api.schemas.common import Answer, Page, Strict, TxAnswer


# -- request bodies --------------------------------------------------------------------------------
class CouncilRequestProposal(Strict):
    justification: str = Field(min_length=1, max_length=10_000)


# -- answers ------------------------------------------------------------------------------------------
class ListProposalsItem(Answer):
    proposal_id: int | None = None
    kind: str | None = None
    proposer: str | None = None
    target: str | None = None
    data: str | None = None
    description_hash: str | None = None
    approvals: int | None = None
    created_at: int | None = None
    expires_at: int | None = None
    executed: bool | None = None
    approved_by_me: bool | None = None


class ListProposalsAnswer(Page):
    items: list[ListProposalsItem] | None = None


class ApproveProposalAnswer(TxAnswer):
    proposal_id: int | None = None
    approvals: int | None = None
    executed: bool | None = None
    events: list[str] | None = None


class ProposeRequestApprovalAnswer(TxAnswer):
    proposal_id: int | None = None
    request_id: int | None = None
    unanimous: bool | None = None
    executed: bool | None = None


class ProposeRulingAnswer(TxAnswer):
    proposal_id: int | None = None
    incident_id: int | None = None
    upheld: bool | None = None
    ruling_hash: str | None = None
    responsible: str | None = None
    executed: bool | None = None
    approve_with: str | None = Field(default=None, description="where the other governors approve")


class ProposeCertificateRevocationAnswer(TxAnswer):
    proposal_id: int | None = None
    cert_id: int | None = None
    reason: str | None = None
    decision_hash: str | None = None
    issuer: str | None = None
    executed: bool | None = None
    approve_with: str | None = Field(default=None, description="where the other governors approve")


# -- membership ----------------------------------------------------------------------------------
class AdmitDepartmentBody(Strict):
    """A department's node address (generated on its own machine) and how it is listed."""

    address: str = Field(min_length=42, max_length=42, examples=["0x5B38Da6a701c568545dCfcB03FcB875f56beddC4"])
    code: str = Field(min_length=1, max_length=32, examples=["PSB"])
    name: str = Field(min_length=1, max_length=200, examples=["公安局 / Public Security"])
    region: str = Field(min_length=6, max_length=6, examples=["110000"])


class AddressBody(Strict):
    """A chain address (an auditor's node, or a contract to register as a standing listener)."""

    address: str = Field(min_length=42, max_length=42)


class MembershipProposalAnswer(TxAnswer):
    proposal_id: int | None = None
    address: str | None = None
    executed: bool | None = None
    approve_with: str | None = None


# -- purposes and legal bases ------------------------------------------------------------------
class RegisterPurposeBody(Strict):
    """A purpose the council registers: its code and its names (public text, at most 256 bytes each)."""

    code: int = Field(ge=1, le=2**32 - 1)
    name_zh: str = Field(min_length=1, max_length=256)
    name_en: str = Field(min_length=1, max_length=256)


class RegisterLegalBasisBody(Strict):
    """A legal basis the council registers: the citation and either the text (hashed here) or its hash."""

    citation: str = Field(min_length=1, max_length=256)
    text: str | None = Field(default=None, min_length=1, max_length=100_000)
    text_hash: str | None = Field(default=None, pattern=r"^0x[0-9a-fA-F]{64}$")


class RegistryProposalAnswer(TxAnswer):
    proposal_id: int | None = None
    code: int | None = None
    text_hash: str | None = None
    citation: str | None = None
    executed: bool | None = None
    approve_with: str | None = None
