from __future__ import annotations

import pytest
from chain_helpers import anvil, deploy_event_source
from web3 import Web3

from backend.core.db import make_engine, session_factory
from backend.migrations import init_db


@pytest.fixture(scope="session")
def anvil_url():
    """One interval-mining anvil for the indexer tests that do not rewrite history."""
    with anvil(block_time=0.2) as url:
        yield url


@pytest.fixture(scope="session")
def w3(anvil_url):
    return Web3(Web3.HTTPProvider(anvil_url))


@pytest.fixture
def event_source(w3):
    """A fresh EventSource per test, so each test owns its address's logs."""
    return deploy_event_source(w3)


@pytest.fixture
def db(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'idx.db'}")
    init_db(engine)
    yield session_factory(engine)
    engine.dispose()
