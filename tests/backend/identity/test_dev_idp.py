"""The development identity provider on its own (in-process ASGI, no chain): discovery, JWKS,
login, authorization code with mandatory S256 PKCE and nonce, ES256 ID token, userinfo."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import KeySet

from backend.idp.app import create_idp_app
from backend.idp.store import DEMO_CITIZEN_PASSWORD, DEMO_CITIZEN_USERNAME, KEY_FILE, USERS_FILE
from backend.ops.demo import CITIZEN

ISSUER = "http://127.0.0.1:9"
CLIENT = "govchain-test"
REDIRECT = "http://127.0.0.1:8001/console/citizen/callback"
VERIFIER = "v" * 64


@pytest.fixture
def idp(tmp_path):
    app = create_idp_app(tmp_path / "idp", ISSUER)
    app.state.idp_store.register_client(CLIENT, [REDIRECT])
    return TestClient(app, base_url=ISSUER, follow_redirects=False), tmp_path / "idp"


def _authorize(**overrides):
    params = {
        "response_type": "code",
        "client_id": CLIENT,
        "redirect_uri": REDIRECT,
        "scope": "openid",
        "state": "st-1",
        "nonce": "n-1",
        "code_challenge": create_s256_code_challenge(VERIFIER),
        "code_challenge_method": "S256",
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


def _code(http, **overrides) -> str:
    r = http.post(
        "/authorize",
        params=_authorize(**overrides),
        data={"username": DEMO_CITIZEN_USERNAME, "password": DEMO_CITIZEN_PASSWORD},
    )
    assert r.status_code == 302, r.text
    q = parse_qs(urlsplit(r.headers["location"]).query)
    assert q["state"] == ["st-1"]
    return q["code"][0]


def _token(http, code: str, verifier: str = VERIFIER):
    return http.post(
        "/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "client_id": CLIENT,
            "code_verifier": verifier,
        },
    )


def test_first_start_writes_a_private_key_and_the_demo_citizen_with_a_hashed_password(idp):
    _, data_dir = idp
    assert (data_dir / KEY_FILE).stat().st_mode & 0o777 == 0o600
    users = json.loads((data_dir / USERS_FILE).read_text())["users"]
    assert [u["username"] for u in users] == [DEMO_CITIZEN_USERNAME]
    assert users[0]["password_hash"].startswith("$argon2id$")
    assert DEMO_CITIZEN_PASSWORD not in (data_dir / USERS_FILE).read_text()
    assert users[0]["claims"]["resident_id"] == CITIZEN["id_value"]


def test_discovery_and_jwks(idp):
    http, _ = idp
    doc = http.get("/.well-known/openid-configuration").json()
    assert doc["issuer"] == ISSUER
    assert doc["authorization_endpoint"] == f"{ISSUER}/authorize"
    assert doc["token_endpoint"] == f"{ISSUER}/token"
    assert doc["userinfo_endpoint"] == f"{ISSUER}/userinfo"
    assert doc["jwks_uri"] == f"{ISSUER}/jwks"
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["id_token_signing_alg_values_supported"] == ["ES256"]
    keys = http.get("/jwks").json()["keys"]
    assert len(keys) == 1
    assert keys[0]["kty"] == "EC" and keys[0]["alg"] == "ES256" and keys[0]["kid"]
    assert "d" not in keys[0]  # the public half only


def test_code_flow_with_pkce_issues_a_signed_id_token_and_userinfo(idp):
    http, _ = idp
    assert http.get("/authorize", params=_authorize()).status_code == 200  # the login page
    r = _token(http, _code(http))
    assert r.status_code == 200, r.text
    body = r.json()
    jwks = KeySet.import_key_set(http.get("/jwks").json())
    claims = jwt.decode(body["id_token"], jwks, algorithms=["ES256"]).claims
    assert claims["iss"] == ISSUER
    assert claims["aud"] == [CLIENT]
    assert claims["nonce"] == "n-1"
    assert claims["sub"] == "dev-citizen-0001"
    assert claims["resident_id"] == CITIZEN["id_value"]
    assert claims["exp"] > claims["iat"]
    info = http.get("/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert info.json() == {"sub": "dev-citizen-0001", "name": "张三 / Zhang San", "resident_id": CITIZEN["id_value"]}


def test_wrong_password_is_refused_on_the_login_page(idp):
    http, _ = idp
    r = http.post("/authorize", params=_authorize(), data={"username": DEMO_CITIZEN_USERNAME, "password": "nope"})
    assert r.status_code == 401
    assert 'id="idp-error"' in r.text
    r = http.post("/authorize", params=_authorize(), data={"username": "nobody", "password": "nope"})
    assert r.status_code == 401


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"code_challenge": None, "code_challenge_method": None}, "invalid_request"),  # no PKCE
        ({"code_challenge_method": "plain", "code_challenge": VERIFIER}, "invalid_request"),  # plain PKCE
        ({"nonce": None}, "invalid_request"),  # no nonce
    ],
)
def test_authorization_without_s256_pkce_or_nonce_is_refused(idp, overrides, error):
    http, _ = idp
    r = http.get("/authorize", params=_authorize(**overrides))
    assert r.status_code == 302
    q = parse_qs(urlsplit(r.headers["location"]).query)
    assert q["error"] == [error]
    assert q["state"] == ["st-1"]


def test_unknown_client_or_redirect_is_answered_not_redirected(idp):
    http, _ = idp
    r = http.get("/authorize", params=_authorize(client_id="stranger"))
    assert (r.status_code, r.json()["error"]) == (400, "invalid_client")
    r = http.get("/authorize", params=_authorize(redirect_uri="http://evil.example/cb"))
    assert r.status_code == 400
    assert "location" not in r.headers


def test_wrong_verifier_and_reused_code_are_refused(idp):
    http, _ = idp
    code = _code(http)
    r = _token(http, code, verifier="w" * 64)
    assert (r.status_code, r.json()["error"]) == (400, "invalid_grant")
    assert _token(http, code).status_code == 200
    r = _token(http, code)  # a code works once
    assert (r.status_code, r.json()["error"]) == (400, "invalid_grant")


def test_the_providers_demo_citizen_is_the_demo_applicant() -> None:
    from backend.idp.store import DEMO_CITIZEN_ID
    from backend.ops.demo import CITIZEN

    assert DEMO_CITIZEN_ID == CITIZEN
