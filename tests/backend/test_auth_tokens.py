from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from eth_utils import to_checksum_address
from postgres_testkit import DATABASES, database_url
from sqlalchemy import select, update

from backend.core.db import make_engine, session_factory
from backend.core.tokens import ApiToken, TokenNotFound, TokenRevoked, TokenService, hash_token
from backend.migrations import init_db

DEPT = "0x" + "ab" * 20
SUBJECT = "0x" + "cd" * 32
SECRET = "test-node-secret"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2030, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(params=DATABASES)
def sessions(request, tmp_path):
    """The same code on SQLite and on a real PostgreSQL (tests/backend/conftest.py)."""
    engine = make_engine(database_url(request, tmp_path / "t.db"))
    init_db(engine)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def svc(sessions, clock):
    return TokenService(sessions, SECRET, now=clock)


def test_issue_and_authenticate(svc, sessions):
    token = svc.issue("department", DEPT, scopes="*", label="health api")
    assert token.startswith("gct_") and len(token) == 4 + 43
    info = svc.authenticate(token)
    assert (info.role, info.principal, info.label) == ("department", to_checksum_address(DEPT), "health api")
    assert info.revoked_at is None and info.expires_at is None
    with sessions() as s:
        row = s.scalars(select(ApiToken)).one()
    assert row.token_hash == hash_token(token) and token not in row.token_hash  # only the hash is stored
    assert svc.authenticate(token + "x") is None
    assert svc.authenticate("not-a-token") is None
    assert svc.authenticate(None) is None


def test_citizen_principal_and_validation(svc):
    token = svc.issue("citizen", SUBJECT.upper().replace("0X", "0x"))
    assert svc.authenticate(token).principal == SUBJECT
    with pytest.raises(ValueError):
        svc.issue("root", DEPT)
    with pytest.raises(ValueError):
        svc.issue("department", "not-an-address")
    with pytest.raises(ValueError):
        svc.issue("citizen", "1101051990")  # raw ids are never principals


def test_revoke(svc):
    token = svc.issue("auditor", DEPT, scopes="*")
    tid = svc.authenticate(token).id
    assert svc.revoke(tid).revoked_at is not None
    assert svc.authenticate(token) is None
    with pytest.raises(TokenNotFound):
        svc.revoke(999)


def test_expiry(svc, clock):
    token = svc.issue("governor", DEPT, scopes="*", ttl=timedelta(hours=1))
    clock.now += timedelta(minutes=59)
    assert svc.authenticate(token) is not None
    clock.now += timedelta(minutes=1)
    assert svc.authenticate(token) is None


def test_rotate_revokes_old_and_keeps_identity(svc, clock):
    old = svc.issue("department", DEPT, scopes="*", label="batch", ttl=timedelta(days=30))
    old_id = svc.authenticate(old).id
    clock.now += timedelta(days=1)
    new = svc.rotate(old_id)
    assert svc.authenticate(old) is None
    info = svc.authenticate(new)
    assert (info.role, info.principal, info.label) == ("department", svc.get(old_id).principal, "batch")
    assert info.expires_at == clock.now + timedelta(days=30)
    with pytest.raises(TokenRevoked):
        svc.rotate(old_id)
    assert [(t.id, t.active) for t in svc.list(DEPT)] == [(old_id, False), (info.id, True)]
    assert svc.list("0x" + "00" * 20) == []


# -- the row MAC: a DBA's edit of any column authenticates nothing --------------------------------
def _edit(svc, sessions, token: str, **values) -> None:
    with sessions() as s, s.begin():
        s.execute(update(ApiToken).where(ApiToken.token_hash == hash_token(token)).values(**values))
    svc.invalidate_cache()


def test_a_revoked_token_un_revoked_in_the_database_stays_dead(svc, sessions, clock):
    revoked = svc.issue("department", DEPT, scopes="*", label="revoked")
    svc.revoke(svc.authenticate(revoked).id)
    rotated = svc.issue("department", DEPT, scopes="*", label="rotated", ttl=timedelta(days=1))
    successor = svc.rotate(svc.authenticate(rotated).id)
    for token in (revoked, rotated):
        _edit(svc, sessions, token, revoked_at=None)
        assert svc.authenticate(token) is None
    assert svc.authenticate(successor).label == "rotated"  # the re-sealed rows are still genuine


