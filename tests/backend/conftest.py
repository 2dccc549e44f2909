"""Fixtures shared by every backend test folder: a throw-away PostgreSQL server (one
per session, i.e. per xdist worker; started only when a test asks for it) and a
fresh database per test (tests/backend/postgres_testkit.py).

postgres_testkit imports as a top-level module because pytest (default "prepend" import mode)
puts the folder of this conftest, which is in no package, on sys.path before importing it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from postgres_testkit import create_database, drop_database, pg_server_process


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """URL of a superuser connection to the session's PostgreSQL server (database ``postgres``)."""
    yield from pg_server_process()


@pytest.fixture
def pg_database_url(pg_server: str) -> Iterator[str]:
    """A fresh empty database on the session's server (dropped after the test)."""
    url = create_database(pg_server)
    yield url
    drop_database(pg_server, url)
