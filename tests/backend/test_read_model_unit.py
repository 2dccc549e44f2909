"""The read model without a chain: the layering rule (nobody but the indexer asks the
node for logs), the event index's queries and its bounded read-your-write wait, and a
use case (incident listing) over fake chain views and a real SQLite index."""

from __future__ import annotations

import ast
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert

from backend.chain.bindings import Contracts
from backend.core.db import make_engine, session_factory
from backend.indexer.models import chain_events, indexer_cursor
from backend.indexer.query import EventIndex, IndexBehind, event_json
from backend.migrations import init_db
from backend.services.common import Actor
from backend.services.errors import Forbidden, IndexLagging
from backend.services.incidents import IncidentService

BACKEND = Path(__file__).resolve().parents[2] / "backend"
A = "0x" + "aa" * 20
B = "0x" + "bb" * 20


def test_nothing_outside_the_indexer_reads_logs_from_the_node():
    offenders = []
    for path in BACKEND.rglob("*.py"):
        rel = path.relative_to(BACKEND)
        if rel.parts[0] == "indexer":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else None
            text = node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else ""
            if name in ("get_logs", "getLogs") or "eth_getLogs" in text:
                offenders.append(f"{rel}:{node.lineno}")
    assert offenders == []


def test_the_index_tables_are_read_only_through_the_query_module():
    """Only backend/indexer (and the schema creation in backend/migrations) touch the
    index's tables; everyone else reads through backend.indexer.query."""
    offenders = []
    for path in BACKEND.rglob("*.py"):
        rel = path.relative_to(BACKEND)
        if rel.parts[0] in ("indexer", "migrations"):
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            mods = []
            if isinstance(node, ast.ImportFrom) and node.module:
                mods = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            if any(
                m.startswith("backend.indexer.models")
                or m in ("backend.indexer.chain_events", "backend.indexer.indexer_cursor")
                for m in mods
            ):
                offenders.append(f"{rel}:{node.lineno}")
    assert offenders == []


def _row(block: int, log: int, contract: str, event: str, args: dict, **cols) -> dict:
    base = dict.fromkeys(
        ["resource_id", "grant_id", "request_id", "incident_id", "department", "officer_hash", "subject_hash"]
    )
    return {
        "block_number": block,
        "block_hash": "0x" + f"{block:064x}",
        "block_time": 1_700_000_000 + block,
        "tx_hash": "0x" + f"{block * 100 + log:064x}",
        "log_index": log,
        "contract": contract,
        "address": "0x" + "11" * 20,
        "event": event,
        "args": args,
        **base,
        **cols,
    }


@pytest.fixture
def index(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'idx.db'}")
    init_db(engine)
    sessions = session_factory(engine)
    rows = [
        _row(
            10,
            0,
            "DataCatalog",
            "ResourceRegistered",
            {"resourceId": "1", "owner": A, "classification": 0},
            resource_id="1",
            department=A.lower(),
        ),
        _row(
            11,
            0,
            "DataCatalog",
            "ResourceRegistered",
            {"resourceId": "2", "owner": A, "classification": 0},
            resource_id="2",
            department=A.lower(),
        ),
        _row(
            12,
            0,
            "DataCatalog",
            "VersionPublished",
            {"resourceId": "2", "version": 2, "publisher": A},
            resource_id="2",
            department=A.lower(),
        ),
        _row(
            13,
            0,
            "DataCatalog",
            "ResourceOwnershipTransferred",
            {"resourceId": "2", "previousOwner": A, "newOwner": B},
            resource_id="2",
            department=B.lower(),
        ),
        _row(
            14,
            0,
            "Accountability",
            "IncidentFiled",
            {"incidentId": "1", "responsible": B, "reporter": A},
            incident_id="1",
            department=A.lower(),
        ),
        _row(
            15,
            0,
            "Accountability",
            "IncidentFiled",
            {"incidentId": "2", "responsible": A, "reporter": B},
            incident_id="2",
            department=B.lower(),
        ),
    ]
    with sessions() as s, s.begin():
        s.execute(insert(chain_events), rows)
        s.execute(
            insert(indexer_cursor).values(
                name="main", block_number=15, block_hash="0x" + "00" * 32, updated_at=datetime.now(UTC)
            )
        )
    yield EventIndex(sessions, wait_s=0.3), sessions
    engine.dispose()


def _advance(sessions, block: int) -> None:
    with sessions() as s, s.begin():
        s.execute(indexer_cursor.update().where(indexer_cursor.c.name == "main").values(block_number=block))


def test_queries_filter_by_ids_and_args(index):
    idx, _ = index
    assert idx.indexed_to_block() == 15
    assert len(idx.events("DataCatalog")) == 4 and len(idx.events(event="IncidentFiled", args={"responsible": B})) == 1
    assert idx.ids("Accountability", "IncidentFiled", "incidentId") == [2, 1]
    assert idx.ids("Accountability", "IncidentFiled", "incidentId", reporter=A.upper().replace("0X", "0x")) == [1]
    assert idx.ids("DataCatalog", "ResourceRegistered", "resourceId", resourceId=[1, 2, 3]) == [2, 1]
    assert idx.owned_resources(A) == [1] and idx.owned_resources(B) == [2]
    assert idx.anchoring_tx(2, 2) == {"tx_hash": "0x" + f"{1200:064x}", "block_number": 12}
    assert idx.anchoring_tx(1, 1)["block_number"] == 10 and idx.anchoring_tx(1, 2) is None
    newest = idx.events("DataCatalog", newest_first=True, limit=1)[0]
    assert newest["event"] == "ResourceOwnershipTransferred"
    j = event_json(newest)
    assert j["time"].endswith("Z") and j["args"]["newOwner"] == B and j["department"].lower() == B


