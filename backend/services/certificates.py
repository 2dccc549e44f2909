"""E-certificates (电子证照): council-registered types, issue / revoke by the type's
department, and verification by document hash that anyone may ask for.

- A type is registered by the council: a governor proposes the council call
  ``Certificates.registerCertificateType`` (``proposeCouncilCall``) and the
  others approve it through ``POST /council/proposals/{id}/approve``.
- The holder reaches the chain only as ``subject_hash`` (HMAC with the
  deployment secret); the document only as ``keccak256`` of its bytes.
- Verification is public: it answers the status and the issuer, never the
  holder hash (that would let anyone link the certificates of one person).

Authorization is the contract's: a department that is not the type's issuer,
or not the certificate's issuer, gets the contract's custom error
(``CertificatesNotTypeIssuer`` / ``CertificatesNotIssuer``) as 403.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from eth_utils import is_hex_address, to_checksum_address

from backend.chain import ChainUnavailable, ContractRevert, TxOutcome
from backend.chain.bindings import Call, Certificate, Certificates, Contracts
from backend.chain.enums import CertificateStatus, RevocationReason
from backend.core.identity import keccak_content_hash
from backend.services.common import HEX32_RE, ZERO32, Actor, ChainOps, h0x, hex32, text_hash, text_or_hex
from backend.services.errors import Conflict, Forbidden, InvalidInput, ServiceError

if TYPE_CHECKING:  # pragma: no cover
    from eth_account.signers.local import LocalAccount


UINT64_MAX = 2**64 - 1
STATUS = tuple(m.name.lower() for m in CertificateStatus)  # "unknown", "valid", … "not_yet_valid"


class ContractNotDeployed(ServiceError):
    """The deployment has no such contract (citizen-service contracts deploy only when compiled)."""

    http_status = 503
    name = "ContractNotDeployed"


# -- helpers shared by the citizen-service use cases -----------------------------------------
def code32(value: str, field: str) -> bytes:
    """A code as bytes32: ``0x`` + 64 hex digits, or UTF-8 text of at most 32 bytes (left-aligned)."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{field} must not be empty", field=field)
    if HEX32_RE.match(value):
        b = bytes.fromhex(value[2:])
    else:
        raw = value.strip().encode()
        if len(raw) > 32:
            raise InvalidInput(f"{field} is longer than 32 bytes", field=field)
        b = raw.ljust(32, b"\0")
    if b == ZERO32:
        raise InvalidInput(f"{field} must not be zero", field=field)
    return b


def code_text(value: str | bytes | None) -> str | None:
    """bytes32 back to its text when it is printable UTF-8 padded with zeros, else 0x-hex."""
    if value is None:
        return None
    b = bytes.fromhex(value[2:]) if isinstance(value, str) else bytes(value)
    if b == ZERO32:
        return None
    stripped = b.rstrip(b"\0")
    try:
        text = stripped.decode()
        if text and text.isprintable() and b"\0" not in stripped:
            return text
    except UnicodeDecodeError:
        pass
    return h0x(b)


def ref32(text: str | None, hash_hex: str | None, field: str, *, default: bytes | None = None) -> bytes:
    """A reference given as 0x-hex (taken as is) or as text (hashed with keccak256)."""
    b = text_or_hex(text, hash_hex, field, lambda t: bytes.fromhex(t[2:]) if HEX32_RE.match(t) else text_hash(t))
    if b is None:
        if default is None:
            raise InvalidInput(f"{field} or {field}_hash is required", field=field)
        b = default
    if b == ZERO32:
        raise InvalidInput(f"{field} must not be zero", field=field)
    return b


def checksum(address: str, field: str) -> str:
    if not isinstance(address, str) or not is_hex_address(address):
        raise InvalidInput(f"{field} must be a chain address", field=field)
    return to_checksum_address(address)


