from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Header, Path, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from backend.api.deps import (
    DepartmentPrincipal,
    DepartmentWriter,
    IdemKey,
    ReaderPrincipal,
    Svc,
    UsageDep,
    actor,
)
from backend.api.params import Limit, Offset
from backend.api.responses import with_content
from backend.api.schemas import Decision, RecordUse
from backend.api.schemas import grants as answers
from backend.api.schemas.common import API_ERRORS, ModelRouter
from backend.api.subjects import subject_hash
from backend.services import Services
from backend.services.common import HEX32_RE, text_hash
from backend.services.errors import InvalidInput

router = ModelRouter(prefix="/grants", tags=["grants"], responses=API_ERRORS)

GrantId = Annotated[int, Path(ge=1, le=2**256 - 1, description="grant id")]


def _context_ref(value: str | None) -> bytes | None:
    if value is None:
        return None
    return bytes.fromhex(value[2:]) if HEX32_RE.match(value) else text_hash(value)


def _subject_header(svc: Services, value: str | None) -> bytes | None:
    """``X-Data-Subject: <id_type>:<id_value>`` (a header, so the id never lands in access logs)."""
    if value is None:
        return None
    id_type, sep, id_value = value.partition(":")
    if not sep:
        raise InvalidInput("X-Data-Subject must be <id_type>:<id_value>", field="X-Data-Subject")
    return svc.ops.subject(id_type, id_value)


@router.get(
    "", response_model=answers.ListGrantsAnswer, summary="Grants I hold (grantee) or issued on my resources (owner)"
)
def list_grants(
    usage: UsageDep,
    principal: DepartmentPrincipal,
    role: Annotated[Literal["grantee", "owner"], Query()] = "grantee",
    offset: Offset = 0,
    limit: Limit = 50,
) -> dict[str, Any]:
    return usage.list_grants(actor(principal), role, offset, limit)


@router.get("/{grant_id}", response_model=answers.GrantView, summary="One grant (grantee, owner, auditors, governors)")
def get_grant(grant_id: GrantId, usage: UsageDep, principal: ReaderPrincipal) -> dict[str, Any]:
    return usage.get_grant(actor(principal), grant_id)


@router.post(
    "/{grant_id}/revoke",
    response_model=answers.RevokeGrantAnswer,
    summary="Revoke (owner); deletes the grantee's data keys",
)
def revoke_grant(
    grant_id: GrantId, body: Decision, usage: UsageDep, who: DepartmentWriter, key: IdemKey
) -> dict[str, Any]:
    return usage.revoke(who, grant_id, body.hashed("reason"), key=key)


@router.get(
    "/{grant_id}/data",
    response_model=answers.FetchDataAnswer,
    summary="Fetch granted data: the use is recorded on chain (mined) before the data is released",
)
def fetch_data(
    grant_id: GrantId,
    svc: Svc,
    who: DepartmentWriter,
    key: IdemKey,
    version: Annotated[int | None, Query(ge=1, le=2**32 - 1)] = None,
    context_ref: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    x_data_subject: Annotated[str | None, Header(max_length=200, description="<id_type>:<id_value>")] = None,
) -> dict[str, Any]:
    subject = _subject_header(svc, x_data_subject)
    result = svc.usage.fetch(who, grant_id, subject, _context_ref(context_ref), version, key=key)
    return with_content(result)


def _prefers_async(prefer: str | None) -> bool:
    """RFC 7240 ``Prefer: respond-async`` (among other preferences)."""
    if not prefer:
        return False
    return any(p.split(";")[0].strip().lower() == "respond-async" for p in prefer.split(","))


@router.post(
    "/{grant_id}/uses",
    response_model=answers.RecordUseAnswer,
    status_code=201,
    summary="Record a use without fetching",
    description=(
        "Concurrent uses of one grant are recorded together in one transaction. By default the answer "
        "(201) comes once the use is mined. With `Prefer: respond-async` the answer is 202 right after "
        "the use is durably queued; `GET /grants/{grant_id}/uses/{key}` (Location) tells when it is mined."
    ),
    responses={202: {"description": "queued (Prefer: respond-async): durably recorded, not mined yet"}},
)
async def record_use(
    grant_id: GrantId,
    body: RecordUse,
    svc: Svc,
    who: DepartmentWriter,
    key: IdemKey,
    prefer: Annotated[str | None, Header(max_length=200, description="respond-async: 202 once queued")] = None,
) -> Any:
    # async def: with Prefer: respond-async the common case awaits the durable group commit
    # on the event loop (no worker thread); the mined (default) answer waits in a thread.
    subject = subject_hash(svc, body.data_subject)
    want_async = _prefers_async(prefer)
    who = who
    ref = _context_ref(body.context_ref)
    if want_async:
        result = await svc.usage.record_use_async(who, grant_id, subject, ref, key=key)
    else:
        result = await run_in_threadpool(svc.usage.record_use, who, grant_id, subject, ref, key=key)
    if want_async and result.get("status") == "queued":
        url = f"/grants/{grant_id}/uses/{key}"
        result["status_url"] = url
        return JSONResponse(
            status_code=202, content=result, headers={"Location": url, "Preference-Applied": "respond-async"}
        )
    return result


@router.get(
    "/{grant_id}/uses/{key}",
    response_model=answers.UseStatusAnswer,
    summary="Status of a use recorded with this Idempotency-Key",
)
def use_status(
    grant_id: GrantId,
    usage: UsageDep,
    principal: DepartmentPrincipal,
    key: Annotated[str, Path(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:~-]+$")],
) -> dict[str, Any]:
    return usage.use_status(actor(principal), grant_id, key)
