"""Home, sign-in, sign-out, language switch."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from backend.web import i18n, session
from backend.web.citizen_signin import citizen_signin_available
from backend.web.core import CSRF, ROLE_HOME, current_user, lang_of, redirect, render, safe_next

router = APIRouter()


@router.get("/", include_in_schema=False)
def root(request: Request):
    return RedirectResponse("/console", status_code=303)


@router.get("/console", include_in_schema=False)
def console_home(request: Request):
    user = current_user(request)
    if user is None:
        return RedirectResponse("/console/login", status_code=303)
    return RedirectResponse(ROLE_HOME.get(user.role, "/console/login"), status_code=303)


@router.get("/console/login", include_in_schema=False)
def login_page(request: Request, next: str = ""):
    citizen_signin = citizen_signin_available(request)
    return render(request, "login.html", {"next": safe_next(next, ""), "citizen_signin": citizen_signin})


@router.post("/console/login", include_in_schema=False)
def login(
    request: Request,
    _c: None = CSRF,
    token: Annotated[str, Form()] = "",
    officer: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
):
    lang = lang_of(request)
    officer = officer.strip()
    info = request.app.state.ctx.tokens.authenticate(token.strip()) if token.strip() else None
    if info is None:
        return redirect(request, "/console/login", "error", i18n.t(lang, "bad_token"))
    if info.role != "citizen" and not officer:
        return redirect(request, "/console/login", "error", i18n.t(lang, "need_officer"))
    if len(officer) > session.MAX_OFFICER_ID:
        officer = officer[: session.MAX_OFFICER_ID]
    target = safe_next(next, ROLE_HOME.get(info.role, "/console"))
    response = RedirectResponse(target, status_code=303)
    session.write_session(request, response, token.strip(), officer)
    session.set_flash(request, response, "ok", i18n.t(lang, "signed_in"))
    return response


@router.post("/console/logout", include_in_schema=False)
def logout(request: Request, _c: None = CSRF):
    response = RedirectResponse("/console/login", status_code=303)
    session.clear_session(request, response)
    return response


@router.get("/console/lang/{lang}", include_in_schema=False)
def switch_lang(request: Request, lang: str, next: str = "/console"):
    response = RedirectResponse(safe_next(next), status_code=303)
    session.set_lang(request, response, i18n.normalise_lang(lang))
    return response
