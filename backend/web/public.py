"""Public certificate verification (no sign-in) and the citizen's pages."""

import re
from typing import Annotated, Any

from eth_utils import keccak
from fastapi import APIRouter, Depends, File, Form, Request, UploadFile

from backend.services.audit import TrailFilter, audit_service
from backend.services.errors import InvalidInput
from backend.web.core import (
    CSRF, WebUser, ctx_of, describe_error, load, need, page_number, Pager, render,
)

router = APIRouter(prefix="/console")
Citizen = Annotated[WebUser, Depends(need("citizen"))]
_HASH = re.compile(r"^(0x)?[0-9a-fA-F]{64}$")
MAX_DOC = 16 * 1024 * 1024


def certificate_service(ctx) -> Any | None:
    """The certificate use cases if this deployment has them (None = not available yet)."""
    svc = getattr(ctx.services, "certificates", None)
    if svc is not None:
        return svc
    if "Certificates" not in ctx.manifest.contracts:
        return None
    try:
        from backend.services.certificates import CertificateService
    except ImportError:
        return None
    svc = CertificateService(ctx, ctx.services.ops)
    return svc


@router.get("/verify")
def verify_form(request: Request):
    available = certificate_service(ctx_of(request)) is not None
    return render(request, "verify.html", {"available": available, "result": None, "tab": "verify"})


@router.post("/verify")
def verify(
    request: Request, _c: None = CSRF,
    document_hash: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
):
    ctx = ctx_of(request)
    svc = certificate_service(ctx)
    if svc is None:
        return render(request, "verify.html", {"available": False, "result": None, "tab": "verify"})
    try:
        if file is not None and file.filename:
            data = file.file.read(MAX_DOC + 1)
            if len(data) > MAX_DOC:
                raise InvalidInput("file too large", field="file")
            h = keccak(data)
        else:
            text = document_hash.strip()
            if not _HASH.match(text):
                raise InvalidInput("document hash must be 64 hex digits (0x…)", field="document_hash")
            h = bytes.fromhex(text.removeprefix("0x"))
        result = svc.verify(h)
    except Exception as exc:
        _, message = describe_error(request, exc)
        return render(request, "verify.html", {"available": True, "result": None, "error": message, "tab": "verify"})
    return render(request, "verify.html", {"available": True, "result": result, "tab": "verify"})


# -- citizen ------------------------------------------------------------------------------------------
@router.get("/citizen")
def citizen_log(request: Request, user: Citizen):
    """Every recorded use of data about this citizen (the token's principal is the subject hash)."""
    ctx = ctx_of(request)

    def loader():
        p = page_number(request.query_params.get("page"))
        f = TrailFilter(subject_hash=user.address.lower(), event="UseRecorded")
        svc = audit_service(ctx)
        try:
            res = svc.trail(user.actor, f, limit=25, offset=(p - 1) * 25)
        except Exception:
            # the audit service may not serve citizens: read the index directly
            from backend.indexer.query import query_events

            with ctx.sessions() as s:
                items = query_events(s, subject_hash=user.address, event="UseRecorded", limit=25, offset=(p - 1) * 25)
            res = {"items": items, "total": len(items) + (p - 1) * 25}
        pg = Pager(p, 25, res["total"], "page", dict(request.query_params), request.url.path)
        objections = getattr(ctx.services, "access_log", None) is not None
        return {"rows": res["items"], "pager": pg, "objections": objections, "tab": "citizen", "sub": "log"}

    return load(request, "citizen_log.html", loader)


@router.get("/citizen/cases")
def citizen_cases(request: Request, user: Citizen):
    svc = getattr(ctx_of(request).services, "cases", None)
    return render(request, "placeholder.html", {"title_key": "my_cases", "available": svc is not None,
                                                 "tab": "citizen", "sub": "cases"})


@router.get("/citizen/certificates")
def citizen_certificates(request: Request, user: Citizen):
    ctx = ctx_of(request)
    svc = certificate_service(ctx)
    if svc is None or not hasattr(svc, "of_holder"):
        return render(request, "placeholder.html", {"title_key": "my_certificates", "available": False,
                                                     "tab": "citizen", "sub": "certs"})

    def loader():
        res = svc.of_holder(bytes.fromhex(user.address.removeprefix("0x")), 0, 50)
        return {"items": res["items"], "tab": "citizen", "sub": "certs"}

    return load(request, "citizen_certs.html", loader)


@router.get("/property/{unit_id}")
def property_unit(request: Request, unit_id: int, user: Annotated[WebUser, Depends(need())]):
    svc = getattr(ctx_of(request).services, "property", None)
    return render(request, "placeholder.html", {"title_key": "property", "available": svc is not None, "tab": ""})
