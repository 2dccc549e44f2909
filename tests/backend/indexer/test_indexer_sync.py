from __future__ import annotations

import pytest
from chain_helpers import emit_uses, indexed_rows, raw_logs
from sqlalchemy import func, select

from backend.indexer import Indexer, chain_events, query_events


def test_rows_equal_eth_getlogs_each_log_once(w3, event_source, db):
    address, abi, deploy_block = event_source
    last = emit_uses(w3, address, abi, batches=[(7, 1, 120), (7, 2, 80), (8, 3, 50)])
    idx = Indexer(w3, {"EventSource": (address, abi)}, db, start_block=deploy_block, chunk=3)

    inserted = idx.sync(to_block=last)

    truth = raw_logs(w3, address, deploy_block, last)
    assert inserted == 250 == len(truth)
    assert indexed_rows(db, address) == truth
    with db() as s:
        total = s.scalar(select(func.count()).select_from(chain_events))
    assert total == 250  # each log exactly once
    assert idx.cursor().block_number == last


def test_resync_is_idempotent(w3, event_source, db):
    address, abi, deploy_block = event_source
    last = emit_uses(w3, address, abi, batches=[(1, 1, 30)])
    idx = Indexer(w3, {"EventSource": (address, abi)}, db, start_block=deploy_block)
    assert idx.sync(to_block=last) == 30
    assert idx.sync(to_block=last) == 0
    # A second indexer instance (fresh process) re-reading the same range inserts nothing either.
    again = Indexer(w3, {"EventSource": (address, abi)}, db, start_block=deploy_block)
    assert again.sync(to_block=last) == 0
    assert again.rebuild() >= 30  # rebuild drops and re-reads everything up to head
    assert indexed_rows(db, address) == raw_logs(w3, address, deploy_block, again.cursor().block_number)


def test_decoded_args_and_denormalised_columns(w3, event_source, db):
    address, abi, deploy_block = event_source
    c = w3.eth.contract(address=address, abi=abi)
    sender = w3.eth.accounts[1]
    officer = b"\xab" * 32
    big = 2**255 + 1
    txs = [
        c.functions.emitUses(42, 9, b"\x22" * 32, 5, 1).transact({"from": sender}),
        c.functions.fileIncident(3, officer, "late delivery").transact({"from": sender}),
        c.functions.register(42, b"\xcd" * 32, big).transact({"from": sender}),
    ]
    last = max(w3.eth.wait_for_transaction_receipt(t, poll_latency=0.05)["blockNumber"] for t in txs)
    idx = Indexer(w3, {"EventSource": (address, abi)}, db, start_block=deploy_block)
    idx.sync(to_block=last)

    with db() as s:
        trail = query_events(s, resource_id=42)
        incident = query_events(s, event="IncidentFiled")
        by_officer = query_events(s, officer_hash=officer)
        by_dept = query_events(s, department=sender.lower())
        by_subject = query_events(s, subject_hash="0x" + "22" * 32)
        by_grant = query_events(s, grant_id=9)
    assert [e["event"] for e in trail] == ["ResourceUsed", "ResourceRegistered"]
    used = trail[0]
    assert used["args"] == {
        "resourceId": "42",
        "grantId": "9",
        "user": sender,
        "officerHash": "0x" + w3.keccak(w3.codec.encode(["address"], [sender])).hex().removeprefix("0x"),
        "subjectHash": "0x" + "22" * 32,
        "seq": 5,
    }
    assert (used["resource_id"], used["grant_id"], used["department"]) == ("42", "9", sender.lower())
    assert used["subject_hash"] == "0x" + "22" * 32
    assert isinstance(used["block_time"], int) and used["block_time"] > 0
    assert trail[1]["args"]["big"] == str(big)  # uint256 beyond 2**63 kept exact, as a string
    assert trail[1]["department"] == sender.lower()  # 'owner'
    assert len(incident) == 1
    assert incident[0]["args"]["note"] == "late delivery"
    assert incident[0]["incident_id"] == "3"
    assert incident[0]["officer_hash"] == "0x" + "ab" * 32
    assert [e["event"] for e in by_officer] == ["IncidentFiled"]
    assert [e["event"] for e in by_dept] == ["ResourceUsed", "IncidentFiled", "ResourceRegistered"]
    assert [e["event"] for e in by_subject] == ["ResourceUsed"]
    assert [e["event"] for e in by_grant] == ["ResourceUsed"]


def test_query_time_window_and_paging(w3, event_source, db):
    address, abi, deploy_block = event_source
    last = emit_uses(w3, address, abi, batches=[(5, 1, 25)])
    Indexer(w3, {"EventSource": (address, abi)}, db, start_block=deploy_block).sync(to_block=last)
    with db() as s:
        all_rows = query_events(s, resource_id=5, limit=1000)
        page2 = query_events(s, resource_id=5, limit=10, offset=10)
        t = all_rows[0]["block_time"]
        in_window = query_events(s, resource_id=5, from_time=t, to_time=t, limit=1000)
        before = query_events(s, resource_id=5, to_time=t - 1)
        with pytest.raises(ValueError):
            query_events(s, limit=0)
    assert [r["args"]["seq"] for r in all_rows] == list(range(25))
    assert [r["args"]["seq"] for r in page2] == list(range(10, 20))
    assert len(in_window) == 25 and before == []


def test_unknown_event_still_gets_one_row(w3, event_source, db):
    """A log whose topic0 is not in the given ABI is stored undecoded, so rows == eth_getLogs."""
    address, abi, deploy_block = event_source
    last = emit_uses(w3, address, abi, batches=[(1, 1, 3)])
    partial_abi = [e for e in abi if e.get("name") != "ResourceUsed"]
    Indexer(w3, {"EventSource": (address, partial_abi)}, db, start_block=deploy_block).sync(to_block=last)
    with db() as s:
        rows = s.execute(select(chain_events.c.event, chain_events.c.args)).all()
    assert [r.event for r in rows] == ["UnknownEvent"] * 3
    assert len(rows[0].args["topics"]) == 4
