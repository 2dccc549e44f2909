"""Read paths as the chain grows: p95 of the main list endpoints at ~1,000 and
~100,000 indexed events, on one chain, through the real HTTP API.

Set-up (its own chain, so the small size really is small): bootstrap, the demo
data of ``govchain up`` (``backend.ops.demo.seed``: council proposals, services,
cases, grants, uses of the demo citizen), the bench's resource with two grants
(through the API), then ``recordUseBatch`` uses on the bulk grant until the
index holds ~1,000 events; the demo citizen is the data subject of enough of
them to fill a page. Then ~99,000 more uses on chain (same grant, 400 synthetic
residents plus the demo citizen), indexed by the server's own follower, and
the same requests again. Every request is one client, keep-alive, sequential,
the endpoints interleaved round-robin so both sizes see the same machine load.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
from web3 import Web3

from benchmarks.common import p50_p95, rnd

# name -> (who, path). ``who`` is a key of the token map.
ENDPOINTS: dict[str, tuple[str, str]] = {
    "council_proposals": ("governor", "/council/proposals?pending=false&limit=50"),
    "cases_lead": ("lead", "/cases?limit=50"),
    "grants_grantee": ("grantee", "/grants?role=grantee&limit=50"),
    "grants_owner": ("owner", "/grants?role=owner&limit=50"),
    "citizen_uses": ("citizen", "/citizens/me/uses?limit=50"),
}


def indexed_events(base: str, token: str) -> int | None:
    """indexed_to_block as the server reports it (a department's grant list carries it)."""
    r = httpx.get(base + "/grants?role=grantee&limit=1", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    r.raise_for_status()
    v = r.json().get("indexed_to_block")
    return None if v is None else int(v)


def wait_indexed(base: str, token: str, block: int, timeout_s: float = 120) -> float:
    """Wait until the server's index covers ``block``; returns the seconds waited."""
    t0 = time.monotonic()
    while True:
        at = indexed_events(base, token)
        if at is not None and at >= block:
            return time.monotonic() - t0
        if time.monotonic() - t0 > timeout_s:
            raise RuntimeError(f"the server's index is at block {at}, {block} needed after {timeout_s}s")
        time.sleep(0.25)


def measure(base: str, tokens: dict[str, str], rounds: int, warmup: int = 3) -> dict[str, Any]:
    """Per endpoint: p50/p95 of ``rounds`` sequential GETs (round-robin over the endpoints),
    the number of items on the page and the total the endpoint reports."""
    samples: dict[str, list[float]] = {k: [] for k in ENDPOINTS}
    shape: dict[str, dict[str, Any]] = {}
    with httpx.Client(base_url=base, timeout=60) as http:
        for i in range(warmup + rounds):
            for name, (who, path) in ENDPOINTS.items():
                t = time.perf_counter()
                r = http.get(path, headers={"Authorization": f"Bearer {tokens[who]}"})
                ms = (time.perf_counter() - t) * 1000
                if r.status_code != 200:
                    raise RuntimeError(f"GET {path} as {who}: {r.status_code} {r.text[:300]}")
                if i >= warmup:
                    samples[name].append(ms)
                if name not in shape:
                    body = r.json()
                    shape[name] = {"items": len(body.get("items", [])), "total": body.get("total")}
    return {name: {**p50_p95(xs), "samples": len(xs), **shape[name]} for name, xs in samples.items()}


def growth(small: dict[str, Any], large: dict[str, Any]) -> dict[str, Any]:
    ratios = {k: rnd(large[k]["p95"] / small[k]["p95"], 3) for k in small}
    worst = max(ratios, key=lambda k: ratios[k])
    return {"by_endpoint": ratios, "max": ratios[worst], "worst_endpoint": worst}


def index_rows(sessions_url: str) -> int:
    """Rows in the server's chain_events table (read-only count, for the report)."""
    from sqlalchemy import create_engine, func, select

    from backend.indexer import chain_events

    eng = create_engine(sessions_url)
    try:
        with eng.connect() as c:
            return int(c.execute(select(func.count()).select_from(chain_events)).scalar() or 0)
    finally:
        eng.dispose()


def top_up(
    w3: Web3,
    emit: Callable[[int, int], dict[str, Any]],
    db_url: str,
    target: int,
    base: str,
    token: str,
) -> dict[str, Any]:
    """Emit uses until the index would hold ~``target`` events, then wait for the server's index."""
    have = index_rows(db_url)
    need = max(0, target - have)
    out: dict[str, Any] = {"events_before": have, "uses_emitted": 0}
    if need:
        out["emit"] = emit(need, target)
        out["uses_emitted"] = need
    out["index_wait_s"] = rnd(wait_indexed(base, token, w3.eth.block_number), 2)
    out["events_after"] = index_rows(db_url)
    return out
