"""Finalizing a house transfer: the title transfer (which supersedes the seller's certificate on chain,
with the seller's consent), then the buyer's new certificate, bound to the new title entry."""

from __future__ import annotations

import logging
from typing import Any

from eth_utils import is_hex_address, keccak, to_checksum_address

from backend.services.cases.base import (
    CASE_STATUS,
    CERT_MEDIA_TYPE,
    CaseBase,
    CaseNotApproved,
)
from backend.services.certificates import code_text
from backend.services.common import Actor, canonical_json, h0x
from backend.services.errors import Conflict, Forbidden, InvalidInput

log = logging.getLogger(__name__)


class FinalizeMixin(CaseBase):
    # -- finalize (house transfer) -----------------------------------------------------------------
    def finalize(self, actor: Actor, case_id: int) -> dict[str, Any]:
        """Registry transfer + new property certificate for an Approved house-transfer case (the lead).
        Every part checks the chain first: repeating it returns the same outcome."""
        actor.require_role("department")
        officer = self.ops.officer(actor)
        c = self._case(case_id)
        sid = c.service_id
        s = self._service(sid)
        if not actor.same(s.lead):
            raise Forbidden("only the service's lead department finalizes its cases", case_id=case_id)
        if c.status != 2:
            raise CaseNotApproved("the case is not approved", case_id=case_id, status=CASE_STATUS[c.status])
        d = self.definition(sid, s) or {}
        if d.get("kind") != "house_transfer":
            raise Conflict("this service has no finalization step", case_id=case_id, kind=d.get("kind"))
        form = self.form(actor, case_id, _checked=(c, s))["form"]["form"]
        unit_id, prior, consent, session, desk = _transfer_fields(form)
        case_ref = self.oss.case_ref(case_id)
        applicant = c.applicant_hash
        links = self.oss.evidence_links(case_id)
        evidence_hash = keccak(
            canonical_json(
                {
                    "case_ref": case_ref,
                    "evidence": [[x.resource_id, x.grant_id, x.use_index] for x in links],
                }
            )
        )
        # 1. the registry transfer (skipped when this case already transferred the unit)
        transfer = self._transfer_of_case(unit_id, applicant, case_ref)
        if transfer is None:
            transfer = self.registry.transfer(
                actor,
                unit_id,
                bytes.fromhex(applicant[2:]),
                evidence_hash,
                prior,
                bytes.fromhex(case_ref[2:]),
                consent,
                session,
                desk,
                key=f"case-{case_id}",
            )
            transfer = _only(transfer, "entry_id", "tx_hash", "block_number")
        entry = self.chain.contracts.property_registry.title_entry(int(transfer["entry_id"]))
        u = self.chain.contracts.property_registry.unit(unit_id)
        # 2. the new certificate document (deterministic from the chain: safe to regenerate)
        cert_type = d.get("certificate_type") or "PROPERTY_CERT"
        doc = {
            "govchain": "certificate/v1",
            "type_code": cert_type,
            "title": "不动产权证书 / Real-estate title certificate",
            "serial": self._serial(case_ref),
            "holder_hash": applicant,
            "unit": {
                "unit_id": unit_id,
                "parcel_code": code_text(u.parcel_code),
                "building_code": code_text(u.building_code),
                "unit_code": code_text(u.unit_code),
                "planned_use": u.planned_use,
                "area_m2": u.area_m2,
            },
            "title_entry_id": entry.entry_id,
            "previous_entry_id": entry.previous_entry_id,
            "registered_at": entry.registered_at,
            "issuer": to_checksum_address(s.lead),
            "case_id": case_id,
            "case_ref": case_ref,
        }
        doc_bytes = canonical_json(doc)
        doc_hash = self.store.put(doc_bytes, s.lead, CERT_MEDIA_TYPE)
        cert = self._certificate_of_case(s.lead, case_ref)
        if cert is None:
            issued = self.certificates.issue(
                actor,
                cert_type,
                bytes.fromhex(doc_hash[2:]),
                bytes.fromhex(applicant[2:]),
                0,
                0,
                bytes.fromhex(case_ref[2:]),
                key=f"case-{case_id}",
            )
            cert = _only(issued, "cert_id", "document_hash", "tx_hash", "block_number")
        # 3. the new certificate is bound to the new entry: the one the buyer will present to sell
        if int(self.chain.contracts.property_registry.title_entry(entry.entry_id).certificate_id) != cert["cert_id"]:
            self.registry.bind_certificate(actor, unit_id, int(cert["cert_id"]), key=f"case-{case_id}-bind")
        # the seller's certificate was superseded by the transfer itself (same transaction)
        prior_out = self._prior_status(prior)
        return {
            "case_id": case_id,
            "unit_id": unit_id,
            "title_entry": {
                "entry_id": entry.entry_id,
                "previous_entry_id": entry.previous_entry_id,
                "owner_hash": entry.owner_hash,
                "case_ref": entry.case_ref,
                "tx_hash": transfer.get("tx_hash"),
            },
            "certificate": {
                **cert,
                "type_code": cert_type,
                "holder_hash": applicant,
                "status": self.certificates.verify(bytes.fromhex(cert["document_hash"][2:]))["status"],
                "title_entry_id": entry.entry_id,
                "verify_with": f"/public/certificates/{cert['document_hash']}",
            },
            "seller_consent": {
                "consent_hash": h0x(consent),
                "assisted_session_id": session,
                "consent_desk": self.chain.party(desk),
            },
            "prior_certificate": prior_out,
            "officer_hash": h0x(officer),
        }

    def _transfer_of_case(self, unit_id: int, applicant: str, case_ref: str) -> dict[str, Any] | None:
        self.chain.require("PropertyRegistry")
        self.ops.fresh()
        for ev in self.ops.history("PropertyRegistry", "TitleTransferred", unitId=unit_id, newOwnerHash=applicant):
            if str(ev["args"]["caseRef"]).lower() == case_ref.lower():
                return {
                    "entry_id": int(ev["args"]["entryId"]),
                    "tx_hash": ev["tx_hash"],
                    "block_number": ev["block_number"],
                }
        return None

    def _certificate_of_case(self, issuer: str, case_ref: str) -> dict[str, Any] | None:
        self.chain.require("Certificates")
        self.ops.fresh()
        for ev in self.ops.history("Certificates", "CertificateIssued", issuer=issuer):
            if str(ev["args"]["caseRef"]).lower() == case_ref.lower():
                return {
                    "cert_id": int(ev["args"]["certId"]),
                    "document_hash": ev["args"]["documentHash"],
                    "tx_hash": ev["tx_hash"],
                    "block_number": ev["block_number"],
                }
        return None

    def _prior_status(self, prior: bytes) -> dict[str, Any]:
        v = self.certificates.verify(prior)
        return {
            "document_hash": h0x(prior),
            "cert_id": v.get("cert_id"),
            "status": v["status"],
            "revocation_reason": v.get("revocation_reason"),
        }

    # ================================================================ reads


