"""The node as an OpenID Connect relying party: a citizen signs in with their e-ID provider.

Authorization code flow with PKCE (S256), ``state`` and ``nonce``, through Authlib's OAuth 2
client (``authlib.integrations.httpx_client``); the ID token is verified here with joserfc
against the provider's JWKS: signature (ES256/RS256, key by ``kid``, re-fetched once for a key
the cache does not know), ``iss``, ``aud`` (and ``azp`` when there are several audiences),
``nonce``, ``exp``/``iat`` (60 s leeway). Every refusal is an ``OidcRefused`` with a reason
code the console shows and the tests assert.

The login state (state, nonce, code verifier, where to go next) travels in an encrypted,
10-minute, SameSite=Lax cookie (the provider sends the browser back with a cross-site GET;
the session cookie itself stays Strict) under a key derived from the console's session key,
so the node keeps no server-side table of pending logins.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from backend.core.aead import InvalidTag, aes_gcm_decrypt, aes_gcm_encrypt

if TYPE_CHECKING:  # Authlib and joserfc load on a node's first citizen sign-in, not at start-up
    from authlib.integrations.httpx_client import OAuth2Client
    from joserfc.jwk import KeySet

LOGIN_COOKIE = "gc_oidc"
LOGIN_TTL_S = 600
CLOCK_LEEWAY_S = 60
METADATA_TTL_S = 600
ALGORITHMS = ("ES256", "RS256")
HTTP_TIMEOUT_S = 10.0

# reason -> HTTP status of the refusal page
REASONS = {
    "not_configured": 404,
    "provider_unavailable": 503,
    "state_mismatch": 400,
    "login_expired": 400,
    "provider_error": 401,
    "token_exchange_failed": 502,
    "malformed": 401,
    "unknown_key": 401,
    "bad_signature": 401,
    "wrong_issuer": 401,
    "wrong_audience": 401,
    "wrong_nonce": 401,
    "expired": 401,
    "missing_claim": 401,
}


class OidcRefused(Exception):
    """The sign-in cannot complete; ``reason`` is one of REASONS."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail

    @property
    def status(self) -> int:
        return REASONS[self.reason]


@dataclass(frozen=True)
class OidcConfig:
    issuer: str
    client_id: str
    client_secret: str = ""  # empty: a public client, PKCE only
    redirect_uri: str = ""  # empty: <this node's base URL>/console/citizen/callback
    identity_claim: str = "resident_id"  # the claim that carries the citizen's id ...
    id_type: str = "resident_id"  # ... and the id type the node hashes it under


@dataclass(frozen=True)
class LoginState:
    state: str
    nonce: str
    verifier: str
    next: str
    expires_at: int


