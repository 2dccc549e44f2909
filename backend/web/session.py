"""Console sessions: the API token in an encrypted HttpOnly SameSite=Strict cookie, and CSRF.

* ``gc_session`` = "v2." + base64url(nonce ‖ AES-256-GCM(JSON {"t": token, "o": officer,
  "iat": …, "exp": …})), associated data = the cookie name. The payload is
  encrypted, not just signed: the cookie's bytes never contain the API token, and
  any edit fails authentication (signed out). ``exp`` (sign-in + 12 h) is inside the
  ciphertext and checked on every request, so a copied cookie stops working after
  12 h whatever the browser does with Max-Age. The token is also re-authenticated
  against the token table on every request, so a revoked token ends the session at
  once. Sign-out deletes the cookie; a copy taken before stays valid until its
  ``exp`` (or until the token is revoked) — there is no server-side session table.
  The key is 32 random bytes generated once and kept in ``<data dir>/web_session.key``
  (mode 0600); deleting that file signs every browser out.
* ``gc_csrf`` = a random value per browser (HttpOnly, Strict), rotated at
  sign-in and sign-out. Every form carries ``csrf = HMAC(key, gc_csrf)``,
  checked on each POST (the synchroniser-token pattern without server state).
* ``gc_lang`` = "zh" | "en" (not secret).
* ``gc_flash`` = a one-shot signed message shown after a POST-redirect.

The CSRF / flash signing key is derived from the deployment's keystore secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request, Response

from backend.store.crypto import InvalidTag, aes_gcm_decrypt, aes_gcm_encrypt

SESSION_COOKIE = "gc_session"
CSRF_COOKIE = "gc_csrf"
LANG_COOKIE = "gc_lang"
FLASH_COOKIE = "gc_flash"
SESSION_MAX_AGE = 12 * 3600
MAX_OFFICER_ID = 128
SESSION_KEY_FILE = "web_session.key"
SESSION_VERSION = "v2"
_NONCE_LEN = 12
_SESSION_AD = SESSION_COOKIE.encode()
_key_lock = threading.Lock()
log = logging.getLogger(__name__)


def _key(request: Request) -> bytes:
    cached = getattr(request.app.state, "_web_key", None)
    if cached is None:
        secret = request.app.state.ctx.settings.keystore_secret
        cached = hmac.new(secret.encode(), b"govchain-web-console-v1", hashlib.sha256).digest()
        request.app.state._web_key = cached
    return cached


def load_or_create_session_key(data_dir: Path) -> bytes:
    """The console's cookie-encryption key: 32 random bytes in ``data_dir/web_session.key``,
    created once with mode 0600 (atomically: concurrent first requests agree on one key)."""
    path = Path(data_dir) / SESSION_KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{SESSION_KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(secrets.token_bytes(32))
                fh.flush()
                os.fsync(fh.fileno())
            try:
                os.link(tmp, path)  # fails if another process created it first: theirs wins
            except FileExistsError:
                pass
        finally:
            tmp.unlink(missing_ok=True)
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        log.warning("%s was mode %o: tightening to 0600", path, mode)
        path.chmod(0o600)
    key = path.read_bytes()
    if len(key) != 32:
        raise RuntimeError(f"{path} must hold exactly 32 bytes (delete it to generate a new key)")
    return key


def _session_key(request: Request) -> bytes:
    cached = getattr(request.app.state, "_web_session_key", None)
    if cached is None:
        with _key_lock:
            cached = getattr(request.app.state, "_web_session_key", None)
            if cached is None:
                cached = load_or_create_session_key(request.app.state.ctx.settings.data_dir)
                request.app.state._web_session_key = cached
    return cached


def seal(key: bytes, payload: dict[str, Any]) -> str:
    """Encrypt and authenticate ``payload`` for the session cookie."""
    nonce = secrets.token_bytes(_NONCE_LEN)
    plain = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return f"{SESSION_VERSION}.{_b64(nonce + aes_gcm_encrypt(key, nonce, plain, _SESSION_AD))}"


def unseal(key: bytes, value: str | None) -> dict[str, Any] | None:
    """The payload of a cookie made by ``seal``; None when absent, malformed, edited or
    encrypted under another key."""
    if not value or len(value) > 4096:
        return None
    version, _, body = value.partition(".")
    if version != SESSION_VERSION or not body:
        return None
    try:
        blob = _unb64(body)
        if len(blob) <= _NONCE_LEN:
            return None
        plain = aes_gcm_decrypt(key, blob[:_NONCE_LEN], blob[_NONCE_LEN:], _SESSION_AD)
        out = json.loads(plain)
    except (InvalidTag, ValueError, TypeError):
        return None
    return out if isinstance(out, dict) else None


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


def _set(
    request: Request, response: Response, name: str, value: str, *, max_age: int | None, http_only: bool = True
) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path="/", httponly=http_only, samesite="strict", secure=secure_cookies(request)
    )


# -- session --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class WebSession:
    token: str
    officer: str


def read_session(request: Request, now: float | None = None) -> WebSession | None:
    """The signed-in session, or None (no cookie, edited, other key, expired, malformed)."""
    data = unseal(_session_key(request), request.cookies.get(SESSION_COOKIE))
    if not data or not isinstance(data.get("t"), str) or not isinstance(data.get("o"), str):
        return None
    exp = data.get("exp")
    if not isinstance(exp, int) or isinstance(exp, bool):
        return None
    if (time.time() if now is None else now) >= exp:
        return None
    return WebSession(data["t"], data["o"])


def write_session(request: Request, response: Response, token: str, officer: str) -> None:
    now = int(time.time())
    value = seal(_session_key(request), {"t": token, "o": officer, "iat": now, "exp": now + SESSION_MAX_AGE})
    _set(request, response, SESSION_COOKIE, value, max_age=SESSION_MAX_AGE)
    rotate_csrf(request, response)


def clear_session(request: Request, response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict", secure=secure_cookies(request))
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
