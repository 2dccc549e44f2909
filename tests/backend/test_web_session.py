"""The console's session cookie (backend/web/session.py), without a chain: encrypted
(the token is not in the cookie's bytes), authenticated (an edited cookie is signed
out), expiring (``exp`` inside the ciphertext), keyed by a 0600 random key file."""

from __future__ import annotations

import base64
import json
import stat
import threading
import time
from types import SimpleNamespace

import pytest
from fastapi import FastAPI, Request, Response
from fastapi.testclient import TestClient

from backend.web import session

TOKEN = "gct_" + "Zx9" * 14
OFFICER = "clerk-007"


def _app(data_dir, env: str = "development") -> FastAPI:
    app = FastAPI()
    app.state.ctx = SimpleNamespace(settings=SimpleNamespace(data_dir=data_dir, keystore_secret="test-secret", env=env))

    @app.post("/in")
    def sign_in(request: Request) -> Response:
        r = Response("ok")
        session.write_session(request, r, TOKEN, OFFICER)
        return r

    @app.post("/out")
    def sign_out(request: Request) -> Response:
        r = Response("bye")
        session.clear_session(request, r)
        return r

    @app.get("/me")
    def me(request: Request) -> dict:
        s = session.read_session(request)
        return {"token": s.token, "officer": s.officer} if s else {"token": None}

    return app


@pytest.fixture
def client(tmp_path):
    with TestClient(_app(tmp_path), base_url="http://testserver") as c:
        yield c


def _signed_in(client) -> str:
    r = client.post("/in")
    assert r.status_code == 200
    return r.cookies[session.SESSION_COOKIE]


def _me(client, cookie: str | None) -> dict:
    client.cookies.clear()
    if cookie is not None:
        client.cookies.set(session.SESSION_COOKIE, cookie)
    return client.get("/me").json()


def test_round_trip_and_cookie_flags(client):
    r = client.post("/in")
    header = next(h for h in r.headers.get_list("set-cookie") if h.startswith(session.SESSION_COOKIE + "="))
    flags = [f.strip().lower() for f in header.split(";")]
    assert "httponly" in flags and "samesite=strict" in flags and "path=/" in flags
    assert f"max-age={session.SESSION_MAX_AGE}" in flags
    assert "secure" not in flags  # plain http in development
    assert _me(client, r.cookies[session.SESSION_COOKIE]) == {"token": TOKEN, "officer": OFFICER}


def test_secure_flag_in_production(tmp_path):
    with TestClient(_app(tmp_path, env="production")) as c:
        header = next(
            h for h in c.post("/in").headers.get_list("set-cookie") if h.startswith(session.SESSION_COOKIE + "=")
        )
        assert "secure" in [f.strip().lower() for f in header.split(";")]


def test_cookie_bytes_do_not_contain_the_token(client, tmp_path):
    cookie = _signed_in(client)
    assert cookie.startswith("v2.")
    haystacks = [cookie, cookie.replace("-", "+").replace("_", "/")]
    try:
        haystacks.append(base64.urlsafe_b64decode(cookie[3:] + "=" * (-len(cookie[3:]) % 4)).decode("latin-1"))
    except ValueError:
        pass
    needles = [
        TOKEN,
        TOKEN[4:],
        OFFICER,
        base64.b64encode(TOKEN.encode()).decode()[:20],
        base64.urlsafe_b64encode(json.dumps({"t": TOKEN}).encode()).decode()[:20],
    ]
    for hay in haystacks:
        for needle in needles:
            assert needle not in hay
    # two sign-ins, two different ciphertexts (random nonce)
    assert _signed_in(client) != cookie


@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_tampered_cookie_is_signed_out(client, where):
    cookie = _signed_in(client)
    i = {"first": 3, "middle": len(cookie) // 2, "last": len(cookie) - 1}[where]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    flipped = cookie[:i] + alphabet[alphabet.index(cookie[i]) ^ 0b100000] + cookie[i + 1 :]  # flips a high bit
    assert _me(client, flipped) == {"token": None}
    assert _me(client, cookie[:-4]) == {"token": None}  # truncated
    assert _me(client, "v2.") == {"token": None}
    assert _me(client, "v2.!!!") == {"token": None}
    assert _me(client, "garbage") == {"token": None}
    assert _me(client, cookie) == {"token": TOKEN, "officer": OFFICER}  # the untouched one still works


def test_expired_cookie_is_signed_out(client, tmp_path):
    key = session.load_or_create_session_key(tmp_path)
    now = int(time.time())
    good = session.seal(key, {"t": TOKEN, "o": OFFICER, "iat": now, "exp": now + 60})
    assert _me(client, good) == {"token": TOKEN, "officer": OFFICER}
    expired = session.seal(key, {"t": TOKEN, "o": OFFICER, "iat": now - 13 * 3600, "exp": now - 1})
    assert _me(client, expired) == {"token": None}
    for bad_exp in (None, "9999999999", 1.5e12, True):
        assert _me(client, session.seal(key, {"t": TOKEN, "o": OFFICER, "exp": bad_exp})) == {"token": None}
    assert _me(client, session.seal(key, {"t": TOKEN, "o": OFFICER})) == {"token": None}  # no exp at all


def test_exp_is_twelve_hours_after_sign_in(client, tmp_path):
    before = int(time.time())
    cookie = _signed_in(client)
    data = session.unseal(session.load_or_create_session_key(tmp_path), cookie)
    assert (
        data["t"] == TOKEN
        and before + session.SESSION_MAX_AGE <= data["exp"] <= int(time.time()) + session.SESSION_MAX_AGE
    )
    req = SimpleNamespace(cookies={session.SESSION_COOKIE: cookie}, app=client.app)
    assert session.read_session(req, now=data["exp"] - 1) is not None
    assert session.read_session(req, now=data["exp"]) is None


def test_cookie_from_another_key_or_the_old_format_is_signed_out(client, tmp_path):
    other = session.seal(b"\x01" * 32, {"t": TOKEN, "o": OFFICER, "exp": int(time.time()) + 60})
    assert _me(client, other) == {"token": None}
    # the former format: base64url(JSON).HMAC, token readable by anyone holding the cookie
    body = base64.urlsafe_b64encode(json.dumps({"t": TOKEN, "o": OFFICER}).encode()).rstrip(b"=").decode()
    assert _me(client, f"{body}.c2lnbmF0dXJl") == {"token": None}


def test_key_file_is_random_0600_and_stable(tmp_path):
    k1 = session.load_or_create_session_key(tmp_path)
    path = tmp_path / session.SESSION_KEY_FILE
    assert len(k1) == 32 and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert session.load_or_create_session_key(tmp_path) == k1
    assert session.load_or_create_session_key(tmp_path / "elsewhere") != k1
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp files left
    path.chmod(0o644)
    assert session.load_or_create_session_key(tmp_path) == k1
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.write_bytes(b"short")
    with pytest.raises(RuntimeError):
        session.load_or_create_session_key(tmp_path)


def test_concurrent_first_use_agrees_on_one_key(tmp_path):
    keys: list[bytes] = []
    threads = [
        threading.Thread(target=lambda: keys.append(session.load_or_create_session_key(tmp_path))) for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(keys) == 8 and len(set(keys)) == 1


def test_sign_out_deletes_the_cookie_with_the_same_attributes(client):
    _signed_in(client)
    r = client.post("/out")
    header = next(h for h in r.headers.get_list("set-cookie") if h.startswith(session.SESSION_COOKIE + "="))
    flags = [f.strip().lower() for f in header.split(";")]
    assert "max-age=0" in flags and "httponly" in flags and "samesite=strict" in flags
