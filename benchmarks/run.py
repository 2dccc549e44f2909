"""``make bench``: throughput and latency of the platform, with baselines from
the same run, written to reports/bench.json (progress on stderr).

One run, one chain for phases 1–7 (phases 8 and 9 each start a fresh one): anvil started exactly as the run command starts it
(backend.ops.devnet.Devnet, interval mining, 0.2 s blocks), the consortium
bootstrapped with the demo roster (backend.ops.bootstrap), the API served by
``govchain serve`` in a subprocess. Everything listens on 127.0.0.1 and is
stopped (by pid) at the end, also on error or Ctrl-C. Phases:

1. node ceiling — pre-signed simple calls in JSON-RPC batches (baseline of the chain);
2. naive web3 client — send one call, wait for its receipt;
3. HTTP floor — GET /healthz, 1 and 16 clients (baseline of the HTTP stack);
4. recorded uses through the API — POST /grants/{id}/uses, 1 and 16 clients;
5. latency — GET /grants/{id}/data end to end, and raw broadcast-to-receipt in the same period;
6. ≥50,000 uses on one resource (recordUseBatch), indexer rebuild (baseline: eth_getLogs alone);
7. auditor trail queries (baseline: a 100-row primary-key read);
8. list endpoints at ~1,000 and ~100,000 indexed events (own chain; `--only lists` runs it alone);
9. the federation: one node process per party (own chain; `--only federation` runs it alone) —
   a release across two nodes vs raw confirmation, every node's memory, one node's uses vs its floor;
throughout: the node's resident memory.

See docs/benchmarks.md for the meaning of every key and what the figures say.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eth_account import Account

from backend.chain import build_web3
from backend.core.config import PROJECT_ROOT, Settings
from backend.core.keystore import Keystore
from backend.ops import deployer
from backend.ops.bootstrap import bootstrap
from backend.ops.devnet import DEV_FUNDER_KEY, Devnet, anvil_binary, free_port
from benchmarks import api, federation, indexing, lists, node
from benchmarks.common import Clock, RssSampler, console, descendants, log, machine_info, p50_p95, reap, rnd

BLOCK_TIME = 0.2
CONCURRENCY = 16
RUNTIME_LIMIT_S = 900  # the whole bench, set-up and the own chains of the lists and federation phases included

OWNER, API_GRANTEE, BULK_GRANTEE = "dept-psb", "dept-ca", "dept-bank"


class BenchTimeout(Exception):
    pass


def _profile(quick: bool) -> dict[str, Any]:
    if quick:  # a smoke run for development; its figures are not the report's
        return {
            "ceiling_accounts": 4,
            "ceiling_per_account": 250,
            "raw_s": 2.0,
            "floor_s": 1.5,
            "use_seq_s": 2.0,
            "use_conc_s": 3.0,
            "latency_s": 4.0,
            "bulk_uses": 6_000,
            "audit_rounds": 2,
            "lists_large": 20_000,
            "lists_rounds": 15,
            "lists_warmup": 3,
        }
    return {
        "ceiling_accounts": 10,
        "ceiling_per_account": 1_000,
        "raw_s": 5.0,
        "floor_s": 4.0,
        "use_seq_s": 6.0,
        "use_conc_s": 12.0,
        "latency_s": 15.0,
        "bulk_uses": 52_000,
        "audit_rounds": 8,
        "lists_large": 100_000,
        "lists_rounds": 80,
        "lists_warmup": 10,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=PROJECT_ROOT / "reports" / "bench.json")
    ap.add_argument("--quick", action="store_true", help="small smoke run (figures not comparable)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory (logs, databases)")
    ap.add_argument(
        "--only",
        choices=("lists", "api", "federation"),
        help="run part of the bench alone on its own chain (lists: list endpoints at ~1k and ~100k indexed "
        "events; api: HTTP floor, recorded uses and fetch latency, i.e. phases 3-5; federation: one node "
        "process per party, a release across two nodes, node memory, one node's uses)",
    )
    ap.add_argument(
        "--lists-large",
        type=int,
        default=None,
        help="indexed events of the lists phase's large size (default 100,000; --quick: 20,000)",
    )
    args = ap.parse_args(argv)
    prof = _profile(args.quick)
    if args.lists_large is not None:
        prof["lists_large"] = args.lists_large

    def on_alarm(_sig, _frm):
        raise BenchTimeout(f"benchmark exceeded {RUNTIME_LIMIT_S}s")

    def on_term(_sig, _frm):
        raise SystemExit(143)

    signal.signal(signal.SIGALRM, on_alarm)
    signal.signal(signal.SIGTERM, on_term)
    signal.alarm(RUNTIME_LIMIT_S)

    clock = Clock()
    machine = machine_info(anvil_binary())  # before the work directory: no anvil, nothing left behind
    tmp = Path(tempfile.mkdtemp(prefix="govchain-bench-"))
    rss: RssSampler | None = None
    results: dict[str, Any] = {}
    try:
        if args.only in (None, "api"):
            api_only = args.only == "api"
            results, rss = on_chain(
                tmp / "main",
                lambda net, work: run_phases(net, work, prof, clock, lambda s: setattr_server(s), api_only=api_only),
            )
        if args.only in (None, "lists"):
            t = time.monotonic()
            results["lists"], _ = on_chain(
                tmp / "lists", lambda net, work: run_lists(net, work, prof, lambda s: setattr_server(s))
            )
            clock.phases["lists_s"] = rnd(time.monotonic() - t, 1)
        if args.only in (None, "federation"):
            t = time.monotonic()
            results["federation"], _ = on_chain(
                tmp / "federation", lambda net, work: federation.run(net, work, args.quick, BLOCK_TIME, CONCURRENCY)
            )
            clock.phases["federation_s"] = rnd(time.monotonic() - t, 1)
    except BaseException as exc:
        console.print(f"[red]benchmark failed:[/red] {type(exc).__name__}: {exc}")
        raise
    finally:
        signal.alarm(0)
        if args.keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    machine["load_avg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    if args.only is None:
        report = build_report(results, rss, machine, clock, args.quick)
    elif args.only == "api":
        report = build_api_report(results["api"], machine, clock, args.quick)
    elif args.only == "lists":
        report = build_lists_report(results["lists"], machine, clock, args.quick)
    else:
        report = build_federation_report(results["federation"], machine, clock, args.quick)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print_summary(report, args.out)
    return 0


def on_chain(work: Path, fn: Callable[[Devnet, Path], dict[str, Any]]) -> tuple[dict[str, Any], RssSampler | None]:
    """Start anvil (as the run command does), run ``fn``, and stop by pid everything started:
    the API server, the RSS sampler, anvil (npm shim and native binary)."""
    work.mkdir(parents=True, exist_ok=True)
    net = Devnet(port=free_port(), block_time=BLOCK_TIME)  # as the run command starts it (no state file)
    rss: RssSampler | None = None
    anvil_tree: list = []
    try:
        log(f"[bold]GovChain bench[/bold] — anvil {net.rpc_url}, block time {BLOCK_TIME}s, work dir {work}")
        net.start(log_file=work / "anvil.log")
        time.sleep(0.3)
        anvil_tree = descendants(net.process.pid)
        rss = RssSampler(net.process.pid).start()
        return fn(net, work), rss
    except BaseException:
        srv = _server_ref.get("server")
        if srv is not None:
            console.print(f"[dim]API server log (tail):\n{srv.tail()}[/dim]")
        raise
    finally:
        srv = _server_ref.pop("server", None)
        if srv is not None:
            srv.stop()
        if rss is not None:
            rss.stop()
        net.stop()
        reap(anvil_tree)


_server_ref: dict[str, api.Server] = {}


def setattr_server(s: api.Server | None) -> None:
    if s is None:
        _server_ref.pop("server", None)
    else:
        _server_ref["server"] = s


def bench_settings(net: Devnet, tmp: Path) -> Settings:
    suffix = os.urandom(6).hex()
    return Settings(
        env="development",
        rpc_url=net.rpc_url,
        network="govchain-bench",
        data_dir=tmp / "data",
        database_url=f"sqlite:///{tmp / 'data' / 'govchain.db'}",
        deployments_dir=tmp / "deployments",
        keystore_secret=f"bench-keystore-{suffix}",
        subject_secret=f"bench-subject-{suffix}",
    )


def targets_summary(targets: dict[str, Any]) -> dict[str, Any]:
    """The report's targets and how many of them were met."""
    return {
        "targets": targets,
        "targets_met": sum(1 for t in targets.values() if t["met"]),
        "targets_total": len(targets),
    }


