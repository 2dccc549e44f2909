"""HTTP measurements against a real uvicorn server in a subprocess.

The server is started exactly as operators start it (``govchain serve``:
uvicorn, one process, the event indexer following in the background), on
127.0.0.1 and a free port, configured through GOVCHAIN_* variables. Clients
are httpx over keep-alive connections: one client, then 16 concurrent clients
(asyncio tasks sharing a pool of 16 connections). The HTTP floor uses the same
server and the same client load on the no-op GET /healthz.
"""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

from backend.core.config import PROJECT_ROOT, Settings
from benchmarks.common import descendants, log, p50_p95, reap, rnd

# (method, path, json body or None, headers, expected status)
RequestSpec = tuple[str, str, Any, dict[str, str], int]


def settings_env(settings: Settings) -> dict[str, str]:
    return {
        "GOVCHAIN_ENV": settings.env,
        "GOVCHAIN_RPC_URL": settings.rpc_url,
        "GOVCHAIN_NETWORK": settings.network,
        "GOVCHAIN_DATA_DIR": str(settings.data_dir),
        "GOVCHAIN_DATABASE_URL": settings.database_url,
        "GOVCHAIN_DEPLOYMENTS_DIR": str(settings.deployments_dir),
        "GOVCHAIN_KEYSTORE_SECRET": settings.keystore_secret,
        "GOVCHAIN_SUBJECT_SECRET": settings.subject_secret,
    }


class Server:
    """``python -m backend.cli serve`` in a subprocess (its own session, stopped by pid)."""

    def __init__(self, settings: Settings, port: int, log_file: Path) -> None:
        self.settings = settings
        self.port = port
        self.log_file = log_file
        self.proc: subprocess.Popen | None = None
        self._out = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> Server:
        env = {**os.environ, **settings_env(self.settings), "PYTHONUNBUFFERED": "1"}
        self._out = open(self.log_file, "ab")  # noqa: SIM115 - held by the server process
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "backend.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"API server exited with {self.proc.returncode}; see {self.log_file}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"API server not ready within {timeout}s; see {self.log_file}")

    def stop(self, timeout: float = 15) -> None:
        if self.proc is None:
            return
        children = descendants(self.proc.pid)
        if self.proc.poll() is None:
            self.proc.terminate()  # uvicorn shuts down gracefully on SIGTERM
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        reap(children)
        if self._out:
            self._out.close()
        self.proc = None

    def tail(self, n: int = 30) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""


@dataclass
class ApiActors:
    tokens: dict[str, str]  # keystore name -> bearer token (a client token: recorded as client:<id>)

    def headers(self, who: str, **extra: str) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.tokens[who]}",
            "Idempotency-Key": uuid.uuid4().hex,
            **extra,
        }


@dataclass
class Scenario:
    resource_id: int
    grant_api: int  # used through the API (grantee: the API department)
    grant_bulk: int  # used in bulk for the indexer/audit data set (another grantee)
    api_grantee: str
    bulk_grantee: str
    owner: str


def setup_scenario(
    base: str, actors: ApiActors, owner: str, api_grantee: str, bulk_grantee: str, max_uses: int
) -> Scenario:
    """One resource, two grants on it, all through the API."""
    with httpx.Client(base_url=base, timeout=60) as http:

        def ok(r: httpx.Response, status: int) -> dict:
            if r.status_code != status:
                raise RuntimeError(f"{r.request.method} {r.request.url.path}: {r.status_code} {r.text[:500]}")
            return r.json()

        res = ok(
            http.post(
                "/resources",
                json={
                    "classification": "INTERNAL",
                    "record": {"id": "bench-0001", "kind": "household registration", "members": 3, "status": "active"},
                    "schema": {"type": "object", "title": "household record"},
                },
                headers=actors.headers(owner),
            ),
            201,
        )
        grants = []
        for grantee in (api_grantee, bulk_grantee):
            req = ok(
                http.post(
                    "/requests",
                    json={
                        "resource_id": res["resource_id"],
                        "purpose_code": 51,  # registered by the bootstrap (backend/ops/purposes.py)
                        "legal_basis": "《税收征收管理法》第五条 / Tax Collection Law art. 5",
                        "fields": ["kind", "members", "status"],
                        "duration_s": 7 * 24 * 3600,
                        "max_uses": max_uses,
                    },
                    headers=actors.headers(grantee),
                ),
                201,
            )
            appr = ok(
                http.post(
                    f"/requests/{req['request_id']}/approve",
                    json={"reason": "lawful (benchmark)"},
                    headers=actors.headers(owner),
                ),
                200,
            )
            if not appr.get("grant_id"):
                raise RuntimeError(f"approval issued no grant: {appr}")
            grants.append(int(appr["grant_id"]))
    return Scenario(int(res["resource_id"]), grants[0], grants[1], api_grantee, bulk_grantee, owner)


