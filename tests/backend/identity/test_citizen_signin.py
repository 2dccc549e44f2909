"""A citizen signs in on a node through the development OIDC provider (real processes over HTTP:
the provider served by uvicorn, the node's app in process with its real chain and token table).

The test plays the browser: node /console/citizen/login → provider's login page → credentials →
back to the node's callback, which verifies the ID token and opens a console session whose citizen
token's principal is the node's keyed hash of the verified resident id."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from identity_testkit import TamperingTransport, provider_key, resign
from joserfc.jwk import ECKey

from backend.idp.store import DEMO_CITIZEN_PASSWORD, DEMO_CITIZEN_USERNAME
from backend.ops.demo import CITIZEN
from backend.web import session as web_session
from backend.web.oidc import LOGIN_COOKIE, OidcClient, OidcConfig

NODE = "http://testserver"
CLIENT_ID = "govchain-apitest-node"
CALLBACK = f"{NODE}/console/citizen/callback"


@pytest.fixture
def rp(system, idp):
    """The node configured as the provider's client; ``transport.tamper`` may alter the ID token."""
    idp.store.register_client(CLIENT_ID, [CALLBACK])
    transport = TamperingTransport()
    system.app.state.oidc_client = OidcClient(OidcConfig(issuer=idp.issuer, client_id=CLIENT_ID), transport=transport)
    try:
        yield transport
    finally:
        del system.app.state.oidc_client


def _browser(system) -> TestClient:
    return TestClient(system.app, base_url=NODE, follow_redirects=False, raise_server_exceptions=True)


def _to_provider(node: TestClient) -> tuple[str, dict[str, list[str]]]:
    r = node.get("/console/citizen/login")
    assert r.status_code == 303, r.text
    assert LOGIN_COOKIE in r.cookies
    url = r.headers["location"]
    return url, parse_qs(urlsplit(url).query)


def _provider_answer(url: str, password: str = DEMO_CITIZEN_PASSWORD) -> dict[str, str]:
    """The provider's login page, then the credentials: where it sends the browser back."""
    with httpx.Client(follow_redirects=False) as browser:
        assert browser.get(url).status_code == 200
        r = browser.post(url, data={"username": DEMO_CITIZEN_USERNAME, "password": password})
    assert r.status_code == 302, r.text
    location = r.headers["location"]
    assert location.startswith(CALLBACK + "?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def _signed_in_principal(system, response) -> str:
    sealed = response.cookies.get(web_session.SESSION_COOKIE)
    assert sealed, "no console session was opened"
    payload = web_session.unseal(web_session.load_or_create_session_key(system.ctx.settings.data_dir), sealed)
    info = system.ctx.tokens.authenticate(payload["t"])
    assert info is not None and info.role == "citizen"
    return info.principal


def test_full_sign_in_opens_a_session_for_the_keyed_hash_of_the_verified_id(system, rp):
    node = _browser(system)
    url, q = _to_provider(node)
    assert q["code_challenge_method"] == ["S256"]
    assert q["client_id"] == [CLIENT_ID]
    assert q["redirect_uri"] == [CALLBACK]
    assert q["nonce"] and q["state"] and q["code_challenge"]
    answer = _provider_answer(url)
    assert answer["state"] == q["state"][0]
    r = node.get("/console/citizen/callback", params=answer)
    assert r.status_code == 200, r.text
    assert 'id="continue"' in r.text
    expected = "0x" + system.ctx.services.citizens.ops.subject(CITIZEN["id_type"], CITIZEN["id_value"]).hex()
    assert _signed_in_principal(system, r) == expected
    token = system.ctx.tokens.list(principal=expected)[-1]
    assert token.label.startswith("citizen sign-in via OIDC 127.0.0.1:")
    assert CITIZEN["id_value"] not in token.label
    assert (token.expires_at - token.created_at).total_seconds() == 30 * 60
    # the session is the citizen's: their pages open, a department's do not
    page = node.get("/console/citizen")
    assert page.status_code == 200
    assert node.get("/console/workspace").status_code == 403


def _refusal(system, rp, tamper=None, *, params_change=None, keep_cookie=True):
    rp.tamper = tamper
    node = _browser(system)
    url, _ = _to_provider(node)
    answer = _provider_answer(url)
    answer.update(params_change or {})
    if not keep_cookie:
        node.cookies.clear()
    r = node.get("/console/citizen/callback", params=answer)
    assert web_session.SESSION_COOKIE not in r.cookies
    return r


def _reason(r) -> str:
    marker = 'data-reason="'
    return r.text.split(marker, 1)[1].split('"', 1)[0]


def _stranger_key() -> ECKey:
    return ECKey.generate_key("P-256", private=True)


@pytest.mark.parametrize(
    ("case", "status", "reason"),
    [
        ("bad_signature", 401, "bad_signature"),
        ("wrong_audience", 401, "wrong_audience"),
        ("wrong_nonce", 401, "wrong_nonce"),
        ("expired", 401, "expired"),
        ("wrong_issuer", 401, "wrong_issuer"),
        ("no_identity_claim", 401, "missing_claim"),
        ("unknown_key", 401, "unknown_key"),
    ],
)
def test_a_tampered_id_token_is_refused(system, rp, idp, case, status, reason):
    key, kid = provider_key(idp)
    now = int(time.time())
    tampers = {
        # a stranger's key under the provider's kid
        "bad_signature": lambda t: resign(t, _stranger_key(), kid),
        # the provider's own signature, made for another client / sign-in / time / issuer
        "wrong_audience": lambda t: resign(t, key, kid, aud=["another-client"]),
        "wrong_nonce": lambda t: resign(t, key, kid, nonce="replayed-nonce"),
        "expired": lambda t: resign(t, key, kid, iat=now - 7200, exp=now - 3600),
        "wrong_issuer": lambda t: resign(t, key, kid, iss="http://127.0.0.1:1"),
        "no_identity_claim": lambda t: resign(t, key, kid, resident_id=None),
        "unknown_key": lambda t: resign(t, _stranger_key(), "kid-nobody-published"),
    }
    before = len(system.ctx.tokens.list())
    r = _refusal(system, rp, tampers[case])
    assert r.status_code == status
    assert _reason(r) == reason
    assert len(system.ctx.tokens.list()) == before  # no citizen token was issued


def test_state_mismatch_is_refused(system, rp):
    r = _refusal(system, rp, params_change={"state": "forged-state"})
    assert (r.status_code, _reason(r)) == (400, "state_mismatch")


def test_callback_without_the_login_cookie_is_refused(system, rp):
    r = _refusal(system, rp, keep_cookie=False)
    assert (r.status_code, _reason(r)) == (400, "state_mismatch")


def test_provider_error_answer_is_refused(system, rp):
    node = _browser(system)
    _, q = _to_provider(node)
    r = node.get("/console/citizen/callback", params={"state": q["state"][0], "error": "access_denied"})
    assert (r.status_code, _reason(r)) == (401, "provider_error")


def test_sign_in_is_off_without_a_provider(system):
    node = _browser(system)
    system.app.state.oidc_client = None
    try:
        r = node.get("/console/citizen/login")
        assert (r.status_code, _reason(r)) == (404, "not_configured")
        assert 'id="citizen-signin"' not in node.get("/console/login").text
    finally:
        del system.app.state.oidc_client


def test_login_page_offers_the_citizen_sign_in_when_configured(system, rp):
    assert 'href="/console/citizen/login"' in _browser(system).get("/console/login").text