def fresh_platform(net: Devnet, tmp: Path, message: str) -> tuple[Settings, Any, Any, float]:
    """Settings for this run, a web3 on its node, the platform bootstrapped afresh (as the run
    command does) and when the set-up started (after the node answered)."""
    settings = bench_settings(net, tmp)
    w3 = build_web3(settings.rpc_url)
    deployer.wait_for_node(w3)
    started = time.monotonic()
    log(message)
    return settings, w3, bootstrap(settings, w3, fresh=True, log=lambda _m: None), started


def run_lists(net: Devnet, tmp: Path, prof: dict[str, Any], track_server) -> dict[str, Any]:
    """Phase 8 (own chain): p95 of the main list endpoints at ~1,000 and ~100,000 indexed events."""
    from backend.composition import AppContext
    from backend.ops import demo, roster

    settings, w3, manifest, t = fresh_platform(
        net, tmp, "[bold]8/8 list endpoints[/bold]: bootstrap + demo data (as `govchain up`) …"
    )
    ctx = AppContext.from_settings(settings)
    try:
        demo.seed(ctx, log=lambda _m: None)
        keystore = Keystore(settings.keystore_dir, settings.keystore_secret)
        citizen = ctx.services.ops.subject(demo.CITIZEN["id_type"], demo.CITIZEN["id_value"])
        who = {
            "governor": ("governor", keystore.address_of(roster.GOVERNORS[0].key)),
            "lead": ("department", keystore.address_of("dept-nr")),  # lead of the house-transfer service
            "grantee": ("department", keystore.address_of(BULK_GRANTEE)),
            "owner": ("department", keystore.address_of(OWNER)),
            "citizen": ("citizen", "0x" + citizen.hex()),
            API_GRANTEE: ("department", keystore.address_of(API_GRANTEE)),
        }
        tokens = {k: ctx.tokens.issue(role, p, f"bench:lists:{k}") for k, (role, p) in who.items()}
    finally:
        ctx.close()
    tokens[OWNER], tokens[BULK_GRANTEE] = tokens["owner"], tokens["grantee"]
    actors = api.ApiActors(tokens)
    server = api.Server(settings, free_port(), tmp / "api.log")
    track_server(server)
    server.start()
    scen = api.setup_scenario(server.url, actors, OWNER, API_GRANTEE, BULK_GRANTEE, max_uses=4_000_000_000)
    setup_s = rnd(time.monotonic() - t, 1)
    log(f"  set up in {setup_s}s; server {server.url}, bulk grant {scen.grant_bulk} on resource {scen.resource_id}")

    ur = deployer.contract_at(w3, manifest, "UsageRights", settings.deployments_dir)
    bulk_acct = keystore.load(BULK_GRANTEE)
    synthetic = indexing.subject_hashes(settings)
    # small: the demo citizen is the subject of ~1 in 4 new uses (fills a 50-item page);
    # large: one subject among 401 (400 synthetic residents + the citizen).
    pools = {"small": [citizen, *synthetic[:3]], "large": [*synthetic, citizen]}
    sizes = {"small": 1_000, "large": prof["lists_large"]}
    out: dict[str, Any] = {"setup_s": setup_s, "sizes": {}, "by_size": {}}
    for n, (size, target) in enumerate(sizes.items()):

        def emit(k: int, _target: int, size: str = size, n: int = n) -> dict[str, Any]:
            return indexing.emit_uses(
                w3, ur, bulk_acct, scen.grant_bulk, k, settings, timeout_s=180, subjects=pools[size], seed=11 + n
            )

        up = lists.top_up(w3, emit, settings.database_url, target, server.url, tokens["grantee"])
        log(
            f"  {size}: {up['events_after']:,} indexed events (+{up['uses_emitted']:,} uses on chain, "
            f"index caught up in {up['index_wait_s']}s); {prof['lists_rounds']} rounds …"
        )
        out["sizes"][size] = up
        out["by_size"][size] = lists.measure(server.url, tokens, prof["lists_rounds"], prof["lists_warmup"])
        log(
            "  p95 ms: "
            + ", ".join(f"{k} {v['p95']} ({v['items']}/{v['total']})" for k, v in out["by_size"][size].items())
        )
    server.stop()
    track_server(None)
    out["growth"] = lists.growth(out["by_size"]["small"], out["by_size"]["large"])
    log(f"  growth p95 large/small: max [bold]{out['growth']['max']}[/bold] ({out['growth']['worst_endpoint']})")
    return out