# -- load --------------------------------------------------------------------------------------
@dataclass
class LoadResult:
    ok: int
    elapsed_s: float
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    server_cpu_s: float | None = None  # CPU time the server process used during the timed part
    client_cpu_s: float | None = None  # CPU time of this (client) process during the timed part
    t0: float = 0.0  # time.perf_counter() at the start of the timed part
    warmup_ok: int = 0  # warm-up requests answered with the expected status (not counted in ok)

    @property
    def per_s(self) -> float:
        return self.ok / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        out = {
            "per_s": rnd(self.per_s, 1),
            "completed": self.ok,
            "elapsed_s": rnd(self.elapsed_s, 2),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
        }
        if self.latencies_ms:
            out["latency_ms"] = p50_p95(self.latencies_ms)
        total = sum(self.statuses.values())
        if total and self.server_cpu_s is not None:
            out["server_cpu_ms_per_req"] = rnd(1000 * self.server_cpu_s / total, 3)
            out["server_cpu_utilisation"] = rnd(self.server_cpu_s / self.elapsed_s, 3)
        if total and self.client_cpu_s is not None:
            out["client_cpu_ms_per_req"] = rnd(1000 * self.client_cpu_s / total, 3)
            out["client_cpu_utilisation"] = rnd(self.client_cpu_s / self.elapsed_s, 3)
        if self.errors:
            out["errors"] = self.errors[:5]
        return out


def _cpu(proc: psutil.Process | None) -> float | None:
    if proc is None:
        return None
    try:
        t = proc.cpu_times()
        return t.user + t.system
    except psutil.Error:
        return None


def run_load(
    base: str,
    clients: int,
    duration_s: float,
    make: Callable[[int, int], RequestSpec],
    warmup: int = 1,
    server_pid: int | None = None,
) -> LoadResult:
    """``clients`` concurrent closed-loop clients for ``duration_s``; requests in
    flight at the deadline finish and count (elapsed runs until the last one).
    The CPU time of the server process and of this client process over the
    timed part is recorded, so the report shows which side was saturated."""
    server = psutil.Process(server_pid) if server_pid else None
    return asyncio.run(_load(base, clients, duration_s, make, warmup, server))


async def _load(base: str, clients: int, duration_s: float, make, warmup: int, server) -> LoadResult:
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as http:

        async def one(w: int, i: int, res: LoadResult | None) -> None:
            method, path, body, headers, expect = make(w, i)
            t = time.perf_counter()
            try:
                r = await http.request(method, path, json=body, headers=headers)
            except httpx.HTTPError as exc:
                if res is not None:
                    res.statuses["transport-error"] += 1
                    res.errors.append(repr(exc))
                return
            if res is None:
                if r.status_code == expect:
                    warm_ok[0] += 1
                return
            res.statuses[r.status_code] += 1
            if r.status_code == expect:
                res.ok += 1
                res.latencies_ms.append((time.perf_counter() - t) * 1000)
            elif len(res.errors) < 5:
                res.errors.append(f"{r.status_code} {r.text[:300]}")

        warm_ok = [0]
        # warm-up: open the connections, first requests through every code path (not counted)
        await asyncio.gather(*(one(w, -1 - k, None) for w in range(clients) for k in range(warmup)))
        res = LoadResult(ok=0, elapsed_s=0.0, warmup_ok=warm_ok[0])
        me = psutil.Process()
        s0, c0 = _cpu(server), _cpu(me)
        t0 = res.t0 = time.perf_counter()
        stop_at = t0 + duration_s

        async def worker(w: int) -> None:
            i = 0
            while time.perf_counter() < stop_at:
                await one(w, i, res)
                i += 1

        await asyncio.gather(*(worker(w) for w in range(clients)))
        res.elapsed_s = time.perf_counter() - t0
        s1, c1 = _cpu(server), _cpu(me)
        res.server_cpu_s = None if s0 is None or s1 is None else s1 - s0
        res.client_cpu_s = None if c0 is None or c1 is None else c1 - c0
        return res


