from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Path, Query

from backend.api.deps import DepartmentPrincipal, IdemKey, OfficerId, ReaderPrincipal, UsageDep, actor
from backend.api.schemas import CreateRequest, Decision
from backend.api.schemas import requests as answers
from backend.api.schemas.common import API_ERRORS, ModelRouter
from backend.services.common import hash_or_text
from backend.services.errors import InvalidInput
from backend.services.usage import fields_hash

router = ModelRouter(prefix="/requests", tags=["usage requests"], responses=API_ERRORS)

RequestId = Annotated[int, Path(ge=1, le=2**256 - 1, description="usage request id")]


@router.post(
    "",
    response_model=answers.CreateRequestAnswer,
    status_code=201,
    summary="Request the use of another department's resource",
)
def create_request(
    body: CreateRequest, usage: UsageDep, principal: DepartmentPrincipal, officer: OfficerId, key: IdemKey
) -> dict[str, Any]:
    legal = hash_or_text(body.legal_basis, body.legal_basis_hash, "legal_basis")
    if body.fields is not None and body.fields_hash is not None:
        raise InvalidInput("give either fields or fields_hash, not both", field="fields")
    fh = fields_hash(body.fields) if body.fields is not None else hash_or_text(None, body.fields_hash, "fields")
    return usage.request_use(
        actor(principal, officer),
        body.resource_id,
        body.purpose_code,
        legal,
        fh,
        body.duration_s,
        body.max_uses,
        body.approval_deadline,
        key=key,
    )


@router.get(
    "",
    response_model=answers.ListRequestsAnswer,
    summary="My usage requests: incoming (on my resources) or outgoing (mine)",
)
def list_requests(
    usage: UsageDep,
    principal: DepartmentPrincipal,
    direction: Annotated[Literal["incoming", "outgoing"], Query()] = "incoming",
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> dict[str, Any]:
    return usage.list_requests(actor(principal), direction, offset, limit)


@router.get(
    "/{request_id}",
    response_model=answers.RequestView,
    summary="One usage request (requester, owner, auditors, governors)",
)
def get_request(request_id: RequestId, usage: UsageDep, principal: ReaderPrincipal) -> dict[str, Any]:
    return usage.get_request(actor(principal), request_id)


@router.post(
    "/{request_id}/approve",
    response_model=answers.ApproveRequestAnswer,
    summary="Approve (owner); PUBLIC/INTERNAL issue the grant at once",
)
def approve_request(
    request_id: RequestId,
    body: Decision,
    usage: UsageDep,
    principal: DepartmentPrincipal,
    officer: OfficerId,
    key: IdemKey,
) -> dict[str, Any]:
    reason = hash_or_text(body.reason, body.reason_hash, "reason")
    return usage.approve(actor(principal, officer), request_id, reason, key=key)


@router.post("/{request_id}/deny", response_model=answers.DenyRequestAnswer, summary="Deny (owner)")
def deny_request(
    request_id: RequestId,
    body: Decision,
    usage: UsageDep,
    principal: DepartmentPrincipal,
    officer: OfficerId,
    key: IdemKey,
) -> dict[str, Any]:
    reason = hash_or_text(body.reason, body.reason_hash, "reason")
    return usage.deny(actor(principal, officer), request_id, reason, key=key)
