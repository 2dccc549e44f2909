"""Use cases behind the API: routes stay thin, these check the caller and talk to chain and store.

``Services(ctx)`` bundles one instance of each for an AppContext.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from backend.services.audit import AuditService
from backend.services.cases import CasesService
from backend.services.certificates import CertificateService, CitizenChain
from backend.services.citizens import CitizenService
from backend.services.registry import RegistryService
from backend.services.common import Actor, ChainOps
from backend.services.council import CouncilService
from backend.services.errors import (
    Conflict,
    Forbidden,
    IdempotencyKeyReused,
    InvalidInput,
    NotFound,
    ServiceError,
    SignerUnavailable,
    TxPending,
    Unauthorized,
)
from backend.services.incidents import IncidentService
from backend.services.resources import Content, ResourceService
from backend.services.usage import UsageService

if TYPE_CHECKING:  # pragma: no cover
    from backend.composition import AppContext


class Services:
    def __init__(self, ctx: "AppContext") -> None:
        self.ops = ChainOps(ctx)
        self.resources = ResourceService(ctx, self.ops)
        self.usage = UsageService(ctx, self.ops, self.resources)
        self.incidents = IncidentService(ctx, self.ops)
        self.council = CouncilService(ctx, self.ops)
        self.audit = AuditService(ctx, self.ops)
        self.citizen_chain = CitizenChain(ctx, self.ops)
        self.certificates = CertificateService(ctx, self.ops, self.citizen_chain)
        self.registry = RegistryService(ctx, self.ops, self.citizen_chain)
        self.citizens = CitizenService(ctx, self.ops, self.certificates)
        self.cases = CasesService(ctx, self.ops, self.usage, self.certificates, self.registry, self.citizen_chain)


__all__ = [
    "Actor", "AuditService", "ChainOps", "Conflict", "Content", "CouncilService", "Forbidden", "IdempotencyKeyReused",
    "IncidentService", "InvalidInput", "NotFound", "ResourceService", "ServiceError", "Services",
    "SignerUnavailable", "TxPending", "Unauthorized", "UsageService",
]