def healthz_spec(_w: int, _i: int) -> RequestSpec:
    return ("GET", "/healthz", None, {}, 200)


def use_spec(actors: ApiActors, who: str, grant_id: int, respond_async: bool) -> Callable[[int, int], RequestSpec]:
    """POST /grants/{id}/uses, one use per request. ``respond_async``: with
    ``Prefer: respond-async`` (202 once the use is durably queued in the outbox; it is
    mined with its batch, which the bench checks afterwards). Otherwise synchronous
    (201 once the use's batch is mined)."""

    def make(w: int, i: int) -> RequestSpec:
        body = {"context_ref": f"bench-case-{w}-{i}"}
        if respond_async:
            return ("POST", f"/grants/{grant_id}/uses", body, actors.headers(who, Prefer="respond-async"), 202)
        return ("POST", f"/grants/{grant_id}/uses", body, actors.headers(who), 201)

    return make


def wait_mined(base: str, actors: ApiActors, who: str, grant_id: int, at_least: int, timeout_s: float = 60) -> float:
    """Block until the grant's on-chain usedCount reaches ``at_least``; returns the
    time.perf_counter() at which it was seen (raises if it never does)."""
    deadline = time.perf_counter() + timeout_s
    while True:
        used = grant_used(base, actors, who, grant_id)
        now = time.perf_counter()
        if used >= at_least:
            return now
        if now > deadline:
            raise RuntimeError(f"queued uses not mined within {timeout_s}s: usedCount {used} < {at_least}")
        time.sleep(0.02)


def latency_loop(
    base: str,
    actors: ApiActors,
    who: str,
    grant_id: int,
    stop: threading.Event,
    block_time: float,
    out: list[float],
    failures: Counter,
) -> None:
    """GET /grants/{id}/data end to end, one at a time, each started at a random
    phase of the block interval (as independent clients arrive)."""
    rng = random.Random(11)
    with httpx.Client(base_url=base, timeout=60) as http:
        http.get("/healthz")  # open the connection outside the timed part
        while not stop.is_set():
            if stop.wait(rng.uniform(0, block_time)):
                break
            headers = actors.headers(who)
            t = time.perf_counter()
            r = http.get(f"/grants/{grant_id}/data", headers=headers)
            dt = (time.perf_counter() - t) * 1000
            if r.status_code == 200 and "record" in r.json():
                out.append(dt)
            else:
                failures[f"{r.status_code} {r.text[:200]}"] += 1


def grant_used(base: str, actors: ApiActors, who: str, grant_id: int) -> int:
    r = httpx.get(f"{base}/grants/{grant_id}", headers=actors.headers(who), timeout=30)
    r.raise_for_status()
    return int(r.json()["used_count"])


def log_load(name: str, res: LoadResult, unit: str) -> None:
    extra = f", p50 {p50_p95(res.latencies_ms)['p50']} ms" if res.latencies_ms else ""
    bad = sum(v for k, v in res.statuses.items() if k not in (200, 201, 202))
    log(
        f"  {name}: [bold]{res.per_s:,.1f} {unit}[/bold] ({res.ok} in {res.elapsed_s:.1f}s{extra}"
        + (f", {bad} not ok: {dict(res.statuses)}" if bad else "")
        + ")"
    )
