"""Request and response models of the API, one module per router (``common`` holds
the shared pieces: strict request bodies, permissive answers, the error body).

The names below stay importable from ``backend.api.schemas`` as before.
"""

from backend.api.schemas.common import (
    UINT32,
    UINT64,
    Answer,
    Classification,
    DataSubject,
    ErrorBody,
    Hex32,
    IncidentStatusName,
    IncidentTypeName,
    ModelRouter,
    Page,
    Strict,
    SubjectKindName,
    TxAnswer,
    error_responses,
)
from backend.api.schemas.council import CouncilRequestProposal
from backend.api.schemas.grants import RecordUse
from backend.api.schemas.incidents import FileIncident, RespondIncident
from backend.api.schemas.requests import CreateRequest, Decision
from backend.api.schemas.resources import AnchorRoot, PublishVersion, RegisterResource

__all__ = [
    "UINT32",
    "UINT64",
    "AnchorRoot",
    "Answer",
    "Classification",
    "CouncilRequestProposal",
    "CreateRequest",
    "DataSubject",
    "Decision",
    "ErrorBody",
    "FileIncident",
    "Hex32",
    "IncidentStatusName",
    "IncidentTypeName",
    "ModelRouter",
    "Page",
    "PublishVersion",
    "RecordUse",
    "RegisterResource",
    "RespondIncident",
    "Strict",
    "SubjectKindName",
    "TxAnswer",
    "error_responses",
]
