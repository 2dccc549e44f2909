"""Console sessions: the API token in an HttpOnly SameSite=Strict cookie, and CSRF.

* ``gc_session`` = base64url(JSON {"t": token, "o": officer}) + "." + HMAC. The
  token is re-authenticated against the token table on every request, so a
  revoked token ends the session at once; the HMAC stops a client from
  editing the officer id without re-signing in.
* ``gc_csrf`` = a random value per browser (HttpOnly, Strict), rotated at
  sign-in and sign-out. Every form carries ``csrf = HMAC(key, gc_csrf)``,
  checked on each POST (the synchroniser-token pattern without server state).
* ``gc_lang`` = "zh" | "en" (not secret).
* ``gc_flash`` = a one-shot signed message shown after a POST-redirect.

The signing key is derived from the deployment's keystore secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response

SESSION_COOKIE = "gc_session"
CSRF_COOKIE = "gc_csrf"
LANG_COOKIE = "gc_lang"
FLASH_COOKIE = "gc_flash"
SESSION_MAX_AGE = 12 * 3600
MAX_OFFICER_ID = 128


def _key(request: Request) -> bytes:
    cached = getattr(request.app.state, "_web_key", None)
    if cached is None:
        secret = request.app.state.ctx.settings.keystore_secret
        cached = hmac.new(secret.encode(), b"govchain-web-console-v1", hashlib.sha256).digest()
        request.app.state._web_key = cached
    return cached


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(request: Request, payload: dict[str, Any]) -> str:
    body = _b64(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode())
    mac = _b64(hmac.new(_key(request), body.encode(), hashlib.sha256).digest())
    return f"{body}.{mac}"


def unsign(request: Request, value: str | None) -> dict[str, Any] | None:
    if not value or "." not in value:
        return None
    body, mac = value.rsplit(".", 1)
    good = _b64(hmac.new(_key(request), body.encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(mac, good):
        return None
    try:
        out = json.loads(_unb64(body))
    except ValueError:
        return None
    return out if isinstance(out, dict) else None


def secure_cookies(request: Request) -> bool:
    return request.url.scheme == "https" or request.app.state.ctx.settings.env == "production"


def _set(request: Request, response: Response, name: str, value: str, *, max_age: int | None, http_only: bool = True) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path="/", httponly=http_only, samesite="strict", secure=secure_cookies(request)
    )


# -- session --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class WebSession:
    token: str
    officer: str


def read_session(request: Request) -> WebSession | None:
    data = unsign(request, request.cookies.get(SESSION_COOKIE))
    if not data or not isinstance(data.get("t"), str) or not isinstance(data.get("o"), str):
        return None
    return WebSession(data["t"], data["o"])


def write_session(request: Request, response: Response, token: str, officer: str) -> None:
    _set(request, response, SESSION_COOKIE, sign(request, {"t": token, "o": officer}), max_age=SESSION_MAX_AGE)
    rotate_csrf(request, response)


def clear_session(request: Request, response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")
    rotate_csrf(request, response)


# -- CSRF -----------------------------------------------------------------------------------------
def csrf_seed(request: Request) -> str:
    """The browser's CSRF seed: the cookie, or a new one (set by ``ensure_csrf_cookie``)."""
    seed = getattr(request.state, "csrf_seed", None)
    if seed is None:
        seed = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
        request.state.csrf_seed = seed
    return seed


def csrf_token(request: Request) -> str:
    return _b64(hmac.new(_key(request), b"csrf:" + csrf_seed(request).encode(), hashlib.sha256).digest())


def ensure_csrf_cookie(request: Request, response: Response) -> None:
    seed = csrf_seed(request)
    if request.cookies.get(CSRF_COOKIE) != seed:
        _set(request, response, CSRF_COOKIE, seed, max_age=None)


def rotate_csrf(request: Request, response: Response) -> None:
    request.state.csrf_seed = secrets.token_urlsafe(24)
    _set(request, response, CSRF_COOKIE, request.state.csrf_seed, max_age=None)


def csrf_ok(request: Request, submitted: str | None) -> bool:
    seed = request.cookies.get(CSRF_COOKIE)
    if not seed or not submitted:
        return False
    good = _b64(hmac.new(_key(request), b"csrf:" + seed.encode(), hashlib.sha256).digest())
    return hmac.compare_digest(submitted, good)


# -- language and flash ---------------------------------------------------------------------------
def set_lang(request: Request, response: Response, lang: str) -> None:
    _set(request, response, LANG_COOKIE, lang, max_age=365 * 24 * 3600, http_only=False)


def set_flash(request: Request, response: Response, kind: str, text: str) -> None:
    _set(request, response, FLASH_COOKIE, sign(request, {"k": kind, "m": text[:600]}), max_age=120)


def pop_flash(request: Request, response: Response) -> dict[str, str] | None:
    data = unsign(request, request.cookies.get(FLASH_COOKIE))
    if request.cookies.get(FLASH_COOKIE) is not None:
        response.delete_cookie(FLASH_COOKIE, path="/")
    if not data:
        return None
    return {"kind": str(data.get("k", "info")), "text": str(data.get("m", ""))}
