"""Request bodies (pydantic): the first line of input validation (422)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from backend.chain import enums

Hex32 = Field(pattern=r"^0x[0-9a-fA-F]{64}$")
UINT32 = 2**32 - 1
UINT64 = 2**64 - 1
Classification = Literal[tuple(m.name for m in enums.Classification)]  # type: ignore[valid-type]  # PUBLIC, INTERNAL, SENSITIVE, SECRET
IncidentTypeName = Literal[tuple(m.name for m in enums.IncidentType)]  # type: ignore[valid-type]  # DATA_ERROR, UNAUTHORIZED_USE, LEAK, TAMPER
SubjectKindName = Literal[tuple(m.name for m in enums.SubjectKind)]  # type: ignore[valid-type]  # RESOURCE_VERSION, GRANT, USE
IncidentStatusName = Literal[tuple(m.solidity for m in enums.IncidentStatus if m.value)]  # type: ignore[valid-type]  # Open … Dismissed


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DataSubject(Strict):
    """A citizen or enterprise; reaches the chain only as a keyed hash."""

    id_type: str = Field(min_length=1, max_length=32, examples=["resident_id"])
    id_value: str = Field(min_length=1, max_length=128, examples=["110105199001011234"])


class RegisterResource(Strict):
    classification: Classification
    record: JsonValue = Field(description="the content: any JSON value (stored canonically: sorted keys, UTF-8)")
    schema_: dict[str, Any] | None = Field(default=None, alias="schema", description="schema document (hashed)")
    schema_hash: str | None = Field(default=None, pattern=r"^0x[0-9a-fA-F]{64}$")
    data_subject: DataSubject | None = None
    steward_officer_id: str | None = Field(
        default=None, min_length=1, max_length=128, description="defaults to X-Officer-Id"
    )

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class PublishVersion(Strict):
    record: JsonValue


class AnchorRoot(Strict):
    merkle_root: str = Field(pattern=r"^0x[0-9a-fA-F]{64}$")
    record_count: int = Field(ge=1, le=UINT32)


class CreateRequest(Strict):
    resource_id: int = Field(ge=1, le=2**256 - 1)
    purpose_code: int = Field(ge=1, le=UINT32)
    legal_basis: str | None = Field(default=None, min_length=1, max_length=10_000)
    legal_basis_hash: str | None = Field(default=None, pattern=r"^0x[0-9a-fA-F]{64}$")
    fields: list[str] | None = Field(default=None, min_length=1, max_length=500)
    fields_hash: str | None = Field(default=None, pattern=r"^0x[0-9a-fA-F]{64}$")
    duration_s: int = Field(ge=1, le=UINT64, description="grant duration in seconds from issuance")
    max_uses: int = Field(ge=1, le=UINT32)
    approval_deadline: int | None = Field(
        default=None, ge=1, le=UINT64, description="unix time by which the owner should decide (default now+3d)"
    )


class Decision(Strict):
    reason: str | None = Field(default=None, min_length=1, max_length=10_000)
    reason_hash: str | None = Field(default=None, pattern=r"^0x[0-9a-fA-F]{64}$")


class RecordUse(Strict):
    data_subject: DataSubject | None = None
    context_ref: str | None = Field(
        default=None, min_length=1, max_length=200, description="case/process reference (0x-32-byte hex or text, hashed)"
    )


class FileIncident(Strict):
    incident_type: IncidentTypeName
    subject_kind: SubjectKindName
    subject_id: int = Field(ge=1, le=2**256 - 1, description="resource id (RESOURCE_VERSION) or grant id")
    use_index: int = Field(default=0, ge=0, le=UINT32, description="version, 0 for GRANT, or use index")
    evidence: str | None = Field(default=None, min_length=1, max_length=100_000)
    evidence_hash: str | None = Field(default=None, pattern=r"^0x[0-9a-fA-F]{64}$")
    response_window_s: int = Field(default=7 * 24 * 3600, ge=1, le=UINT64)


class RespondIncident(Strict):
    response: str | None = Field(default=None, min_length=1, max_length=100_000)
    response_hash: str | None = Field(default=None, pattern=r"^0x[0-9a-fA-F]{64}$")


class CouncilRequestProposal(Strict):
    justification: str = Field(min_length=1, max_length=10_000)
