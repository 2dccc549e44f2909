"""Reliability scenario 6: the backend process killed at random points during a batch
of writes; after restart none is lost and none is duplicated.

The real server (``python -m backend.cli serve`` as a subprocess, real anvil with
interval mining, real contracts) receives a batch of writes over HTTP, each with
its own Idempotency-Key:
* uses of one grant: ``POST /grants/{id}/uses`` with a distinct ``context_ref``
  (every other one with ``Prefer: respond-async``, i.e. answered once queued);
* resource registrations: ``POST /resources`` with distinct content.
The writes go out in rounds, a few new ones plus every unfinished one re-sent with
its same key; in each round the server is SIGKILLed after a random (seeded) delay
while requests are in flight, then started again (start-up reconciles the outbox).
After the last kill, every write is re-sent with its key until it answers a final
status, then once more (the replay must give the same answer). Then on chain:
exactly one UseRecorded per context ref and one ResourceRegistered per content
hash (none lost, none duplicated), answers match the events, and every outbox row
is final.

Knobs: GOVCHAIN_CRASH_SEED (default 6), GOVCHAIN_CRASH_KILLS (default 12).
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
from eth_utils import keccak
from live_system import LiveSystem, start_live_system

from backend.services.common import canonical_json

SEED = int(os.environ.get("GOVCHAIN_CRASH_SEED", "6"))
KILLS = max(10, int(os.environ.get("GOVCHAIN_CRASH_KILLS", "12")))
N_USES, N_RESOURCES = 24, 12
OWNER, USER = "dept-ca", "dept-psb"
SCHEMA = {"type": "object", "title": "crash test record"}
FINAL_DEADLINE_S = 45


@dataclass
class Write:
    key: str
    path: str
    body: dict[str, Any]
    expect: str  # context ref (uses) or content hash (resources), 0x-hex
    headers: dict[str, str] = field(default_factory=dict)
    attempts: int = 0
    answers: list[int | str] = field(default_factory=list)  # status codes / exception names, in order
    final: dict[str, Any] | None = None  # body of the first 201
    final_status: int | None = None

    @property
    def done(self) -> bool:
        return self.final_status is not None


def _headers(live: LiveSystem, who: str, key: str, **extra: str) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {live.tokens[who]}",
        "Idempotency-Key": key,
        **extra,
    }


def _send(live: LiveSystem, w: Write, *, sync: bool = False, timeout: float = 20) -> None:
    """One attempt. Final: 200/201, or any 4xx except 408/429 (recorded as failed)."""
    headers = _headers(live, USER, w.key, **({} if sync else w.headers))
    w.attempts += 1
    try:
        r = requests.post(live.base_url + w.path, json=w.body, headers=headers, timeout=timeout)
    except requests.RequestException as exc:
        w.answers.append(type(exc).__name__)
        return
    w.answers.append(r.status_code)
    if r.status_code in (200, 201):
        if w.final is None:
            w.final, w.final_status = r.json(), r.status_code
    elif 400 <= r.status_code < 500 and r.status_code not in (408, 429) and w.final_status is None:
        w.final, w.final_status = {"error_body": r.text}, r.status_code
    elif r.status_code >= 500 and r.status_code != 503:
        w.answers[-1] = f"{r.status_code}:{r.text[:200]}"


def _setup_grant(live: LiveSystem) -> int:
    def post(who: str, path: str, body: dict) -> dict:
        r = requests.post(live.base_url + path, json=body, headers=_headers(live, who, os.urandom(8).hex()), timeout=60)
        assert r.status_code == 201 or r.status_code == 200, f"{path}: {r.status_code} {r.text}"
        return r.json()

    res = post(OWNER, "/resources", {"classification": "INTERNAL", "record": {"crash": "granted"}, "schema": SCHEMA})
    req = post(
        USER,
        "/requests",
        {
            "resource_id": res["resource_id"],
            "purpose_code": 7,
            "legal_basis": "crash test",
            "fields": ["crash"],
            "duration_s": 86400,
            "max_uses": 1000,
        },
    )
    return int(post(OWNER, f"/requests/{req['request_id']}/approve", {"reason": "crash test"})["grant_id"])


def _writes(grant_id: int, run_id: str) -> list[Write]:
    out = []
    for i in range(N_USES):
        ref = "0x" + keccak(text=f"crash-use-{run_id}-{i}").hex()
        out.append(
            Write(
                f"crash-use-{i}",
                f"/grants/{grant_id}/uses",
                {"context_ref": ref},
                ref,
                {"Prefer": "respond-async"} if i % 2 else {},
            )
        )
    for i in range(N_RESOURCES):
        record = {"crash": i, "run": run_id}
        content_hash = "0x" + keccak(canonical_json(record)).hex()
        out.append(
            Write(
                f"crash-res-{i}",
                "/resources",
                {"classification": "INTERNAL", "record": record, "schema": SCHEMA},
                content_hash,
            )
        )
    return out


def _h(v: Any) -> str:
    return "0x" + bytes(v).hex() if isinstance(v, (bytes, bytearray)) else str(v).lower()


@pytest.fixture(scope="module")
def crash_system(tmp_path_factory):
    live = start_live_system(tmp_path_factory.mktemp("crash"), [OWNER, USER], receipt_timeout_s=10.0)
    try:
        yield live
    finally:
        live.close()


def test_server_killed_during_writes_loses_and_duplicates_nothing(crash_system: LiveSystem) -> None:
    live = crash_system
    t0 = time.monotonic()
    rng = random.Random(SEED)
    grant_id = _setup_grant(live)
    writes = _writes(grant_id, f"s{SEED}-{os.urandom(3).hex()}")
    pending_new = writes[:]
    rng.shuffle(pending_new)
    per_round = -(-len(writes) // KILLS)  # ceil: every write is first sent before some kill

    kills: list[dict[str, Any]] = []
    pool = ThreadPoolExecutor(max_workers=8)
    try:
        rnd = 0
        while len([k for k in kills if k["in_flight"]]) < KILLS:
            unfinished = [w for w in writes if not w.done and w.attempts]
            if not pending_new and not unfinished:
                break  # everything answered: nothing left to cut
            rnd += 1
            assert rnd <= 2 * KILLS, f"could not kill with writes in flight {KILLS} times: {kills}"
            if rnd > 1:
                live.start_server()
            fresh, pending_new = pending_new[:per_round], pending_new[per_round:]
            batch = fresh + unfinished
            futures = [pool.submit(_send, live, w) for w in batch]
            # A write takes ~0.1-0.5 s here (block time 0.2 s): killing within 0.3 s lands
            # anywhere from request parsing through signing, the outbox commit, the
            # broadcast and the receipt wait, to the answer being written.
            delay = rng.uniform(0.01, 0.3)
            time.sleep(delay)
            in_flight = sum(1 for f in futures if not f.done())
            live.kill_server()
            kills.append({"round": rnd, "delay_s": round(delay, 3), "sent": len(batch), "in_flight": in_flight})
            wait(futures, timeout=30)
        assert not pending_new, f"writes never sent: {[w.key for w in pending_new]}"

        # Restart for good: re-send every unfinished write with its key until it answers a final status.
        done_under_fire = sum(1 for w in writes if w.done)
        live.start_server()
        deadline = time.monotonic() + FINAL_DEADLINE_S
        while any(not w.done for w in writes):
            assert time.monotonic() < deadline, "writes without a final answer: " + "; ".join(
                f"{w.key}: {w.answers}" for w in writes if not w.done
            )
            wait([pool.submit(_send, live, w, sync=True) for w in writes if not w.done], timeout=30)
            if any(not w.done for w in writes):
                time.sleep(0.3)
        # The same key once more: the same answer, no second effect.
        replays = {w.key: w for w in writes}
        replay_answers: dict[str, Any] = {}

        def replay(w: Write) -> None:
            r = requests.post(live.base_url + w.path, json=w.body, headers=_headers(live, USER, w.key), timeout=30)
            replay_answers[w.key] = (
                r.status_code,
                r.json() if r.headers.get("content-type", "").startswith("application/json") else r.text,
            )

        wait([pool.submit(replay, w) for w in writes], timeout=60)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        live.stop_server()

    elapsed = time.monotonic() - t0
    in_flight_kills = [k for k in kills if k["in_flight"]]
    answers = Counter(a for w in writes for a in w.answers)
    print(
        f"\n{len(writes)} writes, {len(kills)} kills ({len(in_flight_kills)} with requests in flight, "
        f"{sum(k['in_flight'] for k in kills)} requests cut), {sum(w.attempts for w in writes)} attempts, "
        f"{done_under_fire} answered before the last kill, {live.starts} server starts, {elapsed:.1f}s; "
        f"answers {dict(answers)}"
    )
    assert len(in_flight_kills) >= 10, kills

    # Every write answered 201 (a valid write must not end as "failed" either).
    failed = {w.key: (w.final_status, w.final, w.answers) for w in writes if w.final_status not in (200, 201)}
    assert not failed, f"writes that ended failed: {failed}"
    server_5xx = {w.key: w.answers for w in writes if any(isinstance(a, str) and a[:1] == "5" for a in w.answers)}
    assert not server_5xx, f"writes answered 5xx (other than 503): {server_5xx}"

    # -- on chain: exactly once each ---------------------------------------------------------------
    deploy_block = int(live.manifest["deploy_block"])
    uses = (
        live.contract("UsageRights")
        .events.UseRecorded()
        .get_logs(from_block=deploy_block, argument_filters={"grantId": grant_id})
    )
    by_ref = Counter(_h(e["args"]["contextRef"]) for e in uses)
    use_writes = [w for w in writes if w.path.endswith("/uses")]
    lost = [w.key for w in use_writes if by_ref[w.expect] == 0]
    dup = {w.key: by_ref[w.expect] for w in use_writes if by_ref[w.expect] > 1}
    assert not lost and not dup, f"uses lost: {lost}; duplicated: {dup}"
    assert len(uses) == len(use_writes), f"{len(uses)} UseRecorded for {len(use_writes)} writes: {by_ref}"
    index_of = {_h(e["args"]["contextRef"]): int(e["args"]["useIndex"]) for e in uses}
    for w in use_writes:
        assert w.final.get("use_index") == index_of[w.expect], (w.key, w.final, index_of[w.expect])

    regs = (
        live.contract("DataCatalog")
        .events.ResourceRegistered()
        .get_logs(from_block=deploy_block, argument_filters={"owner": live.addresses[USER]})
    )
    by_hash = Counter(_h(e["args"]["contentHash"]) for e in regs)
    res_writes = [w for w in writes if w.path == "/resources"]
    lost = [w.key for w in res_writes if by_hash[w.expect] == 0]
    dup = {w.key: by_hash[w.expect] for w in res_writes if by_hash[w.expect] > 1}
    assert not lost and not dup, f"resources lost: {lost}; duplicated: {dup}"
    assert len(regs) == len(res_writes), f"{len(regs)} ResourceRegistered for {len(res_writes)} writes"
    id_of = {_h(e["args"]["contentHash"]): int(e["args"]["resourceId"]) for e in regs}
    for w in res_writes:
        assert w.final.get("resource_id") == id_of[w.expect], (w.key, w.final, id_of[w.expect])

    # -- the replay gave the same answer -----------------------------------------------------------
    for key, (status, body) in replay_answers.items():
        w = replays[key]
        assert status in (200, 201), (key, status, body)
        for field_name in ("resource_id", "use_index", "tx_hash"):
            if field_name in w.final:
                assert body.get(field_name) == w.final[field_name], (key, field_name, body, w.final)

    # -- the outbox: every row final -----------------------------------------------------------------
    db = sqlite3.connect(str(live.data_dir / "govchain.db"))
    try:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        rows = Counter(dict(db.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status").fetchall()))
        assert set(rows) <= {"mined", "reverted", "failed"}, f"outbox rows not final: {dict(rows)}"
        res_rows = db.execute(
            "SELECT idempotency_key, status FROM outbox WHERE idempotency_key LIKE '%crash-res-%'"
        ).fetchall()
        assert len(res_rows) == N_RESOURCES and {s for _, s in res_rows} == {"mined"}, res_rows
        if "outbox_uses" in tables:  # uses coalesced into recordUseBatch transactions
            use_rows = Counter(dict(db.execute("SELECT status, COUNT(*) FROM outbox_uses GROUP BY status").fetchall()))
            assert set(use_rows) <= {"mined", "failed"}, f"outbox_uses rows not final: {dict(use_rows)}"
            mine = db.execute(
                "SELECT status, COUNT(*) FROM outbox_uses WHERE idempotency_key LIKE '%crash-use-%' GROUP BY status"
            ).fetchall()
            assert dict(mine) == {"mined": N_USES}, mine
    finally:
        db.close()