def chain_phases(w3, net: Devnet, probe: node.Probe, prof: dict[str, Any], clock: Clock, out: dict[str, Any]) -> None:
    """Phases 1-2: the chain's own baselines (node ceiling, naive web3 client)."""
    n_acc = prof["ceiling_accounts"]
    t = time.monotonic()
    log(
        f"[bold]1/7 node ceiling[/bold]: {n_acc}×{prof['ceiling_per_account']} pre-signed emitOnly calls, batches of 100"
    )
    ceiling_probe = node.Probe(probe.contract, probe.accounts[:n_acc], probe.chain_id)
    out["ceiling"] = node.node_ceiling(w3, ceiling_probe, prof["ceiling_per_account"], BLOCK_TIME)
    c = out["ceiling"]
    log(
        f"  [bold]{c['tx_per_s']:,.0f} tx/s[/bold] ({c['transactions']} txs in {c['elapsed_s']}s over "
        f"{c['blocks_with_load']} blocks, max {c['max_tx_per_block']}/block; gas bound {c['gas_bound_tx_per_s']:,.0f} tx/s)"
    )
    clock.phases["ceiling_s"] = rnd(time.monotonic() - t, 1)
    time.sleep(1.0)  # let the base fee settle after full blocks

    # -- 2. naive web3 client --
    log(f"[bold]2/7 raw web3 loop[/bold]: send one call, wait for its receipt (poll 1 ms), {prof['raw_s']}s")
    out["raw_web3"] = node.raw_web3_loop(net.rpc_url, probe, probe.accounts[n_acc], prof["raw_s"])
    log(f"  [bold]{out['raw_web3']['tx_per_s']} tx/s[/bold] ({out['raw_web3']['transactions']} txs)")