class CitizenChain:
    """ChainOps plus what the citizen services share: deployed-contract checks, writes
    whose authorization reverts answer 403, department names, council-call proposals."""

    def __init__(self, ops: ChainOps) -> None:
        self.ops = ops
        self._names: dict[str, str | None] = {}
        self._lock = threading.Lock()
        # typed views and writes that first check the contract is deployed (ContractNotDeployed, 503)
        self.contracts = Contracts(self)

    def require(self, contract: str) -> None:
        if contract not in self.ops.manifest.contracts:
            raise ContractNotDeployed(f"{contract} is not deployed on {self.ops.manifest.network}", contract=contract)

    def view(self, contract: str, fn: str, *args: Any) -> Any:
        """ChainOps.view of a deployed contract (the port of :attr:`contracts`)."""
        self.require(contract)
        return self.ops.view(contract, fn, *args)

    def send(
        self, account: LocalAccount, call: Call, *, op: str, key: str, strict: bool = True
    ) -> tuple[TxOutcome, bool]:
        """ChainOps.send to a deployed contract (the port of :attr:`contracts`)."""
        self.require(call.contract)
        # "not you" reverts answer 403 by the table in backend.chain.errors
        return self.ops.send(account, call, op=op, key=key, strict=strict)

    def department_name(self, address: str | None) -> str | None:
        """The consortium's display name of a department (None for non-departments); cached."""
        if not address or int(address, 16) == 0:
            return None
        addr = to_checksum_address(address)
        with self._lock:
            if addr in self._names:
                return self._names[addr]
        try:
            name = self.ops.contracts.consortium.department(addr).name
        except ContractRevert:
            name = None  # not a department (an auditor, the consortium itself)
        except ChainUnavailable:
            return None  # node down: indexed reads keep working, without the name (not cached)
        with self._lock:
            self._names[addr] = name
        return name

    def party(self, address: str | None) -> dict[str, Any] | None:
        if not address or int(address, 16) == 0:
            return None
        return {"address": to_checksum_address(address), "name": self.department_name(address)}

    def propose_council_call(
        self, actor: Actor, call: Call, justification: str, *, op: str, key: str
    ) -> dict[str, Any]:
        """A governor proposes ``call`` to a citizen-service contract as a council call."""
        actor.require_role("governor")
        self.require(call.contract)
        p = self.ops.propose(self.ops.account(actor), call, text_hash(justification), op=op, key=key)
        return {
            "proposal_id": p.proposal_id,
            "target": p.target,
            "call": call.fn,
            "executed": p.executed,
            "approve_with": p.approve_with,
            **p.tx,
        }


