"""Fixtures shared by every backend test folder: a throw-away PostgreSQL server (one
per session, i.e. per xdist worker; started only when a test asks for it) and a
fresh database per test (tests/backend/postgres_testkit.py).

postgres_testkit imports as a top-level module because pytest (default "prepend" import mode)
puts the folder of this conftest, which is in no package, on sys.path before importing it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from postgres_testkit import create_database, drop_database, pg_server_process

# Modules that each take minutes (measured with --durations; fuzzing, crash loops). Under
# `-n N --dist loadfile` a worker takes whole modules in collection order, so one of these
# collected last runs alone at the end while the other workers sit idle; collected first,
# they overlap with the many short modules. Order only: no test is skipped or changed.
LONG_MODULES = (
    "fuzz/test_schemathesis_fuzz.py",
    "crash/test_server_crash.py",
    "chain/test_chain_layer.py",
    "indexer/test_indexer_crash.py",
    "crash/test_node_killed_during_releases.py",
    "api/test_federation_up.py",
)


def _long_first(item: pytest.Item) -> int:
    path = Path(str(item.fspath)).as_posix()
    for rank, name in enumerate(LONG_MODULES):
        if path.endswith("tests/backend/" + name):
            return rank
    return len(LONG_MODULES)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=_long_first)  # stable: the order within and among the other modules stays


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
