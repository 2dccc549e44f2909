"""Department pages: workspace (my resources), catalog, requests, grants, incidents."""

import base64
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Path, Request, UploadFile

from backend.chain.enums import Classification
from backend.services import Content
from backend.services.common import canonical_json, text_hash
from backend.services.errors import InvalidInput
from backend.services.resources import MAX_CONTENT_BYTES
from backend.services.usage import fields_hash
from backend.web import i18n
from backend.web.core import CSRF, WebUser, act, ctx_of, describe_error, idem, lang_of, listing, load, need, render

router = APIRouter(prefix="/console")
Dept = Annotated[WebUser, Depends(need("department"))]
CLASSES = tuple(m.name for m in Classification)
UINT256 = 2**256 - 1
Id = Annotated[int, Path(ge=1, le=UINT256)]  # resource, request, grant and incident ids are uint256 on chain


def _svc(request: Request):
    return ctx_of(request).services


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
    svc = _svc(request)

    def loader():
        items, pg = listing(request, "page", lambda o, l: svc.resources.list(o, l, owner=user.address))
        return {"resources": items, "pager": pg, "classes": CLASSES, "tab": "workspace"}

    return load(request, "workspace.html", loader)


@router.post("/resources")
def register_resource(
    request: Request,
    user: Dept,
    _c: None = CSRF,
    classification: Annotated[str, Form()] = "INTERNAL",
    record: Annotated[str, Form()] = "",
    schema_text: Annotated[str, Form(alias="schema")] = "",
    subject: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
    idem_key: Annotated[str, Form(alias="idem")] = "",
):
    svc, lang = _svc(request), lang_of(request)

    def do() -> str:
        content = _upload(file)
        if content is None:
            if not record.strip():
                raise InvalidInput(i18n.t(lang, "bad_json", detail="—"), field="record")
            content = Content.from_record(_json_field(lang, record, "record"))
        schema_value = _json_field(lang, schema_text, "schema") if schema_text.strip() else {"type": "object"}
        schema_hash = text_hash(canonical_json(schema_value).decode())
        subj = None
        if subject.strip():
            id_type, sep, id_value = subject.strip().partition(":")
            if not sep:
                raise InvalidInput("data subject must be id_type:id_value", field="subject")
            subj = svc.ops.subject(id_type, id_value)
        res = svc.resources.register(user, content, classification, schema_hash, subject=subj, key=idem(idem_key))
        return i18n.t(lang, "saved_registered", id=res["resource_id"], tx=res["tx_hash"])

    return act(request, "/console/workspace", do)


@router.get("/resources/{resource_id}")
def resource_detail(
    request: Request, resource_id: Id, user: Annotated[WebUser, Depends(need("department", "auditor", "governor"))]
):
    svc = _svc(request)

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
    request: Request,
    resource_id: Id,
    user: Dept,
    _c: None = CSRF,
    record: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
    idem_key: Annotated[str, Form(alias="idem")] = "",
):
    svc, lang = _svc(request), lang_of(request)

    def do() -> str:
        content = _upload(file) or Content.from_record(_json_field(lang, record, "record"))
        res = svc.resources.publish_version(user, resource_id, content, key=idem(idem_key))
        return i18n.t(lang, "saved_version", id=resource_id, version=res["version"], tx=res["tx_hash"])

    return act(request, f"/console/resources/{resource_id}", do)


# -- catalog ------------------------------------------------------------------------------------------
@router.get("/catalog")
def catalog(request: Request, user: Dept):
    svc = _svc(request)

    def loader():
        items, pg = listing(request, "page", lambda o, l: svc.resources.list(o, l))
        return {"resources": items, "pager": pg, "tab": "catalog"}

    return load(request, "catalog.html", loader)


@router.post("/requests")
def request_use(
    request: Request,
    user: Dept,
    _c: None = CSRF,
    resource_id: Annotated[int, Form(ge=0, le=UINT256)] = 0,
    purpose_code: Annotated[int, Form()] = 0,
    legal_basis: Annotated[str, Form()] = "",
    fields: Annotated[str, Form()] = "",
    duration_days: Annotated[float, Form()] = 30,
    max_uses: Annotated[int, Form()] = 10,
    idem_key: Annotated[str, Form(alias="idem")] = "",
):
    svc, lang = _svc(request), lang_of(request)

    def do() -> str:
        if not legal_basis.strip():
            raise InvalidInput("legal basis is required", field="legal_basis")
        if not 0 <= purpose_code < 2**32 or not 0 <= max_uses < 2**32:
            raise InvalidInput("number out of range", field="purpose_code")
        duration_s = int(duration_days * 86400)
        if not 0 < duration_s < 2**64:
            raise InvalidInput("duration out of range", field="duration_days")
        fh = fields_hash(fields.replace("，", ",").split(","))
        res = svc.usage.request_use(
            user,
            resource_id,
            purpose_code,
            text_hash(legal_basis.strip()),
            fh,
            duration_s,
            max_uses,
            None,
            key=idem(idem_key),
        )
        return i18n.t(lang, "saved_requested", id=res["request_id"], tx=res["tx_hash"])

    return act(request, "/console/requests?dir=outgoing", do)


