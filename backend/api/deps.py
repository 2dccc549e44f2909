"""Typed dependencies: the context, one per use case (``ResourcesDep``, ``UsageDep``, ...),
the authenticated caller (:class:`~backend.services.caller.Caller`), role checks and
the Idempotency-Key header.

The acting officer of a write is the token's person (``Caller.officer_id``, set at
authentication: the officer an officer token is bound to, ``client:<id>`` for a
client token); a write carrying the old ``X-Officer-Id`` header is refused (422,
after authentication and role). Failed token checks are throttled per client
address (:mod:`backend.core.throttle`: 429 + Retry-After).
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
from backend.core import scopes
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
from backend.services.caller import Caller, caller_of
from backend.services.directory import DirectoryService
from backend.services.errors import Forbidden, InvalidInput, TooManyAttempts, Unauthorized

_KEY_RE = re.compile(r"^[A-Za-z0-9._:~-]{1,128}$")

_bearer = HTTPBearer(
    auto_error=False,
    description="API token (gct_…): an officer's (POST /auth/officer/session) or a system client's (`govchain node token --scope …`)",
)


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


def client_address(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


async def current_principal(
    request: Request, ctx: Ctx, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if credentials is None:
        raise Unauthorized("missing bearer token")
    # A token authenticated in the last ~2 s is answered from memory (no database, no
    # thread); otherwise the database lookup runs in a worker thread.
    info = ctx.tokens.cached(credentials.credentials)
    if info is None:
        ip = ("token-ip", client_address(request))
        wait = ctx.throttle.blocked(ip)
        if wait is not None:
            raise TooManyAttempts(wait)
        info = await run_in_threadpool(ctx.tokens.authenticate, credentials.credentials)
        if info is None:
            ctx.throttle.failed(ip)
            raise Unauthorized("invalid, expired or revoked token")
    caller = caller_of(info)
    if caller.is_scoped_client:
        check_client_scope(request, caller)
    return caller


def _route_need(request: Request) -> tuple[str, bool]:
    """(area, write) of the matched route: the area is the first segment of its path template
    (not of the raw URL); a write is any method but GET/HEAD, or a route taking an
    Idempotency-Key (a GET that records a use on chain)."""
    route = request.scope.get("route")
    template = getattr(route, "path_format", None) or ""
    area = template.lstrip("/").split("/", 1)[0]
    if request.method not in ("GET", "HEAD"):
        return area, True
    takes_key = _ROUTE_TAKES_KEY.get(id(route))
    if takes_key is None:
        dependant = getattr(route, "dependant", None)
        takes_key = _ROUTE_TAKES_KEY[id(route)] = dependant is not None and _takes_key(dependant)
    return area, takes_key


_ROUTE_TAKES_KEY: dict[
    int, bool
] = {}  # id(route) -> whether it takes an Idempotency-Key (routes live as long as the app)


def _takes_key(dependant: Any) -> bool:
    return any(d.call is idempotency_key or _takes_key(d) for d in dependant.dependencies)


def check_client_scope(request: Request, caller: Caller) -> None:
    """A system client's token reaches only the areas its scopes name (403 naming the scope needed)."""
    area, write = _route_need(request)
    if not scopes.allows(caller.scopes, area, write):
        raise Forbidden(
            f"this client token lacks the scope {scopes.required(area, write)}",
            role=caller.role,
            scope=scopes.required(area, write),
        )


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


def actor(principal: Caller) -> Caller:
    """The acting caller of a use case: the authenticated one, acting as the token's person."""
    return principal


OFFICER_HEADER_REFUSED = "the officer is the signed-in person; X-Officer-Id is no longer accepted"


def refuse_officer_header(request: Request, principal: Caller) -> Principal:
    """A write acts as the token's person. The old free-text X-Officer-Id (which let one officer make
    the chain name another) is refused, not ignored, so a client still sending it learns that the name
    it sends is not what gets recorded. Checked after authentication and role (401/403 first)."""
    if "x-officer-id" in request.headers:
        raise InvalidInput(OFFICER_HEADER_REFUSED, field="X-Officer-Id")
    return principal


# The caller of a write: the role check (401/403), then the header check (422), acting as the token's person.
async def department_writer(request: Request, principal: DepartmentPrincipal) -> Principal:
    return refuse_officer_header(request, principal)


async def governor_writer(request: Request, principal: GovernorPrincipal) -> Principal:
    return refuse_officer_header(request, principal)


async def reporter_writer(request: Request, principal: ReporterPrincipal) -> Principal:
    return refuse_officer_header(request, principal)


async def require_admin(principal: CurrentPrincipal) -> Principal:
    """An administrator officer of this node, signed in as themself (not a client token)."""
    if not principal.is_admin:
        raise Forbidden("requires an administrator officer's token", role=principal.role)
    return principal


AdminPrincipal = Annotated[Principal, Depends(require_admin)]


async def require_department_admin(principal: DepartmentPrincipal) -> Principal:
    """A department's administrator officer (e.g. rewriting the node's directory entry: not a clerk)."""
    return await require_admin(principal)


DepartmentAdmin = Annotated[Principal, Depends(require_department_admin)]
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
