from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Path, Query

from backend.api.deps import (
    DepartmentWriter,
    IdemKey,
    IncidentsDep,
    ReaderPrincipal,
    ReporterWriter,
    actor,
)
from backend.api.params import Limit, Offset
from backend.api.schemas import FileIncident, RespondIncident
from backend.api.schemas import incidents as answers
from backend.api.schemas.common import API_ERRORS, ModelRouter

router = ModelRouter(prefix="/incidents", tags=["incidents"], responses=API_ERRORS)

IncidentId = Annotated[int, Path(ge=1, le=2**256 - 1, description="incident id")]


@router.post(
    "",
    response_model=answers.FileIncidentAnswer,
    status_code=201,
    summary="File an incident (departments concerned, auditors)",
)
def file_incident(body: FileIncident, incidents: IncidentsDep, who: ReporterWriter, key: IdemKey) -> dict[str, Any]:
    evidence = body.hashed("evidence")
    return incidents.file(
        who,
        body.incident_type,
        body.subject_kind,
        body.subject_id,
        body.use_index,
        evidence,
        body.response_window_s,
        key=key,
    )


@router.get(
    "",
    response_model=answers.ListIncidentsAnswer,
    summary="Incidents I filed or am held responsible for (auditors/governors: all)",
)
def list_incidents(
    incidents: IncidentsDep,
    principal: ReaderPrincipal,
    role: Annotated[Literal["all", "filer", "responsible"], Query()] = "all",
    offset: Offset = 0,
    limit: Limit = 50,
) -> dict[str, Any]:
    return incidents.list(actor(principal), role, offset, limit)


@router.get(
    "/{incident_id}",
    response_model=answers.IncidentView,
    summary="One incident (reporter, responsible, auditors, governors)",
)
def get_incident(incident_id: IncidentId, incidents: IncidentsDep, principal: ReaderPrincipal) -> dict[str, Any]:
    return incidents.get(actor(principal), incident_id)


@router.post(
    "/{incident_id}/response",
    response_model=answers.RespondIncidentAnswer,
    summary="Answer an incident (the responsible department)",
)
def respond_incident(
    incident_id: IncidentId, body: RespondIncident, incidents: IncidentsDep, who: DepartmentWriter, key: IdemKey
) -> dict[str, Any]:
    return incidents.respond(who, incident_id, body.hashed("response"), key=key)
