"""Use cases behind the API: routes stay thin, these check the caller and talk to chain and store.

Each use case receives the ports it uses (ChainOps, DocumentStore, TokenService, ...) in
its constructor; ``Services`` bundles one instance of each (backend.composition builds it).
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from backend.core.tokens import TokenService
from backend.services.audit import AuditService
from backend.services.caller import Caller
from backend.services.cases import CasesService
from backend.services.certificates import CertificateService, CitizenChain
from backend.services.citizens import CitizenService
from backend.services.common import Actor, ChainOps
from backend.services.council import CouncilService
from backend.services.errors import (
    Conflict,
    Forbidden,
    IdempotencyKeyReused,
    IndexLagging,
    InvalidInput,
    NotFound,
    ServiceError,
    SignerUnavailable,
    TxPending,
    Unauthorized,
)
from backend.services.incidents import IncidentService
from backend.services.membership import MembershipService
from backend.services.purposes import PurposesService
from backend.services.registry import RegistryService
from backend.services.resources import Content, ResourceService
from backend.services.usage import UsageService
from backend.store import DocumentStore


class Services:
    """One instance of each use case, wired with the ports it uses (built by the composition root)."""

    def __init__(
        self,
        ops: ChainOps,
        store: DocumentStore,
        tokens: TokenService,
        sessions: sessionmaker[Session],
        *,
        subject_secret: str,
    ) -> None:
        self.ops = ops
        self.resources = ResourceService(ops, store)
        self.purposes = PurposesService(ops)
        self.usage = UsageService(ops, store, sessions, self.resources, self.purposes)
        self.incidents = IncidentService(ops)
        self.council = CouncilService(ops)
        self.membership = MembershipService(ops)
        self.audit = AuditService(ops, store)
        self.citizen_chain = CitizenChain(ops)
        self.certificates = CertificateService(ops, self.citizen_chain)
        self.registry = RegistryService(ops, self.citizen_chain)
        self.citizens = CitizenService(ops, store, tokens, self.certificates, subject_secret=subject_secret)
        self.cases = CasesService(
            ops, store, self.usage, self.certificates, self.registry, self.citizen_chain, subject_secret=subject_secret
        )


__all__ = [
    "Actor",
    "AuditService",
    "Caller",
    "CasesService",
    "CertificateService",
    "ChainOps",
    "CitizenService",
    "Conflict",
    "Content",
    "CouncilService",
    "Forbidden",
    "IdempotencyKeyReused",
    "IncidentService",
    "IndexLagging",
    "InvalidInput",
    "MembershipService",
    "NotFound",
    "PurposesService",
    "RegistryService",
    "ResourceService",
    "ServiceError",
    "Services",
    "SignerUnavailable",
    "TxPending",
    "Unauthorized",
    "UsageService",
]
