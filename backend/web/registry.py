"""Real-estate registry pages (不动产登记), on ``ctx.services.registry``.

- ``/console/registry`` (department): the registry roles this department holds, a
  unit look-up, the units registered so far (for the registrar) and "register a
  unit" (REGISTRAR).
- ``/console/registry/units/{id}``: the unit's register (chain of title, mortgages,
  seizures, use reports with mismatch flags) for the parties entitled to it — a
  registrar, a bank or court with an entry on the unit, auditors, the citizen owner;
  everyone else gets a 403 page saying who may read it. Departments holding a role
  see its forms there: first ownership and transfer (REGISTRAR), mortgage (BANK),
  seizure (COURT). Refusals (e.g. a transfer of a seized unit) come back in words.
"""

import math
import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from backend.services.certificates import ContractNotDeployed, ref32
from backend.services.common import hash_or_text, hex32
from backend.services.errors import Forbidden, InvalidInput
from backend.web import i18n
from backend.web.core import (
    ChainId,
    Dept,
    FormWrite,
    Pager,
    WebUser,
    ctx_of,
    error_page,
    lang_of,
    load,
    need,
    page_number,
    redirect,
    render,
    services_of,
)

router = APIRouter(prefix="/console")
Reader = Annotated[WebUser, Depends(need("department", "auditor", "citizen", "governor"))]
REG = "PropertyRegistry"
USE_CODES = (1, 2, 3, 4, 5, 6)
PER_PAGE = 20
_HASH = re.compile(r"^0x[0-9a-fA-F]{64}$")


def _deployed(request: Request) -> bool:
    return REG in ctx_of(request).manifest.contracts


def _roles(request: Request, user: WebUser) -> list[str]:
    if user.role != "department" or not _deployed(request):
        return []
    return list(services_of(request).registry.roles_of(user.address)["roles"])


def _person(request: Request, value: str, field: str) -> bytes:
    """A person as ``id_type:id_value`` (hashed with the deployment's subject key) or a 0x subject hash."""
    v = (value or "").strip()
    if _HASH.match(v):
        return hex32(v, field)
    id_type, sep, id_value = v.partition(":")
    if not sep or not id_type.strip() or not id_value.strip():
        raise InvalidInput(f"{field}: id_type:id_value or a 0x subject hash", field=field)
    return services_of(request).ops.subject(id_type.strip(), id_value.strip())


def _text(value: str, field: str) -> bytes:
    return hash_or_text(value if value.strip() else None, None, field)


# -- department home ----------------------------------------------------------------------------------
@router.get("/registry")
def registry_home(request: Request, user: Annotated[WebUser, Depends(need("department", "auditor", "citizen"))]):
    ctx = ctx_of(request)

    def loader():
        if not _deployed(request):
            raise ContractNotDeployed(f"{REG} is not deployed", contract=REG)
        roles = _roles(request, user)
        units: list[dict[str, Any]] = []
        pg = None
        if "REGISTRAR" in roles:
            total = ctx.services.registry.units(user, 0, 1)["total"]
            p = page_number(request.query_params.get("page"))
            pg = Pager(p, PER_PAGE, total, "page", dict(request.query_params), request.url.path)
            pg.page = min(pg.page, max(1, math.ceil(total / PER_PAGE)))
            units = ctx.services.registry.units(user, pg.offset, PER_PAGE)["items"]
        return {
            "roles": roles,
            "units": units,
            "pager": pg,
            "use_codes": USE_CODES,
            "tab": "registry",
            "sub": "registry",
        }

    return load(request, "registry.html", loader)


@router.get("/registry/open")
def open_unit(request: Request, user: Reader, unit_id: str = ""):
    v = unit_id.strip().lstrip("#")
    if not v.isdigit() or not 0 < int(v) < 2**256:
        return redirect(
            request,
            "/console/registry" if user.role == "department" else "/console",
            "error",
            i18n.error_message(lang_of(request), "InvalidInput", {"reason": "unit id"}),
        )
    return RedirectResponse(f"/console/registry/units/{int(v)}", status_code=303)


@router.get("/property/{unit_id}")
def old_property_link(unit_id: ChainId, user: Reader):
    return RedirectResponse(f"/console/registry/units/{unit_id}", status_code=303)


# -- a unit's register ---------------------------------------------------------------------------------
@router.get("/registry/units/{unit_id}")
def unit_page(request: Request, unit_id: ChainId, user: Reader):
    svc = services_of(request)
    try:
        if not _deployed(request):
            raise ContractNotDeployed(f"{REG} is not deployed", contract=REG)
        h = svc.registry.history(user, unit_id)
        roles = _roles(request, user)
    except Forbidden:
        message = i18n.t(lang_of(request), "history_forbidden", id=unit_id)
        return render(request, "error.html", {"message": message, "status": 403, "tab": "registry"}, status_code=403)
    except Exception as exc:
        return error_page(request, exc)
    return render(request, "registry_unit.html", {"h": h, "roles": roles, "tab": "registry", "sub": "registry"})


