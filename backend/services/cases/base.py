"""Shared parts of the one-stop case use case: constants, errors, wiring and helpers."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import TYPE_CHECKING, Any, Literal, Protocol, get_args

from eth_utils import to_checksum_address

from backend.chain.bindings import Case, EvidenceRequirement, Grant, Service
from backend.chain.enums import CaseStatus, Classification, ServiceStatus, StepStatus
from backend.services.certificates import CertificateService, CitizenChain
from backend.services.common import Actor, ChainOps
from backend.services.errors import Conflict
from backend.services.registry import RegistryService
from backend.services.usage import UsageService
from backend.store import AccessDenied, DocumentMissing, DocumentStore

log = logging.getLogger(__name__)

OSS = "OneStopServices"
SERVICE_STATUS = tuple(m.solidity for m in ServiceStatus)
CASE_STATUS = tuple(m.solidity for m in CaseStatus)
STEP_STATUS = tuple(m.solidity for m in StepStatus)
CLASSIFICATIONS = tuple(m.name for m in Classification)
SENSITIVE, SECRET = 2, 3
DEFINITION_MEDIA_TYPE = "application/vnd.govchain.service+json"
FORM_MEDIA_TYPE = "application/vnd.govchain.form+json"
CERT_MEDIA_TYPE = "application/vnd.govchain.certificate+json"
DOCUMENTS_SUBMITTED = 2  # the identity document shown at the desk + the application form
CaseKind = Literal["generic", "house_transfer", "newborn_registration", "business_licence_change"]
KINDS: tuple[str, ...] = get_args(CaseKind)
DEFAULT_CERT_TYPE = {"house_transfer": "PROPERTY_CERT"}


class CaseNotApproved(Conflict):
    name = "CaseNotApproved"


class NoStandingGrant(Conflict):
    name = "NoStandingGrant"


class CaseFormOnAnotherNode(Conflict):
    """In a federation the form stays on the node of the desk that opened the case."""

    name = "CaseFormOnAnotherNode"


class EvidenceFieldsUnknown(Conflict):
    """A peer release asks for an approved field list; the definition names none."""

    name = "EvidenceFieldsUnknown"


class EvidenceUseNotNoted(Conflict):
    """A use of this case is on chain but this node has not noted it yet (recovery after a restart)."""

    name = "EvidenceUseNotNoted"


class EvidenceUseUnrecoverable(Conflict):
    """A use of this case is on chain but this node lost its note and has no pending intent:
    it cannot be released again from here (pulling again does not help)."""

    name = "EvidenceUseUnrecoverable"


class CaseDeskNotLead(Conflict):
    """On a federation node only the service's lead opens a case: the form stays on the desk's
    node and the lead, who pulls and finalizes, must be able to read it."""

    name = "CaseDeskNotLead"


class PeerEvidence(Protocol):
    """The grantee side of a peer release, as a case's evidence pull uses it: on a department's
    node this is ``backend.federation.client.PeerClient`` (the use recorded on chain, then the
    subject's records received from the owner's node, sealed and signed). The answers of
    ``fetch``/``deliver`` carry ``content`` (the released plaintext, parsed), ``receipt``
    (``content_hash``), ``owner``, ``use_tx`` and ``replayed``."""

    def fetch(
        self,
        grant_id: int,
        subject_hash: bytes | None,
        fields: list[str],
        officer_id: str,
        *,
        key: str,
        context_ref: bytes | None = None,
    ) -> Any: ...

    def deliver(self, grant_id: int, use_index: int) -> Any: ...

    def use(self, grant_id: int, use_index: int) -> Any: ...

    def pending(self, grant_id: int, subject_hash: bytes) -> bool: ...


class CaseBase:
    def __init__(
        self,
        ops: ChainOps,
        store: DocumentStore,
        usage: UsageService,
        certificates: CertificateService,
        registry: RegistryService,
        chain: CitizenChain | None = None,
        *,
        subject_secret: str,
        peer: PeerEvidence | None = None,
    ) -> None:
        self.ops = ops
        # On a federation node evidence comes from the owners' nodes; without one (the
        # single-process sandbox) it is read from this process's own document store.
        self.peer = peer
        self.store = store
        self.subject_secret = subject_secret
        self.usage = usage
        self.certificates = certificates
        self.registry = registry
        self.chain = chain or certificates.chain
        self.oss = self.chain.contracts.one_stop_services  # checks OneStopServices is deployed (503)

    def use_peer_evidence(self, peer: PeerEvidence) -> None:
        """Pull evidence through the peer release protocol (set by the composition on a node)."""
        self.peer = peer

    if TYPE_CHECKING:  # provided by the mixins that make up CasesService (declared here for the type checker)

        def form(self, actor: Actor, case_id: int, _checked: tuple[Any, ...] | None = None) -> dict[str, Any]: ...

        def _grants_for(self, lead: str, r: EvidenceRequirement) -> list[tuple[int, Grant]]: ...

        def _usable_grant(
            self, lead: str, r: EvidenceRequirement, fields: list[str] | None = None
        ) -> tuple[int, Grant] | None: ...

        def _approved_fields_hash(self, grant_id: int) -> bytes | None: ...

        def _certificate_of_case(self, issuer: str, case_ref: str) -> dict[str, Any] | None: ...

    # ================================================================ helpers
    def _service(self, service_id: int) -> Service:
        return self.oss.service(service_id)  # 404 OneStopServicesUnknownService

    def _case(self, case_id: int) -> Case:
        return self.oss.case_info(case_id)  # 404 OneStopServicesUnknownCase

    def definition(self, service_id: int, s: Service | None = None) -> dict[str, Any] | None:
        """The published definition document (None when the service was registered without one)."""
        s = s or self._service(service_id)
        try:
            return json.loads(self.store.get(s.name_hash, s.lead))
        except (AccessDenied, DocumentMissing, ValueError):
            return None
        except Exception as exc:  # tampered definition: shown as missing, logged
            log.warning("definition of service %s unreadable: %s", service_id, exc)
            return None

    def _form_salt(self, desk: str, key: str) -> str:
        """Stable per (desk, Idempotency-Key), unguessable without the deployment secret."""
        msg = b"govchain/form-salt/v1\x00" + desk.lower().encode() + b"\x00" + key.encode()
        return hmac.new(self.subject_secret.encode(), msg, hashlib.sha256).hexdigest()

    def _serial(self, case_ref: str) -> str:
        msg = b"govchain/certificate-serial/v1\x00" + case_ref.lower().encode()
        return hmac.new(self.subject_secret.encode(), msg, hashlib.sha256).hexdigest()[:32]

    def _involved(self, c: Case, s: Service) -> list[dict[str, Any]]:
        """Distinct departments of a case, as the contract counts them, with their roles."""
        roles: dict[str, list[str]] = {}

        def add(addr: str, role: str) -> None:
            a = to_checksum_address(addr)
            roles.setdefault(a, [])
            if role not in roles[a]:
                roles[a].append(role)

        add(c.front_desk, "front_desk")
        add(s.lead, "lead")
        for r in s.requirements:
            add(self.ops.contracts.data_catalog.owner_of(r.resource_id), "evidence_source")
        for st in s.steps:
            add(st.department, "approver")
        return [{**(self.chain.party(a) or {}), "roles": rs} for a, rs in roles.items()]

    def _may_read_case(self, actor: Actor, c: Case, s: Service) -> bool:
        if actor.role in ("auditor", "governor"):
            return True
        if actor.role == "citizen":
            return actor.address.lower() == c.applicant_hash.lower()
        if actor.role != "department":
            return False
        if actor.same(c.front_desk) or actor.same(s.lead):
            return True
        if any(actor.same(st.department) for st in s.steps):
            return True
        return any(actor.same(self.ops.contracts.data_catalog.owner_of(r.resource_id)) for r in s.requirements)

    # ================================================================ services


def _record_for(data: bytes | None, applicant: str) -> Any:
    """The record about the applicant in a pulled JSON dataset ({"records": [{"subject_hash": …}]})."""
    if not data:
        return None
    try:
        value = json.loads(data)
    except ValueError:
        return None
    records = value.get("records") if isinstance(value, dict) else value if isinstance(value, list) else None
    if not isinstance(records, list):
        return None
    for rec in records:
        if isinstance(rec, dict) and str(rec.get("subject_hash", "")).lower() == applicant.lower():
            return rec
    return None
