"""Citizens: a front desk opens a short-lived assisted session (on the record); the citizen
sees who used their data and every assisted session opened for them, objects to a use, and
lists their certificates."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import Path
from pydantic import Field

from backend.api.deps import CitizenPrincipal, CitizensDep, DepartmentWriter, IdemKey, actor
from backend.api.params import Limit, Offset
from backend.api.schemas import UINT32, DataSubject, Strict
from backend.api.schemas import citizens as answers
from backend.api.schemas.common import API_ERRORS, ModelRouter

router = ModelRouter(prefix="/citizens", tags=["citizens"], responses=API_ERRORS)


class OpenSession(DataSubject):
    """The identity the front-desk officer has checked in person (used once, never stored), and why
    the desk opens a session for this person (only its keyed hash goes on chain)."""

    reason: str = Field(
        min_length=1, max_length=1000, description="why the desk opens this session", examples=["walk-in, no e-ID"]
    )
    ttl_s: int = Field(default=1800, ge=60, le=1800, description="session lifetime in seconds (at most 30 min)")


class Objection(Strict):
    text: str = Field(min_length=1, max_length=10_000, description="why this use was not legitimate")


@router.post(
    "/session",
    response_model=answers.OpenSessionAnswer,
    status_code=201,
    summary="Open an assisted citizen session (front-desk department, after checking the identity in person)",
    responses={429: {"description": "too many assisted sessions for this desk or officer (see Retry-After)"}},
)
def open_session(body: OpenSession, citizens: CitizensDep, who: DepartmentWriter, key: IdemKey) -> dict[str, Any]:
    """Recorded on chain (``AssistedSessionOpened``: desk, officer hash, subject hash, reason hash),
    mined, before the token is issued; the citizen and auditors see it. The answer never carries
    the subject hash. Rate-limited per desk and per officer (429 with ``Retry-After``). Repeating
    the Idempotency-Key answers the same session (``replayed``) for what is left of its lifetime."""
    return citizens.open_session(who, body.id_type, body.id_value, body.reason, timedelta(seconds=body.ttl_s), key=key)


@router.get(
    "/me/sessions",
    response_model=answers.MySessionsAnswer,
    summary="Every assisted session a front desk opened for me (citizen)",
)
def my_sessions(
    citizens: CitizensDep, principal: CitizenPrincipal, offset: Offset = 0, limit: Limit = 50
) -> dict[str, Any]:
    return citizens.sessions(actor(principal), offset, limit)


@router.get(
    "/me/uses",
    response_model=answers.MyUsesAnswer,
    summary="Who used my data: every recorded use of data about me (citizen)",
)
def my_uses(
    citizens: CitizensDep, principal: CitizenPrincipal, offset: Offset = 0, limit: Limit = 50
) -> dict[str, Any]:
    return citizens.uses(actor(principal), offset, limit)


@router.post(
    "/me/uses/{grant_id}/{use_index}/objection",
    response_model=answers.ObjectToUseAnswer,
    status_code=201,
    summary="Object to a use of my data: files an UNAUTHORIZED_USE incident (citizen)",
)
def object_to_use(
    grant_id: Annotated[int, Path(ge=1, le=2**256 - 1)],
    use_index: Annotated[int, Path(ge=1, le=UINT32)],
    body: Objection,
    citizens: CitizensDep,
    principal: CitizenPrincipal,
) -> dict[str, Any]:
    """Idempotent by construction: one objection per citizen and use; repeating it answers the
    incident already filed (``already_filed: true``)."""
    return citizens.object_to_use(actor(principal), grant_id, use_index, body.text)


@router.get(
    "/me/certificates", response_model=answers.MyCertificatesAnswer, summary="My certificates, newest first (citizen)"
)
def my_certificates(
    citizens: CitizensDep, principal: CitizenPrincipal, offset: Offset = 0, limit: Limit = 50
) -> dict[str, Any]:
    return citizens.my_certificates(actor(principal), offset, limit)
