"""E-certificates: types (council), issue / revoke, public verification.

Response models: the declared fields are typed and optional (a service may leave one
out on some path); answers may carry more fields, passed through unchanged."""

from __future__ import annotations

from pydantic import Field

from backend.api.schemas.common import Answer, Party, TxAnswer


# -- answers ------------------------------------------------------------------------------------------
class GetTypeAnswer(Answer):
    type_code: str | None = None
    issuer: Party | None = None
    default_validity_s: int | None = None
    registered_at: int | None = None


class CertificateView(Answer):
    """An e-certificate: type, document hash, issuer, validity, revocation."""

    cert_id: int | None = None
    status: str | None = None
    type_code: str | None = None
    document_hash: str | None = None
    issuer: Party | None = None
    issued_at: int | None = None
    valid_from: int | None = None
    valid_until: int | None = None
    revoked_at: int | None = None


class CertificateDetail(CertificateView):
    """A certificate with its holder (a keyed hash)."""

    holder_hash: str | None = None


class CertificateCheck(Answer):
    """Public verification of a document: is it a certificate, and is it valid."""

    document_hash: str | None = None
    status: str | None = None
    cert_id: int | None = None
    issuer: Party | None = None
    type_code: str | None = None
    issued_at: int | None = None
    valid_from: int | None = None
    valid_until: int | None = None
    revoked_at: int | None = None
    revoked_by: str | None = Field(default=None, description="issuer | council | registry (when revoked)")
    revocation_reason: str | None = Field(
        default=None,
        description="issuer_decision, or the council's: issuer_compromised, issuer_suspended, issued_in_error, "
        "fraud, court_order; superseded (the registry moved the title to a new owner)",
    )


class IssueAnswer(TxAnswer):
    cert_id: int | None = None
    type_code: str | None = None
    document_hash: str | None = None
    holder_hash: str | None = None
    issuer: Party | None = None
    valid_from: int | None = None
    valid_until: int | None = None
    case_ref: str | None = None
    officer_hash: str | None = None


class ProposeTypeAnswer(TxAnswer):
    type_code: str | None = None
    issuer: str | None = None
    default_validity_s: int | None = None
    proposal_id: int | None = None
    target: str | None = None
    call: str | None = None
    executed: bool | None = None
    approve_with: str | None = None


class RevokeAnswer(TxAnswer):
    cert_id: int | None = None
    status: str | None = None
    reason_hash: str | None = None
    officer_hash: str | None = None
