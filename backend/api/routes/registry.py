"""Real-estate registry: units and the chain of title (registrar), mortgages (bank),
seizures (court), use reports (inspector), roles (council), unit history (entitled parties)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import Field

from backend.api.deps import (
    CurrentPrincipal,
    DepartmentWriter,
    GovernorWriter,
    IdemKey,
    ReaderPrincipal,
    RegistryDep,
    Svc,
    actor,
)
from backend.api.schemas import UINT32, DataSubject, Strict
from backend.api.schemas import registry as answers
from backend.api.schemas.common import API_ERRORS, HEX32, ModelRouter, OptionalHex32
from backend.api.subjects import subject_of
from backend.services.certificates import ref32
from backend.services.common import hex32

router = ModelRouter(prefix="/registry", tags=["registry"], responses=API_ERRORS)

Id = Annotated[int, Path(ge=1, le=2**256 - 1)]
Address = Annotated[str, Path(pattern=r"^0x[0-9a-fA-F]{40}$")]
Code = Field(min_length=1, max_length=66, description="text of at most 32 bytes or 0x + 64 hex digits")
Ref = Field(min_length=1, max_length=200, description="reference: 0x-32-byte hex, or text (hashed)")
Text = Field(default=None, min_length=1, max_length=100_000)


class RoleProposal(Strict):
    department: str = Field(pattern=r"^0x[0-9a-fA-F]{40}$")
    role: Literal["REGISTRAR", "BANK", "COURT", "INSPECTOR"]
    enabled: bool = True
    justification: str = Field(min_length=1, max_length=10_000)


class RegisterUnit(Strict):
    parcel_code: str = Code
    building_code: str | None = Field(default=None, min_length=1, max_length=66)
    unit_code: str | None = Field(default=None, min_length=1, max_length=66)
    planned_use: int = Field(ge=1, le=255, description="land-use classification code")
    area_m2: int = Field(ge=1, le=UINT32)


class FirstOwnership(Strict):
    owner: DataSubject | None = None
    owner_hash: str | None = OptionalHex32
    evidence: str | None = Text
    evidence_hash: str | None = OptionalHex32
    case_ref: str = Ref


class Transfer(Strict):
    new_owner: DataSubject | None = None
    new_owner_hash: str | None = OptionalHex32
    evidence: str | None = Text
    evidence_hash: str | None = OptionalHex32
    prior_certificate_hash: str = Field(
        pattern=HEX32, description="document hash of the certificate bound to the unit's current title entry"
    )
    case_ref: str = Ref
    seller_consent_hash: str = Field(
        pattern=HEX32,
        description="hash of the seller's consent record (kept off chain; a keyed or content hash, never the text)",
    )
    assisted_session_id: int = Field(
        ge=1,
        le=2**256 - 1,
        description="the assisted session the seller consented in: opened for the seller, not used by an "
        "earlier transfer, at the desk of consent_desk",
    )
    consent_desk: str = Field(
        pattern=r"^0x[0-9a-fA-F]{40}$",
        description="the department whose front desk opened that session; never the registrar itself "
        "(the registrar alone cannot vouch for the seller)",
    )


class BindCertificate(Strict):
    cert_id: int = Field(ge=1, le=2**64 - 1, description="a property certificate this registrar issued to the owner")


class RegisterMortgage(Strict):
    creditor_ref: str = Ref
    terms: str | None = Text
    terms_hash: str | None = OptionalHex32


class RegisterSeizure(Strict):
    court_order: str | None = Text
    court_order_hash: str | None = OptionalHex32


class ReleaseSeizure(Strict):
    order: str | None = Text
    order_hash: str | None = OptionalHex32


class UseReport(Strict):
    actual_use: int = Field(ge=1, le=255)
    inspection: str | None = Text
    inspection_hash: str | None = OptionalHex32


# -- council ------------------------------------------------------------------------------------------
@router.post(
    "/roles",
    response_model=answers.ProposeRoleAnswer,
    status_code=201,
    summary="Propose giving/taking a registry role (governor); others approve via /council/proposals",
)
def propose_role(body: RoleProposal, registry: RegistryDep, who: GovernorWriter, key: IdemKey) -> dict[str, Any]:
    return registry.propose_role(who, body.department, body.role, body.enabled, body.justification, key=key)


@router.get("/roles/{department}", response_model=answers.RolesOfAnswer, summary="Registry roles a department holds")
def roles_of(department: Address, registry: RegistryDep, principal: ReaderPrincipal) -> dict[str, Any]:
    return registry.roles_of(department)


# -- registrar ----------------------------------------------------------------------------------------
@router.post(
    "/units", response_model=answers.RegisterUnitAnswer, status_code=201, summary="Register a property unit (REGISTRAR)"
)
def register_unit(body: RegisterUnit, registry: RegistryDep, who: DepartmentWriter, key: IdemKey) -> dict[str, Any]:
    return registry.register_unit(
        who,
        body.parcel_code,
        body.building_code,
        body.unit_code,
        body.planned_use,
        body.area_m2,
        key=key,
    )


@router.post(
    "/units/{unit_id}/ownership",
    response_model=answers.FirstOwnershipAnswer,
    status_code=201,
    summary="Register the first ownership (REGISTRAR)",
)
def first_ownership(unit_id: Id, body: FirstOwnership, svc: Svc, who: DepartmentWriter, key: IdemKey) -> dict[str, Any]:
    owner = subject_of(svc, body.owner, body.owner_hash, "owner")
    evidence = body.hashed("evidence")
    return svc.registry.first_ownership(who, unit_id, owner, evidence, ref32(body.case_ref, None, "case_ref"), key=key)


@router.post(
    "/units/{unit_id}/transfers",
    response_model=answers.TransferAnswer,
    status_code=201,
    summary="Register a transfer (REGISTRAR) with the seller's consent; the certificate bound to the current "
    "title entry must be presented and is superseded in the same transaction",
)
def transfer(unit_id: Id, body: Transfer, svc: Svc, who: DepartmentWriter, key: IdemKey) -> dict[str, Any]:
    owner = subject_of(svc, body.new_owner, body.new_owner_hash, "new_owner")
    evidence = body.hashed("evidence")
    prior = hex32(body.prior_certificate_hash, "prior_certificate_hash")
    consent = hex32(body.seller_consent_hash, "seller_consent_hash")
    case_ref = ref32(body.case_ref, None, "case_ref")
    return svc.registry.transfer(
        who, unit_id, owner, evidence, prior, case_ref, consent, body.assisted_session_id, body.consent_desk, key=key
    )


@router.post(
    "/units/{unit_id}/certificate",
    response_model=answers.BindCertificateAnswer,
    status_code=201,
    summary="Bind the owner's property certificate to the unit's current title entry (REGISTRAR, its issuer)",
)
def bind_certificate(
    unit_id: Id, body: BindCertificate, registry: RegistryDep, who: DepartmentWriter, key: IdemKey
) -> dict[str, Any]:
    return registry.bind_certificate(who, unit_id, body.cert_id, key=key)


# -- bank ----------------------------------------------------------------------------------------------
@router.post(
    "/units/{unit_id}/mortgages",
    response_model=answers.RegisterMortgageAnswer,
    status_code=201,
    summary="Register a mortgage (BANK)",
)
def register_mortgage(
    unit_id: Id, body: RegisterMortgage, registry: RegistryDep, who: DepartmentWriter, key: IdemKey
) -> dict[str, Any]:
    terms = body.hashed("terms")
    return registry.register_mortgage(who, unit_id, ref32(body.creditor_ref, None, "creditor_ref"), terms, key=key)


def _mortgage_act(method: str) -> Callable[..., dict[str, Any]]:
    """The bank's consent and release differ only in the service method."""

    def act(mortgage_id: Id, registry: RegistryDep, who: DepartmentWriter, key: IdemKey) -> dict[str, Any]:
        return getattr(registry, method)(who, mortgage_id, key=key)

    return act


