"""Department pages: workspace (my resources), catalog, requests, grants, incidents."""

import base64
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile

from backend.chain.enums import Classification
from backend.services import Content
from backend.services.common import canonical_json, text_hash
from backend.services.errors import InvalidInput
from backend.services.resources import MAX_CONTENT_BYTES
from backend.services.usage import fields_hash
from backend.web import i18n
from backend.web.core import (
    ChainId,
    Dept,
    FormWrite,
    WebUser,
    data_subject,
    describe_error,
    lists_page,
    load,
    need,
    render,
    required_text,
    services_of,
)

router = APIRouter(prefix="/console")
CLASSES = tuple(m.name for m in Classification)
UINT256 = 2**256 - 1


def _json_field(lang: str, text: str, field: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:  # (the ValueError json.loads raises for a str)
        raise InvalidInput(
            i18n.t(lang, "bad_json", detail=f"{field}: {exc.msg} (line {exc.lineno})"), field=field
        ) from None


def _upload(file: UploadFile | None) -> Content | None:
    if file is None or not file.filename:
        return None
    data = file.file.read(MAX_CONTENT_BYTES + 1)
    if len(data) > MAX_CONTENT_BYTES:
        raise InvalidInput(f"file larger than {MAX_CONTENT_BYTES} bytes", field="file")
    return Content(data, (file.content_type or "application/octet-stream")[:100])


# -- my resources -------------------------------------------------------------------------------------
@router.get("/workspace")
def workspace(request: Request, user: Dept):
    svc = services_of(request)
    mine = ("resources", "pager", "page", lambda o, l: svc.resources.list(o, l, owner=user.address))
    return lists_page(request, "workspace.html", "workspace", mine, classes=CLASSES)


@router.post("/resources")
def register_resource(
    user: Dept,
    form: FormWrite,
    classification: Annotated[str, Form()] = "INTERNAL",
    record: Annotated[str, Form()] = "",
    schema_text: Annotated[str, Form(alias="schema")] = "",
    subject: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
):
    svc, lang = form.services, form.lang

    def do() -> str:
        content = _upload(file)
        if content is None:
            if not record.strip():
                raise InvalidInput(i18n.t(lang, "bad_json", detail="—"), field="record")
            content = Content.from_record(_json_field(lang, record, "record"))
        schema_value = _json_field(lang, schema_text, "schema") if schema_text.strip() else {"type": "object"}
        schema_hash = text_hash(canonical_json(schema_value).decode())
        subj = data_subject(form.request, subject)
        res = svc.resources.register(user, content, classification, schema_hash, subject=subj, key=form.key)
        return i18n.t(lang, "saved_registered", id=res["resource_id"], tx=res["tx_hash"])

    return form.act("/console/workspace", do)


@router.get("/resources/{resource_id}")
def resource_detail(
    request: Request, resource_id: ChainId, user: Annotated[WebUser, Depends(need("department", "auditor", "governor"))]
):
    svc = services_of(request)

    def loader():
        r = svc.resources.get(resource_id)
        content = None
        if (
            request.query_params.get("show")
            and user.role == "department"
            and user.address.lower() == r["owner"].lower()
        ):
            content = _shape(svc.resources.content(user, resource_id, None))
        return {"r": r, "content": content, "tab": "workspace" if user.role == "department" else "audit"}

    return load(request, "resource.html", loader)


@router.post("/resources/{resource_id}/versions")
def new_version(
    resource_id: ChainId,
    user: Dept,
    form: FormWrite,
    record: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
):
    def do() -> str:
        content = _upload(file) or Content.from_record(_json_field(form.lang, record, "record"))
        res = form.services.resources.publish_version(user, resource_id, content, key=form.key)
        return i18n.t(form.lang, "saved_version", id=resource_id, version=res["version"], tx=res["tx_hash"])

    return form.act(f"/console/resources/{resource_id}", do)


# -- catalog ------------------------------------------------------------------------------------------
@router.get("/catalog")
def catalog(request: Request, user: Dept):
    svc = services_of(request)
    registry = svc.purposes.catalogue()  # the request form offers the council's registered entries
    return lists_page(
        request,
        "catalog.html",
        "catalog",
        ("resources", "pager", "page", svc.resources.list),
        purposes=[p for p in registry["purposes"] if not p["retired"]],
        legal_bases=[b for b in registry["legal_bases"] if not b["retired"]],
    )


@router.post("/requests")
def request_use(
    user: Dept,
    form: FormWrite,
    resource_id: Annotated[int, Form(ge=0, le=UINT256)] = 0,
    purpose_code: Annotated[int, Form()] = 0,
    legal_basis: Annotated[str, Form()] = "",
    fields: Annotated[str, Form()] = "",
    duration_days: Annotated[float, Form()] = 30,
    max_uses: Annotated[int, Form()] = 10,
):
    def do() -> str:
        legal = required_text(legal_basis, "legal_basis", "legal basis is required")
        if not 0 <= purpose_code < 2**32 or not 0 <= max_uses < 2**32:
            raise InvalidInput("number out of range", field="purpose_code")
        duration_s = int(duration_days * 86400)
        if not 0 < duration_s < 2**64:
            raise InvalidInput("duration out of range", field="duration_days")
        fh = fields_hash(fields.replace("，", ",").split(","))
        res = form.services.usage.request_use(
            user,
            resource_id,
            purpose_code,
            text_hash(legal),
            fh,
            duration_s,
            max_uses,
            None,
            key=form.key,
        )
        return i18n.t(form.lang, "saved_requested", id=res["request_id"], tx=res["tx_hash"])

    return form.act("/console/requests?dir=outgoing", do)


# -- requests -------------------------------------------------------------------------------------------
@router.get("/requests")
def requests_page(request: Request, user: Dept):
    usage = services_of(request).usage
    incoming = ("incoming", "pin", "in_page", lambda o, l: usage.list_requests(user, "incoming", o, l))
    outgoing = ("outgoing", "pout", "out_page", lambda o, l: usage.list_requests(user, "outgoing", o, l))
    return lists_page(request, "requests.html", "requests", incoming, outgoing)


@router.post("/requests/{request_id}/{decision}")
def decide(request_id: ChainId, decision: str, user: Dept, form: FormWrite, reason: Annotated[str, Form()] = ""):
    usage, lang = form.services.usage, form.lang

    def do() -> str:
        why = text_hash(required_text(reason, "reason"))
        if decision == "approve":
            res = usage.approve(user, request_id, why, key=form.key)
            if res.get("council_required"):
                return i18n.t(lang, "saved_approved_council", id=request_id)
            return i18n.t(lang, "saved_approved", id=request_id, tx=res["tx_hash"])
        if decision == "deny":
            usage.deny(user, request_id, why, key=form.key)
            return i18n.t(lang, "saved_denied", id=request_id)
        raise InvalidInput("unknown decision", field="decision")

    return form.act("/console/requests", do)


# -- grants ----------------------------------------------------------------------------------------------
@router.get("/grants")
def grants_page(request: Request, user: Dept):
    usage = services_of(request).usage
    held = ("held", "ph", "page", lambda o, l: usage.list_grants(user, "grantee", o, l))
    issued = ("issued", "pi", "own_page", lambda o, l: usage.list_grants(user, "owner", o, l))
    return lists_page(request, "grants.html", "grants", held, issued)


def _shape(result: dict[str, Any]) -> dict[str, Any]:
    out = dict(result)
    data: bytes = out.pop("data")
    out["size"] = len(data)
    text = None
    if out.get("media_type") == "application/json" or (out.get("media_type") or "").startswith("text/"):
        try:
            text = data.decode()
            if out.get("media_type") == "application/json":
                text = json.dumps(json.loads(text), ensure_ascii=False, indent=2)
        except ValueError:
            text = None
    out["text"] = text
    out["base64"] = None if text is not None else base64.b64encode(data[:65536]).decode()
    return out


@router.post("/grants/{grant_id}/fetch")
def fetch(
    grant_id: ChainId,
    user: Dept,
    form: FormWrite,
    subject: Annotated[str, Form()] = "",
    context_ref: Annotated[str, Form()] = "",
):
    """Renders the data in the answer (data never goes into a cookie or a URL).
    Reloading re-posts the same Idempotency-Key: the same use, not a new one."""
    request = form.request
    try:
        subj = data_subject(request, subject)
        ref = text_hash(context_ref.strip()) if context_ref.strip() else None
        result = form.services.usage.fetch(user, grant_id, subj, ref, None, key=form.key)
    except Exception as exc:
        status, message = describe_error(request, exc)
        return render(
            request,
            "fetched.html",
            {"error": message, "grant_id": grant_id, "tab": "grants"},
            status_code=status if status >= 400 else 200,
        )
    return render(request, "fetched.html", {"d": _shape(result), "grant_id": grant_id, "tab": "grants"})


@router.post("/grants/{grant_id}/revoke")
def revoke(grant_id: ChainId, user: Dept, form: FormWrite, reason: Annotated[str, Form()] = ""):
    def do() -> str:
        form.services.usage.revoke(user, grant_id, text_hash(required_text(reason, "reason")), key=form.key)
        return i18n.t(form.lang, "saved_revoked", id=grant_id)

    return form.act("/console/grants", do)


# -- incidents ------------------------------------------------------------------------------------------
@router.get("/incidents")
def incidents_page(request: Request, user: Dept):
    incidents = services_of(request).incidents
    mine = ("mine", "pm", "page", lambda o, l: incidents.list(user, "responsible", o, l))
    filed = ("filed", "pf", "filed_page", lambda o, l: incidents.list(user, "filer", o, l))
    return lists_page(request, "incidents.html", "incidents", mine, filed)


@router.post("/incidents/{incident_id}/respond")
def respond(incident_id: ChainId, user: Dept, form: FormWrite, response: Annotated[str, Form()] = ""):
    def do() -> str:
        answer = text_hash(required_text(response, "response"))
        form.services.incidents.respond(user, incident_id, answer, key=form.key)
        return i18n.t(form.lang, "saved_responded", id=incident_id)

    return form.act("/console/incidents", do)
