"""Officers sign in as themselves (username + password + TOTP) and get a token bound to them;
the node's administrators enrol and remove officers (issue 10)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path, Request
from fastapi.concurrency import run_in_threadpool

from backend.api.deps import AdminPrincipal, Ctx, client_address
from backend.api.schemas import officers as answers
from backend.api.schemas.common import API_ERRORS, ModelRouter
from backend.core.officers import OfficerExists, OfficerInfo
from backend.services.errors import Conflict, InvalidInput
from backend.services.officers import OfficerService

router = ModelRouter(tags=["officers"], responses=API_ERRORS)

Username = Annotated[str, Path(pattern=answers.USERNAME)]


async def get_officers(ctx: Ctx) -> OfficerService:
    return ctx.officers


OfficersDep = Annotated[OfficerService, Depends(get_officers)]


def view(o: OfficerInfo) -> dict[str, Any]:
    return {
        "username": o.username,
        "display_name": o.display_name,
        "role": o.role,
        "member_role": o.member_role,
        "principal": o.principal,
        "created_at": o.created_at.isoformat(),
        "removed_at": o.removed_at.isoformat() if o.removed_at else None,
    }


@router.post(
    "/auth/officer/session",
    response_model=answers.OfficerSessionAnswer,
    status_code=201,
    summary="Sign in as an officer (password + TOTP): a 12 h token bound to that officer",
)
async def officer_session(body: answers.OfficerSignIn, officers: OfficersDep, request: Request) -> dict[str, Any]:
    # argon2 takes tens of milliseconds: off the event loop
    signed = await run_in_threadpool(officers.sign_in, body.username, body.password, body.totp, client_address(request))
    return {"token": signed.token, "expires_at": signed.expires_at.isoformat(), "officer": view(signed.officer)}


@router.post(
    "/officers",
    response_model=answers.EnrolmentAnswer,
    status_code=201,
    summary="Enrol an officer of the admin's department (admin); the password and TOTP URI are shown once",
)
def enrol(body: answers.EnrolOfficer, officers: OfficersDep, admin: AdminPrincipal) -> dict[str, Any]:
    try:
        e = officers.enrol(admin, body.username, body.display_name, body.role)
    except OfficerExists as exc:
        raise Conflict(str(exc), username=body.username) from exc
    except ValueError as exc:
        raise InvalidInput(str(exc), field="username") from exc
    return {"officer": view(e.officer), "password": e.password, "totp_uri": e.totp_uri}


@router.delete(
    "/officers/{username}",
    response_model=answers.RemovedAnswer,
    summary="Remove an officer (admin): their tokens stop working at once",
)
def remove(username: Username, officers: OfficersDep, admin: AdminPrincipal) -> dict[str, Any]:
    removed, revoked = officers.remove(admin, username)
    return {"officer": view(removed), "tokens_revoked": revoked}


@router.get(
    "/officers", response_model=answers.OfficersAnswer, summary="The officers of the admin's department (admin)"
)
def list_officers(officers: OfficersDep, admin: AdminPrincipal) -> dict[str, Any]:
    return {"items": [view(o) for o in officers.list(admin)]}