def run_phases(
    net: Devnet, tmp: Path, prof: dict[str, Any], clock: Clock, track_server, *, api_only: bool = False
) -> dict[str, Any]:
    """Phases 1-7 on one chain; ``api_only``: the API phases 3-5 alone (no ceiling, raw loop, bulk or audit)."""
    out: dict[str, Any] = {}

    # -- set-up: the consortium exactly as the run command builds it --
    settings, w3, manifest, t = fresh_platform(
        net, tmp, "bootstrap: keys, funds, contracts, council admits the demo departments …"
    )
    funder = Account.from_key(DEV_FUNDER_KEY)
    n_acc = prof["ceiling_accounts"]
    probe = node.setup_probe(w3, funder, n_acc + 2)
    clock.phases["setup_s"] = rnd(time.monotonic() - t, 1)
    log(f"  done in {clock.phases['setup_s']}s (block {w3.eth.block_number})")

    if not api_only:
        chain_phases(w3, net, probe, prof, clock, out)

    # -- API server --
    from backend.composition import AppContext

    ctx = AppContext.from_settings(settings)
    keystore = Keystore(settings.keystore_dir, settings.keystore_secret)
    addr = {k: keystore.address_of(k) for k in (OWNER, API_GRANTEE, BULK_GRANTEE)}
    tokens = {k: ctx.tokens.issue("department", a, f"bench:{k}") for k, a in addr.items()}
    ctx.close()
    actors = api.ApiActors(tokens)
    t = time.monotonic()
    server = api.Server(settings, free_port(), tmp / "api.log")
    track_server(server)
    server.start()
    log(f"API: `govchain serve` on {server.url} (pid {server.proc.pid}) ready in {time.monotonic() - t:.1f}s")
    scen = api.setup_scenario(server.url, actors, OWNER, API_GRANTEE, BULK_GRANTEE, max_uses=4_000_000_000)
    log(
        f"  resource {scen.resource_id}; grant {scen.grant_api} → {API_GRANTEE}, grant {scen.grant_bulk} → {BULK_GRANTEE}"
    )

    # -- 3. HTTP floor --
    log(f"[bold]3/7 HTTP floor[/bold]: GET /healthz, 1 then {CONCURRENCY} clients, {prof['floor_s']}s each")
    floor_seq = api.run_load(server.url, 1, prof["floor_s"], api.healthz_spec, warmup=3, server_pid=server.proc.pid)
    api.log_load("1 client", floor_seq, "req/s")
    floor_conc = api.run_load(
        server.url, CONCURRENCY, prof["floor_s"], api.healthz_spec, warmup=3, server_pid=server.proc.pid
    )
    api.log_load(f"{CONCURRENCY} clients", floor_conc, "req/s")

    # -- 4. uses through the API --
    # Headline (api_use_per_s_*): `Prefer: respond-async` — 202 once the use is durably in
    # the outbox (pipelined: issue 3 allows it; still one use per HTTP request). Then every
    # queued use must be MINED: the phase is timed again up to the moment the chain counts
    # them all (…_mined_per_s). Second figure (…_sync): the default 201 after mining.
    used0 = api.grant_used(server.url, actors, API_GRANTEE, scen.grant_api)
    log(f"[bold]4/7 recorded uses[/bold]: POST /grants/{scen.grant_api}/uses, one use per request")
    spec_async = api.use_spec(actors, API_GRANTEE, scen.grant_api, respond_async=True)
    spec_sync = api.use_spec(actors, API_GRANTEE, scen.grant_api, respond_async=False)
    use_seq = api.run_load(server.url, 1, prof["use_seq_s"], spec_async, server_pid=server.proc.pid)
    api.log_load("1 client, 202 respond-async", use_seq, "uses/s")
    api.wait_mined(server.url, actors, API_GRANTEE, scen.grant_api, used0 + use_seq.warmup_ok + use_seq.ok)
    before_conc = api.grant_used(server.url, actors, API_GRANTEE, scen.grant_api)
    use_conc = api.run_load(server.url, CONCURRENCY, prof["use_conc_s"], spec_async, server_pid=server.proc.pid)
    mined_at = api.wait_mined(
        server.url, actors, API_GRANTEE, scen.grant_api, before_conc + use_conc.warmup_ok + use_conc.ok
    )
    conc_mined_per_s = use_conc.ok / (mined_at - use_conc.t0)  # from the timed part's start to the last use mined
    api.log_load(f"{CONCURRENCY} clients, 202 respond-async", use_conc, "uses/s")
    log(f"  … all {use_conc.ok} queued uses mined: {conc_mined_per_s:,.1f} uses/s from first request to last receipt")
    use_seq_sync = api.run_load(server.url, 1, prof["use_seq_s"], spec_sync, server_pid=server.proc.pid)
    api.log_load("1 client, 201 sync", use_seq_sync, "uses/s")
    use_conc_sync = api.run_load(server.url, CONCURRENCY, prof["use_conc_s"], spec_sync, server_pid=server.proc.pid)
    api.log_load(f"{CONCURRENCY} clients, 201 sync", use_conc_sync, "uses/s")

    # -- 5. latency of a fetch vs raw confirmation, same period --
    log(
        f"[bold]5/7 latency[/bold]: GET /grants/{scen.grant_api}/data and raw broadcast→receipt, "
        f"concurrently for {prof['latency_s']}s (random start phase)"
    )
    fetch_ms: list[float] = []
    confirm_ms: list[float] = []
    failures: Counter = Counter()
    stop = threading.Event()
    threads = [
        threading.Thread(
            target=api.latency_loop,
            daemon=True,
            args=(server.url, actors, API_GRANTEE, scen.grant_api, stop, BLOCK_TIME, fetch_ms, failures),
        ),
        threading.Thread(
            target=node.confirm_loop,
            daemon=True,
            args=(net.rpc_url, probe, probe.accounts[n_acc + 1], stop, BLOCK_TIME, confirm_ms),
        ),
    ]
    for th in threads:
        th.start()
    stop.wait(prof["latency_s"])
    stop.set()
    for th in threads:
        th.join(timeout=40)
    if not fetch_ms or not confirm_ms:
        raise RuntimeError(f"latency phase produced no samples (fetch failures: {dict(failures)})")
    log(
        f"  fetch p50 {p50_p95(fetch_ms)['p50']} ms ({len(fetch_ms)}), raw confirm p50 {p50_p95(confirm_ms)['p50']} ms "
        f"({len(confirm_ms)})" + (f"; failures {dict(failures)}" if failures else "")
    )
    used1 = api.grant_used(server.url, actors, API_GRANTEE, scen.grant_api)
    server.stop()
    track_server(None)

    # uses per transaction, as the chain saw them (today one recordUse per request)
    ur = deployer.contract_at(w3, manifest, "UsageRights", settings.deployments_dir)
    logs = ur.events.UseRecorded().get_logs(
        from_block=int(manifest["deploy_block"]), argument_filters={"grantId": scen.grant_api}
    )
    per_tx = Counter(lg["transactionHash"] for lg in logs)
    uses_per_tx = len(logs) / max(1, len(per_tx))
    api_requests_ok = use_seq.ok + use_conc.ok + use_seq_sync.ok + use_conc_sync.ok + len(fetch_ms)
    # (warm-up requests are recorded uses too, but not counted as answered: the check stays conservative)
    out["api"] = {
        "server": "govchain serve (uvicorn, 1 process, indexer following), 127.0.0.1",
        "client": f"httpx {api.httpx.__version__}, asyncio, keep-alive pool = clients",
        "floor_sequential": floor_seq.to_dict(),
        "floor_concurrent": floor_conc.to_dict(),
        "use_sequential": {**use_seq.to_dict(), "mode": "Prefer: respond-async (202 after the durable outbox write)"},
        "use_concurrent": {
            **use_conc.to_dict(),
            "mode": "Prefer: respond-async (202 after the durable outbox write)",
            "mined_per_s": rnd(conc_mined_per_s, 1),
            "mined_per_s_note": "the same uses, timed from the first request until the chain counted "
            "all of them (every 202 was mined)",
        },
        "use_sequential_sync": {**use_seq_sync.to_dict(), "mode": "default: 201 after the use's batch is mined"},
        "use_concurrent_sync": {**use_conc_sync.to_dict(), "mode": "default: 201 after the use's batch is mined"},
        "fetch_latency": {**p50_p95(fetch_ms), "samples": len(fetch_ms), "failures": dict(failures)},
        "chain_confirm": node.summarize_confirm(confirm_ms),
        "uses_recorded_on_chain_during_api_phases": used1 - used0,
        "uses_answered_ok_during_api_phases": api_requests_ok,
        "uses_per_transaction": rnd(uses_per_tx, 2),
        "resource_id": scen.resource_id,
    }
    if used1 - used0 < api_requests_ok:
        raise RuntimeError(f"API answered {api_requests_ok} uses but the chain counts {used1 - used0}")
    if api_only:
        return out

    # -- 6. bulk trail + indexer rebuild --
    bulk_acct = keystore.load(BULK_GRANTEE)
    log(
        f"[bold]6/7 indexer[/bold]: {prof['bulk_uses']:,} uses of grant {scen.grant_bulk} via recordUseBatch "
        f"({indexing.USES_PER_TX}/tx), then rebuild into a fresh SQLite"
    )
    out["bulk"] = indexing.emit_uses(w3, ur, bulk_acct, scen.grant_bulk, prof["bulk_uses"], settings)
    log(
        f"  mined {out['bulk']['uses']:,} uses in {out['bulk']['transactions']} txs in {out['bulk']['mined_in_s']}s "
        f"({out['bulk']['gas_per_use']:.0f} gas/use)"
    )
    idx, sessions = indexing.rebuild(settings, tmp / "index.db")
    out["indexer"] = idx
    log(
        f"  rebuild: [bold]{idx['events_per_s']:,.0f} events/s[/bold] ({idx['events']:,} events, {idx['blocks']:,} blocks "
        f"in {idx['elapsed_s']}s); eth_getLogs alone {idx['baseline_getlogs_events_per_s']:,.0f} events/s"
    )

    # -- 7. audit queries --
    log("[bold]7/7 audit queries[/bold]: trail of one resource, limit 100, offsets and filters")
    out["audit"] = indexing.audit_queries(
        sessions, scen.resource_id, scen.grant_bulk, addr[BULK_GRANTEE], settings, rounds=prof["audit_rounds"]
    )
    log(
        f"  p95 [bold]{out['audit']['p95_ms']} ms[/bold] over {out['audit']['queries']} queries "
        f"({out['audit']['resource_uses']:,} uses on the resource)"
    )
    sessions.kw["bind"].dispose()
    return out


