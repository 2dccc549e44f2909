"""The federation phase: the demo consortium as one OS process per party (as
``govchain federation up`` runs it) on its own anvil, then

- exchange latency: one release across two department nodes end to end
  (POST /releases on the grantee's node: recordUse mined, the signed peer request,
  the owner's checks, the sealed answer and its verification), next to raw
  broadcast→receipt confirmations on the same anvil in the same period;
- node memory: VmRSS (from /proc/<pid>/status) of every node process at idle and,
  sampled, while the bench load runs; plus the whole federation (nodes + anvil);
- per-node use throughput: POST /grants/{id}/uses on the grantee's node against
  that node's own HTTP floor (GET /healthz), the same load as the API bench.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from eth_account import Account

from backend.chain import build_web3
from backend.ops import deployer, roster
from backend.ops import federation as fed_ops
from backend.ops.devnet import DEV_FUNDER_KEY, Devnet
from benchmarks import api, node
from benchmarks.common import log, p50_p95, rnd

NETWORK = "govchain-bench-fed"
OWNER, GRANTEE = "dept-psb", "dept-ca"
OVERHEAD_TARGET_MS = 30.0
IDLE_RSS_TARGET_MB = 150.0
USE_OVER_FLOOR_TARGET = 0.5
START_WAVE = 3  # node processes started together

RESIDENT = "110105199001011234"
DATASET = {
    "format": "govchain.dataset/1",
    "subject": {"id_type": "resident_id", "field": "resident_id"},
    "fields": ["resident_id", "name", "status", "address"],
    "records": [
        {"resident_id": RESIDENT, "name": "张三", "status": "married", "address": "朝阳区 1 号"},
        {"resident_id": "110105198502023456", "name": "李四", "status": "single", "address": "海淀区 2 号"},
    ],
}
RELEASED_FIELDS = ["name", "status"]
EXPECTED_RECORDS = [{"name": "张三", "status": "married"}]


def profile(quick: bool) -> dict[str, Any]:
    if quick:
        return {"settle_s": 3.0, "idle_window_s": 1.0, "exchanges": 12, "floor_s": 1.5, "use_s": 2.0}
    return {"settle_s": 8.0, "idle_window_s": 2.0, "exchanges": 40, "floor_s": 4.0, "use_s": 6.0}


# -- memory ------------------------------------------------------------------------------------
def vm_rss_mb(pid: int) -> float:
    """VmRSS of one process (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024  # kB
    except (OSError, ValueError):
        pass
    return 0.0


def tree_pids(pid: int) -> list[int]:
    """The process and its descendants (a node is one process; anvil is the npm shim + the binary)."""
    from benchmarks.common import descendants

    return [pid, *(p.pid for p in descendants(pid))]


class RssWatch:
    """Samples VmRSS of named process trees every ``interval_s`` in a daemon thread:
    per name the max, and the max of their sum."""

    def __init__(self, trees: dict[str, list[int]], interval_s: float = 0.25) -> None:
        self.trees = trees
        self.interval = interval_s
        self.max_mb: dict[str, float] = dict.fromkeys(trees, 0.0)
        self.max_total_mb = 0.0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fed-rss", daemon=True)

    def sample(self) -> dict[str, float]:
        now = {name: sum(vm_rss_mb(p) for p in pids) for name, pids in self.trees.items()}
        for name, mb in now.items():
            self.max_mb[name] = max(self.max_mb[name], mb)
        self.max_total_mb = max(self.max_total_mb, sum(now.values()))
        self.samples += 1
        return now

    def start(self) -> RssWatch:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sample()


# -- the federation ----------------------------------------------------------------------------
def bring_up(net: Devnet, work: Path) -> tuple[fed_ops.Federation, Any, dict[str, float]]:
    """As ``govchain federation up``: node directories, contracts, one process per party,
    tokens, admissions voted through the governors' nodes, every department in the directory."""
    quiet: Callable[[str], None] = lambda _m: None  # noqa: E731
    steps: dict[str, float] = {}
    t = time.monotonic()

    def step(name: str) -> None:
        nonlocal t
        steps[name] = rnd(time.monotonic() - t, 1)
        t = time.monotonic()

    w3 = build_web3(net.rpc_url)
    deployer.wait_for_node(w3)
    fed = fed_ops.prepare(
        work / "nodes", rpc_url=net.rpc_url, network=NETWORK, first_port=None, members=roster.ALL, log=quiet
    )
    try:
        manifest = fed_ops.deploy(fed, w3, DEV_FUNDER_KEY, log=quiet)
        step("deploy_s")
        fed_ops.start(fed, wave=START_WAVE, log=quiet)
        step("start_s")
        fed_ops.issue_tokens(fed, label="bench")
        fed_ops.admit_members(fed, w3, manifest, log=quiet)
        step("admit_s")
        fed_ops.wait_for_directory(fed, w3, manifest)
        step("directory_s")
    except BaseException:
        fed.stop()
        raise
    return fed, w3, steps


def setup_grants(
    owner: fed_ops.FederationNode, grantee: fed_ops.FederationNode, actors: api.ApiActors
) -> tuple[int, int]:
    """A dataset on the owner's node; two grants of it to the grantee (requested on the
    grantee's node, approved on the owner's): one for releases, one for plain uses."""
    with httpx.Client(timeout=60) as c:

        def ok(r: httpx.Response, status: int) -> dict[str, Any]:
            if r.status_code != status:
                raise RuntimeError(f"{r.request.method} {r.request.url.path}: {r.status_code} {r.text[:500]}")
            answer: dict[str, Any] = r.json()
            return answer

        body = {"classification": "INTERNAL", "record": DATASET, "schema": {"type": "object", "title": "household"}}
        rid = ok(c.post(f"{owner.url}/resources", json=body, headers=actors.headers(OWNER)), 201)["resource_id"]
        grants = []
        for _ in range(2):
            ask = {
                "resource_id": rid,
                "purpose_code": 51,  # registered by the bootstrap (backend/ops/purposes.py)
                "legal_basis": "《税收征收管理法》第五条 / Tax Collection Law art. 5",
                "fields": RELEASED_FIELDS,
                "duration_s": 7 * 24 * 3600,
                "max_uses": 4_000_000_000,
            }
            req = ok(c.post(f"{grantee.url}/requests", json=ask, headers=actors.headers(GRANTEE)), 201)["request_id"]
            appr = ok(
                c.post(
                    f"{owner.url}/requests/{req}/approve",
                    json={"reason": "lawful (benchmark)"},
                    headers=actors.headers(OWNER),
                ),
                200,
            )
            grants.append(int(appr["grant_id"]))
    return grants[0], grants[1]


# -- exchange latency --------------------------------------------------------------------------
def exchange_loop(
    url: str,
    actors: api.ApiActors,
    grants: tuple[int, int],
    count: int,
    block_time: float,
    out: list[float],
    uses_ms: list[float],
    failures: Counter,
    use_indexes: set[int],
) -> None:
    """``count`` releases of ``grants[0]`` one at a time, each started at a random phase of
    the block interval (as the API bench's latency loop); only verified, fresh releases
    count. After every other release, one synchronous POST /grants/{grants[1]}/uses (201
    once mined) on the same node: the recordUse part alone, for the breakdown."""
    rng = random.Random(13)
    order = {"grant_id": grants[0], "fields": RELEASED_FIELDS}
    use = api.use_spec(actors, GRANTEE, grants[1], respond_async=False)
    with httpx.Client(base_url=url, timeout=60) as http:
        http.get("/healthz")  # open the connection outside the timed part
        for i in range(count):
            if i % 2:
                time.sleep(rng.uniform(0, block_time))
                method, path, body, headers, expect = use(0, i)
                t = time.perf_counter()
                r = http.request(method, path, json=body, headers=headers)
                if r.status_code == expect:
                    uses_ms.append((time.perf_counter() - t) * 1000)
                else:
                    failures[f"use {r.status_code} {r.text[:200]}"] += 1
            time.sleep(rng.uniform(0, block_time))
            headers = actors.headers(GRANTEE, **{"X-Data-Subject": f"resident_id:{RESIDENT}"})
            t = time.perf_counter()
            r = http.post("/releases", json={**order, "context_ref": f"bench-release-{i}"}, headers=headers)
            dt = (time.perf_counter() - t) * 1000
            body = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
            fresh = body.get("replayed") is False and body.get("content", {}).get("records") == EXPECTED_RECORDS
            if r.status_code == 201 and fresh and body["use_index"] not in use_indexes:
                use_indexes.add(body["use_index"])
                out.append(dt)
            else:
                failures[f"{r.status_code} {r.text[:200]}"] += 1


def measure_exchanges(
    net: Devnet,
    w3: Any,
    grantee: fed_ops.FederationNode,
    actors: api.ApiActors,
    grants: tuple[int, int],
    count: int,
    bt: float,
) -> dict[str, Any]:
    """The releases and raw confirmations (GasBaseline.emitOnly, as the API bench) in the same period."""
    probe = node.setup_probe(w3, Account.from_key(DEV_FUNDER_KEY), 1)
    exchange_ms: list[float] = []
    confirm_ms: list[float] = []
    uses_ms: list[float] = []
    failures: Counter = Counter()
    uses: set[int] = set()
    stop = threading.Event()
    confirm = threading.Thread(
        target=node.confirm_loop, daemon=True, args=(net.rpc_url, probe, probe.accounts[0], stop, bt, confirm_ms)
    )
    confirm.start()
    t0 = time.perf_counter()
    try:
        exchange_loop(grantee.url, actors, grants, count, bt, exchange_ms, uses_ms, failures, uses)
    finally:
        stop.set()
        confirm.join(timeout=40)
    elapsed = time.perf_counter() - t0
    if not exchange_ms or not confirm_ms:
        raise RuntimeError(f"exchange phase produced no samples (failures: {dict(failures)})")
    return {
        "exchange_ms": exchange_ms,
        "confirm_ms": confirm_ms,
        "use_sync_ms": uses_ms,
        "failures": dict(failures),
        "elapsed_s": rnd(elapsed, 1),
    }


# -- the phase ---------------------------------------------------------------------------------
def run(net: Devnet, work: Path, quick: bool, block_time: float, concurrency: int) -> dict[str, Any]:
    prof = profile(quick)
    t = time.monotonic()
    log(f"[bold]federation[/bold]: {len(roster.ALL) - 1} node processes (`govchain node run`) on anvil {net.rpc_url} …")
    fed, w3, steps = bring_up(net, work)
    try:
        return _measure(fed, w3, net, prof, block_time, concurrency, {"total_s": rnd(time.monotonic() - t, 1), **steps})
    finally:
        fed.stop()


def _measure(
    fed: fed_ops.Federation,
    w3: Any,
    net: Devnet,
    prof: dict[str, Any],
    bt: float,
    concurrency: int,
    setup_s: dict[str, float],
) -> dict[str, Any]:
    served = fed.served()
    log(f"  up in {setup_s['total_s']}s ({setup_s}): {len(served)} node processes, every department in the directory")
    assert net.process is not None
    trees = {n.member.key: tree_pids(n.process.pid) for n in served if n.process is not None}
    trees["anvil"] = tree_pids(net.process.pid)
    owner, grantee = fed.nodes[OWNER], fed.nodes[GRANTEE]
    actors = api.ApiActors({OWNER: owner.token, GRANTEE: grantee.token})

    # -- idle: after start-up and a settle period, nothing asked of any node --
    time.sleep(prof["settle_s"])
    idle = RssWatch(trees)
    for _ in range(max(1, int(prof["idle_window_s"] / 0.25))):
        idle.sample()
        time.sleep(0.25)
    log(
        f"  idle (after {prof['settle_s']}s settle): department nodes max "
        f"{max(idle.max_mb[n.member.key] for n in fed.of_role('department')):.1f} MB, "
        f"federation {idle.max_total_mb:.0f} MB"
    )

    load = RssWatch(trees).start()
    try:
        release_grant, use_grant = setup_grants(owner, grantee, actors)
        log(
            f"  {prof['exchanges']} releases of grant {release_grant} ({OWNER} → {GRANTEE}) one at a time, "
            "raw confirmations alongside …"
        )
        ex = measure_exchanges(net, w3, grantee, actors, (release_grant, use_grant), prof["exchanges"], bt)
        lat, conf = p50_p95(ex["exchange_ms"]), p50_p95(ex["confirm_ms"])
        overhead = rnd(lat["p50"] - conf["p50"], 2)
        log(
            f"  exchange p50 [bold]{lat['p50']} ms[/bold] (p95 {lat['p95']}, {len(ex['exchange_ms'])}), raw confirm p50 "
            f"{conf['p50']} ms ({len(ex['confirm_ms'])}): overhead {overhead} ms"
            + (f"; failures {ex['failures']}" if ex["failures"] else "")
        )
        if ex["use_sync_ms"]:
            log(
                f"  recordUse alone (sync POST /grants/{{id}}/uses, same node): p50 {p50_p95(ex['use_sync_ms'])['p50']} ms"
            )

        log(f"  {GRANTEE}'s node: GET /healthz then POST /grants/{use_grant}/uses, {concurrency} clients")
        pid = grantee.process.pid if grantee.process else None
        floor = api.run_load(grantee.url, concurrency, prof["floor_s"], api.healthz_spec, warmup=3, server_pid=pid)
        api.log_load("floor", floor, "req/s")
        # For comparison only (the target stays on /healthz): the node's cheapest authenticated
        # request, GET /me (bearer-token lookup, no chain, no database write).
        me = {"Authorization": f"Bearer {grantee.token}"}
        auth_floor = api.run_load(
            grantee.url, concurrency, prof["floor_s"], lambda _w, _i: ("GET", "/me", None, me, 200), server_pid=pid
        )
        api.log_load("authenticated floor (GET /me)", auth_floor, "req/s")
        used0 = api.grant_used(grantee.url, actors, GRANTEE, use_grant)
        spec = api.use_spec(actors, GRANTEE, use_grant, respond_async=True)
        uses = api.run_load(grantee.url, concurrency, prof["use_s"], spec, server_pid=pid)
        mined_at = api.wait_mined(grantee.url, actors, GRANTEE, use_grant, used0 + uses.warmup_ok + uses.ok)
        mined_per_s = uses.ok / (mined_at - uses.t0)
        api.log_load("uses, 202 respond-async", uses, "uses/s")
        log(f"  … all {uses.ok} queued uses mined: {mined_per_s:,.1f} uses/s")
    finally:
        load.stop()

    return summarize(fed, idle, load, ex, floor, auth_floor, uses, mined_per_s, prof, bt, concurrency, setup_s)


def summarize(
    fed: fed_ops.Federation,
    idle: RssWatch,
    load: RssWatch,
    ex: dict[str, Any],
    floor: api.LoadResult,
    auth_floor: api.LoadResult,
    uses: api.LoadResult,
    mined_per_s: float,
    prof: dict[str, Any],
    bt: float,
    concurrency: int,
    setup_s: dict[str, float],
) -> dict[str, Any]:
    lat, conf = p50_p95(ex["exchange_ms"]), p50_p95(ex["confirm_ms"])
    overhead = rnd(lat["p50"] - conf["p50"], 2)
    depts = [n.member.key for n in fed.of_role("department")]
    per_node = {
        n.member.key: {
            "role": n.member.role,
            "idle": rnd(idle.max_mb[n.member.key]),
            "load_max": rnd(load.max_mb[n.member.key]),
        }
        for n in fed.served()
    }
    idle_dept_max = max(idle.max_mb[k] for k in depts)  # compared unrounded
    ratio = rnd(uses.per_s / floor.per_s, 4) if floor.per_s else 0.0
    return {
        "exchange_latency_ms": lat,
        "chain_confirm_ms": conf,
        "exchange_overhead_ms_p50": overhead,
        "node_rss_mb": {
            "per_node": per_node,
            "department_idle_max": rnd(idle_dept_max),
            "department_idle_median": rnd(sorted(per_node[k]["idle"] for k in depts)[len(depts) // 2]),
            "department_load_max": max(per_node[k]["load_max"] for k in depts),
            "anvil_idle": rnd(idle.max_mb["anvil"]),
            "anvil_load_max": rnd(load.max_mb["anvil"]),
            "federation_total_idle": rnd(idle.max_total_mb),
            "federation_total_load_max": rnd(load.max_total_mb),
            "node_processes": len(fed.served()),
            "department_nodes": len(depts),
            "load_samples": load.samples,
        },
        "node_use_per_s": rnd(uses.per_s, 1),
        "node_use_per_s_mined": rnd(mined_per_s, 1),
        "node_http_floor_req_per_s": rnd(floor.per_s, 1),
        "node_use_over_http_floor": ratio,
        "node_auth_floor_req_per_s": rnd(auth_floor.per_s, 1),
        "node_use_over_auth_floor": rnd(uses.per_s / auth_floor.per_s, 4) if auth_floor.per_s else 0.0,
        "targets": {
            "federation_exchange_overhead": {
                "target": "exchange_latency_ms.p50 − chain_confirm_ms.p50 ≤ 30 ms (federation)",
                "value": overhead,
                "threshold": OVERHEAD_TARGET_MS,
                "met": overhead <= OVERHEAD_TARGET_MS,
            },
            "federation_node_idle_rss": {
                "target": "every department node's RSS at idle ≤ 150 MB",
                "value": rnd(idle_dept_max, 2),
                "threshold": IDLE_RSS_TARGET_MB,
                "met": idle_dept_max <= IDLE_RSS_TARGET_MB,
            },
            "federation_node_use_vs_http_floor": {
                "target": "uses/s on one node ≥ 0.5 × that node's HTTP floor",
                "value": ratio,
                "threshold": USE_OVER_FLOOR_TARGET,
                "met": ratio >= USE_OVER_FLOOR_TARGET,
            },
        },
        "conditions": {
            "chain": "anvil, interval mining (backend.ops.devnet.Devnet), 127.0.0.1, its own chain",
            "block_time_s": bt,
            "nodes": "backend.ops.federation (as `govchain federation up`): the demo roster, one "
            "`govchain node run` process per governor, department and auditor",
            "exchange": f"POST /releases on {GRANTEE}'s node with X-Data-Subject, grant of {OWNER}'s "
            "govchain.dataset/1 resource; one at a time, random start phase in the block interval",
            "chain_confirm": "raw GasBaseline.emitOnly call, broadcast → receipt (poll 1 ms), one at a time, "
            "random phase, concurrently with the exchanges (as the API bench's chain_confirm_ms)",
            "node_rss": "VmRSS from /proc/<pid>/status; idle = max over "
            f"{prof['idle_window_s']}s after {prof['settle_s']}s settle; load = max sampled every 0.25 s "
            "while the releases and the throughput load run",
            "use_call": f"POST /grants/{{id}}/uses with Prefer: respond-async on {GRANTEE}'s node, "
            f"{concurrency} clients; floor: GET /healthz, same node, same clients; auth floor (not a target): GET /me",
        },
        "details": {
            "setup_s": setup_s,
            "exchanges": len(ex["exchange_ms"]),
            "exchange_failures": ex["failures"],
            "exchange_phase_s": ex["elapsed_s"],
            "confirm_samples": len(ex["confirm_ms"]),
            "use_sync_latency_ms": {**p50_p95(ex["use_sync_ms"]), "samples": len(ex["use_sync_ms"])}
            if ex["use_sync_ms"]
            else None,
            "floor": floor.to_dict(),
            "auth_floor": auth_floor.to_dict(),
            "uses": uses.to_dict(),
        },
    }
