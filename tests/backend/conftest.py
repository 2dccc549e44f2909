"""Fixtures shared by every backend test folder: a throw-away PostgreSQL server (one
per session, i.e. per xdist worker; started only when a test asks for it) and a
fresh database per test (tests/backend/postgres_testkit.py)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

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
