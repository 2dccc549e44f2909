from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from eth_utils import to_checksum_address
from sqlalchemy import select

from backend.auth_tokens import ApiToken, TokenNotFound, TokenRevoked, TokenService, hash_token
from backend.db import init_db, make_engine, session_factory

DEPT = "0x" + "ab" * 20
SUBJECT = "0x" + "cd" * 32


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2030, 1, 1, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture()
def sessions(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 't.db'}")
    init_db(engine)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture()
def clock():
    return Clock()


@pytest.fixture()
def svc(sessions, clock):
    return TokenService(sessions, now=clock)


def test_issue_and_authenticate(svc, sessions):
    token = svc.issue("department", DEPT, label="health api")
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
    token = svc.issue("auditor", DEPT)
    tid = svc.authenticate(token).id
    assert svc.revoke(tid).revoked_at is not None
    assert svc.authenticate(token) is None
    with pytest.raises(TokenNotFound):
        svc.revoke(999)


def test_expiry(svc, clock):
    token = svc.issue("governor", DEPT, ttl=timedelta(hours=1))
    clock.now += timedelta(minutes=59)
    assert svc.authenticate(token) is not None
    clock.now += timedelta(minutes=1)
    assert svc.authenticate(token) is None


def test_rotate_revokes_old_and_keeps_identity(svc, clock):
    old = svc.issue("department", DEPT, label="batch", ttl=timedelta(days=30))
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