class OidcClient:
    """One provider, one client registration. ``transport`` lets tests put a real provider
    behind a tampering proxy; ``clock`` lets them age a token without sleeping."""

    def __init__(
        self,
        config: OidcConfig,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.transport = transport
        self.clock = clock
        self._lock = threading.Lock()
        self._metadata: tuple[float, dict[str, Any]] | None = None
        self._jwks: KeySet | None = None

    # -- provider metadata -------------------------------------------------------------------------
    def _get_json(self, url: str) -> dict[str, Any]:
        try:
            with httpx.Client(transport=self.transport, timeout=HTTP_TIMEOUT_S) as http:
                r = http.get(url)
            r.raise_for_status()
            doc = r.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise OidcRefused("provider_unavailable", f"{url}: {type(exc).__name__}") from None
        if not isinstance(doc, dict):
            raise OidcRefused("provider_unavailable", f"{url} did not answer a JSON object")
        return doc

    def metadata(self) -> dict[str, Any]:
        with self._lock:
            cached = self._metadata
        if cached and time.monotonic() - cached[0] < METADATA_TTL_S:
            return cached[1]
        doc = self._get_json(self.config.issuer.rstrip("/") + "/.well-known/openid-configuration")
        if doc.get("issuer") != self.config.issuer:  # OIDC Discovery 4.3: must match exactly
            raise OidcRefused("provider_unavailable", "the discovery document names another issuer")
        with self._lock:
            self._metadata = (time.monotonic(), doc)
        return doc

    def jwks(self, refresh: bool = False) -> KeySet:
        with self._lock:
            keys = self._jwks
        if keys is None or refresh:
            from joserfc.jwk import KeySet

            keys = KeySet.import_key_set(self._get_json(self.metadata()["jwks_uri"]))  # type: ignore[arg-type]
            with self._lock:
                self._jwks = keys
        return keys

    # -- the flow ----------------------------------------------------------------------------------
    def _oauth(self, redirect_uri: str) -> OAuth2Client:
        from authlib.integrations.httpx_client import OAuth2Client

        return OAuth2Client(
            client_id=self.config.client_id,
            client_secret=self.config.client_secret or None,
            token_endpoint_auth_method="client_secret_basic" if self.config.client_secret else "none",
            scope="openid",
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            transport=self.transport,
            timeout=HTTP_TIMEOUT_S,
        )

    def begin(self, redirect_uri: str, next_url: str) -> tuple[str, LoginState]:
        """The provider's authorization URL and the state to keep until the callback."""
        login = LoginState(
            state=secrets.token_urlsafe(24),
            nonce=secrets.token_urlsafe(24),
            verifier=secrets.token_urlsafe(48),
            next=next_url,
            expires_at=int(self.clock()) + LOGIN_TTL_S,
        )
        endpoint = self.metadata()["authorization_endpoint"]
        with self._oauth(redirect_uri) as oauth:
            url, _ = oauth.create_authorization_url(
                endpoint, state=login.state, code_verifier=login.verifier, nonce=login.nonce
            )
        return url, login

    def finish(self, login: LoginState | None, params: dict[str, str], redirect_uri: str) -> dict[str, Any]:
        """The verified ID token's claims for the provider's answer ``params`` to ``login``."""
        if login is None:
            raise OidcRefused("state_mismatch", "no sign-in was started in this browser")
        if not params.get("state") or not hmac.compare_digest(params["state"], login.state):
            raise OidcRefused("state_mismatch", "the answer does not belong to the sign-in started here")
        if self.clock() >= login.expires_at:
            raise OidcRefused("login_expired")
        if params.get("error"):
            raise OidcRefused("provider_error", str(params["error"])[:100])
        if not params.get("code"):
            raise OidcRefused("provider_error", "no code in the answer")
        token_endpoint = self.metadata()["token_endpoint"]
        try:
            with self._oauth(redirect_uri) as oauth:
                token = oauth.fetch_token(
                    token_endpoint,
                    grant_type="authorization_code",
                    code=params["code"],
                    code_verifier=login.verifier,
                    redirect_uri=redirect_uri,
                )
        except Exception as exc:  # the provider refused (OAuthError) or could not be reached
            raise OidcRefused("token_exchange_failed", type(exc).__name__) from None
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise OidcRefused("malformed", "the token answer holds no id_token")
        return self.verify_id_token(id_token, login.nonce)

    def verify_id_token(self, id_token: str, nonce: str) -> dict[str, Any]:
        from joserfc import jwt
        from joserfc.errors import BadSignatureError, ClaimError, ExpiredTokenError, JoseError
        from joserfc.jwt import JWTClaimsRegistry

        try:
            header = json.loads(_b64decode(id_token.split(".")[0]))
        except (ValueError, IndexError):
            raise OidcRefused("malformed", "not a JWS") from None
        if not isinstance(header, dict) or header.get("alg") not in ALGORITHMS:
            raise OidcRefused("malformed", "unsupported alg")
        keys = self.jwks()
        kid = header.get("kid")
        if kid and not _has_kid(keys, kid):
            keys = self.jwks(refresh=True)  # the provider may have rotated its key
            if not _has_kid(keys, kid):
                raise OidcRefused("unknown_key", "the token's kid is not in the provider's JWKS")
        try:
            token = jwt.decode(id_token, keys, algorithms=list(ALGORITHMS))
        except BadSignatureError:
            raise OidcRefused("bad_signature") from None
        except (JoseError, ValueError) as exc:
            raise OidcRefused("malformed", type(exc).__name__) from None
        claims = dict(token.claims)
        if claims.get("iss") != self.config.issuer:
            raise OidcRefused("wrong_issuer")
        aud = claims.get("aud")
        audiences = aud if isinstance(aud, list) else [aud]
        if self.config.client_id not in audiences:
            raise OidcRefused("wrong_audience")
        if len(audiences) > 1 and claims.get("azp") != self.config.client_id:
            raise OidcRefused("wrong_audience", "several audiences and azp is not this client")
        if not isinstance(claims.get("nonce"), str) or not hmac.compare_digest(claims["nonce"], nonce):
            raise OidcRefused("wrong_nonce")
        registry = JWTClaimsRegistry(
            now=int(self.clock()),
            leeway=CLOCK_LEEWAY_S,
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
        )
        try:
            registry.validate(claims)
        except ExpiredTokenError:
            raise OidcRefused("expired") from None
        except ClaimError as exc:
            raise OidcRefused("missing_claim" if "Missing" in str(exc) else "malformed", exc.claim) from None
        if not isinstance(claims.get(self.config.identity_claim), str) or not claims[self.config.identity_claim]:
            raise OidcRefused("missing_claim", self.config.identity_claim)
        return claims


def _has_kid(keys: KeySet, kid: str) -> bool:
    return any(k.kid == kid for k in keys.keys)


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# -- the login cookie ----------------------------------------------------------------------------------
_AD = LOGIN_COOKIE.encode()


def login_cookie_key(session_key: bytes) -> bytes:
    """Its own key, derived from the console's session key (a login cookie never opens as a session)."""
    return hmac.new(session_key, b"govchain/oidc-login/v1", hashlib.sha256).digest()


def seal_login(key: bytes, login: LoginState) -> str:
    nonce = secrets.token_bytes(12)
    plain = json.dumps(login.__dict__, separators=(",", ":")).encode()
    return (nonce + aes_gcm_encrypt(key, nonce, plain, _AD)).hex()


def open_login(key: bytes, value: str | None) -> LoginState | None:
    if not value or len(value) > 2048:
        return None
    try:
        blob = bytes.fromhex(value)
        data = json.loads(aes_gcm_decrypt(key, blob[:12], blob[12:], _AD))
        return LoginState(**data)
    except (InvalidTag, ValueError, TypeError):
        return None