def build_report(
    r: dict[str, Any], rss: RssSampler | None, machine: dict[str, Any], clock: Clock, quick: bool
) -> dict[str, Any]:
    a = r["api"]
    ceiling = r["ceiling"]["tx_per_s"]
    floor = a["floor_concurrent"]["per_s"]
    use_conc = a["use_concurrent"]["per_s"]
    use_seq = a["use_sequential"]["per_s"]
    use_conc_sync = a["use_concurrent_sync"]["per_s"]
    use_seq_sync = a["use_sequential_sync"]["per_s"]
    use_conc_mined = a["use_concurrent"]["mined_per_s"]
    lat, conf = {k: a["fetch_latency"][k] for k in ("p50", "p95")}, {k: a["chain_confirm"][k] for k in ("p50", "p95")}
    overhead = rnd(lat["p50"] - conf["p50"], 2)
    capacity = ceiling * a["uses_per_transaction"]
    rss_max = rnd(rss.max_tree_mb, 1) if rss else None
    ratios = {
        "api_use_concurrent_over_http_floor": rnd(use_conc / floor, 4),
        "api_use_concurrent_mined_over_http_floor": rnd(use_conc_mined / floor, 4),
        "api_use_concurrent_sync_over_http_floor": rnd(use_conc_sync / floor, 4),
        "api_use_sequential_over_http_floor_sequential": rnd(use_seq / a["floor_sequential"]["per_s"], 4),
        "api_use_concurrent_over_chain_capacity": rnd(use_conc / capacity, 4),
        "api_use_concurrent_over_sequential": rnd(use_conc / use_seq, 2),
        "api_use_sequential_over_raw_web3": rnd(use_seq / r["raw_web3"]["tx_per_s"], 3),
        "raw_web3_over_node_ceiling": rnd(r["raw_web3"]["tx_per_s"] / ceiling, 5),
        "node_ceiling_over_gas_bound": rnd(ceiling / r["ceiling"]["gas_bound_tx_per_s"], 3),
        "api_latency_p50_over_chain_confirm_p50": rnd(lat["p50"] / conf["p50"], 3),
        "backend_overhead_ms_p50": overhead,
        "indexer_over_getlogs_baseline": rnd(
            r["indexer"]["events_per_s"] / r["indexer"]["baseline_getlogs_events_per_s"], 3
        ),
        "audit_p95_over_pk_read_p50": rnd(r["audit"]["p95_ms"] / r["audit"]["baseline_pk_range_100_rows_ms"]["p50"], 2),
        "api_uses_per_block_concurrent": rnd(use_conc * BLOCK_TIME, 2),
    }
    targets = {
        "api_use_concurrent_vs_http_floor": {
            "target": "api_use_per_s_concurrent >= 0.5 × http_floor_req_per_s",
            "value": ratios["api_use_concurrent_over_http_floor"],
            "threshold": 0.5,
            "met": use_conc >= 0.5 * floor,
        },
        "chain_never_the_limit": {
            "target": "api_use_per_s_concurrent well under node_ceiling_tx_per_s × uses per transaction (≤ 0.5×)",
            "value": ratios["api_use_concurrent_over_chain_capacity"],
            "threshold": 0.5,
            "met": use_conc <= 0.5 * capacity,
        },
        "backend_overhead": {
            "target": "api_latency_ms.p50 − chain_confirm_ms.p50 ≤ 20 ms",
            "value": overhead,
            "threshold": 20,
            "met": overhead <= 20,
        },
        "indexer": {
            "target": "indexer_events_per_s ≥ 5,000",
            "value": r["indexer"]["events_per_s"],
            "threshold": 5000,
            "met": r["indexer"]["events_per_s"] >= 5000 and r["indexer"]["events"] >= 50_000,
        },
        "audit_query": {
            "target": "audit_query_ms_p95 ≤ 50 ms on a resource with ≥ 50,000 uses",
            "value": r["audit"]["p95_ms"],
            "threshold": 50,
            "met": r["audit"]["p95_ms"] <= 50 and r["audit"]["resource_uses"] >= 50_000,
        },
        "node_memory": {
            "target": "node_rss_mb_max ≤ 2,048 MB",
            "value": rss_max,
            "threshold": 2048,
            "met": rss_max is not None and rss_max <= 2048,
        },
    }
    lk = list_keys(r["lists"])
    targets["list_growth"] = lk.pop("target")
    fed = dict(r["federation"])
    targets |= fed.pop("targets")
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": quick,
        "node_ceiling_tx_per_s": ceiling,
        "raw_web3_tx_per_s": r["raw_web3"]["tx_per_s"],
        "api_use_per_s_sequential": use_seq,
        "api_use_per_s_concurrent": use_conc,
        "api_use_per_s_concurrent_mined": use_conc_mined,
        "api_use_per_s_sequential_sync": use_seq_sync,
        "api_use_per_s_concurrent_sync": use_conc_sync,
        "http_floor_req_per_s": floor,
        "api_latency_ms": lat,
        "chain_confirm_ms": conf,
        "indexer_events_per_s": r["indexer"]["events_per_s"],
        "audit_query_ms_p95": r["audit"]["p95_ms"],
        "node_rss_mb_max": rss_max,
        **lk,
        "federation": fed,
        "ratios": ratios,
        **targets_summary(targets),
        "conditions": {
            "chain": "anvil, interval mining (backend.ops.devnet.Devnet, as the run command), 127.0.0.1",
            "block_time_s": BLOCK_TIME,
            "block_gas_limit": r["ceiling"]["block_gas_limit"],
            "concurrent_clients": CONCURRENCY,
            "reference_call": "GasBaseline.emitOnly(uint256)",
            "api_use_call": "POST /grants/{id}/uses with Prefer: respond-async (202 after the durable outbox "
            "write; uses of one grant coalesced into recordUseBatch; all checked mined afterwards)",
            "api_use_call_sync": "POST /grants/{id}/uses without Prefer (201 after the use's batch is mined)",
            "latency_call": "GET /grants/{id}/data (use recorded and mined, then decrypt)",
            "node_rss": "resident memory of the anvil process tree (npm shim + native anvil), sampled every 0.2 s",
        },
        "details": {
            "node_ceiling": r["ceiling"],
            "raw_web3": r["raw_web3"],
            "api": a,
            "bulk_uses": r["bulk"],
            "indexer": r["indexer"],
            "audit": r["audit"],
            "lists": r["lists"],
            "node_rss": {
                "tree_max_mb": rss_max,
                "native_anvil_max_mb": rnd(rss.max_native_mb, 1) if rss else None,
                "samples": rss.samples if rss else 0,
            },
            "phases_s": clock.phases,
        },
        "machine": machine,
        "runtime_s": rnd(clock.elapsed(), 1),
    }


