"""The indexer on a real PostgreSQL: ON CONFLICT DO NOTHING for the postgresql
dialect, the bulk rebuild that drops and recreates the secondary indexes, the
cursor committed with its rows, and query_events giving the same rows as on
SQLite for the same chain.

The throw-away server is the session's ``pg_server`` (tests/backend/conftest.py,
tests/backend/postgres_testkit.py): initdb + pg_ctl in a temp dir, started once
per session and removed at teardown. This module never skips: a server that
cannot be had fails with the reason.
"""

from __future__ import annotations

import pytest
from chain_helpers import deploy_event_source, emit_uses, indexed_rows, raw_logs
from postgres_testkit import create_database, drop_database
from sqlalchemy import delete, func, inspect, select

from backend.core.db import make_engine, session_factory
from backend.indexer import Indexer, chain_events, query_events
from backend.indexer.indexer import Cursor
from backend.indexer.models import indexer_cursor
from backend.migrations import init_db

# -- a database per test on the session's server (pg_server: tests/backend/conftest.py) ----------


@pytest.fixture
def pg_engine(pg_server):
    """A fresh database per test with the app's whole schema (init_db), on the session's server."""
    url = create_database(pg_server)
    engine = make_engine(url)
    assert engine.dialect.name == "postgresql"
    init_db(engine)
    yield engine
    engine.dispose()
    drop_database(pg_server, url)


@pytest.fixture
def pg(pg_engine):
    return session_factory(pg_engine)


# -- helpers ------------------------------------------------------------------------


def _count(db):
    with db() as s:
        return s.scalar(select(func.count()).select_from(chain_events))


def _index_names(engine):
    with engine.connect() as c:
        return {ix["name"] for ix in inspect(c).get_indexes("chain_events")}


_SECONDARY = {ix.name for ix in chain_events.indexes}


# -- tests --------------------------------------------------------------------------


def test_pg_sync_rows_equal_eth_getlogs_each_log_once(w3, event_source, pg):
    address, abi, deploy_block = event_source
    last = emit_uses(w3, address, abi, batches=[(7, 1, 120), (7, 2, 80), (8, 3, 50)])
    idx = Indexer(w3, {"EventSource": (address, abi)}, pg, start_block=deploy_block, chunk=3, insert_batch=64)

    assert idx.sync(to_block=last) == 250

    truth = raw_logs(w3, address, deploy_block, last)
    assert len(truth) == 250
    assert indexed_rows(pg, address) == truth
    assert _count(pg) == 250  # each log exactly once
    assert idx.cursor().block_number == last
    with pg() as s:  # the cursor's hash is the chain's hash of its block
        assert s.scalar(select(indexer_cursor.c.block_hash)) == w3.eth.get_block(last)["hash"].to_0x_hex()


def test_pg_resync_is_idempotent_on_conflict_do_nothing(w3, event_source, pg):
    address, abi, deploy_block = event_source
    last = emit_uses(w3, address, abi, batches=[(1, 1, 30), (2, 2, 30)])
    idx = Indexer(w3, {"EventSource": (address, abi)}, pg, start_block=deploy_block, chunk=2)
    assert idx.sync(to_block=last) == 60
    assert idx.sync(to_block=last) == 0
    again = Indexer(w3, {"EventSource": (address, abi)}, pg, start_block=deploy_block)  # a fresh process
    assert again.sync(to_block=last) == 0

    # Lose the cursor (rows committed, cursor not): the whole range is re-read and
    # re-inserted, and ON CONFLICT (tx_hash, log_index) DO NOTHING keeps each log once.
    with pg() as s, s.begin():
        s.execute(delete(indexer_cursor))
    assert again.sync(to_block=last) == 60  # rows offered to the database
    assert _count(pg) == 60
    assert indexed_rows(pg, address) == raw_logs(w3, address, deploy_block, last)
    assert again.cursor().block_number == last

    # A rolled-back chunk leaves neither its rows nor its cursor (one transaction).
    more = emit_uses(w3, address, abi, batches=[(3, 3, 10)])
    rows, end_hash = again._read_range(last + 1, more, again.cursor())
    assert len(rows) == 10
    with pytest.raises(RuntimeError, match="boom"), pg() as s, s.begin():
        again._insert(s, rows)
        again._save_cursor(s, Cursor(more, end_hash))
        raise RuntimeError("boom")
    assert _count(pg) == 60 and again.cursor().block_number == last
    assert again.sync(to_block=more) == 10
    assert indexed_rows(pg, address) == raw_logs(w3, address, deploy_block, more)


