"""A citizen signs in themselves: ``/console/citizen/login`` → the e-ID provider → ``/callback``.

The node computes the citizen's subject hash itself, from the identity claim of an ID token it
verified (``backend/web/oidc.py``), with the same keyed hash as every other use of the id
(``ops.subject``); nothing the browser sends names the citizen. The result is a short-lived
citizen token (30 minutes) in the console's encrypted session cookie: the citizen's pages then
show that person's uses, certificates and cases only. No raw id is stored, logged or put in the
token's label.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from backend.web import i18n, session
from backend.web.core import ctx_of, lang_of, render, safe_next, services_of
from backend.web.oidc import (
    LOGIN_COOKIE,
    LOGIN_TTL_S,
    OidcClient,
    OidcConfig,
    OidcRefused,
    login_cookie_key,
    open_login,
    seal_login,
)

router = APIRouter(prefix="/console/citizen")
CITIZEN_SIGNIN_TTL = timedelta(minutes=30)
CALLBACK_PATH = "/console/citizen/callback"
HOME = "/console/citizen"


def oidc_client(request: Request) -> OidcClient | None:
    """The node's relying party (built once from its settings), or None when citizens' sign-in
    is not configured. Tests may place their own in ``app.state.oidc_client``."""
    state = request.app.state
    if not hasattr(state, "oidc_client"):
        s = ctx_of(request).settings
        state.oidc_client = (
            OidcClient(
                OidcConfig(
                    issuer=s.oidc_issuer,
                    client_id=s.oidc_client_id,
                    client_secret=s.oidc_client_secret,
                    redirect_uri=s.oidc_redirect_uri,
                )
            )
            if s.oidc_issuer and s.oidc_client_id
            else None
        )
    client: OidcClient | None = state.oidc_client
    return client


def citizen_signin_available(request: Request) -> bool:
    return oidc_client(request) is not None


def _redirect_uri(request: Request, client: OidcClient) -> str:
    return client.config.redirect_uri or str(request.base_url).rstrip("/") + CALLBACK_PATH


def _login_key(request: Request) -> bytes:
    return login_cookie_key(session._session_key(request))


def _refused(request: Request, exc: OidcRefused) -> Response:
    lang = lang_of(request)
    response = render(
        request,
        "citizen_signin_refused.html",
        {"reason": exc.reason, "message": i18n.t(lang, "oidc_refused"), "status": exc.status},
        status_code=exc.status,
    )
    response.delete_cookie(
        LOGIN_COOKIE, path=HOME, httponly=True, samesite="lax", secure=session.secure_cookies(request)
    )
    return response


@router.get("/login", include_in_schema=False)
def citizen_login(request: Request, next: str = "") -> Response:
    client = oidc_client(request)
    try:
        if client is None:
            raise OidcRefused("not_configured")
        url, login = client.begin(_redirect_uri(request, client), safe_next(next, HOME))
    except OidcRefused as exc:
        return _refused(request, exc)
    response = RedirectResponse(url, status_code=303)
    # Lax, not Strict: the provider brings the browser back with a cross-site top-level GET
    response.set_cookie(
        LOGIN_COOKIE,
        seal_login(_login_key(request), login),
        max_age=LOGIN_TTL_S,
        path=HOME,
        httponly=True,
        samesite="lax",
        secure=session.secure_cookies(request),
    )
    return response


@router.get("/callback", include_in_schema=False)
def citizen_callback(request: Request) -> Response:
    client = oidc_client(request)
    login = open_login(_login_key(request), request.cookies.get(LOGIN_COOKIE))
    params = dict(request.query_params)
    try:
        if client is None:
            raise OidcRefused("not_configured")
        claims = client.finish(login, params, _redirect_uri(request, client))
    except OidcRefused as exc:
        return _refused(request, exc)
    token = issue_citizen_token(request, client, claims)
    target = login.next if login else HOME
    # An interstitial page, not a redirect: the next request starts from this node's own page,
    # so the browser sends the SameSite=Strict session cookie even when the provider is cross-site.
    response = render(request, "citizen_signed_in.html", {"next": safe_next(target, HOME)})
    session.write_session(request, response, token, "")
    response.delete_cookie(
        LOGIN_COOKIE, path=HOME, httponly=True, samesite="lax", secure=session.secure_cookies(request)
    )
    return response


def issue_citizen_token(request: Request, client: OidcClient, claims: dict[str, Any]) -> str:
    """A citizen token whose principal is the node's keyed hash of the verified identity claim."""
    cfg = client.config
    subject = "0x" + services_of(request).citizens.ops.subject(cfg.id_type, claims[cfg.identity_claim]).hex()
    label = f"citizen sign-in via OIDC {urlsplit(cfg.issuer).netloc}"[:200]
    token: str = ctx_of(request).tokens.issue("citizen", subject, label, ttl=CITIZEN_SIGNIN_TTL)
    return token
