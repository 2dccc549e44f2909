"""Officers sign in as themselves (issue 10): the chain names the signed-in person only, token and
account rows written or edited without the node's secret grant nothing, removal ends an officer's
tokens, and failed sign-ins / token checks are throttled (429 + Retry-After)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime

import pyotp
import pytest
from api_world import System
from argon2 import PasswordHasher
from sqlalchemy import update

from backend.core import officers as officers_module
from backend.core.identity import officer_hash
from backend.core.officers import Officer
from backend.core.throttle import Throttle, ThrottleLimits
from backend.core.tokens import TOKEN_PREFIX, ApiToken
from backend.services.errors import TooManyAttempts, Unauthorized

REFUSED = {
    "error": "InvalidInput",
    "args": {
        "reason": "the officer is the signed-in person; X-Officer-Id is no longer accepted",
        "field": "X-Officer-Id",
    },
}
BAD_SIGN_IN = {"error": "Unauthorized", "args": {"reason": "wrong username, password or code"}}
BAD_TOKEN = {"error": "Unauthorized", "args": {"reason": "invalid, expired or revoked token"}}


def _bearer(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex, **extra}


def _enrol(s: System, username: str, role: str = "officer", admin: str = "dept-a") -> tuple[str, pyotp.TOTP]:
    r = s.http.post(
        "/officers", json={"username": username, "display_name": username.title(), "role": role}, headers=s.h(admin)
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["officer"]["username"] == username and body["officer"]["principal"] == s.addr[admin]
    return body["password"], pyotp.parse_uri(body["totp_uri"])


def _sign_in(s: System, username: str, password: str, code: str):
    return s.http.post("/auth/officer/session", json={"username": username, "password": password, "totp": code})


def _register(s: System, token: str, **extra: str):
    body = {"classification": "INTERNAL", "record": {"id": uuid.uuid4().hex}, "schema": {"type": "object"}}
    return s.http.post("/resources", json=body, headers=_bearer(token, **extra))


def _wrong(totp: pyotp.TOTP) -> str:
    """A code that is not the current one (nor its neighbours, which the check also accepts)."""
    now = int(datetime.now(UTC).timestamp())
    near = {totp.at(now + k * totp.interval) for k in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in near)


def _hash(s: System, who: str, officer: str) -> str:
    return "0x" + officer_hash(s.ctx.settings.subject_secret, s.addr[who], officer).hex()


@pytest.fixture
def small_throttle(system: System, monkeypatch):
    """Two failures per window for every key (the API and the sign-in service share it)."""
    t = Throttle(ThrottleLimits(signin_per_user="2/hour", signin_per_ip="4/hour", token_per_ip="2/hour"))
    monkeypatch.setattr(system.ctx, "throttle", t)
    monkeypatch.setattr(system.ctx.officers, "throttle", t)
    return t


def test_an_officer_signs_in_and_the_chain_names_that_officer_only(system: System):
    s = system
    password, totp = _enrol(s, "alice")
    r = _sign_in(s, "alice", password, totp.now())
    assert r.status_code == 201, r.text
    body = r.json()
    token = body["token"]
    assert body["officer"]["username"] == "alice" and body["officer"]["role"] == "officer"
    me = s.http.get("/me", headers=_bearer(token)).json()
    assert (me["role"], me["address"], me["kind"], me["officer"]) == (
        "department",
        s.addr["dept-a"],
        "officer",
        "alice",
    )

    # naming another officer is refused, and nothing is written
    r = _register(s, token, **{"X-Officer-Id": "officer-1"})
    assert (r.status_code, r.json()) == (422, REFUSED)

    r = _register(s, token)
    assert r.status_code == 201, r.text
    assert r.json()["steward_hash"] == _hash(s, "dept-a", "alice") != _hash(s, "dept-a", "officer-1")


def test_a_client_token_is_recorded_as_that_client(system: System):
    s = system
    token = s.ctx.tokens.issue("department", s.addr["dept-a"], "batch job", scopes="*")  # even "*": no administrator
    token_id = s.ctx.tokens.authenticate(token).id
    me = s.http.get("/me", headers=_bearer(token)).json()
    assert (me["kind"], me["officer"]) == ("client", f"client:{token_id}")
    r = _register(s, token)
    assert r.status_code == 201, r.text
    assert r.json()["steward_hash"] == _hash(s, "dept-a", f"client:{token_id}")
    # a client is no administrator
    r = s.http.get("/officers", headers=_bearer(token))
    assert (r.status_code, r.json()["error"]) == (403, "Forbidden")


def test_wrong_password_or_code_is_401(system: System):
    s = system
    password, totp = _enrol(s, "bob")
    r = _sign_in(s, "bob", password, _wrong(totp))
    assert (r.status_code, r.json()) == (401, BAD_SIGN_IN)
    r = _sign_in(s, "bob", password + "x", totp.now())
    assert (r.status_code, r.json()) == (401, BAD_SIGN_IN)
    r = _sign_in(s, "nobody", password, totp.now())
    assert (r.status_code, r.json()) == (401, BAD_SIGN_IN)
    # a code works once: one seen over a shoulder (or in a log) cannot be replayed
    code = totp.now()
    assert _sign_in(s, "bob", password, code).status_code == 201
    r = _sign_in(s, "bob", password, code)
    assert (r.status_code, r.json()) == (401, BAD_SIGN_IN)


def test_a_removed_officer_is_signed_out_everywhere(system: System):
    s = system
    password, totp = _enrol(s, "carol")
    token = _sign_in(s, "carol", password, totp.now()).json()["token"]
    assert s.http.get("/me", headers=_bearer(token)).status_code == 200
    r = s.http.delete("/officers/carol", headers=s.h("dept-a"))
    assert r.status_code == 200, r.text
    assert r.json()["tokens_revoked"] == 1 and r.json()["officer"]["removed_at"] is not None
    r = s.http.get("/me", headers=_bearer(token))
    assert (r.status_code, r.json()) == (401, BAD_TOKEN)
    r = _sign_in(s, "carol", password, totp.now())
    assert (r.status_code, r.json()) == (401, BAD_SIGN_IN)
    listed = {o["username"]: o for o in s.http.get("/officers", headers=s.h("dept-a")).json()["items"]}
    assert listed["carol"]["removed_at"] is not None
    # another department's admin neither sees nor removes dept-a's officers
    r = s.http.delete("/officers/carol", headers=s.h("dept-b"))
    assert (r.status_code, r.json()["error"]) == (404, "NotFound")
    assert "carol" not in {o["username"] for o in s.http.get("/officers", headers=s.h("dept-b")).json()["items"]}


def test_a_clerk_administers_nothing(system: System):
    s = system
    password, totp = _enrol(s, "dave")
    token = _sign_in(s, "dave", password, totp.now()).json()["token"]
    for method, path, body in [
        ("GET", "/officers", None),
        ("POST", "/officers", {"username": "eve", "display_name": "Eve"}),
        ("DELETE", "/officers/alice", None),
        ("PUT", "/directory/self", {"endpoint": "https://x.example", "encryption_key": "0x" + "11" * 32}),
    ]:
        r = s.http.request(method, path, json=body, headers=_bearer(token))
        assert (r.status_code, r.json()["error"]) == (403, "Forbidden"), (path, r.text)
        assert r.json()["args"]["reason"] == "requires an administrator officer's token"


def test_a_token_row_written_or_edited_in_the_database_authenticates_nothing(system: System):
    s = system
    # inserted by hand: a valid sha256, no MAC (or a MAC made without the node's secret)
    for mac in ("", "00" * 32):
        forged = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with s.ctx.sessions() as db, db.begin():
            db.add(
                ApiToken(
                    token_hash=hashlib.sha256(forged.encode()).hexdigest(),
                    role="department",
                    principal=s.addr["dept-a"],
                    label="dba",
                    created_at=datetime.now(UTC),
                    kind="client",
                    scopes="",
                    mac=mac,
                )
            )
        r = s.http.get("/me", headers=_bearer(forged))
        assert (r.status_code, r.json()) == (401, BAD_TOKEN)

    # a real row with its role, principal or officer edited
    for column, value in [("role", "governor"), ("principal", s.addr["dept-b"]), ("officer", "alice")]:
        token = s.ctx.tokens.issue("department", s.addr["dept-a"], f"edit {column}", officer="officer-1")
        digest = hashlib.sha256(token.encode()).hexdigest()
        with s.ctx.sessions() as db, db.begin():
            db.execute(update(ApiToken).where(ApiToken.token_hash == digest).values({column: value}))
        s.ctx.tokens.invalidate_cache()
        r = s.http.get("/me", headers=_bearer(token))
        assert (r.status_code, r.json()) == (401, BAD_TOKEN), column


def test_an_officer_row_written_or_edited_in_the_database_grants_nothing(system: System):
    s = system
    store = s.ctx.officers.store
    # a DBA's own admin: a real argon2 hash and TOTP secret, but no MAC
    totp = pyotp.TOTP(pyotp.random_base32())
    with s.ctx.sessions() as db, db.begin():
        db.add(
            Officer(
                username="mallory",
                display_name="Mallory",
                role="admin",
                member_role="department",
                principal=s.addr["dept-a"],
                password_hash=PasswordHasher().hash("pw"),
                totp_secret_enc=store.keys.encrypt_totp("mallory", totp.secret),
                created_at=datetime.now(UTC),
                mac="",
            )
        )
    r = _sign_in(s, "mallory", "pw", totp.now())
    assert (r.status_code, r.json()) == (401, BAD_SIGN_IN)
    with pytest.raises(ValueError, match="no active officer"):
        s.ctx.tokens.issue("department", s.addr["dept-a"], "x", officer="mallory")

    # a clerk promoted to admin in the database: their account (and so their tokens) stops working
    password, code = _enrol(s, "frank")
    token = _sign_in(s, "frank", password, code.now()).json()["token"]
    with s.ctx.sessions() as db, db.begin():
        db.execute(update(Officer).where(Officer.username == "frank").values(role="admin"))
    s.ctx.tokens.invalidate_cache()
    r = s.http.get("/officers", headers=_bearer(token))
    assert (r.status_code, r.json()) == (401, BAD_TOKEN)


def test_failed_sign_ins_are_throttled_per_username(system: System, small_throttle):
    s = system
    password, totp = _enrol(s, "gina")
    for _ in range(2):
        assert _sign_in(s, "gina", password, _wrong(totp)).status_code == 401
    r = _sign_in(s, "gina", password, totp.now())  # the right code too: the window is used up
    assert r.status_code == 429
    assert r.json()["error"] == "TooManyAttempts"
    assert int(r.headers["Retry-After"]) >= 1
    assert r.json()["args"]["retry_after"] == int(r.headers["Retry-After"])


def test_wrong_tries_from_one_address_do_not_lock_the_officer_out_from_another(system: System, small_throttle):
    s = system
    password, totp = _enrol(s, "ines")
    officers = s.ctx.officers
    for _ in range(2):
        with pytest.raises(Unauthorized):
            officers.sign_in("ines", password, _wrong(totp), "203.0.113.7")
    with pytest.raises(TooManyAttempts):  # that address is blocked for this officer, the right code too
        officers.sign_in("ines", password, totp.now(), "203.0.113.7")
    signed = officers.sign_in("ines", password, totp.now(), "198.51.100.20")  # the officer, elsewhere
    assert signed.officer.username == "ines" and s.ctx.tokens.authenticate(signed.token).officer == "ines"


def test_guessing_the_code_of_a_known_password_from_many_addresses_locks_the_account(system: System, monkeypatch):
    s = system
    t = Throttle(ThrottleLimits(signin_per_user="5/hour", signin_per_ip="5/hour", signin_per_account="3/hour"))
    monkeypatch.setattr(s.ctx.officers, "throttle", t)
    password, totp = _enrol(s, "lena")
    officers = s.ctx.officers
    for i in range(5):  # wrong passwords, each from its own address: nobody can lock lena out this way
        with pytest.raises(Unauthorized):
            officers.sign_in("lena", password + "x", totp.now(), f"198.51.100.{i + 1}")
    for i in range(3):  # the right password with wrong codes: the password is known
        with pytest.raises(Unauthorized):
            officers.sign_in("lena", password, _wrong(totp), f"203.0.113.{i + 1}")
    with pytest.raises(TooManyAttempts) as refused:  # from a fresh address, the right code too
        officers.sign_in("lena", password, totp.now(), "192.0.2.50")
    assert refused.value.retry_after >= 1


def test_a_totp_code_signs_in_once_even_when_two_sign_ins_race(system: System, monkeypatch):
    s = system
    password, totp = _enrol(s, "jon")
    code = totp.now()
    assert _sign_in(s, "jon", password, code).status_code == 201
    r = _sign_in(s, "jon", password, code)  # the same code again: replayed
    assert (r.status_code, r.json()) == (401, BAD_SIGN_IN)

    # Two sign-ins with one (new) code, the second one slipping in after the first read the account
    # row and before it wrote the step back: exactly one of them succeeds.
    password, totp = _enrol(s, "kim")
    code, store, results, raced = totp.now(), s.ctx.officers.store, [], []
    real_step = officers_module._matching_step

    def racing_step(t, c, now):
        if not raced:
            raced.append(True)
            results.append(store.verify("kim", password, code))  # the concurrent sign-in, committed first
        return real_step(t, c, now)

    monkeypatch.setattr(officers_module, "_matching_step", racing_step)
    results.append(store.verify("kim", password, code))
    assert [r is not None for r in results] == [True, False]
    assert results[0].username == "kim"


def test_failed_token_checks_are_throttled_per_client_address(system: System, small_throttle):
    s = system
    for _ in range(2):
        assert s.http.get("/me", headers=_bearer("gct_not-a-token")).status_code == 401
    r = s.http.get("/me", headers=_bearer("gct_not-a-token"))
    assert r.status_code == 429
    assert r.json()["error"] == "TooManyAttempts"
    assert int(r.headers["Retry-After"]) >= 1


def test_a_steward_other_than_oneself_must_be_an_officer_of_the_department(system: System):
    s = system
    password, totp = _enrol(s, "hana")
    token = _sign_in(s, "hana", password, totp.now()).json()["token"]
    body = {"classification": "INTERNAL", "record": {"id": uuid.uuid4().hex}, "schema": {"type": "object"}}
    for name in ("someone-typed", "officer-2-of-nowhere"):
        r = s.http.post("/resources", json={**body, "steward_officer_id": name}, headers=_bearer(token))
        assert (r.status_code, r.json()) == (
            422,
            {
                "error": "InvalidInput",
                "args": {
                    "reason": "the steward must be an officer account of this department",
                    "field": "steward_officer_id",
                },
            },
        )
    _enrol(s, "ivan")
    r = s.http.post("/resources", json={**body, "steward_officer_id": "ivan"}, headers=_bearer(token))
    assert r.status_code == 201, r.text
    assert r.json()["steward_hash"] == _hash(s, "dept-a", "ivan")