def _transfer_fields(form: dict[str, Any]) -> tuple[int, bytes, bytes, int, str]:
    """unit id, the seller's certificate (document hash), the seller's consent (hash), the assisted session
    it was given in and the department whose desk opened that session (not the registrar: the contract
    refuses a consent the registrar vouched for itself), from the application form."""
    try:
        unit_id = int(form["unit_id"])
        prior = bytes.fromhex(str(form["prior_certificate_hash"])[2:])
        consent = bytes.fromhex(str(form["seller_consent_hash"])[2:])
        session = int(form["seller_assisted_session_id"])
        desk = str(form["seller_consent_desk"])
        if len(prior) != 32 or len(consent) != 32 or session < 1 or not is_hex_address(desk):
            raise ValueError("malformed")
    except (KeyError, TypeError, ValueError):
        raise InvalidInput(
            "the application form must name unit_id, prior_certificate_hash and seller_consent_hash (0x…64 hex), "
            "seller_assisted_session_id (the seller's assisted session) and seller_consent_desk (the address of "
            "the department whose desk opened it)",
            field="form",
        ) from None
    return unit_id, prior, consent, session, to_checksum_address(desk)


def _only(answer: dict[str, Any], *fields: str) -> dict[str, Any]:
    """The fields of a use case's answer that this case keeps (and shows again on a replay)."""
    return {f: answer[f] for f in fields}