LIST_GROWTH_MAX = 1.5


def list_keys(li: dict[str, Any]) -> dict[str, Any]:
    """The lists phase's top-level keys (per-endpoint p95 dicts, the worst ratio) and its target."""
    small, large = li["by_size"]["small"], li["by_size"]["large"]
    g = li["growth"]
    return {
        "list_p95_ms_small": {k: v["p95"] for k, v in small.items()},
        "list_p95_ms_large": {k: v["p95"] for k, v in large.items()},
        "list_growth_ratio": g["max"],
        "list_indexed_events": {k: v["events_after"] for k, v in li["sizes"].items()},
        "target": {
            "target": "list_growth_ratio = max over list endpoints of p95 at ~100,000 / p95 at ~1,000 "
            "indexed events ≤ 1.5",
            "value": g["max"],
            "threshold": LIST_GROWTH_MAX,
            "met": g["max"] <= LIST_GROWTH_MAX and li["sizes"]["large"]["events_after"] >= 100_000,
        },
    }


def build_api_report(a: dict[str, Any], machine: dict[str, Any], clock: Clock, quick: bool) -> dict[str, Any]:
    """``--only api``: the API figures and their two targets (the chain baselines need the full run)."""
    floor = a["floor_concurrent"]["per_s"]
    use_conc = a["use_concurrent"]["per_s"]
    lat = {k: a["fetch_latency"][k] for k in ("p50", "p95")}
    conf = {k: a["chain_confirm"][k] for k in ("p50", "p95")}
    overhead = rnd(lat["p50"] - conf["p50"], 2)
    ratio = rnd(use_conc / floor, 4)
    targets = {
        "api_use_concurrent_vs_http_floor": {
            "target": "api_use_per_s_concurrent >= 0.5 × http_floor_req_per_s",
            "value": ratio,
            "threshold": 0.5,
            "met": use_conc >= 0.5 * floor,
        },
        "backend_overhead": {
            "target": "api_latency_ms.p50 − chain_confirm_ms.p50 ≤ 20 ms",
            "value": overhead,
            "threshold": 20,
            "met": overhead <= 20,
        },
    }
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": quick,
        "only": "api",
        "api_use_per_s_sequential": a["use_sequential"]["per_s"],
        "api_use_per_s_concurrent": use_conc,
        "api_use_per_s_concurrent_mined": a["use_concurrent"]["mined_per_s"],
        "api_use_per_s_sequential_sync": a["use_sequential_sync"]["per_s"],
        "api_use_per_s_concurrent_sync": a["use_concurrent_sync"]["per_s"],
        "http_floor_req_per_s": floor,
        "api_latency_ms": lat,
        "chain_confirm_ms": conf,
        "ratios": {"api_use_concurrent_over_http_floor": ratio, "backend_overhead_ms_p50": overhead},
        "targets": targets,
        "targets_met": sum(1 for t in targets.values() if t["met"]),
        "targets_total": len(targets),
        "conditions": {"block_time_s": BLOCK_TIME, "concurrent_clients": CONCURRENCY},
        "details": {"api": a, "phases_s": clock.phases},
        "machine": machine,
        "runtime_s": rnd(clock.elapsed(), 1),
    }


