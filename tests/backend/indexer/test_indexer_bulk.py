"""Rebuild's bulk load (secondary indexes dropped, then built once) and the fast
word decoder (same rows as eth_abi)."""

from __future__ import annotations

import eth_abi
from chain_helpers import emit_uses, indexed_rows, raw_logs
from sqlalchemy import inspect

from backend.indexer import Indexer, chain_events
from backend.indexer.decoder import EventDecoder, log_to_row


def _index_names(db):
    with db() as s:
        return {ix["name"] for ix in inspect(s.connection()).get_indexes("chain_events")}


def _expected_indexes():
    return {ix.name for ix in chain_events.indexes}


def test_rebuild_bulk_load_rows_equal_getlogs_and_indexes_are_back(w3, event_source, db):
    address, abi, deploy_block = event_source
    emit_uses(w3, address, abi, batches=[(3, 1, 90), (4, 2, 60)])
    idx = Indexer(w3, {"EventSource": (address, abi)}, db, start_block=deploy_block, chunk=2)
    assert idx.rebuild() >= 150
    assert indexed_rows(db, address) == raw_logs(w3, address, deploy_block, idx.cursor().block_number)
    assert _expected_indexes() <= _index_names(db)
    assert idx.sync() == 0  # idempotent after the bulk load


def test_crash_during_bulk_load_the_next_indexer_rebuilds_missing_indexes(w3, event_source, db):
    address, abi, deploy_block = event_source
    last = emit_uses(w3, address, abi, batches=[(5, 1, 40)])
    idx = Indexer(w3, {"EventSource": (address, abi)}, db, start_block=deploy_block)
    idx._drop_secondary_indexes()  # as if killed mid-rebuild: indexes gone, some rows in
    idx._bulk = False
    assert not (_expected_indexes() & _index_names(db))
    fresh = Indexer(w3, {"EventSource": (address, abi)}, db, start_block=deploy_block)  # "restart"
    fresh.sync(to_block=last)
    assert _expected_indexes() <= _index_names(db)
    assert indexed_rows(db, address) == raw_logs(w3, address, deploy_block, last)


def test_fast_word_decoder_equals_eth_abi_and_falls_back_on_bad_padding():
    entry = {
        "type": "event",
        "name": "E",
        "anonymous": False,
        "inputs": [
            {"name": "grantId", "type": "uint256", "indexed": True},
            {"name": "who", "type": "address", "indexed": False},
            {"name": "h", "type": "bytes32", "indexed": False},
            {"name": "n", "type": "uint32", "indexed": False},
            {"name": "big", "type": "uint256", "indexed": False},
            {"name": "ok", "type": "bool", "indexed": False},
            {"name": "b4", "type": "bytes4", "indexed": False},
        ],
    }
    fast = EventDecoder.from_abi("C", entry)
    slow = EventDecoder.from_abi("C", entry)
    slow.fast_data = None
    assert fast.fast_data is not None
    topics = [b"\x00" * 32, (7).to_bytes(32, "big")]
    data = eth_abi.encode(
        ["address", "bytes32", "uint32", "uint256", "bool", "bytes4"],
        ["0x" + "ab" * 20, b"\x11" * 32, 4_000_000_000, 2**200 + 3, True, b"\xde\xad\xbe\xef"],
    )
    assert fast.decode(topics, data) == slow.decode(topics, data)
    assert list(fast.decode(topics, data)) == ["grantId", "who", "h", "n", "big", "ok", "b4"]
    bad = bytearray(data)
    bad[64] = 1  # uint32 word with high bits set: eth_abi decides (and refuses)
    for dec in (fast, slow):
        try:
            dec.decode(topics, bytes(bad))
        except Exception as exc:
            assert type(exc).__name__  # both refuse
        else:  # pragma: no cover
            raise AssertionError("malformed padding accepted")
    raw = {
        "address": "0x" + "cd" * 20,
        "topics": ["0x" + t.hex() for t in topics],
        "data": "0x" + bytes(bad).hex(),
        "blockNumber": "0x1",
        "blockHash": "0x" + "00" * 32,
        "transactionHash": "0x" + "11" * 32,
        "logIndex": "0x0",
    }
    row = log_to_row(raw, {("0x" + "cd" * 20, topics[0]): fast}, {}, 1)
    assert row["event"] == "UnknownEvent"  # still one row per log
