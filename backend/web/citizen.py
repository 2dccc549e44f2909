"""The citizen's pages (citizen token, no officer): who used my data (with an
objection that becomes an UNAUTHORIZED_USE incident) and the assisted sessions desks
opened for me, my certificates, my cases.

Everything goes through ``ctx.services.citizens`` (and ``ctx.services.cases``
when the one-stop services are wired); the citizen's identity is the token's
principal, a keyed subject hash, never a raw id.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Request

from backend.services.errors import InvalidInput
from backend.web.core import (
    CSRF,
    ChainId,
    WebUser,
    ctx_of,
    describe_error,
    listing,
    load,
    need,
    render,
    services_of,
)

router = APIRouter(prefix="/console/citizen")
Citizen = Annotated[WebUser, Depends(need("citizen"))]
UseIndex = Annotated[int, Path(ge=1, le=2**32 - 1)]
MAX_OBJECTION_CHARS = 4000


# -- who used my data ------------------------------------------------------------------------------
@router.get("")
def citizen_log(request: Request, user: Citizen):
    """Every recorded use of data about this citizen, oldest first, each with an "object" button."""
    svc = services_of(request)

    def loader():
        stale: list[bool] = []

        def fetch(o: int, l: int) -> dict[str, Any]:
            res = svc.citizens.uses(user, o, l)
            stale.append(bool(res.get("index_stale")))
            return res

        rows, pg = listing(request, "page", fetch, per_page=25)
        # the assisted sessions opened for this citizen (the latest 50: a desk's visits are few)
        sessions = svc.citizens.sessions(user, 0, 50)["items"]
        return {"rows": rows, "pager": pg, "stale": any(stale), "sessions": sessions, "tab": "citizen", "sub": "log"}

    return load(request, "citizen_log.html", loader)


@router.get("/uses/{grant_id}/{use_index}/object")
def objection_form(request: Request, grant_id: ChainId, use_index: UseIndex, user: Citizen):
    return render(
        request, "citizen_object.html", {"grant_id": grant_id, "use_index": use_index, "tab": "citizen", "sub": "log"}
    )


@router.post("/uses/{grant_id}/{use_index}/object")
def file_objection(
    request: Request,
    grant_id: ChainId,
    use_index: UseIndex,
    user: Citizen,
    _c: None = CSRF,
    text: Annotated[str, Form()] = "",
):
    """Files the objection and answers with its incident (one objection per use: a
    repeat, or a reload of this page, answers the incident already filed)."""
    svc = services_of(request)
    try:
        if len(text) > MAX_OBJECTION_CHARS:
            raise InvalidInput(f"the objection is longer than {MAX_OBJECTION_CHARS} characters", field="text")
        result = svc.citizens.object_to_use(user, grant_id, use_index, text)
    except Exception as exc:
        status, message = describe_error(request, exc)
        return render(
            request,
            "citizen_object.html",
            {
                "grant_id": grant_id,
                "use_index": use_index,
                "error": message,
                "text": text,
                "tab": "citizen",
                "sub": "log",
            },
            status_code=status if status >= 400 else 200,
        )
    return render(request, "citizen_objected.html", {"r": result, "tab": "citizen", "sub": "log"})


# -- my certificates --------------------------------------------------------------------------------
@router.get("/certificates")
def citizen_certificates(request: Request, user: Citizen):
    svc = services_of(request)

    def loader():
        items, pg = listing(request, "page", lambda o, l: svc.citizens.my_certificates(user, o, l))
        return {"items": items, "pager": pg, "tab": "citizen", "sub": "certs"}

    return load(request, "citizen_certs.html", loader)


# -- my cases (one-stop services) -------------------------------------------------------------------
def _cases_service(request: Request) -> Any | None:
    """``ctx.services.cases`` (through its accessor while the bundle does not wire it), or None
    when this deployment has no one-stop services."""
    ctx = ctx_of(request)
    if "OneStopServices" not in ctx.manifest.contracts:
        return None
    return ctx.services.cases


@router.get("/cases")
def citizen_cases(request: Request, user: Citizen):
    cases = _cases_service(request)
    if cases is None:
        return render(
            request,
            "citizen_cases.html",
            {"available": False, "items": [], "pager": None, "tab": "citizen", "sub": "cases"},
        )

    def loader():
        items, pg = listing(request, "page", lambda o, l: cases.my_cases(user, o, l))
        return {"available": True, "items": items, "pager": pg, "tab": "citizen", "sub": "cases"}

    return load(request, "citizen_cases.html", loader)
