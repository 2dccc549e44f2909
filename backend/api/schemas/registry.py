"""Property registry: roles (council), units, ownership, transfers, mortgages, seizures, history.

Response models: the declared fields are typed and optional (a service may leave one
out on some path); answers may carry more fields, passed through unchanged."""

from __future__ import annotations

from backend.api.schemas.common import Answer, Party, TxAnswer


# -- answers ------------------------------------------------------------------------------------------
class RolesOfAnswer(Answer):
    department: Party | None = None
    roles: list[str] | None = None


class UnitRecord(Answer):
    """A property unit as registered: where it is, what it is for, who registered it."""

    unit_id: int | None = None
    parcel_code: str | None = None
    building_code: str | None = None
    unit_code: str | None = None
    planned_use: int | None = None
    area_m2: int | None = None
    registrar: Party | None = None


class HistoryTitleChainItem(Answer):
    entry_id: int | None = None
    previous_entry_id: int | None = None
    kind: str | None = None
    owner_hash: str | None = None
    current: bool | None = None
    evidence_hash: str | None = None
    prior_certificate_hash: str | None = None
    certificate_id: int | None = None
    case_ref: str | None = None
    registrar: Party | None = None
    registered_at: int | None = None
    tx_hash: str | None = None


class HistoryMortgageItem(Answer):
    mortgage_id: int | None = None
    bank: Party | None = None
    creditor_ref: str | None = None
    terms_hash: str | None = None
    title_entry_id: int | None = None
    consented_entry_id: int | None = None
    registered_at: int | None = None
    released_at: int | None = None
    outstanding: bool | None = None
    status: str | None = None


class HistorySeizureItem(Answer):
    seizure_id: int | None = None
    court: Party | None = None
    court_order_hash: str | None = None
    release_order_hash: str | None = None
    registered_at: int | None = None
    released_at: int | None = None
    active: bool | None = None


class HistoryUseReportItem(Answer):
    report_index: int | None = None
    actual_use: int | None = None
    planned_use: int | None = None
    mismatch: bool | None = None
    inspector: Party | None = None
    reported_at: int | None = None
    inspection_hash: str | None = None


class HistoryAnswer(UnitRecord):
    registered_at: int | None = None
    current_owner_hash: str | None = None
    current_entry_id: int | None = None
    active_seizures: int | None = None
    active_mortgages: int | None = None
    outstanding_mortgages: int | None = None
    transferable: bool | None = None
    use_mismatch: bool | None = None
    last_actual_use: int | None = None
    title_chain: list[HistoryTitleChainItem] | None = None
    mortgages: list[HistoryMortgageItem] | None = None
    seizures: list[HistorySeizureItem] | None = None
    use_reports: list[HistoryUseReportItem] | None = None


class ConsentMortgageAnswer(TxAnswer):
    mortgage_id: int | None = None
    unit_id: int | None = None
    consented_entry_id: int | None = None
    officer_hash: str | None = None


class ProposeRoleAnswer(TxAnswer):
    department: Party | None = None
    role: str | None = None
    enabled: bool | None = None
    proposal_id: int | None = None
    target: str | None = None
    call: str | None = None
    executed: bool | None = None
    approve_with: str | None = None


class ReleaseSeizureAnswer(TxAnswer):
    seizure_id: int | None = None
    unit_id: int | None = None
    release_order_hash: str | None = None
    released: bool | None = None
    officer_hash: str | None = None


class RegisterUnitAnswer(UnitRecord, TxAnswer):
    officer_hash: str | None = None


class RegisterMortgageAnswer(TxAnswer):
    mortgage_id: int | None = None
    unit_id: int | None = None
    title_entry_id: int | None = None
    creditor_ref: str | None = None
    terms_hash: str | None = None
    bank: Party | None = None
    officer_hash: str | None = None


class FirstOwnershipAnswer(TxAnswer):
    unit_id: int | None = None
    entry_id: int | None = None
    previous_entry_id: int | None = None
    owner_hash: str | None = None
    evidence_hash: str | None = None
    case_ref: str | None = None
    registrar: Party | None = None
    officer_hash: str | None = None


class RegisterSeizureAnswer(TxAnswer):
    seizure_id: int | None = None
    unit_id: int | None = None
    court_order_hash: str | None = None
    court: Party | None = None
    officer_hash: str | None = None


class TransferAnswer(TxAnswer):
    unit_id: int | None = None
    entry_id: int | None = None
    previous_entry_id: int | None = None
    owner_hash: str | None = None
    evidence_hash: str | None = None
    prior_certificate_hash: str | None = None
    case_ref: str | None = None
    seller_consent_hash: str | None = None
    assisted_session_id: int | None = None
    consent_desk: Party | None = None
    carried_mortgages: int | None = None
    registrar: Party | None = None
    officer_hash: str | None = None


class BindCertificateAnswer(TxAnswer):
    unit_id: int | None = None
    entry_id: int | None = None
    cert_id: int | None = None
    registrar: Party | None = None
    officer_hash: str | None = None


class ReportUseAnswer(TxAnswer):
    unit_id: int | None = None
    report_index: int | None = None
    actual_use: int | None = None
    planned_use: int | None = None
    mismatch: bool | None = None
    event: str | None = None
    inspection_hash: str | None = None
    inspector: Party | None = None
    officer_hash: str | None = None


class ReleaseMortgageAnswer(TxAnswer):
    mortgage_id: int | None = None
    unit_id: int | None = None
    released: bool | None = None
    officer_hash: str | None = None