def test_read_your_write_waits_inline_or_answers_index_behind(index):
    idx, sessions = index
    assert idx.fresh() == 15  # nothing written by this process yet
    idx.note_write(17)
    # no indexer thread: the reader catches up inline
    idx.catch_up = lambda block: _advance(sessions, block)
    assert idx.fresh() == 17

    class Stalled:
        def is_alive(self):
            return False

        def wake(self):
            pass

        def status(self):
            return {"failures": 0}

    idx.follower = Stalled()
    idx.note_write(20)
    with pytest.raises(IndexBehind) as exc:
        idx.fresh()
    assert exc.value.to_dict() == {"error": "IndexBehind", "args": {"needed_block": 20, "indexed_to_block": 17}}

    class Following(Stalled):
        def is_alive(self):
            return True

        def wake(self):
            threading.Timer(0.05, _advance, (sessions, 20)).start()

    idx.follower = Following()
    assert idx.fresh() == 20


class FakeChain:
    """The chain views an incident listing needs, and the real index."""

    def __init__(self, index: EventIndex) -> None:
        self.index = index
        self.incidents = {
            1: {
                "incidentType": 0,
                "subjectKind": 0,
                "subjectId": 1,
                "useIndex": 0,
                "status": 1,
                "reporter": A,
                "responsible": B,
                "responsibleOfficerHash": "0x" + "00" * 32,
                "evidenceHash": "0x" + "01" * 32,
                "responseHash": "0x" + "00" * 32,
                "rulingHash": "0x" + "00" * 32,
                "filedAt": 1,
                "responseDeadline": 2,
            },
        }
        self.incidents[2] = {**self.incidents[1], "reporter": B, "responsible": A}
        self.contracts = Contracts(self)  # the real typed bindings, over this fake port's view()

    def fresh(self):
        try:
            return self.index.fresh()
        except IndexBehind as exc:
            raise IndexLagging(exc.needed_block, exc.indexed_to_block) from None

    def view(self, contract, fn, *args):
        assert (contract, fn) == ("Accountability", "incident")
        return self.incidents[args[0]]


def test_incident_listing_over_a_fake_chain(index):
    idx, _ = index
    svc = IncidentService(FakeChain(idx))  # its only port, faked: no context, no node
    a = Actor("department", A)
    mine = svc.list(a, "all", 0, 10)
    assert [i["incident_id"] for i in mine["items"]] == [2, 1] and mine["indexed_to_block"] == 15
    assert [i["incident_id"] for i in svc.list(a, "filer", 0, 10)["items"]] == [1]
    assert [i["incident_id"] for i in svc.list(a, "responsible", 0, 10)["items"]] == [2]
    assert svc.list(Actor("auditor", B), "all", 0, 1)["total"] == 2
    with pytest.raises(Forbidden):
        svc.list(Actor("citizen", "0x" + "cc" * 32), "all", 0, 10)
    idx.follower = type("Stalled", (), {"is_alive": lambda self: False, "wake": lambda self: None})()
    idx.note_write(99)
    with pytest.raises(IndexLagging) as exc:
        svc.list(a, "all", 0, 10)
    assert exc.value.http_status == 503 and exc.value.to_dict()["error"] == "IndexBehind"


def test_a_reader_waits_on_the_indexer_threads_rounds_not_on_a_timer(index):
    """With the real IndexerThread as follower (over a stand-in indexer that moves the
    cursor one block per round), fresh() is woken by the rounds' progress signal."""
    from backend.indexer.runtime import IndexerThread

    idx, sessions = index

    class OneBlockPerRound:
        def cursor(self):
            return type("Cursor", (), {"block_number": idx.indexed_to_block()})()

        def sync(self, progress=None):
            at = idx.indexed_to_block() + 1
            _advance(sessions, at)
            if progress:
                progress(at, at, 1)
            return 1

    class Ctx:
        index = idx

    thread = IndexerThread(Ctx(), interval_s=3600, indexer=OneBlockPerRound())  # rounds only when woken
    waits: list[int] = []
    real_wait = thread.wait_progress
    thread.wait_progress = lambda mark, timeout: (waits.append(mark), real_wait(mark, timeout))[1]
    idx.follower = thread.start()
    try:
        idx.note_write(idx.indexed_to_block() + 3)
        # reached through rounds woken by the reader (a round may already be past it: at least)
        assert idx.fresh() >= idx.written_block
        assert waits  # the reader waited on the thread's progress signal, not on sleeps
        assert thread.status()["rounds"] >= 3 and thread.status()["failures"] == 0
    finally:
        thread.stop()
        idx.follower = None
