"""The officers page (issue 10): a node's administrator lists, enrols and removes the officers acting
for its own chain identity, through the same :class:`OfficerService` as the API.

An enrolment's initial password and TOTP URI are written into the response page only: never into
the session, a flash cookie or a redirect URL, so they are seen once (the page is ``no-store``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import fastapi
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from backend.core.officers import USERNAME_RE, OfficerExists, OfficerInfo
from backend.services.errors import Forbidden, NotFound
from backend.services.officers import OfficerService
from backend.web import i18n
from backend.web.core import CSRF, WebUser, WrongRole, ctx_of, lang_of, load, need, redirect

router = APIRouter(prefix="/console")
HOME = "/console/officers"


def need_admin(user: Annotated[WebUser, Depends(need())]) -> WebUser:
    """An administrator officer signed in as themself; any other signed-in user is the wrong role."""
    if not user.is_admin:
        raise WrongRole()
    return user


Admin = Annotated[WebUser, Depends(need_admin)]
Username = Annotated[str, fastapi.Path(pattern=USERNAME_RE.pattern)]


def _officers(request: Request) -> OfficerService:
    return ctx_of(request).officers


def _row(o: OfficerInfo) -> dict[str, Any]:
    """What the page shows of an account (never its password hash or TOTP secret)."""
    return {
        "username": o.username,
        "display_name": o.display_name,
        "role": o.role,
        "created_at": int(o.created_at.timestamp()),
        "removed_at": int(o.removed_at.timestamp()) if o.removed_at else None,
    }


def _page(request: Request, user: WebUser, **extra: Any) -> HTMLResponse:
    def loader() -> dict[str, Any]:
        rows = [_row(o) for o in _officers(request).list(user)]
        return {"officers": rows, "tab": "officers", **extra}

    return load(request, "officers.html", loader)


@router.get("/officers")
def officers_page(request: Request, user: Admin):
    return _page(request, user)


@router.post("/officers")
def enrol_officer(
    request: Request,
    user: Admin,
    _c: None = CSRF,
    username: Annotated[str, Form(max_length=64)] = "",
    display_name: Annotated[str, Form(max_length=200)] = "",
    role: Annotated[Literal["admin", "officer"], Form()] = "officer",
) -> Response:
    lang, name = lang_of(request), username.strip()
    try:
        enrolled = _officers(request).enrol(user, name, display_name.strip(), role)
    except OfficerExists:
        return redirect(request, HOME, "error", i18n.t(lang, "officer_taken", username=name))
    except ValueError:  # the store's username rule (the role is one of the form's two)
        return redirect(request, HOME, "error", i18n.t(lang, "officer_bad_username"))
    # the one and only showing: this response (render sets Cache-Control: no-store)
    shown = {"username": name, "password": enrolled.password, "totp_uri": enrolled.totp_uri}
    return _page(request, user, enrolled=shown)


@router.post("/officers/{username}/remove")
def remove_officer(
    request: Request,
    username: Username,
    user: Admin,
    _c: None = CSRF,
    confirm: Annotated[str, Form()] = "",
) -> RedirectResponse:
    lang = lang_of(request)
    if confirm != "yes":
        return redirect(request, HOME, "error", i18n.t(lang, "officer_confirm_remove"))
    try:
        _removed, revoked = _officers(request).remove(user, username)
    except NotFound:
        return redirect(request, HOME, "error", i18n.t(lang, "officer_not_found", username=username))
    except Forbidden:  # the admin themself (the role was checked above)
        return redirect(request, HOME, "error", i18n.t(lang, "officer_not_self"))
    return redirect(request, HOME, "ok", i18n.t(lang, "officer_removed", username=username, n=revoked))
