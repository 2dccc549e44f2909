"""The grantee's side of a peer release (backend.federation.client): an officer of this
node's department records a use of a grant and receives the data from the owner's node,
sealed to this node's key and signed by the owner. A use whose release failed stays
``recorded``; retrying it never records a new use."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Header, Path, Query

from backend.api.deps import DepartmentPrincipal, DepartmentWriter, IdemKey, PeerClientDep, Svc
from backend.api.schemas import releases as answers
from backend.api.schemas.common import API_ERRORS, ModelRouter
from backend.federation.client import PeerClient, Released
from backend.federation.models import PeerUse
from backend.services.common import HEX32_RE, h0x, text_hash
from backend.services.errors import Forbidden, InvalidInput

router = ModelRouter(prefix="/releases", tags=["releases"], responses=API_ERRORS)


def _own(client: PeerClient, principal: DepartmentPrincipal) -> None:
    """A node signs only for its own department: another principal's token asks nothing here."""
    if principal.address.lower() != client.department.lower():
        raise Forbidden("this node acts only for its own department", address=principal.address)


@router.post("", response_model=answers.ReleasedAnswer, status_code=201, summary="Record a use and receive its release")
def record_and_receive(
    principal: DepartmentWriter,  # authentication, role and headers first (401/403/422), then the node's state
    key: IdemKey,
    body: answers.ReleaseOrder,
    client: PeerClientDep,
    svc: Svc,
    x_data_subject: Annotated[str | None, Header(max_length=200, description="<id_type>:<id_value>")] = None,
) -> dict[str, Any]:
    _own(client, principal)
    subject = None
    if x_data_subject is not None:
        id_type, sep, id_value = x_data_subject.partition(":")
        if not sep:
            raise InvalidInput("X-Data-Subject must be <id_type>:<id_value>", field="X-Data-Subject")
        subject = svc.ops.subject(id_type, id_value)
    ref = None
    if body.context_ref is not None:
        ref = bytes.fromhex(body.context_ref[2:]) if HEX32_RE.match(body.context_ref) else text_hash(body.context_ref)
    officer = principal.officer_id or ""  # the token's person (set at authentication)
    released = client.fetch(body.grant_id, subject, list(body.fields), officer, key=key, context_ref=ref)
    return _released(released)


@router.post(
    "/{grant_id}/{use_index}/retry",
    response_model=answers.ReleasedAnswer,
    summary="Ask the owner's node again for a use this node recorded (never records a new use)",
)
def retry(
    grant_id: Annotated[int, Path(ge=1, le=2**256 - 1)],
    use_index: Annotated[int, Path(ge=1, le=2**32 - 1)],
    principal: DepartmentWriter,  # a re-read hands the data to a person: it is attributed (peer_use_retries)
    client: PeerClientDep,
) -> dict[str, Any]:
    _own(client, principal)
    return _released(client.retry(grant_id, use_index, principal.officer_id or ""))


@router.get("", response_model=answers.PeerUsesAnswer, summary="Uses this node recorded, released or not yet")
def list_uses(
    principal: DepartmentPrincipal,
    client: PeerClientDep,
    status: Annotated[str | None, Query(pattern="^(recorded|released)$")] = None,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> dict[str, Any]:
    _own(client, principal)
    total, rows = client.uses(status=status, offset=offset, limit=limit)
    return {"total": total, "offset": offset, "limit": limit, "items": [_use(r) for r in rows]}


def _released(r: Released) -> dict[str, Any]:
    return {
        "grant_id": r.receipt.grant_id,
        "use_index": r.receipt.use_index,
        "use_tx": r.use_tx,
        "owner": r.owner,
        "content": r.content,
        "receipt": r.receipt.to_json(),
        "owner_signature": h0x(r.signature),
        "replayed": r.replayed,
    }


def _use(u: PeerUse) -> dict[str, Any]:
    return {
        "grant_id": int(u.grant_id),
        "use_index": u.use_index,
        "use_tx": u.use_tx,
        "owner": u.owner,
        "status": u.status,
        "fields": json.loads(u.fields_json),
        "content_hash": u.content_hash,
        "released_at": u.released_at,
    }