def test_pg_rebuild_bulk_load_drops_then_recreates_indexes(w3, event_source, pg, pg_engine):
    address, abi, deploy_block = event_source
    emit_uses(w3, address, abi, batches=[(3, 1, 90), (4, 2, 60)])
    idx = Indexer(w3, {"EventSource": (address, abi)}, pg, start_block=deploy_block, chunk=2)
    assert _index_names(pg_engine) >= _SECONDARY  # init_db created them

    during: list[set[str]] = []
    assert idx.rebuild(progress=lambda *_: during.append(_index_names(pg_engine))) >= 150

    assert during and all(not (_SECONDARY & names) for names in during)  # the bulk load ran without them
    assert _index_names(pg_engine) >= _SECONDARY  # and they are back
    with pg_engine.connect() as c:
        uniques = {u["name"] for u in inspect(c).get_unique_constraints("chain_events")}
    assert "uq_chain_events_tx_log" in uniques  # never dropped: it is what makes inserts idempotent
    assert indexed_rows(pg, address) == raw_logs(w3, address, deploy_block, idx.cursor().block_number)
    assert _count(pg) == len(indexed_rows(pg, address))
    assert idx.sync() == 0  # idempotent after the bulk load (new blocks carry no events)

    # A second rebuild over the same rows gives the same rows (and the indexes again).
    before = indexed_rows(pg, address)
    cursor = idx.cursor().block_number
    again = Indexer(w3, {"EventSource": (address, abi)}, pg, start_block=deploy_block, chunk=50)
    again.rebuild()
    assert indexed_rows(pg, address) == before == raw_logs(w3, address, deploy_block, again.cursor().block_number)
    assert again.cursor().block_number >= cursor
    assert _index_names(pg_engine) >= _SECONDARY


def test_pg_rebuild_with_other_rows_keeps_indexes(w3, event_source, pg, pg_engine):
    """Rebuild when other contracts' rows remain: no bulk path, indexes stay throughout."""
    address, abi, deploy_block = event_source
    other_address, _abi, other_block = deploy_event_source(w3)
    last = emit_uses(w3, address, abi, batches=[(1, 1, 20)])
    last = max(last, emit_uses(w3, other_address, abi, batches=[(2, 2, 15)]))
    Indexer(w3, {"Other": (other_address, abi)}, pg, start_block=other_block, name="other").sync(to_block=last)
    idx = Indexer(w3, {"EventSource": (address, abi)}, pg, start_block=deploy_block)
    idx.sync(to_block=last)
    during: list[set[str]] = []
    idx.rebuild(progress=lambda *_: during.append(_index_names(pg_engine)))
    assert during and all(names >= _SECONDARY for names in during)
    assert indexed_rows(pg, address) == raw_logs(w3, address, deploy_block, idx.cursor().block_number)
    assert indexed_rows(pg, other_address) == raw_logs(w3, other_address, other_block, last)


def test_pg_query_events_equal_sqlite_for_the_same_chain(w3, event_source, pg, db):
    address, abi, deploy_block = event_source
    c = w3.eth.contract(address=address, abi=abi)
    alice, bob = w3.eth.accounts[1], w3.eth.accounts[2]
    officer = b"\xab" * 32
    big = 2**255 + 1
    txs = [
        c.functions.emitUses(42, 9, b"\x22" * 32, 0, 12).transact({"from": alice, "gas": 300_000}),
        c.functions.fileIncident(3, officer, "late delivery — 遅延").transact({"from": bob}),
        c.functions.register(42, b"\xcd" * 32, big).transact({"from": alice}),
        c.functions.emitUses(43, 10, b"\x33" * 32, 100, 8).transact({"from": bob, "gas": 300_000}),
    ]
    last = max(w3.eth.wait_for_transaction_receipt(t, poll_latency=0.05)["blockNumber"] for t in txs)
    last = max(last, emit_uses(w3, address, abi, batches=[(42, 11, 30)], sender_index=3))
    contracts = {"EventSource": (address, abi)}
    Indexer(w3, contracts, db, start_block=deploy_block, chunk=2).sync(to_block=last)  # SQLite (conftest `db`)
    Indexer(w3, contracts, pg, start_block=deploy_block, chunk=2).sync(to_block=last)  # PostgreSQL

    with db() as s:
        times = sorted({r["block_time"] for r in query_events(s, limit=1000)})
    t_mid = times[len(times) // 2]
    filters = [
        {},
        {"limit": 1000},
        {"resource_id": 42, "limit": 1000},
        {"resource_id": "42", "grant_id": 11, "limit": 1000},
        {"grant_id": 9},
        {"event": "IncidentFiled"},
        {"event": "ResourceRegistered"},
        {"incident_id": 3},
        {"officer_hash": officer},
        {"officer_hash": "0x" + "AB" * 32},
        {"department": alice},
        {"department": bob.lower(), "event": "ResourceUsed"},
        {"subject_hash": b"\x33" * 32},
        {"subject_hash": "0x" + "22" * 32, "limit": 5, "offset": 5},
        {"contract": "EventSource", "limit": 7, "offset": 40},
        {"from_time": t_mid, "limit": 1000},
        {"to_time": t_mid, "limit": 1000},
        {"from_time": t_mid, "to_time": t_mid, "resource_id": 42, "limit": 1000},
        {"resource_id": 999},
    ]
    nonempty = 0
    for f in filters:
        with db() as s:
            lite = query_events(s, **f)
        with pg() as s:
            post = query_events(s, **f)
        assert post == lite, f"query_events({f}) differs between PostgreSQL and SQLite"
        nonempty += bool(lite)
    assert nonempty == len(filters) - 1  # every filter but the last matched something

    with pg() as s:
        reg = query_events(s, event="ResourceRegistered")[0]
        inc = query_events(s, event="IncidentFiled")[0]
    assert reg["args"]["big"] == str(big)  # uint256 beyond BIGINT kept exact in JSON
    assert inc["args"]["note"] == "late delivery — 遅延"
    assert _count(pg) == _count(db) == 12 + 1 + 1 + 8 + 30
