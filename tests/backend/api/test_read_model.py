"""The read model: lists read the SQL event index, say how fresh they are
(``indexed_to_block``), see the caller's own writes at once, and answer 503
``IndexBehind`` when the index cannot reach a needed block in the bounded wait."""

from __future__ import annotations

import time

REGISTER = {"classification": "PUBLIC", "record": {"x": 1}, "schema_hash": "0x" + "22" * 32}


def _register(system, who: str) -> dict:
    r = system.http.post("/resources", json={**REGISTER, "record": {"t": time.time()}}, headers=system.h(who))
    assert r.status_code == 201, r.text
    return r.json()


def test_a_write_then_an_immediate_list_sees_it(system):
    res = _register(system, "dept-a")
    page = system.http.get("/resources", params={"owner": "me", "limit": 100}, headers=system.h("dept-a")).json()
    assert res["resource_id"] in [i["resource_id"] for i in page["items"]]
    assert page["indexed_to_block"] >= res["block_number"]

    r = system.http.post(
        "/requests",
        json={
            "resource_id": res["resource_id"],
            "purpose_code": 7,
            "legal_basis": "read-your-write test",
            "fields": ["x"],
            "duration_s": 3600,
            "max_uses": 2,
        },
        headers=system.h("dept-b"),
    )
    assert r.status_code == 201, r.text
    req = r.json()
    out = system.http.get("/requests", params={"direction": "outgoing"}, headers=system.h("dept-b")).json()
    assert req["request_id"] in [i["request_id"] for i in out["items"]]
    assert out["indexed_to_block"] >= req["block_number"]
    inc = system.http.get("/requests", params={"direction": "incoming"}, headers=system.h("dept-a")).json()
    assert req["request_id"] in [i["request_id"] for i in inc["items"]]


def test_a_stalled_indexer_gives_503_index_behind(system):
    ctx = system.ctx
    thread = ctx.indexer_thread
    assert thread is not None and thread.is_alive()  # the app's lifespan runs the indexer
    wait_s = ctx.index.wait_s
    thread.stop()  # stalled: still the index's follower, but not following
    ctx.index.wait_s = 0.5
    try:
        res = _register(system, "dept-c")
        t0 = time.monotonic()
        r = system.http.get("/resources", params={"owner": "me"}, headers=system.h("dept-c"))
        assert time.monotonic() - t0 < 5  # bounded
        assert r.status_code == 503, r.text
        body = r.json()
        assert body["error"] == "IndexBehind"
        assert body["args"]["needed_block"] >= res["block_number"]
        assert body["args"]["indexed_to_block"] is None or body["args"]["indexed_to_block"] < res["block_number"]
        # a read that needs no index answers as usual
        assert system.http.get(f"/resources/{res['resource_id']}", headers=system.h("dept-c")).status_code == 200
    finally:
        ctx.index.wait_s = wait_s
        ctx.start_indexer(0.5)
    page = system.http.get("/resources", params={"owner": "me"}, headers=system.h("dept-c")).json()
    assert res["resource_id"] in [i["resource_id"] for i in page["items"]]
