"""Home, sign-in, sign-out, language switch."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from backend.services.errors import TooManyAttempts, Unauthorized
from backend.web import i18n, session
from backend.web.citizen_signin import citizen_signin_available
from backend.web.core import CSRF, ROLE_HOME, console_may_use, current_user, lang_of, redirect, render, safe_next

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
    next: Annotated[str, Form()] = "",
):
    """Sign in with a token (a system client's or a citizen's): the acting officer is the token's
    person (``client:<id>`` for a client token), never a name typed here."""
    lang = lang_of(request)
    ctx = request.app.state.ctx
    ip = ("token-ip", request.client.host if request.client else "unknown")
    wait = ctx.throttle.blocked(ip)
    if wait is not None:
        return redirect(request, "/console/login", "error", i18n.t(lang, "too_many", s=wait))
    info = ctx.tokens.authenticate(token.strip()) if token.strip() else None
    if info is None:
        ctx.throttle.failed(ip)
        return redirect(request, "/console/login", "error", i18n.t(lang, "bad_token"))
    if not console_may_use(info):
        return redirect(request, "/console/login", "error", i18n.t(lang, "token_scoped"))
    return _signed_in(request, token.strip(), info.acting_officer, ROLE_HOME.get(info.role, "/console"), next)


@router.post("/console/login/officer", include_in_schema=False)
def officer_login(
    request: Request,
    _c: None = CSRF,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    totp: Annotated[str, Form(max_length=8)] = "",
    next: Annotated[str, Form()] = "",
):
    """Officer sign-in (username + password + TOTP): the session holds a token bound to the officer."""
    lang = lang_of(request)
    client = request.client.host if request.client else "unknown"
    try:
        signed = request.app.state.ctx.officers.sign_in(username.strip().lower(), password, totp.strip(), client)
    except TooManyAttempts as exc:
        return redirect(request, "/console/login", "error", i18n.t(lang, "too_many", s=exc.retry_after))
    except Unauthorized:
        return redirect(request, "/console/login", "error", i18n.t(lang, "bad_officer"))
    home = ROLE_HOME.get(signed.officer.member_role, "/console")
    return _signed_in(request, signed.token, signed.officer.username, home, next)


def _signed_in(request: Request, token: str, officer: str, home: str, next: str) -> RedirectResponse:
    response = RedirectResponse(safe_next(next, home), status_code=303)
    session.write_session(request, response, token, officer)
    session.set_flash(request, response, "ok", i18n.t(lang_of(request), "signed_in"))
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
