from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import Path, Query

from backend.api.deps import DepartmentPrincipal, DepartmentWriter, IdemKey, ReaderPrincipal, UsageDep, actor
from backend.api.params import Limit, Offset
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
def create_request(body: CreateRequest, usage: UsageDep, who: DepartmentWriter, key: IdemKey) -> dict[str, Any]:
    legal = body.hashed("legal_basis")
    if body.fields is not None and body.fields_hash is not None:
        raise InvalidInput("give either fields or fields_hash, not both", field="fields")
    fh = fields_hash(body.fields) if body.fields is not None else hash_or_text(None, body.fields_hash, "fields")
    return usage.request_use(
        who,
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
    offset: Offset = 0,
    limit: Limit = 50,
) -> dict[str, Any]:
    return usage.list_requests(actor(principal), direction, offset, limit)


@router.get(
    "/{request_id}",
    response_model=answers.RequestView,
    summary="One usage request (requester, owner, auditors, governors)",
)
def get_request(request_id: RequestId, usage: UsageDep, principal: ReaderPrincipal) -> dict[str, Any]:
    return usage.get_request(actor(principal), request_id)


def _decide(method: str) -> Callable[..., dict[str, Any]]:
    """Approving and denying differ only in the service method; the owner's reason is hashed alike."""

    def decide(
        request_id: RequestId, body: Decision, usage: UsageDep, who: DepartmentWriter, key: IdemKey
    ) -> dict[str, Any]:
        return getattr(usage, method)(who, request_id, body.hashed("reason"), key=key)

    return decide


router.post(
    "/{request_id}/approve",
    name="approve_request",
    response_model=answers.ApproveRequestAnswer,
    summary="Approve (owner); PUBLIC/INTERNAL issue the grant at once",
)(_decide("approve"))
router.post(
    "/{request_id}/deny", name="deny_request", response_model=answers.DenyRequestAnswer, summary="Deny (owner)"
)(_decide("deny"))
