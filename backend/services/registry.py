"""The real-estate registry (不动产登记) behind the API.

Roles (REGISTRAR, BANK, COURT, INSPECTOR) are designated by the council: a
governor proposes the council call ``PropertyRegistry.setRole`` and the others
approve it. Every write is the caller department's own transaction; the
contract enforces the role (``PropertyRegistryMissingRole`` → 403) and the
rules (seizure / outstanding mortgage block a transfer → 409 with the
contract's error and arguments).

A title moves only with its owner's current certificate, and the contract
checks it: the registrar binds each property certificate to the unit's title
entry (``bind_certificate``); a transfer must present the certificate bound to
the current entry, VALID (``PropertyRegistryNotCurrentCertificate`` /
``…NoCurrentCertificate`` / ``…CertificateNotValid`` → 409), and supersedes it
in the same transaction. It also carries the seller's consent: the hash of the
consent record, and the assisted session the seller consented in with the desk
(department) that opened it. The contract checks the session was opened there for
the seller (``PropertyRegistryConsentNotBySeller``), that the desk is not the
registrar itself (``…ConsentAtRegistrarDesk``) and that no transfer used it before
(``…ConsentSessionUsed``): no department moves a title alone.

Who may read a unit's history: a department holding REGISTRAR, a bank or court
with a mortgage or seizure on the unit, auditors, and a citizen whose subject
hash is the owner of one of the unit's title entries. Everyone else: 403.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from backend.chain import TxOutcome
from backend.chain.bindings import Mortgage, PropertyRegistry, Seizure, TitleEntry
from backend.chain.enums import Role
from backend.services.certificates import CitizenChain, checksum, code32, code_text
from backend.services.common import Actor, ChainOps, h0x
from backend.services.errors import Conflict, Forbidden, InvalidInput

if TYPE_CHECKING:  # pragma: no cover
    from eth_account.signers.local import LocalAccount

ROLES = tuple(m.name for m in Role)  # IPropertyRegistry.Role: REGISTRAR, BANK, COURT, INSPECTOR
REGISTRAR, BANK, COURT, INSPECTOR = range(4)
REG = "PropertyRegistry"


def role_code(value: str) -> int:
    if isinstance(value, str) and value.upper() in ROLES:
        return ROLES.index(value.upper())
    raise InvalidInput(f"role must be one of {', '.join(ROLES)}", field="role")


class RegistryService:
    def __init__(self, ops: ChainOps, chain: CitizenChain | None = None) -> None:
        self.ops = ops
        self.chain = chain or CitizenChain(ops)
        self.reg = self.chain.contracts.property_registry  # checks PropertyRegistry is deployed (503)

    def _department_write(
        self, actor: Actor, check: Callable[[], object], send: Callable[[LocalAccount], TxOutcome], event: str
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """What the registry's role writes share: a department acts for its named officer, ``check``
        reads what the write is about (404 before anything is signed), ``send`` writes as the
        department. Answers the args of ``event`` and the fields every answer ends with."""
        actor.require_role("department")
        officer = self.ops.officer(actor)
        check()
        outcome = send(self.ops.account(actor))
        return self.ops.event(outcome, event) or {}, {"officer_hash": h0x(officer), **self.ops.tx(outcome)}

    # -- council ---------------------------------------------------------------------------------
    def propose_role(
        self, actor: Actor, department: str, role: str, enabled: bool, justification: str, *, key: str
    ) -> dict[str, Any]:
        actor.require_role("governor")
        dept = checksum(department, "department")
        code = role_code(role)
        self.ops.officer(actor)
        if bool(self.reg.has_role(dept, code)) == enabled:
            raise Conflict(
                "the department already has this role setting", department=dept, role=ROLES[code], enabled=enabled
            )
        if enabled and not self.chain.contracts.consortium.is_active_department(dept):
            raise Conflict("the department is not an active department", department=dept)
        result = self.chain.propose_council_call(
            actor,
            PropertyRegistry.calls.set_role(dept, code, enabled),
            justification,
            op=f"registry.roles.{dept}.{code}.{int(enabled)}.propose",
            key=key,
        )
        return {"department": self.chain.party(dept), "role": ROLES[code], "enabled": enabled, **result}

    def roles_of(self, department: str) -> dict[str, Any]:
        dept = checksum(department, "department")
        return {
            "department": self.chain.party(dept),
            "roles": [r for i, r in enumerate(ROLES) if self.reg.has_role(dept, i)],
        }

    # -- registrar ---------------------------------------------------------------------------------
    def units(self, actor: Actor, offset: int, limit: int) -> dict[str, Any]:
        """Units registered so far (from the event index), newest first."""
        actor.require_role("department", "auditor", "governor")
        seen = self.ops.fresh()
        evs = list(reversed(self.ops.history(REG, "UnitRegistered")))
        items = []
        for ev in evs[offset : offset + limit]:
            a = ev["args"]
            items.append(
                {
                    "unit_id": int(a["unitId"]),
                    "parcel_code": code_text(a["parcelCode"]),
                    "building_code": code_text(a["buildingCode"]),
                    "unit_code": code_text(a["unitCode"]),
                    "planned_use": int(a["plannedUse"]),
                    "area_m2": int(a["areaM2"]),
                }
            )
        return {"total": len(evs), "offset": offset, "limit": limit, "items": items, "indexed_to_block": seen}

    def register_unit(
        self,
        actor: Actor,
        parcel_code: str,
        building_code: str | None,
        unit_code: str | None,
        planned_use: int,
        area_m2: int,
        *,
        key: str,
    ) -> dict[str, Any]:
        actor.require_role("department")
        officer = self.ops.officer(actor)
        parcel = code32(parcel_code, "parcel_code")
        building = code32(building_code, "building_code") if building_code else b"\0" * 32
        unit = code32(unit_code, "unit_code") if unit_code else b"\0" * 32
        outcome = self.reg.register_unit(
            self.ops.account(actor), parcel, building, unit, planned_use, area_m2, op="registry.units.register", key=key
        )
        ev = self.ops.event(outcome, "UnitRegistered") or {}
        return {
            "unit_id": ev.get("unitId"),
            "parcel_code": code_text(parcel),
            "building_code": code_text(building),
            "unit_code": code_text(unit),
            "planned_use": planned_use,
            "area_m2": area_m2,
            "registrar": self.chain.party(actor.address),
            "officer_hash": h0x(officer),
            **self.ops.tx(outcome),
        }

    def first_ownership(
        self, actor: Actor, unit_id: int, owner_hash: bytes, evidence_hash: bytes, case_ref: bytes, *, key: str
    ) -> dict[str, Any]:
        ev, done = self._department_write(
            actor,
            lambda: self.reg.unit(unit_id),  # 404 PropertyRegistryUnknownUnit
            lambda signer: self.reg.register_first_ownership(
                signer, unit_id, owner_hash, evidence_hash, case_ref, op=f"registry.units.{unit_id}.ownership", key=key
            ),
            "FirstOwnershipRegistered",
        )
        return {
            "unit_id": unit_id,
            "entry_id": ev.get("entryId"),
            "previous_entry_id": None,
            "owner_hash": h0x(owner_hash),
            "evidence_hash": h0x(evidence_hash),
            "case_ref": h0x(case_ref),
            "registrar": self.chain.party(actor.address),
            **done,
        }

    def bind_certificate(self, actor: Actor, unit_id: int, cert_id: int, *, key: str) -> dict[str, Any]:
        """Binds the property certificate ``cert_id`` (issued by this registrar to the current owner) to
        the unit's current title entry: the certificate its next transfer must present."""
        ev, done = self._department_write(
            actor,
            lambda: self.reg.unit(unit_id),  # 404 PropertyRegistryUnknownUnit
            lambda signer: self.reg.bind_certificate(
                signer, unit_id, cert_id, op=f"registry.units.{unit_id}.certificate", key=key
            ),
            "CertificateBound",
        )
        return {
            "unit_id": unit_id,
            "entry_id": ev.get("entryId"),
            "cert_id": ev.get("certId", cert_id),
            "registrar": self.chain.party(actor.address),
            **done,
        }

    def transfer(
        self,
        actor: Actor,
        unit_id: int,
        new_owner_hash: bytes,
        evidence_hash: bytes,
        prior_certificate_hash: bytes,
        case_ref: bytes,
        seller_consent_hash: bytes,
        assisted_session_id: int,
        consent_desk: str,
        *,
        key: str,
    ) -> dict[str, Any]:
        """The contract checks the certificate and the consent (and supersedes the certificate): the seller
        consented in assisted session ``assisted_session_id``, opened at department ``consent_desk``'s desk,
        which must not be the registrar's own (no department moves a title alone)."""
        desk = checksum(consent_desk, "consent_desk")
        ev, done = self._department_write(
            actor,
            lambda: self.reg.unit(unit_id),  # 404 PropertyRegistryUnknownUnit
            lambda signer: self.reg.register_transfer(
                signer,
                unit_id,
                new_owner_hash,
                evidence_hash,
                prior_certificate_hash,
                case_ref,
                seller_consent_hash,
                assisted_session_id,
                desk,
                op=f"registry.units.{unit_id}.transfer",
                key=key,
            ),
            "TitleTransferred",
        )
        return {
            "unit_id": unit_id,
            "entry_id": ev.get("entryId"),
            "previous_entry_id": ev.get("previousEntryId"),
            "owner_hash": h0x(new_owner_hash),
            "evidence_hash": h0x(evidence_hash),
            "prior_certificate_hash": h0x(prior_certificate_hash),
            "case_ref": h0x(case_ref),
            "seller_consent_hash": h0x(seller_consent_hash),
            "assisted_session_id": assisted_session_id,
            "consent_desk": self.chain.party(desk),
            "carried_mortgages": ev.get("carriedMortgages"),
            "registrar": self.chain.party(actor.address),
            **done,
        }

    # -- bank --------------------------------------------------------------------------------------
    def register_mortgage(
        self, actor: Actor, unit_id: int, creditor_ref: bytes, terms_hash: bytes, *, key: str
    ) -> dict[str, Any]:
        ev, done = self._department_write(
            actor,
            lambda: self.reg.unit(unit_id),
            lambda signer: self.reg.register_mortgage(
                signer, unit_id, creditor_ref, terms_hash, op=f"registry.units.{unit_id}.mortgages", key=key
            ),
            "MortgageRegistered",
        )
        return {
            "mortgage_id": ev.get("mortgageId"),
            "unit_id": unit_id,
            "title_entry_id": ev.get("titleEntryId"),
            "creditor_ref": h0x(creditor_ref),
            "terms_hash": h0x(terms_hash),
            "bank": self.chain.party(actor.address),
            **done,
        }

    def consent_mortgage(self, actor: Actor, mortgage_id: int, *, key: str) -> dict[str, Any]:
        ev, done = self._department_write(
            actor,
            lambda: self.reg.mortgage(mortgage_id),  # 404 PropertyRegistryUnknownMortgage
            lambda signer: self.reg.consent_to_transfer(
                signer, mortgage_id, op=f"registry.mortgages.{mortgage_id}.consent", key=key
            ),
            "MortgageTransferConsented",
        )
        return {
            "mortgage_id": mortgage_id,
            "unit_id": ev.get("unitId"),
            "consented_entry_id": ev.get("titleEntryId"),
            **done,
        }

    def release_mortgage(self, actor: Actor, mortgage_id: int, *, key: str) -> dict[str, Any]:
        ev, done = self._department_write(
            actor,
            lambda: self.reg.mortgage(mortgage_id),
            lambda signer: self.reg.release_mortgage(
                signer, mortgage_id, op=f"registry.mortgages.{mortgage_id}.release", key=key
            ),
            "MortgageReleased",
        )
        return {"mortgage_id": mortgage_id, "unit_id": ev.get("unitId"), "released": True, **done}

    # -- court -------------------------------------------------------------------------------------
    def register_seizure(self, actor: Actor, unit_id: int, court_order_hash: bytes, *, key: str) -> dict[str, Any]:
        ev, done = self._department_write(
            actor,
            lambda: self.reg.unit(unit_id),
            lambda signer: self.reg.register_seizure(
                signer, unit_id, court_order_hash, op=f"registry.units.{unit_id}.seizures", key=key
            ),
            "SeizureRegistered",
        )
        return {
            "seizure_id": ev.get("seizureId"),
            "unit_id": unit_id,
            "court_order_hash": h0x(court_order_hash),
            "court": self.chain.party(actor.address),
            **done,
        }

    def release_seizure(self, actor: Actor, seizure_id: int, order_hash: bytes, *, key: str) -> dict[str, Any]:
        ev, done = self._department_write(
            actor,
            lambda: self.reg.seizure(seizure_id),  # 404 PropertyRegistryUnknownSeizure
            lambda signer: self.reg.release_seizure(
                signer, seizure_id, order_hash, op=f"registry.seizures.{seizure_id}.release", key=key
            ),
            "SeizureReleased",
        )
        return {
            "seizure_id": seizure_id,
            "unit_id": ev.get("unitId"),
            "release_order_hash": h0x(order_hash),
            "released": True,
            **done,
        }

    # -- inspector ---------------------------------------------------------------------------------
    def report_use(
        self, actor: Actor, unit_id: int, actual_use: int, inspection_hash: bytes, *, key: str
    ) -> dict[str, Any]:
        actor.require_role("department")
        officer = self.ops.officer(actor)
        self.reg.unit(unit_id)
        outcome = self.reg.report_actual_use(
            self.ops.account(actor),
            unit_id,
            actual_use,
            inspection_hash,
            op=f"registry.units.{unit_id}.use-reports",
            key=key,
        )
        flagged = self.ops.event(outcome, "UseMismatchFlagged")
        ev = flagged or self.ops.event(outcome, "UseReported") or {}
        return {
            "unit_id": unit_id,
            "report_index": ev.get("reportIndex"),
            "actual_use": actual_use,
            "planned_use": (flagged or {}).get("plannedUse"),
            "mismatch": flagged is not None,
            "event": "UseMismatchFlagged" if flagged is not None else "UseReported",
            "inspection_hash": h0x(inspection_hash),
            "inspector": self.chain.party(actor.address),
            "officer_hash": h0x(officer),
            **self.ops.tx(outcome),
        }

    # -- reads -------------------------------------------------------------------------------------
    def history(self, actor: Actor, unit_id: int) -> dict[str, Any]:
        """The unit with its chain of title, mortgages, seizures and use reports (entitled readers)."""
        u = self.reg.unit(unit_id)  # 404 PropertyRegistryUnknownUnit
        entry_ids = [int(i) for i in self.reg.title_chain(unit_id)]
        entries = [self.reg.title_entry(i) for i in entry_ids]
        mortgages = self.reg.mortgages(unit_id)
        seizures = self.reg.seizures(unit_id)
        self._check_reader(actor, unit_id, entries, mortgages, seizures)
        reports = self.reg.use_reports(unit_id)
        txs = self._title_txs(unit_id)
        planned = u.planned_use
        return {
            "unit_id": unit_id,
            "parcel_code": code_text(u.parcel_code),
            "building_code": code_text(u.building_code),
            "unit_code": code_text(u.unit_code),
            "planned_use": planned,
            "area_m2": u.area_m2,
            "registrar": self.chain.party(u.registrar),
            "registered_at": u.registered_at,
            "current_owner_hash": u.current_owner_hash if u.current_entry_id else None,
            "current_entry_id": u.current_entry_id or None,
            "active_seizures": u.active_seizure_count,
            "active_mortgages": u.active_mortgage_count,
            "outstanding_mortgages": u.outstanding_mortgage_count,
            "transferable": u.current_entry_id != 0
            and u.active_seizure_count == 0
            and u.outstanding_mortgage_count == 0,
            "use_mismatch": u.use_mismatch,
            "last_actual_use": u.last_actual_use or None,
            "title_chain": [
                {
                    "entry_id": e.entry_id,
                    "previous_entry_id": e.previous_entry_id or None,
                    "kind": "first_registration" if e.previous_entry_id == 0 else "transfer",
                    "owner_hash": e.owner_hash,
                    "current": e.entry_id == u.current_entry_id,
                    "evidence_hash": e.evidence_hash,
                    "prior_certificate_hash": _nz(e.prior_certificate_hash),
                    "certificate_id": e.certificate_id or None,
                    "case_ref": e.case_ref,
                    "registrar": self.chain.party(e.registrar),
                    "registered_at": e.registered_at,
                    "tx_hash": txs.get(e.entry_id),
                }
                for e in entries
            ],
            "mortgages": [
                {
                    "mortgage_id": m.mortgage_id,
                    "bank": self.chain.party(m.bank),
                    "creditor_ref": m.creditor_ref,
                    "terms_hash": m.terms_hash,
                    "title_entry_id": m.title_entry_id,
                    "consented_entry_id": m.consented_entry_id or None,
                    "registered_at": m.registered_at,
                    "released_at": m.released_at or None,
                    "outstanding": m.outstanding,
                    "status": "released" if m.released_at else ("outstanding" if m.outstanding else "consented"),
                }
                for m in mortgages
            ],
            "seizures": [
                {
                    "seizure_id": s.seizure_id,
                    "court": self.chain.party(s.court),
                    "court_order_hash": s.court_order_hash,
                    "release_order_hash": _nz(s.release_order_hash),
                    "registered_at": s.registered_at,
                    "released_at": s.released_at or None,
                    "active": s.released_at == 0,
                }
                for s in seizures
            ],
            "use_reports": [
                {
                    "report_index": i,
                    "actual_use": r.actual_use,
                    "planned_use": planned,
                    "mismatch": r.mismatch,
                    "inspector": self.chain.party(r.inspector),
                    "reported_at": r.reported_at,
                    "inspection_hash": r.inspection_hash,
                }
                for i, r in enumerate(reports)
            ],
        }

    def _check_reader(
        self, actor: Actor, unit_id: int, entries: list[TitleEntry], mortgages: list[Mortgage], seizures: list[Seizure]
    ) -> None:
        if actor.role == "auditor":
            return
        if actor.role == "citizen":
            if any(e.owner_hash.lower() == actor.address.lower() for e in entries):
                return
        elif actor.role == "department":
            if self.reg.has_role(actor.address, REGISTRAR):
                return
            if any(actor.same(m.bank) for m in mortgages) or any(actor.same(s.court) for s in seizures):
                return
        raise Forbidden("not a party entitled to this unit's history", unit_id=unit_id)

    def _title_txs(self, unit_id: int) -> dict[int, str]:
        """entry id → the transaction that registered it (the on-chain evidence of the entry)."""
        out: dict[int, str] = {}
        self.ops.fresh()
        for ev in self.ops.history(REG, ("FirstOwnershipRegistered", "TitleTransferred"), unitId=unit_id):
            out[int(ev["args"]["entryId"])] = ev["tx_hash"]
        return out


def _nz(value: str | None) -> str | None:
    return None if value is None or int(value, 16) == 0 else value
