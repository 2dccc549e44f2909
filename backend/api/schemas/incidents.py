"""Incidents: file, answer, list."""

from __future__ import annotations

from pydantic import Field

from backend.api.schemas.common import (
    UINT32,
    UINT64,
    Answer,
    IncidentTypeName,
    OptionalHex32,
    Page,
    Strict,
    SubjectKindName,
    TxAnswer,
)


# -- request bodies --------------------------------------------------------------------------------
class FileIncident(Strict):
    incident_type: IncidentTypeName
    subject_kind: SubjectKindName
    subject_id: int = Field(ge=1, le=2**256 - 1, description="resource id (RESOURCE_VERSION) or grant id")
    use_index: int = Field(default=0, ge=0, le=UINT32, description="version, 0 for GRANT, or use index")
    evidence: str | None = Field(default=None, min_length=1, max_length=100_000)
    evidence_hash: str | None = OptionalHex32
    response_window_s: int = Field(default=7 * 24 * 3600, ge=1, le=UINT64)


class RespondIncident(Strict):
    response: str | None = Field(default=None, min_length=1, max_length=100_000)
    response_hash: str | None = OptionalHex32


# -- answers ------------------------------------------------------------------------------------------
class IncidentView(Answer):
    """An incident: what was filed against whom, and where it stands."""

    incident_id: int | None = None
    incident_type: IncidentTypeName | None = None
    subject_kind: SubjectKindName | None = None
    subject_id: int | None = None
    use_index: int | None = None
    status: str | None = None
    reporter: str | None = None
    responsible: str | None = None
    responsible_officer_hash: str | None = None
    evidence_hash: str | None = None
    response_hash: str | None = None
    ruling_hash: str | None = None
    filed_at: int | None = None
    response_deadline: int | None = None


class ListIncidentsAnswer(Page[IncidentView]):
    pass


class FileIncidentAnswer(TxAnswer):
    incident_id: int | None = None
    incident_type: IncidentTypeName | None = None
    subject_kind: SubjectKindName | None = None
    subject_id: int | None = None
    use_index: int | None = None
    reporter: str | None = None
    responsible: str | None = None
    responsible_officer_hash: str | None = None
    evidence_hash: str | None = None
    response_deadline: int | None = None
    status: str | None = None


class RespondIncidentAnswer(TxAnswer):
    incident_id: int | None = None
    status: str | None = None
    response_hash: str | None = None
