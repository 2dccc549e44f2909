"""One-stop services and cases: services, standing grants, cases, steps, the citizen's own cases.

Response models: the declared fields are typed and optional (a service may leave one
out on some path); answers may carry more fields, passed through unchanged."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from backend.api.schemas.common import Answer, Classification, Page, Party, TxAnswer


# -- answers ------------------------------------------------------------------------------------------
class CaseSummary(Answer):
    """A case in a list: counts instead of the documents, evidence and steps."""

    case_id: int | None = None
    service_id: int | None = None
    service_name: str | None = None
    status: str | None = None
    front_desk: Party | None = None
    documents_submitted: int | None = None
    evidence_required: int | None = None
    evidence_pulled: int | None = None
    current_stage: int | None = None
    stage_count: int | None = None
    opened_at: int | None = None
    closed_at: int | None = None


class ListCasesAnswer(Page[CaseSummary]):
    pass


class ServiceRef(Answer):
    """The service a case is opened under."""

    service_id: int | None = None
    name: str | None = None
    kind: str | None = None
    lead: Party | None = None


class DocumentsSubmitted(Answer):
    """The documents the applicant handed in at the front desk (their hashes)."""

    count: int | None = None
    items: list[str] | None = None


class EvidenceItem(Answer):
    """One required piece of evidence and how it was pulled (grant and use)."""

    requirement_index: int | None = None
    label: str | None = None
    resource_id: int | None = None
    source: Party | None = None
    purpose_code: int | None = None
    legal_basis: str | None = None
    status: str | None = None
    grant_id: int | None = None
    use_index: int | None = None
    attached_at: int | None = None


class Evidence(Answer):
    """The evidence a case requires and has pulled."""

    required: int | None = None
    pulled: int | None = None
    items: list[EvidenceItem] | None = None


class StepView(Answer):
    """One approval step of a case."""

    step_index: int | None = None
    label: str | None = None
    department: Party | None = None
    stage: int | None = None
    status: str | None = None
    escalated: bool | None = None
    decided_at: int | None = None
    current: bool | None = None


class DepartmentInvolved(Answer):
    """A department that took part in a case, with its roles in it."""

    address: str | None = None
    name: str | None = None
    roles: list[str] | None = None


class DepartmentsInvolved(Answer):
    count: int | None = None
    items: list[DepartmentInvolved] | None = None


class CaseCertificate(Answer):
    """The certificate a finished case issued."""

    cert_id: int | None = None
    document_hash: str | None = None
    status: str | None = None
    type_code: str | None = None
    verify_with: str | None = None


class CaseView(Answer):
    """A case: documents submitted vs evidence pulled, steps, departments involved
    (as the citizen sees it: without the form's hash)."""

    case_id: int | None = None
    service: ServiceRef | None = None
    status: str | None = None
    applicant_hash: str | None = None
    case_ref: str | None = None
    front_desk: Party | None = None
    opened_at: int | None = None
    closed_at: int | None = None
    current_stage: int | None = None
    stage_count: int | None = None
    stage_deadline: int | None = None
    documents_submitted: DocumentsSubmitted | None = None
    evidence: Evidence | None = None
    steps: list[StepView] | None = None
    departments_involved: DepartmentsInvolved | None = None
    certificate: CaseCertificate | None = None


class CaseDetail(CaseView):
    """A case as its departments see it: with the hash of the application form."""

    form_hash: str | None = None


class GetFormAnswer(Answer):
    case_id: int | None = None
    form_hash: str | None = None
    form: dict[str, Any] | None = None


class MyCasesAnswer(Page[CaseView]):
    pass


class MyCertificateDocumentUnit(Answer):
    area_m2: int | None = None
    building_code: str | None = None
    parcel_code: str | None = None
    planned_use: int | None = None
    unit_code: str | None = None
    unit_id: int | None = None


class MyCertificateDocument(Answer):
    case_id: int | None = None
    case_ref: str | None = None
    govchain: str | None = None
    holder_hash: str | None = None
    issuer: str | None = None
    previous_entry_id: int | None = None
    registered_at: int | None = None
    serial: str | None = None
    title: str | None = None
    title_entry_id: int | None = None
    type_code: str | None = None
    unit: MyCertificateDocumentUnit | None = None


class MyCertificateAnswer(Answer):
    case_id: int | None = None
    cert_id: int | None = None
    document_hash: str | None = None
    status: str | None = None
    type_code: str | None = None
    verify_with: str | None = None
    media_type: str | None = None
    document: MyCertificateDocument | None = None
    document_text: str | None = None


class ServiceRequirement(Answer):
    """A piece of evidence a service requires: whose resource, for which purpose, on which basis."""

    requirement_index: int | None = None
    resource_id: int | None = None
    label: str | None = None
    source: Party | None = None
    classification: Classification | None = None
    purpose_code: int | None = None
    legal_basis: str | None = None
    legal_basis_hash: str | None = None


class StandingGrantRef(Answer):
    """The standing grant that serves a requirement."""

    grant_id: int | None = None
    expires_at: int | None = None
    uses_left: int | None = None
    usable: bool | None = None


class ServiceRequirementDetail(ServiceRequirement):
    standing_grant: StandingGrantRef | None = None


class ServiceStep(Answer):
    """A step of a service's definition: which department approves at which stage."""

    step_index: int | None = None
    department: Party | None = None
    stage: int | None = None
    label: str | None = None


class ServiceView(Answer):
    """A one-stop service: definition, status, requirements, steps."""

    service_id: int | None = None
    name: str | None = None
    description: str | None = None
    kind: str | None = None
    certificate_type: str | None = None
    lead: Party | None = None
    status: str | None = None
    name_hash: str | None = None
    definition_verified: bool | None = None
    step_deadline_s: int | None = None
    stage_count: int | None = None
    registered_at: int | None = None
    requirements: list[ServiceRequirement] | None = None
    steps: list[ServiceStep] | None = None


class ListServicesAnswer(Page[ServiceView]):
    pass


class ServiceDetail(ServiceView):
    """A service with the standing grant of each requirement."""

    requirements: list[ServiceRequirementDetail] | None = None  # type: ignore[assignment]  # the detailed items


class OpenCaseAnswer(TxAnswer):
    case_id: int | None = None
    service_id: int | None = None
    status: str | None = None
    applicant_hash: str | None = None
    form_hash: str | None = None
    documents_submitted: int | None = None
    evidence_required: int | None = None
    case_ref: str | None = None
    front_desk: Party | None = None
    officer_hash: str | None = None
    next: str | None = None


class PullEvidenceItemItemRecordForApplicant(Answer):
    subject_hash: str | None = None
    tax_clearance: str | None = None
    year: int | None = None
    marital_status: str | None = None


class PullEvidenceItem(Answer):
    requirement_index: int | None = None
    resource_id: int | None = None
    source: Party | None = None
    status: str | None = None
    grant_id: int | None = None
    use_index: int | None = None
    use_tx: str | None = None
    recovered_use: bool | None = None
    attach_tx: str | None = None
    block_number: int | None = None
    content_hash: str | None = None
    version: int | None = None
    record_for_applicant: PullEvidenceItemItemRecordForApplicant | None = None
    released_by: Party | None = Field(default=None, description="federation: the owner's node that released it")
    records_released: int | None = Field(default=None, description="federation: the applicant's records released")
    http_status: int | None = None
    error: str | None = None
    args: dict[str, Any] | None = None


class PullEvidenceAnswer(Answer):
    case_id: int | None = None
    evidence_required: int | None = None
    evidence_attached: int | None = None
    complete: bool | None = None
    items: list[PullEvidenceItem] | None = None


class FinalizeTitleEntry(Answer):
    entry_id: int | None = None
    previous_entry_id: int | None = None
    owner_hash: str | None = None
    case_ref: str | None = None
    tx_hash: str | None = None


class FinalizeCertificate(Answer):
    cert_id: int | None = None
    document_hash: str | None = None
    tx_hash: str | None = None
    block_number: int | None = None
    type_code: str | None = None
    holder_hash: str | None = None
    status: str | None = None
    verify_with: str | None = None


class FinalizePriorCertificate(Answer):
    document_hash: str | None = None
    cert_id: int | None = None
    status: str | None = None
    tx_hash: str | None = None


class FinalizeAnswer(Answer):
    case_id: int | None = None
    unit_id: int | None = None
    title_entry: FinalizeTitleEntry | None = None
    certificate: FinalizeCertificate | None = None
    prior_certificate: FinalizePriorCertificate | None = None
    officer_hash: str | None = None


class ApproveStepCompleted(Answer):
    documents_submitted: int | None = None
    evidence_pulled: int | None = None
    departments_involved: int | None = None


class StepDecisionAnswer(TxAnswer):
    """A step approved or rejected."""

    case_id: int | None = None
    step_index: int | None = None
    decision: str | None = None
    reason_hash: str | None = None
    officer_hash: str | None = None
    case_status: str | None = None
    current_stage: int | None = None
    stage_advanced_to: int | None = None
    events: list[str] | None = None


class ApproveStepAnswer(StepDecisionAnswer):
    completed: ApproveStepCompleted | None = None
    next: str | None = None


class EscalateStepAnswer(TxAnswer):
    case_id: int | None = None
    step_index: int | None = None
    escalated: bool | None = None
    department: Party | None = None
    deadline: int | None = None


class RegisterServiceAnswer(TxAnswer):
    service_id: int | None = None
    name: str | None = None
    kind: str | None = None
    lead: Party | None = None
    name_hash: str | None = None
    status: str | None = None
    officer_hash: str | None = None
    next: str | None = None


class ProposeActivationAnswer(TxAnswer):
    service_id: int | None = None
    proposal_id: int | None = None
    target: str | None = None
    call: str | None = None
    executed: bool | None = None
    approve_with: str | None = None


class IssueStandingGrantsItem(Answer):
    requirement_index: int | None = None
    resource_id: int | None = None
    classification: Classification | None = None
    status: str | None = None
    grant_id: int | None = None
    expires_at: int | None = None
    uses_left: int | None = None
    tx_hash: str | None = None
    block_number: int | None = None
    usable: bool | None = None
    propose_with: str | None = None


class IssueStandingGrantsAnswer(Answer):
    service_id: int | None = None
    lead: Party | None = None
    items: list[IssueStandingGrantsItem] | None = None


class ProposeStandingGrantAnswer(TxAnswer):
    service_id: int | None = None
    requirement_index: int | None = None
    resource_id: int | None = None
    classification: Classification | None = None
    proposal_id: int | None = None
    unanimous: bool | None = None
    executed: bool | None = None
    approve_with: str | None = None
