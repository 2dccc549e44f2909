"""One-stop services (一网通办): service definitions (lead department), activation (council),
standing grants (source departments / council), cases (front desk, lead, step departments),
and the citizen's own cases.

Flow: ``POST /services`` (lead) → ``POST /services/{id}/activation`` (governor; others approve via
``/council/proposals/{pid}/approve``) → ``POST /services/{id}/standing-grants`` (each source
department; SENSITIVE/SECRET: ``POST /services/{id}/standing-grants/proposals`` by a governor) →
``POST /cases`` (any front desk) → ``POST /cases/{id}/evidence/pull`` (lead) →
``POST /cases/{id}/steps/{i}/approve`` (each step's department, stage by stage) →
``POST /cases/{id}/finalize`` (lead; house transfer: registry transfer + new certificate).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Path
from pydantic import Field, JsonValue

from backend.api.deps import (
    CasesDep,
    CitizenPrincipal,
    DepartmentPrincipal,
    DepartmentWriter,
    EscalatorPrincipal,
    GovernorWriter,
    IdemKey,
    ReaderPrincipal,
    Svc,
    actor,
)
from backend.api.params import Limit, Offset
from backend.api.schemas import UINT32, UINT64, DataSubject, Decision, Strict
from backend.api.schemas import cases as answers
from backend.api.schemas.common import API_ERRORS, ModelRouter
from backend.services.cases import CaseKind

router = ModelRouter(tags=["one-stop services"], responses=API_ERRORS)

Id = Annotated[int, Path(ge=1, le=2**64 - 1)]
StepIndex = Annotated[int, Path(ge=0, le=255, description="index of the step in the service definition")]


# -- bodies -----------------------------------------------------------------------------------------
class Requirement(Strict):
    resource_id: int = Field(ge=1, le=2**64 - 1, description="catalog resource (its owner is the source)")
    purpose_code: int = Field(ge=1, le=UINT32)
    legal_basis: str = Field(min_length=1, max_length=2_000, description="legal-basis text (keccak256 on chain)")
    label: str | None = Field(default=None, max_length=200, examples=["tax clearance"])
    fields: list[Annotated[str, Field(min_length=1, max_length=64)]] | None = Field(
        default=None,
        min_length=1,
        max_length=256,
        examples=[["tax_clearance", "year"]],
        description="the approved field list a peer release of this evidence asks for (federation nodes: "
        "the standing grant is a request for exactly these fields)",
    )


class Step(Strict):
    department: str = Field(pattern=r"^0x[0-9a-fA-F]{40}$")
    stage: int = Field(ge=1, le=16, description="1, 2, …; steps of one stage run in parallel")
    label: str | None = Field(default=None, max_length=200)


class RegisterService(Strict):
    name: str = Field(min_length=1, max_length=200, examples=["二手房转移登记 / Second-hand house transfer"])
    description: str | None = Field(default=None, max_length=10_000)
    kind: CaseKind = Field(
        default="generic",
        description="house_transfer cases end with a registry transfer + certificate",
    )
    certificate_type: str | None = Field(
        default=None,
        min_length=1,
        max_length=66,
        description="certificate issued at finalization (house_transfer: PROPERTY_CERT)",
    )
    requirements: list[Requirement] = Field(default_factory=list, max_length=16)
    steps: list[Step] = Field(min_length=1, max_length=16)
    step_deadline_s: int = Field(ge=1, le=90 * 24 * 3600, description="seconds each stage has to be decided")


class Justification(Strict):
    justification: str = Field(min_length=1, max_length=10_000)


class StandingGrants(Strict):
    duration_s: int = Field(default=365 * 24 * 3600, ge=1, le=UINT64)
    max_uses: int = Field(default=100_000, ge=1, le=UINT32)


class StandingGrantProposal(StandingGrants):
    requirement_index: int = Field(ge=0, le=15)
    justification: str = Field(min_length=1, max_length=10_000)


class OpenCase(Strict):
    service_id: int = Field(ge=1, le=2**64 - 1)
    applicant: DataSubject = Field(description="the identity checked at the desk; reaches the chain as a keyed hash")
    form: JsonValue = Field(
        description="the application form (stored encrypted, hashed on chain); house transfer: "
        "{unit_id, prior_certificate_hash, seller_consent_hash, seller_assisted_session_id, seller_consent_desk "
        "(the department whose desk opened the seller's session: not the registrar), …}"
    )


# -- services ------------------------------------------------------------------------------------------
@router.post(
    "/services",
    response_model=answers.RegisterServiceAnswer,
    status_code=201,
    summary="Register a one-stop service (its lead department); Proposed",
)
def register_service(body: RegisterService, cases: CasesDep, who: DepartmentWriter, key: IdemKey) -> dict[str, Any]:
    return cases.register_service(
        who,
        body.name,
        body.description,
        body.kind,
        [r.model_dump() for r in body.requirements],
        [s.model_dump() for s in body.steps],
        body.step_deadline_s,
        body.certificate_type,
        key=key,
    )


@router.get("/services", response_model=answers.ListServicesAnswer, summary="One-stop services, newest first")
def list_services(cases: CasesDep, principal: ReaderPrincipal, offset: Offset = 0, limit: Limit = 50) -> dict[str, Any]:
    return cases.list_services(offset, limit)


@router.get(
    "/services/{service_id}",
    response_model=answers.ServiceDetail,
    summary="A service: definition, status, requirements with standing grants",
)
def get_service(service_id: Id, cases: CasesDep, principal: ReaderPrincipal) -> dict[str, Any]:
    return cases.get_service(service_id)


@router.post(
    "/services/{service_id}/activation",
    response_model=answers.ProposeActivationAnswer,
    status_code=201,
    summary="Propose activating a service (governor); others approve via /council/proposals/{id}/approve",
)
def propose_activation(
    service_id: Id, body: Justification, cases: CasesDep, who: GovernorWriter, key: IdemKey
) -> dict[str, Any]:
    return cases.propose_activation(who, service_id, body.justification, key=key)


@router.post(
    "/services/{service_id}/standing-grants",
    response_model=answers.IssueStandingGrantsAnswer,
    status_code=201,
    summary="Issue the lead's standing grants on my resources (source department; PUBLIC/INTERNAL)",
)
def issue_standing_grants(
    service_id: Id, body: StandingGrants, cases: CasesDep, who: DepartmentWriter, key: IdemKey
) -> dict[str, Any]:
    return cases.issue_standing_grants(who, service_id, body.duration_s, body.max_uses, key=key)


@router.post(
    "/services/{service_id}/standing-grants/proposals",
    response_model=answers.ProposeStandingGrantAnswer,
    status_code=201,
    summary="Propose a council-issued standing grant for a SENSITIVE/SECRET requirement (governor)",
)
def propose_standing_grant(
    service_id: Id, body: StandingGrantProposal, cases: CasesDep, who: GovernorWriter, key: IdemKey
) -> dict[str, Any]:
    return cases.propose_standing_grant(
        who,
        service_id,
        body.requirement_index,
        body.duration_s,
        body.max_uses,
        body.justification,
        key=key,
    )


# -- cases ---------------------------------------------------------------------------------------------
@router.post(
    "/cases",
    response_model=answers.OpenCaseAnswer,
    status_code=201,
    summary="Open a case at the front desk: only the citizen's identity and the form (2 documents)",
)
def open_case(body: OpenCase, svc: Svc, cases: CasesDep, who: DepartmentWriter, key: IdemKey) -> dict[str, Any]:
    applicant = svc.ops.subject(body.applicant.id_type, body.applicant.id_value)
    return cases.open_case(who, body.service_id, applicant, body.form, key=key)


@router.get(
    "/cases",
    response_model=answers.ListCasesAnswer,
    summary="Cases I take part in (auditors/governors: all), newest first",
)
def list_cases(cases: CasesDep, principal: ReaderPrincipal, offset: Offset = 0, limit: Limit = 50) -> dict[str, Any]:
    return cases.list_cases(actor(principal), offset, limit)


@router.get(
    "/cases/{case_id}",
    response_model=answers.CaseDetail,
    summary="A case: documents submitted vs evidence pulled, steps, departments involved",
)
def get_case(case_id: Id, cases: CasesDep, principal: ReaderPrincipal) -> dict[str, Any]:
    return cases.get_case(actor(principal), case_id)


@router.get(
    "/cases/{case_id}/form",
    response_model=answers.GetFormAnswer,
    summary="The application form (the lead and the step departments)",
)
def get_form(case_id: Id, cases: CasesDep, principal: DepartmentPrincipal) -> dict[str, Any]:
    return cases.form(actor(principal), case_id)


@router.post(
    "/cases/{case_id}/evidence/pull",
    response_model=answers.PullEvidenceAnswer,
    summary="Pull ALL missing evidence through the standing grants (the lead); per-requirement report",
)
def pull_evidence(case_id: Id, cases: CasesDep, who: DepartmentWriter, key: IdemKey) -> dict[str, Any]:
    return cases.pull_evidence(who, case_id, key=key)


def _decide_step(approve: bool) -> Callable[..., dict[str, Any]]:
    """Approving and rejecting a step differ only in the decision sent to the contract."""

    def decide_step(
        case_id: Id, step_index: StepIndex, body: Decision, cases: CasesDep, who: DepartmentWriter, key: IdemKey
    ) -> dict[str, Any]:
        return cases.decide_step(who, case_id, step_index, approve, body.hashed("reason"), key=key)

    return decide_step


router.post(
    "/cases/{case_id}/steps/{step_index}/approve",
    name="approve_step",
    response_model=answers.ApproveStepAnswer,
    summary="Approve a step (the step's department)",
)(_decide_step(True))
router.post(
    "/cases/{case_id}/steps/{step_index}/reject",
    name="reject_step",
    response_model=answers.StepDecisionAnswer,
    summary="Reject a step (the step's department); the case is rejected",
)(_decide_step(False))


@router.post(
    "/cases/{case_id}/steps/{step_index}/escalate",
    response_model=answers.EscalateStepAnswer,
    summary="Escalate an undecided step past its stage deadline (any department or governor; auditors read only)",
)
def escalate_step(
    case_id: Id,
    step_index: StepIndex,
    cases: CasesDep,
    principal: EscalatorPrincipal,
    key: IdemKey,
) -> dict[str, Any]:
    return cases.escalate_step(actor(principal), case_id, step_index, key=key)


@router.post(
    "/cases/{case_id}/finalize",
    response_model=answers.FinalizeAnswer,
    summary="Finalize an approved house-transfer case (the lead): registry transfer + new certificate",
)
def finalize(case_id: Id, cases: CasesDep, who: DepartmentWriter) -> dict[str, Any]:
    """Idempotent by construction: each part checks the chain first (no Idempotency-Key needed)."""
    return cases.finalize(who, case_id)


# -- the citizen ---------------------------------------------------------------------------------------
@router.get(
    "/citizens/me/cases",
    response_model=answers.MyCasesAnswer,
    tags=["citizens"],
    summary="My cases with the status of each step (citizen)",
)
def my_cases(cases: CasesDep, principal: CitizenPrincipal, offset: Offset = 0, limit: Limit = 50) -> dict[str, Any]:
    return cases.my_cases(actor(principal), offset, limit)


@router.get(
    "/citizens/me/cases/{case_id}",
    response_model=answers.CaseView,
    tags=["citizens"],
    summary="One of my cases (citizen)",
)
def my_case(case_id: Id, cases: CasesDep, principal: CitizenPrincipal) -> dict[str, Any]:
    return cases.my_case(actor(principal), case_id)


@router.get(
    "/citizens/me/cases/{case_id}/certificate",
    response_model=answers.MyCertificateAnswer,
    tags=["citizens"],
    summary="The certificate document my case produced, to present and verify (citizen)",
)
def my_certificate(case_id: Id, cases: CasesDep, principal: CitizenPrincipal) -> dict[str, Any]:
    return cases.my_certificate_document(actor(principal), case_id)


__all__ = ["router"]