# -- requests -------------------------------------------------------------------------------------------
@router.get("/requests")
def requests_page(request: Request, user: Dept):
    svc = _svc(request)

    def loader():
        incoming, pin = listing(request, "in_page", lambda o, l: svc.usage.list_requests(user, "incoming", o, l))
        outgoing, pout = listing(request, "out_page", lambda o, l: svc.usage.list_requests(user, "outgoing", o, l))
        return {"incoming": incoming, "pin": pin, "outgoing": outgoing, "pout": pout, "tab": "requests"}

    return load(request, "requests.html", loader)


@router.post("/requests/{request_id}/{decision}")
def decide(
    request: Request,
    request_id: Id,
    decision: str,
    user: Dept,
    _c: None = CSRF,
    reason: Annotated[str, Form()] = "",
    idem_key: Annotated[str, Form(alias="idem")] = "",
):
    svc, lang = _svc(request), lang_of(request)

    def do() -> str:
        if not reason.strip():
            raise InvalidInput("reason is required", field="reason")
        if decision == "approve":
            res = svc.usage.approve(user, request_id, text_hash(reason.strip()), key=idem(idem_key))
            if res.get("council_required"):
                return i18n.t(lang, "saved_approved_council", id=request_id)
            return i18n.t(lang, "saved_approved", id=request_id, tx=res["tx_hash"])
        if decision == "deny":
            svc.usage.deny(user, request_id, text_hash(reason.strip()), key=idem(idem_key))
            return i18n.t(lang, "saved_denied", id=request_id)
        raise InvalidInput("unknown decision", field="decision")

    return act(request, "/console/requests", do)


# -- grants ----------------------------------------------------------------------------------------------
@router.get("/grants")
def grants_page(request: Request, user: Dept):
    svc = _svc(request)

    def loader():
        held, ph = listing(request, "page", lambda o, l: svc.usage.list_grants(user, "grantee", o, l))
        issued, pi = listing(request, "own_page", lambda o, l: svc.usage.list_grants(user, "owner", o, l))
        return {"held": held, "ph": ph, "issued": issued, "pi": pi, "tab": "grants"}

    return load(request, "grants.html", loader)


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
    request: Request,
    grant_id: Id,
    user: Dept,
    _c: None = CSRF,
    subject: Annotated[str, Form()] = "",
    context_ref: Annotated[str, Form()] = "",
    idem_key: Annotated[str, Form(alias="idem")] = "",
):
    """Renders the data in the answer (data never goes into a cookie or a URL).
    Reloading re-posts the same Idempotency-Key: the same use, not a new one."""
    svc = _svc(request)
    try:
        subj = None
        if subject.strip():
            id_type, sep, id_value = subject.strip().partition(":")
            if not sep:
                raise InvalidInput("data subject must be id_type:id_value", field="subject")
            subj = svc.ops.subject(id_type, id_value)
        ref = text_hash(context_ref.strip()) if context_ref.strip() else None
        result = svc.usage.fetch(user, grant_id, subj, ref, None, key=idem(idem_key))
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
def revoke(
    request: Request,
    grant_id: Id,
    user: Dept,
    _c: None = CSRF,
    reason: Annotated[str, Form()] = "",
    idem_key: Annotated[str, Form(alias="idem")] = "",
):
    svc, lang = _svc(request), lang_of(request)

    def do() -> str:
        if not reason.strip():
            raise InvalidInput("reason is required", field="reason")
        svc.usage.revoke(user, grant_id, text_hash(reason.strip()), key=idem(idem_key))
        return i18n.t(lang, "saved_revoked", id=grant_id)

    return act(request, "/console/grants", do)


# -- incidents ------------------------------------------------------------------------------------------
@router.get("/incidents")
def incidents_page(request: Request, user: Dept):
    svc = _svc(request)

    def loader():
        mine, pm = listing(request, "page", lambda o, l: svc.incidents.list(user, "responsible", o, l))
        filed, pf = listing(request, "filed_page", lambda o, l: svc.incidents.list(user, "filer", o, l))
        return {"mine": mine, "pm": pm, "filed": filed, "pf": pf, "tab": "incidents"}

    return load(request, "incidents.html", loader)


@router.post("/incidents/{incident_id}/respond")
def respond(
    request: Request,
    incident_id: Id,
    user: Dept,
    _c: None = CSRF,
    response: Annotated[str, Form()] = "",
    idem_key: Annotated[str, Form(alias="idem")] = "",
):
    svc, lang = _svc(request), lang_of(request)

    def do() -> str:
        if not response.strip():
            raise InvalidInput("response is required", field="response")
        svc.incidents.respond(user, incident_id, text_hash(response.strip()), key=idem(idem_key))
        return i18n.t(lang, "saved_responded", id=incident_id)

    return act(request, "/console/incidents", do)