def test_a_token_whose_label_creation_or_id_was_edited_authenticates_nothing(svc, sessions, clock):
    for column, value in [
        ("label", "assisted session #1 via somebody"),  # the marker an objection reads back
        ("created_at", datetime(2000, 1, 1, tzinfo=UTC)),  # rotate() would keep a 30-year lifetime
        ("id", 4242),  # a client token is recorded on chain as client:<id>
    ]:
        token = svc.issue("department", DEPT, scopes="*", label=f"edit {column}", ttl=timedelta(days=1))
        assert svc.authenticate(token) is not None
        _edit(svc, sessions, token, **{column: value})
        assert svc.authenticate(token) is None, column
    with pytest.raises(TokenNotFound):  # an edited row is not renewed either
        svc.rotate(svc.list(DEPT)[1].id)
    # the operator's list shows which rows were written outside the node
    fresh = svc.issue("department", DEPT, scopes="*", label="fresh")
    assert svc.authenticate(fresh) is not None
    assert sorted((t.label, t.genuine) for t in svc.list(DEPT)) == [
        ("assisted session #1 via somebody", False),
        ("edit created_at", False),
        ("edit id", False),
        ("fresh", True),
    ]


# -- the short authentication cache ------------------------------------------------------------
def test_cached_authentication_skips_the_database_but_revoke_and_rotate_clear_it(svc, sessions):
    token = svc.issue("department", DEPT, scopes="*")
    other = svc.issue("department", DEPT, scopes="*")
    first = svc.authenticate(token)
    assert svc.cached(token) == first  # served from memory from now on
    assert svc.cached(other) is None  # never authenticated: not cached
    assert svc.cached("nope") is None and svc.cached(None) is None
    # revoke in this process: refused at once, not after the TTL
    svc.revoke(first.id)
    assert svc.cached(token) is None
    assert svc.authenticate(token) is None
    # rotate in this process: the old token is refused at once, the new one works
    svc.authenticate(other)
    new = svc.rotate(svc.authenticate(other).id)
    assert svc.cached(other) is None and svc.authenticate(other) is None
    assert svc.authenticate(new) is not None


def test_cache_entry_lives_at_most_the_ttl_and_expiry_is_checked_on_every_hit(svc, sessions, clock, monkeypatch):
    import backend.core.tokens as at

    token = svc.issue("department", DEPT, scopes="*", ttl=timedelta(minutes=5))
    assert svc.authenticate(token) is not None
    # a revoke by ANOTHER process (straight in the database): seen once the entry is older than the TTL
    with sessions.begin() as s:
        s.scalars(select(ApiToken)).one().revoked_at = clock.now
    assert svc.authenticate(token) is not None  # still cached (≤ AUTH_CACHE_TTL_S)
    t0 = at.time.monotonic()
    monkeypatch.setattr(at.time, "monotonic", lambda: t0 + at.AUTH_CACHE_TTL_S + 0.01)
    assert svc.authenticate(token) is None
    monkeypatch.undo()
    # expiry: a cached token that expires is refused without waiting for the TTL
    token2 = svc.issue("department", DEPT, scopes="*", ttl=timedelta(minutes=5))
    assert svc.authenticate(token2) is not None and svc.cached(token2) is not None
    clock.now += timedelta(minutes=5)
    assert svc.cached(token2) is None and svc.authenticate(token2) is None


def test_cache_is_bounded(svc, monkeypatch):
    import backend.core.tokens as at

    monkeypatch.setattr(at, "AUTH_CACHE_MAX", 3)
    tokens = [svc.issue("department", DEPT, scopes="*") for _ in range(5)]
    for t in tokens:
        assert svc.authenticate(t) is not None
    assert len(svc._cache) == 3
    assert svc.cached(tokens[0]) is None and svc.cached(tokens[-1]) is not None
