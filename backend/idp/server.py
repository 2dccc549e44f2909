"""Authlib's authorization server wired for Starlette, with the grants of the development provider.

Authlib ships server integrations for Flask and Django only; ``StarletteServer`` is the small
adapter its docs ask a framework to provide (turn a request into an ``OAuth2Request``, a
``(status, body, headers)`` triple into a response). The protocol itself — code flow, PKCE
(S256 only), nonce, the ID token's claims and signature, ``userinfo`` — is Authlib's.
Codes, access tokens and used nonces live in memory: this is a test fixture.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, ClassVar

from authlib.oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2.rfc6749 import InvalidRequestError, OAuth2Request, grants
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc6750 import BearerTokenGenerator, BearerTokenValidator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import OpenIDCode, UserInfo, UserInfoEndpoint
from starlette.responses import Response

from backend.idp.store import SIGNING_ALG, Client, IdpStore, User

CODE_TTL_S = 300
ACCESS_TOKEN_TTL_S = 600
ID_TOKEN_TTL_S = 300
IDENTITY_CLAIMS = ("resident_id",)  # what a GovChain node maps to its keyed subject hash


class StarletteOAuth2Request(OAuth2Request):
    """An already-read Starlette request (query and form as plain dicts)."""

    def __init__(self, method: str, uri: str, headers: dict[str, str], args: dict[str, str], form: dict[str, str]):
        super().__init__(method=method, uri=uri, headers=headers)
        self._args = args
        self._form = form
        self.payload = BasicOAuth2Payload({**args, **form})

    @property
    def args(self) -> dict[str, str]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        return self._form


@dataclass
class _Code:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user_sub: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int
    expires_at: float

    # Authlib's AuthorizationCodeMixin + the OIDC extension's accessors
    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> None:
        return None

    def get_amr(self) -> list[str]:
        return ["pwd"]


@dataclass
class _AccessToken:
    client: Client
    user: User
    scope: str
    expires_at: float

    def check_client(self, client: Client) -> bool:
        return client.client_id == self.client.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return ACCESS_TOKEN_TTL_S

    def is_expired(self) -> bool:
        return time.time() >= self.expires_at

    def is_revoked(self) -> bool:
        return False

    def get_client(self) -> Client:
        return self.client

    def get_user(self) -> User:
        return self.user


class Memory:
    """Codes, access tokens and seen nonces of this process."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.codes: dict[str, _Code] = {}
        self.tokens: dict[str, _AccessToken] = {}
        self.nonces: dict[str, set[str]] = defaultdict(set)


def user_claims(user: User, scope: str) -> UserInfo:
    """``sub`` always; ``name`` and the identity claim with the openid scope (a node needs both)."""
    claims: dict[str, Any] = {"sub": user.claims["sub"]}
    if "openid" in (scope or "").split():
        for name in ("name", *IDENTITY_CLAIMS):
            if name in user.claims:
                claims[name] = user.claims[name]
    return UserInfo(claims)