def build_lists_report(li: dict[str, Any], machine: dict[str, Any], clock: Clock, quick: bool) -> dict[str, Any]:
    """``--only lists``: the lists keys alone (the other figures need the full run)."""
    lk = list_keys(li)
    targets = {"list_growth": lk.pop("target")}
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": quick,
        "only": "lists",
        **lk,
        **targets_summary(targets),
        "conditions": {
            "chain": "anvil, interval mining (backend.ops.devnet.Devnet, as the run command), 127.0.0.1",
            "block_time_s": BLOCK_TIME,
            "list_calls": {k: f"GET {p} ({w})" for k, (w, p) in lists.ENDPOINTS.items()},
        },
        "details": {"lists": li, "phases_s": clock.phases},
        "machine": machine,
        "runtime_s": rnd(clock.elapsed(), 1),
    }


def build_federation_report(fed: dict[str, Any], machine: dict[str, Any], clock: Clock, quick: bool) -> dict[str, Any]:
    """``--only federation``: the federation section alone (its own chain)."""
    fed = dict(fed)
    targets = fed.pop("targets")
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": quick,
        "only": "federation",
        "federation": fed,
        **targets_summary(targets),
        "details": {"phases_s": clock.phases},
        "machine": machine,
        "runtime_s": rnd(clock.elapsed(), 1),
    }