# -- writes -------------------------------------------------------------------------------------------
def _unit_url(unit_id: int) -> str:
    return f"/console/registry/units/{unit_id}"


def _form_unit(value: str) -> int:
    v = (value or "").strip().lstrip("#")
    if not v.isdigit() or not 0 < int(v) < 2**256:
        raise InvalidInput("unit id must be a whole number", field="unit_id")
    return int(v)


@router.post("/registry/units")
def register_unit(
    user: Dept,
    form: FormWrite,
    parcel_code: Annotated[str, Form()] = "",
    building_code: Annotated[str, Form()] = "",
    unit_code: Annotated[str, Form()] = "",
    planned_use: Annotated[int, Form(ge=1, le=255)] = 1,
    area_m2: Annotated[int, Form(ge=1, le=2**32 - 1)] = 1,
):
    """Registers a unit and opens its register (a refusal comes back to the form in words)."""

    def do() -> tuple[str, str]:
        res = form.services.registry.register_unit(
            user,
            parcel_code,
            building_code.strip() or None,
            unit_code.strip() or None,
            planned_use,
            area_m2,
            key=form.key,
        )
        return i18n.t(form.lang, "saved_unit", id=res["unit_id"], tx=res["tx_hash"]), _unit_url(res["unit_id"])

    return form.act("/console/registry", do)


@router.post("/registry/units/{unit_id}/ownership")
def first_ownership(
    unit_id: ChainId,
    user: Dept,
    form: FormWrite,
    owner: Annotated[str, Form()] = "",
    evidence: Annotated[str, Form()] = "",
    case_ref: Annotated[str, Form()] = "",
):
    def do() -> str:
        res = form.services.registry.first_ownership(
            user,
            unit_id,
            _person(form.request, owner, "owner"),
            _text(evidence, "evidence"),
            ref32(case_ref.strip() or None, None, "case_ref"),
            key=form.key,
        )
        return i18n.t(form.lang, "saved_ownership", id=unit_id, entry=res["entry_id"])

    return form.act(_unit_url(unit_id), do)


@router.post("/registry/units/{unit_id}/transfer")
def transfer(
    unit_id: ChainId,
    user: Dept,
    form: FormWrite,
    new_owner: Annotated[str, Form()] = "",
    evidence: Annotated[str, Form()] = "",
    prior_certificate_hash: Annotated[str, Form()] = "",
    case_ref: Annotated[str, Form()] = "",
    seller_consent_hash: Annotated[str, Form()] = "",
    assisted_session_id: Annotated[str, Form()] = "",
    consent_desk: Annotated[str, Form()] = "",
):
    def do() -> str:
        session = assisted_session_id.strip()
        if not session.isdigit() or int(session) < 1:
            raise InvalidInput("assisted_session_id: a session number", field="assisted_session_id")
        res = form.services.registry.transfer(
            user,
            unit_id,
            _person(form.request, new_owner, "new_owner"),
            _text(evidence, "evidence"),
            hex32(prior_certificate_hash.strip(), "prior_certificate_hash"),
            ref32(case_ref.strip() or None, None, "case_ref"),
            hex32(seller_consent_hash.strip(), "seller_consent_hash"),
            int(session),
            consent_desk.strip(),
            key=form.key,
        )
        return i18n.t(form.lang, "saved_transfer", id=unit_id, entry=res["entry_id"])

    return form.act(_unit_url(unit_id), do)


# A bank's or court's form names its unit; success opens the unit's register, a refusal returns to ``back``.
@router.post("/registry/mortgages")
def register_mortgage(
    user: Dept,
    form: FormWrite,
    unit_id: Annotated[str, Form()] = "",
    creditor_ref: Annotated[str, Form()] = "",
    terms: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "",
):
    """BANK: a mortgage on the unit named in the form (a bank reads a unit only once it has an entry on it)."""

    def do() -> tuple[str, str]:
        u = _form_unit(unit_id)
        creditor = ref32(creditor_ref.strip() or None, None, "creditor_ref")
        res = form.services.registry.register_mortgage(user, u, creditor, _text(terms, "terms"), key=form.key)
        return i18n.t(form.lang, "saved_mortgage", id=u, mid=res["mortgage_id"]), _unit_url(u)

    return form.act(_back(back), do)


@router.post("/registry/seizures")
def register_seizure(
    user: Dept,
    form: FormWrite,
    unit_id: Annotated[str, Form()] = "",
    court_order: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "",
):
    """COURT: a seizure of the unit named in the form."""

    def do() -> tuple[str, str]:
        u = _form_unit(unit_id)
        res = form.services.registry.register_seizure(user, u, _text(court_order, "court_order"), key=form.key)
        return i18n.t(form.lang, "saved_seizure", id=u, sid=res["seizure_id"]), _unit_url(u)

    return form.act(_back(back), do)


def _back(value: str) -> str:
    """Where a refused bank/court form returns: the unit page it was posted from, or the registry home."""
    return value if re.fullmatch(r"/console/registry(/units/\d{1,78})?", value or "") else "/console/registry"
