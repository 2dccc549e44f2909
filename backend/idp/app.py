"""The development provider's HTTP face (FastAPI): discovery, JWKS, the login page, token, userinfo.

A DEVELOPMENT FIXTURE (see ``backend/idp/__init__.py``): no consent screen, no second factor,
no throttling; it exists so `make run` and the tests sign citizens in through real OIDC.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from authlib.oauth2 import OAuth2Error
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from backend.idp.server import IDENTITY_CLAIMS, Memory, StarletteOAuth2Request, StarletteServer, build_server
from backend.idp.store import SIGNING_ALG, IdpStore

DISCOVERY_PATH = "/.well-known/openid-configuration"


def discovery(issuer: str) -> dict[str, Any]:
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/authorize",
        "token_endpoint": f"{issuer}/token",
        "userinfo_endpoint": f"{issuer}/userinfo",
        "jwks_uri": f"{issuer}/jwks",
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [SIGNING_ALG],
        "scopes_supported": ["openid", "profile"],
        "token_endpoint_auth_methods_supported": ["none", "client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": ["sub", "name", "iss", "aud", "exp", "iat", "nonce", "auth_time", *IDENTITY_CLAIMS],
    }


async def _oauth_request(request: Request, *, with_form: bool) -> StarletteOAuth2Request:
    form: dict[str, str] = {}
    if with_form:
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    return StarletteOAuth2Request(request.method, str(request.url), request.headers, dict(request.query_params), form)  # type: ignore[arg-type]


def create_idp_app(data_dir: Path, issuer: str) -> FastAPI:
    store = IdpStore(data_dir)
    store.ensure()
    issuer = issuer.rstrip("/")
    server: StarletteServer = build_server(store, issuer, Memory())
    app = FastAPI(title="GovChain development identity provider (test fixture)", docs_url=None, redoc_url=None)
    app.state.idp_store = store

    @app.get(DISCOVERY_PATH)
    def openid_configuration() -> JSONResponse:
        return JSONResponse(discovery(issuer))

    @app.get("/jwks")
    def jwks() -> JSONResponse:
        return JSONResponse(store.public_jwks())

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/authorize")
    async def authorize_page(request: Request) -> Response:
        req = await _oauth_request(request, with_form=False)
        try:
            server.get_consent_grant(req)
        except OAuth2Error as error:
            return server.handle_error_response(req, error)
        return _login_page(request, error=None)

    @app.post("/authorize")
    async def authorize(request: Request) -> Response:
        form = await request.form()
        username, password = str(form.get("username", "")), str(form.get("password", ""))
        req = await _oauth_request(request, with_form=False)  # the protocol parameters stay in the query
        try:
            grant = server.get_consent_grant(req)
        except OAuth2Error as error:
            return server.handle_error_response(req, error)
        user = await run_in_threadpool(store.authenticate, username, password)  # argon2 is slow on purpose
        if user is None:
            return _login_page(request, error="Wrong username or password.", username=username, status=401)
        return server.create_authorization_response(req, grant_user=user, grant=grant)

    @app.post("/token")
    async def token(request: Request) -> Response:
        return server.create_token_response(await _oauth_request(request, with_form=True))

    @app.api_route("/userinfo", methods=["GET", "POST"])
    async def userinfo(request: Request) -> Response:
        req = await _oauth_request(request, with_form=False)
        try:
            return server.create_endpoint_response("userinfo", req)
        except OAuth2Error as error:
            return server.handle_error_response(req, error)

    return app


def _login_page(request: Request, *, error: str | None, username: str = "", status: int = 200) -> HTMLResponse:
    action = "/authorize?" + urlencode(dict(request.query_params))
    message = f'<p class="error" id="idp-error">{html.escape(error)}</p>' if error else ""
    body = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Development identity provider</title>
<style>body{{font-family:sans-serif;max-width:28rem;margin:3rem auto}}label{{display:block;margin:.6rem 0}}
.warn{{background:#fff3cd;padding:.5rem}}.error{{color:#b00020}}</style></head>
<body><h1>Sign in (development identity provider)</h1>
<p class="warn">A test fixture standing in for the national e-ID. Never a real identity service.</p>
{message}
<form method="post" action="{html.escape(action)}" id="idp-login">
<label>Username <input name="username" id="idp-username" value="{html.escape(username)}" autocomplete="username" required></label>
<label>Password <input type="password" name="password" id="idp-password" autocomplete="current-password" required></label>
<button type="submit" id="idp-signin">Sign in</button>
</form></body></html>"""
    return HTMLResponse(body, status_code=status)