router.post(
    "/mortgages/{mortgage_id}/consent",
    name="consent_mortgage",
    response_model=answers.ConsentMortgageAnswer,
    summary="Consent to the transfer of the current title (the mortgage's bank)",
)(_mortgage_act("consent_mortgage"))
router.post(
    "/mortgages/{mortgage_id}/release",
    name="release_mortgage",
    response_model=answers.ReleaseMortgageAnswer,
    summary="Release a mortgage (the mortgage's bank)",
)(_mortgage_act("release_mortgage"))


# -- court ---------------------------------------------------------------------------------------------
@router.post(
    "/units/{unit_id}/seizures",
    response_model=answers.RegisterSeizureAnswer,
    status_code=201,
    summary="Seize a unit by court order (COURT)",
)
def register_seizure(
    unit_id: Id, body: RegisterSeizure, registry: RegistryDep, who: DepartmentWriter, key: IdemKey
) -> dict[str, Any]:
    return registry.register_seizure(who, unit_id, body.hashed("court_order"), key=key)


@router.post(
    "/seizures/{seizure_id}/release",
    response_model=answers.ReleaseSeizureAnswer,
    summary="Release a seizure (the seizing court)",
)
def release_seizure(
    seizure_id: Id, body: ReleaseSeizure, registry: RegistryDep, who: DepartmentWriter, key: IdemKey
) -> dict[str, Any]:
    return registry.release_seizure(who, seizure_id, body.hashed("order"), key=key)


# -- inspector -----------------------------------------------------------------------------------------
@router.post(
    "/units/{unit_id}/use-reports",
    response_model=answers.ReportUseAnswer,
    status_code=201,
    summary="Report the actual use found by an inspection (INSPECTOR); a mismatch is flagged",
)
def report_use(
    unit_id: Id, body: UseReport, registry: RegistryDep, who: DepartmentWriter, key: IdemKey
) -> dict[str, Any]:
    return registry.report_use(who, unit_id, body.actual_use, body.hashed("inspection"), key=key)


# -- reads ---------------------------------------------------------------------------------------------
@router.get(
    "/units/{unit_id}/history",
    response_model=answers.HistoryAnswer,
    summary="Title chain, mortgages, seizures and use reports (registrar, the unit's banks/courts, "
    "auditors, the citizen owner)",
)
def history(unit_id: Id, registry: RegistryDep, principal: CurrentPrincipal) -> dict[str, Any]:
    return registry.history(actor(principal), unit_id)