class CertificateService:
    def __init__(self, ops: ChainOps, chain: CitizenChain | None = None) -> None:
        self.ops = ops
        self.chain = chain or CitizenChain(ops)

    # -- council ---------------------------------------------------------------------------------
    def propose_type(
        self, actor: Actor, type_code: str, issuer: str, default_validity_s: int, justification: str, *, key: str
    ) -> dict[str, Any]:
        actor.require_role("governor")
        code = code32(type_code, "type_code")
        issuer = checksum(issuer, "issuer")
        self.ops.officer(actor)
        if not self.chain.contracts.consortium.is_active_department(issuer):
            raise Conflict("the issuer is not an active department", issuer=issuer)
        try:
            self.chain.contracts.certificates.certificate_type(code)
        except ContractRevert as exc:
            if exc.name != "CertificatesUnknownType":
                raise
        else:
            raise Conflict("the certificate type is already registered", type_code=code_text(code))
        result = self.chain.propose_council_call(
            actor,
            Certificates.calls.register_certificate_type(code, issuer, default_validity_s),
            justification,
            op=f"certificates.types.{h0x(code)}.propose",
            key=key,
        )
        return {"type_code": code_text(code), "issuer": issuer, "default_validity_s": default_validity_s, **result}

    def get_type(self, type_code: str) -> dict[str, Any]:
        code = code32(type_code, "type_code")
        t = self.chain.contracts.certificates.certificate_type(code)  # 404 CertificatesUnknownType
        return {
            "type_code": code_text(code),
            "issuer": self.chain.party(t.issuer),
            "default_validity_s": t.default_validity,
            "registered_at": t.registered_at,
        }

    # -- issuer ----------------------------------------------------------------------------------
    def issue(
        self,
        actor: Actor,
        type_code: str,
        document_hash: bytes,
        holder_hash: bytes,
        valid_from: int,
        valid_until: int,
        case_ref: bytes | None,
        *,
        key: str,
    ) -> dict[str, Any]:
        """Issue by document hash. ``valid_from`` 0 = now, ``valid_until`` 0 = the type's default,
        ``2**64-1`` = no expiry. Without a case, ``case_ref`` is keccak("direct:" + document hash)."""
        actor.require_role("department")
        code = code32(type_code, "type_code")
        officer = self.ops.officer(actor)
        if case_ref is None:
            case_ref = text_hash("direct:" + h0x(document_hash))
        outcome = self.chain.contracts.certificates.issue(
            self.ops.account(actor),
            code,
            document_hash,
            holder_hash,
            valid_from,
            valid_until,
            case_ref,
            op="certificates.issue",
            key=key,
        )
        ev = self.ops.event(outcome, "CertificateIssued") or {}
        return {
            "cert_id": ev.get("certId"),
            "type_code": code_text(code),
            "document_hash": h0x(document_hash),
            "holder_hash": h0x(holder_hash),
            "issuer": self.chain.party(actor.address),
            "valid_from": ev.get("validFrom"),
            "valid_until": _until(ev.get("validUntil")),
            "case_ref": h0x(case_ref),
            "officer_hash": h0x(officer),
            **self.ops.tx(outcome),
        }

    def revoke(self, actor: Actor, cert_id: int, reason_hash: bytes, *, key: str) -> dict[str, Any]:
        actor.require_role("department")
        officer = self.ops.officer(actor)
        self.chain.contracts.certificates.certificate(cert_id)  # 404 CertificatesUnknownCertificate
        outcome = self.chain.contracts.certificates.revoke(
            self.ops.account(actor),
            cert_id,
            reason_hash,
            op=f"certificates.{cert_id}.revoke",
            key=key,
        )
        return {
            "cert_id": cert_id,
            "status": "revoked",
            "reason_hash": h0x(reason_hash),
            "officer_hash": h0x(officer),
            **self.ops.tx(outcome),
        }

    def get(self, actor: Actor, cert_id: int) -> dict[str, Any]:
        """A certificate with its holder hash: its issuer, auditors and governors only."""
        actor.require_role("department", "auditor", "governor")
        c = self.chain.contracts.certificates.certificate(cert_id)
        if actor.role == "department" and not actor.same(c.issuer):
            raise Forbidden("certificate issued by another department", cert_id=cert_id)
        return self._cert_view(cert_id, c, include_holder=True)

    # -- public ----------------------------------------------------------------------------------
    def verify(self, document_hash: bytes) -> dict[str, Any]:
        """The answer a notary or bank gets for a presented document (no holder data)."""
        status, cert_id, issuer, type_code, issued_at, valid_from, valid_until = (
            self.chain.contracts.certificates.verify(document_hash)
        )
        out: dict[str, Any] = {"document_hash": h0x(document_hash), "status": STATUS[int(status)]}
        if int(cert_id) == 0:
            out.update(
                cert_id=None,
                issuer=None,
                type_code=None,
                issued_at=None,
                valid_from=None,
                valid_until=None,
                revoked_at=None,
                revoked_by=None,
                revocation_reason=None,
            )
            return out
        revoked_at = revoked_by = reason = None
        if out["status"] == "revoked":
            r = self.chain.contracts.certificates.revocation(cert_id)
            reason = RevocationReason(r.reason).name.lower()
            superseded = r.reason == RevocationReason.SUPERSEDED
            revoked_at, revoked_by = r.revoked_at, "council" if r.by_council else "registry" if superseded else "issuer"
        out.update(
            cert_id=int(cert_id),
            issuer=self.chain.party(issuer),
            type_code=code_text(type_code),
            issued_at=int(issued_at),
            valid_from=int(valid_from),
            valid_until=_until(valid_until),
            revoked_at=revoked_at,
            revoked_by=revoked_by,
            revocation_reason=reason,
        )
        return out

    # -- holder ----------------------------------------------------------------------------------
    def of_holder(self, holder_hash: bytes, offset: int, limit: int) -> dict[str, Any]:
        ids = [int(i) for i in self.chain.contracts.certificates.certificates_of(holder_hash)]
        ids.reverse()  # newest first
        items = []
        for cid in ids[offset : offset + limit]:
            c = self.chain.contracts.certificates.certificate(cid)
            items.append(self._cert_view(cid, c, include_holder=False))
        return {"total": len(ids), "offset": offset, "limit": limit, "items": items}

    def _cert_view(self, cert_id: int, c: Certificate, *, include_holder: bool) -> dict[str, Any]:
        status = STATUS[int(self.chain.contracts.certificates.status_of(cert_id))]
        out = {
            "cert_id": cert_id,
            "status": status,
            "type_code": code_text(c.type_code),
            "document_hash": c.document_hash,
            "issuer": self.chain.party(c.issuer),
            "issued_at": c.issued_at,
            "valid_from": c.valid_from,
            "valid_until": _until(c.valid_until),
            "revoked_at": c.revoked_at or None,
        }
        if include_holder:
            out["holder_hash"] = c.holder_hash
        return out


def document_hash_of(data: bytes | None, hash_hex: str | None) -> bytes:
    """keccak256 of the uploaded document, or the given hash."""
    if (data is None) == (hash_hex is None):
        raise InvalidInput("give the document or its document_hash (exactly one)", field="document")
    if data is not None:
        if not data:
            raise InvalidInput("the document is empty", field="document")
        return keccak_content_hash(data)
    h = hex32(hash_hex, "document_hash")  # type: ignore[arg-type]
    if h == ZERO32:
        raise InvalidInput("document_hash must not be zero", field="document_hash")
    return h


def _until(value: Any) -> int | None:
    """``validUntil`` as an int, None for "no expiry" (type(uint64).max)."""
    if value is None:
        return None
    v = int(value)
    return None if v == UINT64_MAX else v


__all__ = [
    "STATUS",
    "CertificateService",
    "CitizenChain",
    "ContractNotDeployed",
    "checksum",
    "code32",
    "code_text",
    "document_hash_of",
    "ref32",
]
