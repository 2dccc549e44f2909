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
