"""Auditor pages: trail with filters and exports, transaction view, integrity, incidents, dashboard."""

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import StreamingResponse

from backend.services.audit import TrailFilter
from backend.services.errors import InvalidInput
from backend.web import charts, i18n
from backend.web.core import (
    CSRF,
    Pager,
    WebUser,
    ctx_of,
    describe_error,
    error_page,
    lang_of,
    load,
    name_of,
    need,
    page_number,
    render,
)

router = APIRouter(prefix="/console/audit")
Reader = Annotated[WebUser, Depends(need("auditor", "governor"))]
PER_PAGE = 25
EVENTS = (
    "ResourceRegistered",
    "VersionPublished",
    "UseRequested",
    "RequestApproved",
    "RequestDenied",
    "GrantIssued",
    "GrantRevoked",
    "UseRecorded",
    "IncidentFiled",
    "IncidentResponded",
    "IncidentRuled",
    "ProposalCreated",
    "ProposalApproved",
    "ProposalExecuted",
    "DepartmentAdmitted",
    "CertificateIssued",
    "CertificateRevoked",
    "CertificateRevokedByCouncil",
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TX = re.compile(r"^0x[0-9a-fA-F]{64}$")


def _int(v: str | None) -> int | None:
    v = (v or "").strip().lstrip("#")
    if not v:
        return None
    if not v.isdigit() or len(v) > 78 or int(v) > 2**256 - 1:
        raise InvalidInput("ids are whole numbers below 2**256", field="id")
    return int(v) or None


def _filter(request: Request) -> tuple[TrailFilter, dict[str, str]]:
    q = {
        k: (request.query_params.get(k) or "").strip()
        for k in ("resource_id", "grant_id", "department", "officer_hash", "subject", "event", "from", "to")
    }
    subject = q["subject"] or None
    if subject and not subject.startswith("0x"):
        id_type, sep, id_value = subject.partition(":")
        if not sep:
            raise InvalidInput("data subject: id_type:id_value or a 0x hash", field="subject")
        subject = "0x" + ctx_of(request).services.ops.subject(id_type, id_value).hex()
    to = q["to"] or None
    if to and _DATE.match(to):
        to += "T23:59:59"
    f = TrailFilter.parse(
        resource_id=_int(q["resource_id"]),
        grant_id=_int(q["grant_id"]),
        department=q["department"] or None,
        officer_hash=q["officer_hash"] or None,
        subject=subject,
        event=q["event"] or None,
        from_time=q["from"] or None,
        to_time=to,
    )
    return f, q


def _departments(request: Request) -> list[tuple[str, str]]:
    ops = ctx_of(request).services.ops
    try:
        return [(a, name_of(request, a)) for a in ops.contracts.consortium.departments()]
    except Exception:
        return []


@router.get("")
def trail_page(request: Request, user: Reader):
    ctx = ctx_of(request)

    def loader():
        f, q = _filter(request)
        p = page_number(request.query_params.get("page"))
        res = ctx.services.audit.trail(user, f, limit=PER_PAGE, offset=(p - 1) * PER_PAGE)
        pg = Pager(p, PER_PAGE, res["total"], "page", dict(request.query_params), request.url.path)
        export_q = request.url.query
        return {
            "rows": res["items"],
            "pager": pg,
            "q": q,
            "indexed_to": res.get("indexed_to_block"),
            "events": EVENTS,
            "departments": _departments(request),
            "export_q": export_q,
            "tab": "audit",
            "sub": "trail",
        }

    return load(request, "audit_trail.html", loader)


@router.get("/export.{fmt}")
def export(request: Request, fmt: str, user: Reader):
    try:
        f, _ = _filter(request)
        if fmt not in ("csv", "json"):
            raise InvalidInput("format must be csv or json", field="format")
        stream = ctx_of(request).services.audit.export(user, f, fmt)
    except Exception as exc:
        return error_page(request, exc)
    media = "text/csv; charset=utf-8" if fmt == "csv" else "application/json"
    return StreamingResponse(
        stream, media_type=media, headers={"Content-Disposition": f'attachment; filename="govchain-trail.{fmt}"'}
    )


@router.get("/tx/{tx_hash}")
def tx_page(request: Request, tx_hash: str, user: Reader):
    ctx = ctx_of(request)

    def loader():
        if not _TX.match(tx_hash):
            raise InvalidInput("not a transaction hash", field="tx_hash")
        tx = ctx.services.audit.transaction(user, tx_hash)
        return {**tx, "tab": "audit", "sub": "trail"}

    return load(request, "audit_tx.html", loader)


@router.get("/integrity")
def integrity_form(request: Request, user: Reader):
    return render(request, "audit_integrity.html", {"result": None, "tab": "audit", "sub": "integrity"})


@router.post("/integrity")
def integrity_check(
    request: Request,
    user: Reader,
    _c: None = CSRF,
    resource_id: Annotated[str, Form()] = "",
):
    """A POST: for an auditor a failing check files a TAMPER incident signed by the auditor's
    own account (once per version and finding); a governor's check only reports."""
    try:
        rid = _int(resource_id)
        if rid is None:
            raise InvalidInput("resource id is required", field="resource_id")
        result = ctx_of(request).services.audit.integrity(user, rid, file_incidents=True)
    except Exception as exc:
        _, message = describe_error(request, exc)
        return render(
            request,
            "audit_integrity.html",
            {"result": None, "error": message, "resource_id": resource_id, "tab": "audit", "sub": "integrity"},
        )
    return render(
        request,
        "audit_integrity.html",
        {"result": result, "resource_id": resource_id, "tab": "audit", "sub": "integrity"},
    )


@router.get("/incidents")
def incidents_page(request: Request, user: Reader):
    ctx = ctx_of(request)

    def loader():
        status = request.query_params.get("status") or None
        itype = request.query_params.get("type") or None
        p = page_number(request.query_params.get("page"))
        res = ctx.services.audit.incidents(
            user, status=status, incident_type=itype, limit=PER_PAGE, offset=(p - 1) * PER_PAGE
        )
        pg = Pager(p, PER_PAGE, res["total"], "page", dict(request.query_params), request.url.path)
        return {
            "items": res["items"],
            "pager": pg,
            "status": status or "",
            "itype": itype or "",
            "tab": "audit",
            "sub": "incidents",
        }

    return load(request, "audit_incidents.html", loader)


@router.get("/dashboard")
def dashboard(request: Request, user: Reader):
    ctx = ctx_of(request)
    lang = lang_of(request)

    def loader():
        st = ctx.services.audit.stats(user)
        days = sorted({u["day"] for u in st["uses_per_day"]})[-30:]
        depts = sorted({u["department_name"] or name_of(request, u["department"]) for u in st["uses_per_day"]})
        series = {d: [0] * len(days) for d in depts}
        for u in st["uses_per_day"]:
            if u["day"] in days:
                series[u["department_name"] or name_of(request, u["department"])][days.index(u["day"])] += u["count"]
        empty = i18n.t(lang, "no_data")
        uses_svg = charts.stacked_bars(i18n.t(lang, "uses_per_day"), days, series, empty=empty)
        g = st["grants_by_classification"]
        grants_svg = charts.bar_chart(
            i18n.t(lang, "grants_by_cls"),
            [i18n.t(lang, f"cls_{k}") if k != "UNKNOWN" else "?" for k in g],
            list(g.values()),
            empty=empty,
        )
        tyo = st["incidents_by_type_and_outcome"]
        outcomes = ["Open", "Responded", "Escalated", "Upheld", "Dismissed"]
        inc_series = {
            i18n.t(lang, f"st_{o}") if f"st_{o}" in i18n.LABELS else o: [tyo.get(t, {}).get(o, 0) for t in tyo]
            for o in outcomes
        }
        inc_svg = charts.stacked_bars(
            i18n.t(lang, "incidents_by_type"),
            [i18n.t(lang, f"it_{t}") for t in tyo],
            inc_series,
            empty=empty,
            width=520,
        )
        return {
            "st": st,
            "uses_svg": uses_svg,
            "grants_svg": grants_svg,
            "inc_svg": inc_svg,
            "tab": "audit",
            "sub": "dashboard",
        }

    return load(request, "audit_dashboard.html", loader)
