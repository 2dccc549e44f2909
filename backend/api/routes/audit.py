"""Auditor views: the trail (from the event index), exports, integrity, incidents, records, statistics.

Read-only GETs for auditors and governors; departments see only their own
part (403 for another department's resource, grant, incidents or record).
The one write is ``POST /audit/resources/{id}/integrity``: the check that files
TAMPER incidents, signed by the caller's own account (auditor or owner
department); a governor's POST only reports. ``GET`` on the same path checks
and files nothing.
The trail, incidents, records and statistics are served from the index, so
they keep answering while the chain node is down; the integrity check reads
the anchored hashes on chain (503 when the node is down).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import Depends, Path, Query
from fastapi.responses import StreamingResponse

from backend.api.deps import Ctx, ReaderPrincipal, actor
from backend.api.params import Offset
from backend.api.schemas import IncidentStatusName, IncidentTypeName
from backend.api.schemas import audit as answers
from backend.api.schemas.common import API_ERRORS, ModelRouter
from backend.services.audit import AuditService, TrailFilter, audit_service, parse_time

router = ModelRouter(prefix="/audit", tags=["audit"], responses=API_ERRORS)

UINT256 = 2**256 - 1


def get_audit(ctx: Ctx) -> AuditService:
    return audit_service(ctx)


Audit = Annotated[AuditService, Depends(get_audit)]


def trail_filter(
    resource_id: Annotated[int | None, Query(ge=1, le=UINT256, description="data resource id")] = None,
    grant_id: Annotated[int | None, Query(ge=1, le=UINT256, description="usage grant id")] = None,
    request_id: Annotated[int | None, Query(ge=1, le=UINT256, description="usage request id")] = None,
    incident_id: Annotated[int | None, Query(ge=1, le=UINT256, description="incident id")] = None,
    department: Annotated[str | None, Query(max_length=42, description="department chain address")] = None,
    officer_hash: Annotated[str | None, Query(max_length=66, description="officer hash (0x + 64 hex)")] = None,
    subject: Annotated[str | None, Query(max_length=66, description="data-subject hash (0x + 64 hex)")] = None,
    event: Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9_]+$", description="event name")] = None,
    contract: Annotated[
        str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9_]+$", description="contract name")
    ] = None,
    from_: Annotated[
        str | None, Query(alias="from", max_length=40, description="unix seconds or ISO-8601, inclusive")
    ] = None,
    to: Annotated[str | None, Query(max_length=40, description="unix seconds or ISO-8601, inclusive")] = None,
) -> TrailFilter:
    return TrailFilter.parse(
        resource_id=resource_id,
        grant_id=grant_id,
        request_id=request_id,
        incident_id=incident_id,
        department=department,
        officer_hash=officer_hash,
        subject=subject,
        event=event,
        contract=contract,
        from_time=from_,
        to_time=to,
    )


Filters = Annotated[TrailFilter, Depends(trail_filter)]


@router.get(
    "/trail",
    response_model=answers.TrailAnswer,
    summary="The on-chain trail in chain order, filtered and paginated (from the index)",
)
def trail(
    f: Filters,
    audit: Audit,
    principal: ReaderPrincipal,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    return audit.trail(actor(principal), f, limit=limit, offset=offset)


@router.get(
    "/trail/export",
    summary="The same trail as a CSV or JSON download (streamed)",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "the trail rows (the items of GET /audit/trail) as a file",
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
            },
        }
    },
)
def export_trail(
    f: Filters,
    audit: Audit,
    principal: ReaderPrincipal,
    format: Annotated[Literal["csv", "json"], Query()] = "csv",
    limit: Annotated[int | None, Query(ge=1, le=10**9, description="at most this many rows (default: all)")] = None,
    offset: Offset = 0,
) -> StreamingResponse:
    body = audit.export(actor(principal), f, format, limit=limit, offset=offset)  # 403 raised here, before streaming
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    media = "text/csv; charset=utf-8" if format == "csv" else "application/json"
    return StreamingResponse(
        (chunk.encode() for chunk in body),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="govchain-trail-{stamp}.{format}"'},
    )


@router.get(
    "/resources/{resource_id}/integrity",
    response_model=answers.IntegrityAnswer,
    summary="Every version's anchored hash vs the stored document (read-only: files nothing)",
)
def integrity(
    resource_id: Annotated[int, Path(ge=1, le=UINT256)],
    audit: Audit,
    principal: ReaderPrincipal,
) -> dict[str, Any]:
    return audit.integrity(actor(principal), resource_id, file_incidents=False)


@router.post(
    "/resources/{resource_id}/integrity",
    response_model=answers.IntegrityAndFileAnswer,
    summary="The same check; each mismatch files one TAMPER incident signed by the caller "
    "(auditor or owner department; a governor's check only reports)",
)
def integrity_and_file(
    resource_id: Annotated[int, Path(ge=1, le=UINT256)],
    audit: Audit,
    principal: ReaderPrincipal,
) -> dict[str, Any]:
    """Idempotent without an Idempotency-Key: the filing key is derived from the resource,
    the version, what was found and the reporter, so repeating the check answers
    ``already_filed`` with the same incident."""
    return audit.integrity(actor(principal), resource_id, file_incidents=True)


@router.get(
    "/incidents",
    response_model=answers.IncidentsAnswer,
    summary="Incidents with status, type and responsible department (from the index)",
)
def incidents(
    audit: Audit,
    principal: ReaderPrincipal,
    status: Annotated[IncidentStatusName | None, Query()] = None,
    incident_type: Annotated[IncidentTypeName | None, Query()] = None,
    responsible: Annotated[str | None, Query(max_length=42)] = None,
    reporter: Annotated[str | None, Query(max_length=42)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    return audit.incidents(
        actor(principal),
        status=status,
        incident_type=incident_type,
        responsible=responsible,
        reporter=reporter,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/departments/{address}/record",
    response_model=answers.DepartmentRecordAnswer,
    summary="A department's record: incidents upheld, grants, uses",
)
def department_record(
    address: Annotated[str, Path(max_length=42)],
    audit: Audit,
    principal: ReaderPrincipal,
) -> dict[str, Any]:
    return audit.department_record(actor(principal), address)


@router.get(
    "/stats",
    response_model=answers.StatsAnswer,
    summary="Counts for charts: uses per day by department, grants by classification, incidents",
)
def stats(
    audit: Audit,
    principal: ReaderPrincipal,
    from_: Annotated[str | None, Query(alias="from", max_length=40)] = None,
    to: Annotated[str | None, Query(max_length=40)] = None,
) -> dict[str, Any]:
    return audit.stats(actor(principal), from_time=parse_time(from_, "from"), to_time=parse_time(to, "to"))


@router.get(
    "/unreleased",
    response_model=answers.UnreleasedAnswer,
    summary="Uses recorded on chain whose release the owner has not recorded on chain (decided by the chain)",
)
def unreleased(
    audit: Audit,
    principal: ReaderPrincipal,
    resource_id: Annotated[int | None, Query(ge=1, le=UINT256, description="data resource id")] = None,
    grant_id: Annotated[int | None, Query(ge=1, le=UINT256, description="usage grant id")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    """A use the chain holds as recorded with no release recorded (``releaseOf`` zero): "recorded,
    not released" (docs/federation.md); the index's rows never add or hide one. Auditors and governors see all; a department those on its own
    resources and under its own grants."""
    return audit.unreleased(actor(principal), resource_id=resource_id, grant_id=grant_id, limit=limit, offset=offset)


@router.get(
    "/index",
    response_model=answers.IndexStatusAnswer,
    summary="Indexer status: indexed block, chain head, lag, follower state",
)
def index_status(audit: Audit, principal: ReaderPrincipal) -> dict[str, Any]:
    return audit.index_status(actor(principal))
