"""Typed dependencies: the context, one per use case (``ResourcesDep``, ``UsageDep``, ...),
the authenticated caller (:class:`~backend.services.caller.Caller`), role checks and
the write headers (X-Officer-Id, Idempotency-Key).

Order matters and is deliberate: authentication (401) and role (403) are
resolved before the officer header (422), so an auditor calling a write gets
403 whatever else is wrong with the request.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from backend.composition import AppContext
from backend.federation.client import PeerClient
from backend.federation.errors import ReleaseServiceOff
from backend.federation.release import ReleaseService
from backend.services import (
    AuditService,
    CasesService,
    CertificateService,
    CitizenService,
    CouncilService,
    IncidentService,
    MembershipService,
    RegistryService,
    ResourceService,
    Services,
    UsageService,
)
from backend.services.caller import Caller
from backend.services.directory import DirectoryService
from backend.services.errors import Forbidden, InvalidInput, Unauthorized

_KEY_RE = re.compile(r"^[A-Za-z0-9._:~-]{1,128}$")
MAX_OFFICER_ID = 128

_bearer = HTTPBearer(auto_error=False, description="API token (gct_…) issued with `govchain keys token`")


Principal = Caller  # the bearer token's caller (one type for api, web and services)


# The dependencies are ``async def`` on purpose: they are pure CPU (or answer from
# memory), and a sync dependency costs a worker-thread hop per request each.


async def get_context(request: Request) -> AppContext:
    return request.app.state.ctx


Ctx = Annotated[AppContext, Depends(get_context)]


async def get_services(ctx: Ctx) -> Services:
    return ctx.services


Svc = Annotated[Services, Depends(get_services)]


def _service(name: str) -> Callable[[Services], Awaitable[object]]:
    """The dependency that answers one use case's service (``svc.<name>``)."""

    async def service(svc: Svc) -> object:
        return getattr(svc, name)

    service.__name__ = f"get_{name}"
    return service


# One typed dependency per use case (a route names only the service it calls).
ResourcesDep = Annotated[ResourceService, Depends(_service("resources"))]
UsageDep = Annotated[UsageService, Depends(_service("usage"))]
IncidentsDep = Annotated[IncidentService, Depends(_service("incidents"))]
CouncilDep = Annotated[CouncilService, Depends(_service("council"))]
MembershipDep = Annotated[MembershipService, Depends(_service("membership"))]
AuditDep = Annotated[AuditService, Depends(_service("audit"))]
CertificatesDep = Annotated[CertificateService, Depends(_service("certificates"))]
RegistryDep = Annotated[RegistryService, Depends(_service("registry"))]
CitizensDep = Annotated[CitizenService, Depends(_service("citizens"))]
CasesDep = Annotated[CasesService, Depends(_service("cases"))]


async def get_directory(ctx: Ctx) -> DirectoryService:
    return ctx.directory


DirectoryDep = Annotated[DirectoryService, Depends(get_directory)]


async def current_principal(
    ctx: Ctx, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if credentials is None:
        raise Unauthorized("missing bearer token")
    # A token authenticated in the last ~2 s is answered from memory (no database, no
    # thread); otherwise the database lookup runs in a worker thread.
    info = ctx.tokens.cached(credentials.credentials)
    if info is None:
        info = await run_in_threadpool(ctx.tokens.authenticate, credentials.credentials)
    if info is None:
        raise Unauthorized("invalid, expired or revoked token")
    return Caller(role=info.role, address=info.principal, token_id=info.id, label=info.label)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def _role(*roles: str):
    async def check(principal: CurrentPrincipal) -> Principal:
        if principal.role not in roles:
            raise Forbidden(f"requires role {' or '.join(roles)}", role=principal.role)
        return principal

    return check


require_department = _role("department")
require_auditor = _role("auditor")
require_governor = _role("governor")
require_reader = _role("department", "auditor", "governor")
require_reporter = _role("department", "auditor")
require_citizen = _role("citizen")

DepartmentPrincipal = Annotated[Principal, Depends(require_department)]
AuditorPrincipal = Annotated[Principal, Depends(require_auditor)]
GovernorPrincipal = Annotated[Principal, Depends(require_governor)]
ReaderPrincipal = Annotated[Principal, Depends(require_reader)]
ReporterPrincipal = Annotated[Principal, Depends(require_reporter)]
CitizenPrincipal = Annotated[Principal, Depends(require_citizen)]
# Departments and governors (e.g. escalating an overdue step); auditor tokens are read-only (403).
EscalatorPrincipal = Annotated[Principal, Depends(_role("department", "governor"))]


async def officer_id(
    x_officer_id: Annotated[
        str | None,
        Header(description="id of the acting officer; only its salted hash reaches the chain"),
    ] = None,
) -> str:
    if x_officer_id is None or not x_officer_id.strip():
        raise InvalidInput("header X-Officer-Id names the acting officer and is required", field="X-Officer-Id")
    if len(x_officer_id) > MAX_OFFICER_ID:
        raise InvalidInput(f"X-Officer-Id longer than {MAX_OFFICER_ID} characters", field="X-Officer-Id")
    return x_officer_id.strip()


OfficerId = Annotated[str, Depends(officer_id)]


async def idempotency_key(
    idempotency_key: Annotated[
        str | None,
        Header(description="repeat a write with the same key to get the same answer and one on-chain effect"),
    ] = None,
) -> str:
    if idempotency_key is None:
        return "auto-" + uuid.uuid4().hex
    if not _KEY_RE.match(idempotency_key):
        raise InvalidInput("Idempotency-Key must be 1-128 characters of A-Z a-z 0-9 . _ : ~ -", field="Idempotency-Key")
    return idempotency_key


IdemKey = Annotated[str, Depends(idempotency_key)]


def actor(principal: Caller, officer: str | None = None) -> Caller:
    """The caller acting through ``officer`` (the X-Officer-Id of a write)."""
    return principal.acting(officer)


# The caller of a write acting through its X-Officer-Id: one parameter instead of principal + officer,
# resolved in the same order (the role check's 401/403 before the officer header's 422).
async def department_writer(principal: DepartmentPrincipal, officer: OfficerId) -> Principal:
    return actor(principal, officer)


async def governor_writer(principal: GovernorPrincipal, officer: OfficerId) -> Principal:
    return actor(principal, officer)


async def reporter_writer(principal: ReporterPrincipal, officer: OfficerId) -> Principal:
    return actor(principal, officer)


DepartmentWriter = Annotated[Principal, Depends(department_writer)]
GovernorWriter = Annotated[Principal, Depends(governor_writer)]
ReporterWriter = Annotated[Principal, Depends(reporter_writer)]


# -- a federation node's parts (``govchain node run`` puts them on app.state) ----------------------------
async def get_release_service(request: Request) -> ReleaseService:
    return _node_part(request, "peer_release")


async def get_peer_client(request: Request) -> PeerClient:
    return _node_part(request, "peer_client")


def _node_part(request: Request, name: str) -> Any:
    part = getattr(request.app.state, name, None)
    if part is None:
        raise ReleaseServiceOff("this process is not a federation node (`govchain node run` makes one)")
    return part


ReleaseDep = Annotated[ReleaseService, Depends(get_release_service)]
PeerClientDep = Annotated[PeerClient, Depends(get_peer_client)]