def build_server(store: IdpStore, issuer: str, memory: Memory) -> StarletteServer:
    class CodeGrant(grants.AuthorizationCodeGrant):
        TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = ["none", "client_secret_basic", "client_secret_post"]

        def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
            data = request.payload.data
            with memory.lock:
                memory.codes[code] = _Code(
                    code=code,
                    client_id=request.client.client_id,
                    redirect_uri=data.get("redirect_uri", ""),
                    scope=request.scope or "",
                    user_sub=request.user.claims["sub"],
                    nonce=data.get("nonce"),
                    code_challenge=data.get("code_challenge"),
                    code_challenge_method=data.get("code_challenge_method"),
                    auth_time=int(time.time()),
                    expires_at=time.time() + CODE_TTL_S,
                )
                if data.get("nonce"):
                    memory.nonces[request.client.client_id].add(data["nonce"])

        def query_authorization_code(self, code: str, client: Client) -> _Code | None:
            with memory.lock:
                item = memory.codes.get(code)
            if item is None or item.client_id != client.client_id or time.time() >= item.expires_at:
                return None
            return item

        def delete_authorization_code(self, authorization_code: _Code) -> None:
            with memory.lock:
                memory.codes.pop(authorization_code.code, None)

        def authenticate_user(self, authorization_code: _Code) -> User | None:
            return store.user_by_sub(authorization_code.user_sub)

    class OidcCode(OpenIDCode):
        def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
            with memory.lock:
                return nonce in memory.nonces[request.payload.client_id]

        def resolve_client_private_key(self, client: Client) -> Any:
            return store.signing_key()

        def get_client_algorithm(self, client: Client) -> str:
            return SIGNING_ALG

        def get_encode_header(self, client: Client) -> dict[str, str]:
            return {"alg": SIGNING_ALG, "kid": store.key_id()}

        def get_client_claims(self, client: Client) -> dict[str, Any]:
            return {"iss": issuer, "aud": [client.client_id], "exp": int(time.time()) + ID_TOKEN_TTL_S}

        def generate_user_info(self, user: User, scope: str) -> UserInfo:
            return user_claims(user, scope)

    class TokenValidator(BearerTokenValidator):
        def authenticate_token(self, token_string: str) -> _AccessToken | None:
            with memory.lock:
                return memory.tokens.get(token_string)

    class UserInfoFromStore(UserInfoEndpoint):
        def get_issuer(self) -> str:
            return issuer

        def generate_user_info(self, user: User, scope: str) -> UserInfo:
            return user_claims(user, scope)

    server = StarletteServer(store, memory)
    server.register_grant(CodeGrant, [OidcCode(require_nonce=True), S256Challenge(required=True)])
    protector = RequestProtector()
    protector.register_token_validator(TokenValidator())
    server.register_endpoint(UserInfoFromStore(resource_protector=protector))
    server.protector = protector
    return server


class S256Challenge(CodeChallenge):
    """PKCE is mandatory and S256 only (RFC 9700): no challenge, or "plain", is refused at once."""

    SUPPORTED_CODE_CHALLENGE_METHOD: ClassVar[list[str]] = ["S256"]

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge") or data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("PKCE is required: code_challenge with code_challenge_method=S256")
        super().validate_code_challenge(grant, redirect_uri)


class RequestProtector(ResourceProtector):
    """Authlib's resource protector for the request being served (``userinfo`` asks it)."""

    current: threading.local = threading.local()

    def acquire_token(self, scopes: Any = None) -> Any:
        return self.validate_request([scopes] if isinstance(scopes, str) else scopes, self.current.request)


class StarletteServer(AuthorizationServer):
    def __init__(self, store: IdpStore, memory: Memory) -> None:
        super().__init__(scopes_supported=["openid", "profile"])
        self.store = store
        self.memory = memory
        self.protector: RequestProtector | None = None
        self.register_token_generator(
            "default",
            BearerTokenGenerator(
                lambda *a, **k: secrets.token_urlsafe(32), None, lambda client, grant_type: ACCESS_TOKEN_TTL_S
            ),
        )

    def query_client(self, client_id: str) -> Client | None:
        return self.store.client(client_id) if client_id else None

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        with self.memory.lock:
            self.memory.tokens[token["access_token"]] = _AccessToken(
                request.client, request.user, token.get("scope", ""), time.time() + ACCESS_TOKEN_TTL_S
            )

    def create_oauth2_request(self, request: Any) -> OAuth2Request:
        if isinstance(request, OAuth2Request):
            if self.protector is not None:
                self.protector.current.request = request
            return request
        raise TypeError("pass a StarletteOAuth2Request built from the incoming request")

    def create_json_request(self, request: Any) -> Any:
        raise NotImplementedError("no JSON endpoints in the development provider")

    def handle_response(self, status: int, body: Any, headers: Any) -> Response:
        content = json.dumps(body) if isinstance(body, dict) else (body or "")
        return Response(content, status_code=status, headers=dict(headers or []))

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        pass
