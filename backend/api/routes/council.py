from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Path, Query
from pydantic import Field

from backend.api.deps import (
    CouncilDep,
    GovernorWriter,
    IdemKey,
    MembershipDep,
    ReaderPrincipal,
    actor,
)
from backend.api.params import Limit, Offset
from backend.api.schemas import CouncilRequestProposal, Strict
from backend.api.schemas import council as answers
from backend.api.schemas.common import API_ERRORS, ModelRouter
from backend.services.council import COUNCIL_REVOCATION_REASONS

router = ModelRouter(prefix="/council", tags=["council"], responses=API_ERRORS)

Id = Annotated[int, Path(ge=1, le=2**256 - 1)]


class CertificateRevocation(Strict):
    """The council's revocation of a certificate: a reason code and the decision's text (hashed on chain)."""

    reason: Literal[COUNCIL_REVOCATION_REASONS] = Field(  # type: ignore[valid-type]
        description="issuer_compromised, issuer_suspended, issued_in_error, fraud or court_order"
    )
    decision: str = Field(min_length=1, max_length=4000)


class IncidentRuling(Strict):
    """The council's ruling on an answered or escalated incident (the text is hashed on chain)."""

    upheld: bool = Field(strict=True)
    ruling_text: str = Field(min_length=1, max_length=4000)


@router.get("/proposals", response_model=answers.ListProposalsAnswer, summary="Council proposals (pending by default)")
def list_proposals(
    council: CouncilDep,
    principal: ReaderPrincipal,
    pending: Annotated[bool, Query()] = True,
    offset: Offset = 0,
    limit: Limit = 50,
) -> dict[str, Any]:
    return council.list_proposals(actor(principal), pending, offset, limit)


@router.post(
    "/proposals/{proposal_id}/approve",
    response_model=answers.ApproveProposalAnswer,
    summary="Approve a proposal (governor); executes at the threshold",
)
def approve_proposal(proposal_id: Id, council: CouncilDep, who: GovernorWriter, key: IdemKey) -> dict[str, Any]:
    return council.approve_proposal(who, proposal_id, key=key)


@router.post(
    "/requests/{request_id}/proposals",
    response_model=answers.ProposeRequestApprovalAnswer,
    status_code=201,
    summary="Propose the council approval of an owner-approved SENSITIVE/SECRET request (governor)",
)
def propose_request_approval(
    request_id: Id, body: CouncilRequestProposal, council: CouncilDep, who: GovernorWriter, key: IdemKey
) -> dict[str, Any]:
    return council.propose_request_approval(who, request_id, body.justification, key=key)


@router.post(
    "/incidents/{incident_id}/ruling",
    response_model=answers.ProposeRulingAnswer,
    status_code=201,
    summary="Propose the council's ruling on a Responded or Escalated incident (governor)",
)
def propose_ruling(
    incident_id: Id, body: IncidentRuling, council: CouncilDep, who: GovernorWriter, key: IdemKey
) -> dict[str, Any]:
    return council.propose_ruling(who, incident_id, body.upheld, body.ruling_text, key=key)


@router.post(
    "/certificates/{cert_id}/revocation",
    response_model=answers.ProposeCertificateRevocationAnswer,
    status_code=201,
    summary="Propose the council's revocation of any certificate (governor); executes at the threshold",
)
def propose_certificate_revocation(
    cert_id: Id, body: CertificateRevocation, council: CouncilDep, who: GovernorWriter, key: IdemKey
) -> dict[str, Any]:
    return council.propose_certificate_revocation(who, cert_id, body.reason, body.decision, key=key)


@router.post(
    "/departments",
    response_model=answers.MembershipProposalAnswer,
    status_code=201,
    summary="Propose admitting a department's node address (governor); executes at the threshold",
)
def propose_admit_department(
    body: answers.AdmitDepartmentBody, membership: MembershipDep, who: GovernorWriter, key: IdemKey
) -> dict[str, Any]:
    return membership.propose_admit_department(who, body.address, body.code, body.name, body.region, key=key)


@router.post(
    "/standing-listeners",
    response_model=answers.MembershipProposalAnswer,
    status_code=201,
    summary="Propose registering a contract (UsageRights) to be told of every department's standing (governor)",
)
def propose_add_standing_listener(
    body: answers.AddressBody, membership: MembershipDep, who: GovernorWriter, key: IdemKey
) -> dict[str, Any]:
    return membership.propose_add_standing_listener(who, body.address, key=key)


@router.post(
    "/auditors",
    response_model=answers.MembershipProposalAnswer,
    status_code=201,
    summary="Propose appointing an auditor's node address (governor); executes at the threshold",
)
def propose_appoint_auditor(
    body: answers.AddressBody, membership: MembershipDep, who: GovernorWriter, key: IdemKey
) -> dict[str, Any]:
    return membership.propose_appoint_auditor(who, body.address, key=key)


@router.post(
    "/purposes",
    response_model=answers.RegistryProposalAnswer,
    status_code=201,
    summary="Propose registering a purpose (code, zh/en names) in the council's registry (governor)",
)
def propose_register_purpose(
    body: answers.RegisterPurposeBody, council: CouncilDep, who: GovernorWriter, key: IdemKey
) -> dict[str, Any]:
    return council.propose_register_purpose(who, body.code, body.name_zh, body.name_en, key=key)


@router.post(
    "/legal-bases",
    response_model=answers.RegistryProposalAnswer,
    status_code=201,
    summary="Propose registering a legal basis (citation, hash of its text) in the council's registry (governor)",
)
def propose_register_legal_basis(
    body: answers.RegisterLegalBasisBody, council: CouncilDep, who: GovernorWriter, key: IdemKey
) -> dict[str, Any]:
    return council.propose_register_legal_basis(who, body.citation, body.text, body.text_hash, key=key)
