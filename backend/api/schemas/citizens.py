"""Citizens: the front-desk session, who used my data, objections, my certificates.

Response models: the declared fields are typed and optional (a service may leave one
out on some path); answers may carry more fields, passed through unchanged."""

from __future__ import annotations

from pydantic import Field

from backend.api.schemas.certificates import CertificateView
from backend.api.schemas.common import (
    Answer,
    IncidentTypeName,
    Page,
    Party,
    SubjectKindName,
    TxAnswer,
)


# -- answers ------------------------------------------------------------------------------------------
class MyCertificatesAnswer(Page[CertificateView]):
    pass


class MyUsesItem(Answer):
    grant_id: int | None = None
    use_index: int | None = None
    resource_id: int | None = None
    department: Party | None = None
    officer_hash: str | None = None
    purpose_code: int | None = None
    purpose_name_zh: str | None = Field(default=None, description="the purpose's registered Chinese name")
    purpose_name_en: str | None = Field(default=None, description="the purpose's registered English name")
    legal_basis_hash: str | None = None
    legal_basis_citation: str | None = Field(default=None, description="the registered citation of the legal basis")
    context_ref: str | None = None
    time: int | None = None
    block_number: int | None = None
    tx_hash: str | None = None
    objection: str | None = None


class MyUsesAnswer(Page):
    index_stale: bool | None = None
    items: list[MyUsesItem] | None = None


class ObjectToUseFiledBy(Answer):
    address: str | None = None
    role: str | None = None
    on_behalf_of: str | None = None


class AssistedSessionRef(Answer):
    session_id: int | None = None
    desk: str | None = None
    officer_hash: str | None = None


class ObjectToUseAnswer(TxAnswer):
    incident_id: int | None = None
    incident_type: IncidentTypeName | None = None
    subject_kind: SubjectKindName | None = None
    grant_id: int | None = None
    use_index: int | None = None
    filed_by: ObjectToUseFiledBy | None = None
    responsible: Party | None = None
    evidence_hash: str | None = None
    evidence_document: str | None = None
    response_deadline: int | None = None
    already_filed: bool | None = None
    assisted_session: AssistedSessionRef | None = Field(
        default=None, description="the assisted session this objection was filed in (null: the citizen's own)"
    )


class OpenSessionAnswer(TxAnswer):
    """The token of an assisted session and its record on chain; never the subject hash."""

    token: str | None = None
    token_type: str | None = None
    role: str | None = None
    assisted: bool | None = None
    session_id: int | None = None
    expires_at: str | None = None
    ttl_s: int | None = None
    front_desk: Party | None = None
    officer_hash: str | None = None


class MySessionsItem(Answer):
    session_id: int | None = None
    desk: Party | None = None
    officer_hash: str | None = None
    reason_hash: str | None = None
    time: int | None = None
    block_number: int | None = None
    tx_hash: str | None = None
    this_session: bool | None = None


class MySessionsAnswer(Page):
    index_stale: bool | None = None
    items: list[MySessionsItem] | None = None