def print_summary(rep: dict[str, Any], path: Path) -> None:
    from rich.table import Table

    t = Table(title=f"GovChain bench → {path}", show_lines=False)
    t.add_column("figure")
    t.add_column("value", justify="right")
    for k in (
        "node_ceiling_tx_per_s",
        "raw_web3_tx_per_s",
        "api_use_per_s_sequential",
        "api_use_per_s_concurrent",
        "api_use_per_s_concurrent_mined",
        "api_use_per_s_sequential_sync",
        "api_use_per_s_concurrent_sync",
        "http_floor_req_per_s",
        "api_latency_ms",
        "chain_confirm_ms",
        "indexer_events_per_s",
        "audit_query_ms_p95",
        "node_rss_mb_max",
        "list_growth_ratio",
    ):
        if k not in rep:
            continue
        v = rep[k]
        t.add_row(k, f"p50 {v['p50']} / p95 {v['p95']}" if isinstance(v, dict) else f"{v:,}")
    for k in ("list_p95_ms_small", "list_p95_ms_large"):
        if k in rep:
            t.add_row(k, ", ".join(f"{e} {ms}" for e, ms in rep[k].items()))
    if "federation" in rep:
        f = rep["federation"]
        for k in ("exchange_latency_ms", "chain_confirm_ms"):
            t.add_row(f"federation.{k}", f"p50 {f[k]['p50']} / p95 {f[k]['p95']}")
        mem = f["node_rss_mb"]
        t.add_row("federation.exchange_overhead_ms_p50", f"{f['exchange_overhead_ms_p50']:,}")
        t.add_row("federation.node_rss_mb idle (dept max)", f"{mem['department_idle_max']:,}")
        t.add_row("federation.node_rss_mb load (dept max)", f"{mem['department_load_max']:,}")
        t.add_row(
            f"federation total RSS ({mem['node_processes']} nodes + anvil)",
            f"idle {mem['federation_total_idle']:,} / load {mem['federation_total_load_max']:,}",
        )
        t.add_row("federation.node_use_per_s", f"{f['node_use_per_s']:,}")
        t.add_row("federation.node_http_floor_req_per_s", f"{f['node_http_floor_req_per_s']:,}")
    console.print(t)
    tt = Table(title=f"targets: {rep['targets_met']}/{rep['targets_total']} met")
    tt.add_column("target")
    tt.add_column("value", justify="right")
    tt.add_column("met")
    for v in rep["targets"].values():
        tt.add_row(v["target"], str(v["value"]), "[green]yes[/green]" if v["met"] else "[red]no[/red]")
    console.print(tt)
    console.print(f"runtime {rep['runtime_s']}s")


if __name__ == "__main__":
    raise SystemExit(main())
