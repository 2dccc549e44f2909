"""One-stop services and cases: services, standing grants, cases, steps, the citizen's own cases.

Response models: the declared fields are typed and optional (a service may leave one
out on some path); answers may carry more fields, passed through unchanged."""

from __future__ import annotations

from typing import Any

from backend.api.schemas.common import Answer, Classification, Page, Party, TxAnswer


# -- answers ------------------------------------------------------------------------------------------
class ListCasesItem(Answer):
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


class ListCasesAnswer(Page):
    items: list[ListCasesItem] | None = None


class GetCaseService(Answer):
    service_id: int | None = None
    name: str | None = None
    kind: str | None = None
    lead: Party | None = None


class GetCaseDocumentsSubmitted(Answer):
    count: int | None = None
    items: list[str] | None = None


class GetCaseEvidenceItem(Answer):
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


class GetCaseEvidence(Answer):
    required: int | None = None
    pulled: int | None = None
    items: list[GetCaseEvidenceItem] | None = None


class GetCaseStepItem(Answer):
    step_index: int | None = None
    label: str | None = None
    department: Party | None = None
    stage: int | None = None
    status: str | None = None
    escalated: bool | None = None
    decided_at: int | None = None
    current: bool | None = None


class GetCaseDepartmentsInvolvedItem(Answer):
    address: str | None = None
    name: str | None = None
    roles: list[str] | None = None


class GetCaseDepartmentsInvolved(Answer):
    count: int | None = None
    items: list[GetCaseDepartmentsInvolvedItem] | None = None


class GetCaseCertificate(Answer):
    cert_id: int | None = None
    document_hash: str | None = None
    status: str | None = None
    type_code: str | None = None
    verify_with: str | None = None


class GetCaseAnswer(Answer):
    case_id: int | None = None
    service: GetCaseService | None = None
    status: str | None = None
    applicant_hash: str | None = None
    case_ref: str | None = None
    form_hash: str | None = None
    front_desk: Party | None = None
    opened_at: int | None = None
    closed_at: int | None = None
    current_stage: int | None = None
    stage_count: int | None = None
    stage_deadline: int | None = None
    documents_submitted: GetCaseDocumentsSubmitted | None = None
    evidence: GetCaseEvidence | None = None
    steps: list[GetCaseStepItem] | None = None
    departments_involved: GetCaseDepartmentsInvolved | None = None
    certificate: GetCaseCertificate | None = None


class GetFormAnswer(Answer):
    case_id: int | None = None
    form_hash: str | None = None
    form: dict[str, Any] | None = None


class MyCasesItemItemService(Answer):
    service_id: int | None = None
    name: str | None = None
    kind: str | None = None
    lead: Party | None = None


class MyCasesItemItemDocumentsSubmitted(Answer):
    count: int | None = None
    items: list[str] | None = None


class MyCasesItemItemEvidenceItem(Answer):
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


class MyCasesItemItemEvidence(Answer):
    required: int | None = None
    pulled: int | None = None
    items: list[MyCasesItemItemEvidenceItem] | None = None


class MyCasesItemItemStepItem(Answer):
    step_index: int | None = None
    label: str | None = None
    department: Party | None = None
    stage: int | None = None
    status: str | None = None
    escalated: bool | None = None
    decided_at: int | None = None
    current: bool | None = None


class MyCasesItemItemDepartmentsInvolvedItem(Answer):
    address: str | None = None
    name: str | None = None
    roles: list[str] | None = None


class MyCasesItemItemDepartmentsInvolved(Answer):
    count: int | None = None
    items: list[MyCasesItemItemDepartmentsInvolvedItem] | None = None


class MyCasesItemItemCertificate(Answer):
    cert_id: int | None = None
    document_hash: str | None = None
    status: str | None = None
    type_code: str | None = None
    verify_with: str | None = None


class MyCasesItem(Answer):
    case_id: int | None = None
    service: MyCasesItemItemService | None = None
    status: str | None = None
    applicant_hash: str | None = None
    case_ref: str | None = None
    front_desk: Party | None = None
    opened_at: int | None = None
    closed_at: int | None = None
    current_stage: int | None = None
    stage_count: int | None = None
    stage_deadline: int | None = None
    documents_submitted: MyCasesItemItemDocumentsSubmitted | None = None
    evidence: MyCasesItemItemEvidence | None = None
    steps: list[MyCasesItemItemStepItem] | None = None
    departments_involved: MyCasesItemItemDepartmentsInvolved | None = None
    certificate: MyCasesItemItemCertificate | None = None


class MyCasesAnswer(Page):
    items: list[MyCasesItem] | None = None


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


class ListServicesItemItemRequirementItem(Answer):
    requirement_index: int | None = None
    resource_id: int | None = None
    label: str | None = None
    source: Party | None = None
    classification: Classification | None = None
    purpose_code: int | None = None
    legal_basis: str | None = None
    legal_basis_hash: str | None = None


class ListServicesItemItemStepItem(Answer):
    step_index: int | None = None
    department: Party | None = None
    stage: int | None = None
    label: str | None = None


class ListServicesItem(Answer):
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
    requirements: list[ListServicesItemItemRequirementItem] | None = None
    steps: list[ListServicesItemItemStepItem] | None = None


class ListServicesAnswer(Page):
    items: list[ListServicesItem] | None = None


class GetServiceRequirementItemStandingGrant(Answer):
    grant_id: int | None = None
    expires_at: int | None = None
    uses_left: int | None = None
    usable: bool | None = None


class GetServiceRequirementItem(Answer):
    requirement_index: int | None = None
    resource_id: int | None = None
    label: str | None = None
    source: Party | None = None
    classification: Classification | None = None
    purpose_code: int | None = None
    legal_basis: str | None = None
    legal_basis_hash: str | None = None
    standing_grant: GetServiceRequirementItemStandingGrant | None = None


class GetServiceStepItem(Answer):
    step_index: int | None = None
    department: Party | None = None
    stage: int | None = None
    label: str | None = None


class GetServiceAnswer(Answer):
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
    requirements: list[GetServiceRequirementItem] | None = None
    steps: list[GetServiceStepItem] | None = None


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


class ApproveStepAnswer(TxAnswer):
    case_id: int | None = None
    step_index: int | None = None
    decision: str | None = None
    reason_hash: str | None = None
    officer_hash: str | None = None
    case_status: str | None = None
    current_stage: int | None = None
    stage_advanced_to: int | None = None
    events: list[str] | None = None
    completed: ApproveStepCompleted | None = None
    next: str | None = None


class EscalateStepAnswer(TxAnswer):
    case_id: int | None = None
    step_index: int | None = None
    escalated: bool | None = None
    department: Party | None = None
    deadline: int | None = None


class RejectStepAnswer(TxAnswer):
    case_id: int | None = None
    step_index: int | None = None
    decision: str | None = None
    reason_hash: str | None = None
    officer_hash: str | None = None
    case_status: str | None = None
    current_stage: int | None = None
    stage_advanced_to: int | None = None
    events: list[str] | None = None


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
