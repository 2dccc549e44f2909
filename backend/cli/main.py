"""``govchain`` — operate the platform: local chain, deployment, keys, API, indexer, audit."""

from __future__ import annotations

import json
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from backend.api.serving import uvicorn_options
from backend.cli.audit import audit_app
from backend.cli.common import ScopeOption, err, settings_or_exit
from backend.cli.federation import federation_app
from backend.cli.idp import idp_app
from backend.cli.node import node_app
from backend.composition import open_tokens
from backend.core.config import Settings

app = typer.Typer(help=__doc__, no_args_is_help=True, add_completion=False)
keys_app = typer.Typer(help="Department, governor and auditor keys (encrypted keystore).", no_args_is_help=True)
tokens_app = typer.Typer(help="API bearer tokens (stored hashed; shown once).", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
app.add_typer(tokens_app, name="tokens")
app.add_typer(audit_app, name="audit")
app.add_typer(node_app, name="node")
app.add_typer(federation_app, name="federation")
app.add_typer(idp_app, name="idp")
console = Console()


def _w3(settings: Settings):
    from backend.chain.client import build_web3

    return build_web3(settings.rpc_url)


# ----------------------------------------------------------------- chain


@app.command()
def devnet(
    port: Annotated[int, typer.Option(help="JSON-RPC port")] = 8545,
    block_time: Annotated[float, typer.Option(help="seconds between blocks (interval mining)")] = 0.2,
    fresh: Annotated[bool, typer.Option(help="start from an empty chain (deletes the saved state)")] = False,
) -> None:
    """Run the local chain (anvil, interval mining) in the foreground; state persists in the data dir."""
    from backend.ops.devnet import Devnet, DevnetError

    settings = settings_or_exit()
    state = settings.data_dir / "devnet" / "state.json"
    if fresh:
        state.unlink(missing_ok=True)
    net = Devnet(port=port, block_time=block_time, state_file=state)
    try:
        net.start(log_file=settings.data_dir / "devnet" / "anvil.log")
    except DevnetError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    console.print(f"devnet on {net.rpc_url} (block time {block_time}s, state {state}); Ctrl-C stops it")
    assert net.process is not None  # (start() succeeded)
    try:
        net.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        net.stop()


@app.command()
def deploy(
    fresh: Annotated[bool, typer.Option(help="deploy new contracts even if a live deployment exists")] = False,
    devnet_funds: Annotated[bool, typer.Option(help="fund the platform's accounts from anvil's dev key")] = True,
) -> None:
    """Create keys, deploy (or reuse) the contracts, admit the council's departments; writes the manifest."""
    from backend.ops.bootstrap import bootstrap
    from backend.ops.deployer import DeployError, wait_for_node

    settings = settings_or_exit()
    w3 = _w3(settings)
    try:
        wait_for_node(w3, timeout=10)
        manifest = bootstrap(settings, w3, fresh=fresh, fund_from_dev_key=devnet_funds, log=console.print)
    except DeployError as exc:
        err.print(f"[red]deploy failed:[/red] {exc}")
        raise typer.Exit(1) from None
    console.print(f"manifest: {settings.deployments_dir / (settings.network + '.json')} (chain {manifest['chain_id']})")


@app.command("besu-config")
def besu_config(
    out_dir: Annotated[Path, typer.Argument(help="folder to write the network into (must be empty)")],
    validators: Annotated[int, typer.Option(help="QBFT validators (>= 4)")] = 4,
    chain_id: Annotated[int, typer.Option(help="chain id of the production network")] = 1337,
    block_period: Annotated[int, typer.Option(help="seconds per block")] = 2,
) -> None:
    """Generate a Hyperledger Besu QBFT network (genesis, node keys, configs) for production."""
    from backend.ops.besu import BesuConfigError, describe, generate_network

    try:
        layout = generate_network(out_dir, validators=validators, chain_id=chain_id, block_period_s=block_period)
    except BesuConfigError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    console.print(describe(layout))


# ----------------------------------------------------------------- keys


@keys_app.command("list")
def keys_list() -> None:
    """List the keystore's accounts (no secret needed)."""
    from backend.core.keystore import Keystore

    settings = settings_or_exit()
    ks = Keystore(settings.keystore_dir, settings.keystore_secret)
    table = Table("name", "address")
    for name, addr in sorted(ks.addresses().items()):
        table.add_row(name, addr)
    console.print(table)


@keys_app.command("create")
def keys_create(name: Annotated[str, typer.Argument(help="keystore name, e.g. dept-psb")]) -> None:
    """Create a new encrypted key NAME (e.g. dept-psb)."""
    from backend.core.keystore import Keystore, KeystoreError

    settings = settings_or_exit()
    try:
        addr = Keystore(settings.keystore_dir, settings.keystore_secret).create(name)
    except KeystoreError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    console.print(f"{name} {addr}")


# ----------------------------------------------------------------- tokens


@tokens_app.command("issue")
def tokens_issue(
    key: Annotated[str, typer.Argument(help="keystore name of the department, governor or auditor")],
    label: Annotated[str, typer.Option(help="what the token is for")] = "",
    ttl_hours: Annotated[float | None, typer.Option(help="expire after this many hours (default: never)")] = None,
    officer: Annotated[
        str | None, typer.Option(help="bind the token to this officer (default: a system client's token)")
    ] = None,
    scope: ScopeOption = None,
) -> None:
    """Issue a bearer token for a keystore account; printed once (only its hash is stored). Without
    --officer it is a system client's credential (recorded on chain as client:<token id>), limited
    to the --scope it is given."""
    from backend.core.keystore import Keystore, KeystoreError
    from backend.ops import roster

    settings = settings_or_exit()
    try:
        addr = Keystore(settings.keystore_dir, settings.keystore_secret).address_of(key)
    except KeystoreError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    role = _role_of(key, roster)
    from datetime import timedelta

    ttl = timedelta(hours=ttl_hours) if ttl_hours else None
    try:
        token = open_tokens(settings).issue(role, addr, label or key, ttl=ttl, officer=officer, scopes=scope or [])
    except ValueError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    print(token)


@tokens_app.command("list")
def tokens_list(
    principal: Annotated[str | None, typer.Option(help="only tokens of this address / subject hash")] = None,
) -> None:
    """List tokens (id, role, principal, kind/officer, label, created, expires, revoked, genuine);
    never the secrets. A row whose MAC does not verify (written or edited in the database, not
    by this node) is shown as FORGED: it authenticates nothing, and someone wrote it."""
    table = Table("id", "role", "principal", "acts as", "label", "created", "expires", "revoked", "row")
    for t in open_tokens(settings_or_exit()).list(principal=principal):
        table.add_row(
            str(t.id),
            t.role,
            t.principal,
            t.acting_officer,
            t.label,
            str(t.created_at)[:19],
            str(t.expires_at or "")[:19],
            str(t.revoked_at or "")[:19],
            "sealed" if t.genuine else "[red]FORGED[/red]",
        )
    console.print(table)


@tokens_app.command("revoke")
def tokens_revoke(token_id: Annotated[int, typer.Argument(help="id from `govchain tokens list`")]) -> None:
    """Revoke a token at once (e.g. a leaked one)."""
    from backend.core.tokens import TokenNotFound

    try:
        open_tokens(settings_or_exit()).revoke(token_id)
    except TokenNotFound:
        err.print(f"[red]no token with id {token_id}[/red]")
        raise typer.Exit(1) from None
    console.print(f"token {token_id} revoked")


@tokens_app.command("rotate")
def tokens_rotate(token_id: Annotated[int, typer.Argument(help="id from `govchain tokens list`")]) -> None:
    """Revoke a token and print its replacement (same role, principal and label)."""
    from backend.core.tokens import TokenNotFound, TokenRevoked

    try:
        print(open_tokens(settings_or_exit()).rotate(token_id))
    except (TokenNotFound, TokenRevoked) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None


def _role_of(key: str, roster) -> str:
    try:
        role = roster.by_key(key).role
    except KeyError:
        role = "department"
    return {"governor": "governor", "auditor": "auditor"}.get(role, "department")


# ----------------------------------------------------------------- serve / index


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    follow_index: Annotated[bool, typer.Option(help="run the event indexer in the background")] = True,
) -> None:
    """Serve the HTTP API and web console (OpenAPI at /docs)."""
    import uvicorn

    from backend.api.main import create_app
    from backend.composition import AppContext

    settings = settings_or_exit()
    ctx = AppContext.from_settings(settings)
    if follow_index:
        ctx.start_indexer()
    uvicorn.run(create_app(ctx), **uvicorn_options(host=host, port=port))


@app.command()
def index(
    rebuild: Annotated[bool, typer.Option(help="drop the indexed rows and rebuild them from the chain")] = False,
    follow: Annotated[bool, typer.Option(help="keep following new blocks")] = False,
) -> None:
    """Index contract events into SQL (progress shown); --rebuild recreates it from the deploy block."""
    from rich.progress import Progress

    from backend.composition import AppContext

    settings = settings_or_exit()
    ctx = AppContext.from_settings(settings)
    indexer = ctx.make_indexer()
    with Progress(console=console) as progress:
        task = progress.add_task("indexing", total=None)

        def cb(done_block: int, head: int, rows: int) -> None:
            progress.update(task, total=head, completed=done_block, description=f"indexing ({rows} events)")

        n = indexer.rebuild(progress=cb) if rebuild else indexer.sync(progress=cb)
    console.print(f"indexed {n} events")
    if follow:
        import threading

        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            indexer.follow(stop, interval=1.0)
        except KeyboardInterrupt:
            pass


@app.command()
def up(
    host: Annotated[str, typer.Option(help="address the API listens on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="API port")] = 8000,
    chain_port: Annotated[int, typer.Option(help="devnet JSON-RPC port")] = 8545,
    fresh: Annotated[bool, typer.Option(help="wipe the devnet state and local data first")] = False,
) -> None:
    """The run command: devnet + contracts + demo data + API, all in one (Ctrl-C stops)."""
    import shutil
    from dataclasses import replace

    import uvicorn

    from backend.ops.bootstrap import bootstrap
    from backend.ops.deployer import DeployError, wait_for_node
    from backend.ops.devnet import Devnet, DevnetError, port_open

    settings = settings_or_exit()
    settings = replace(settings, rpc_url=f"http://127.0.0.1:{chain_port}")
    # SIGTERM (e.g. from a supervisor) must stop the devnet too: turn it into the
    # same path as Ctrl-C so the `finally` below always runs.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    if fresh and settings.data_dir.exists():
        shutil.rmtree(settings.data_dir)
        (settings.deployments_dir / f"{settings.network}.json").unlink(missing_ok=True)
    net = None
    if port_open("127.0.0.1", chain_port):
        console.print(f"using the chain already running on port {chain_port}")
    else:
        net = Devnet(port=chain_port, state_file=settings.data_dir / "devnet" / "state.json")
        try:
            net.start(log_file=settings.data_dir / "devnet" / "anvil.log")
        except DevnetError as exc:
            err.print(f"[red]{exc}[/red]")
            raise typer.Exit(1) from None
        console.print(f"devnet: anvil on {net.rpc_url}, block time {net.block_time}s, state in {net.state_file}")
    try:
        w3 = _w3(settings)
        wait_for_node(w3)
        bootstrap(settings, w3, log=console.print)
        from backend.composition import AppContext

        ctx = AppContext.from_settings(settings)
        seed: Callable[..., dict[str, Any]] | None
        try:
            from backend.ops.demo import seed
        except ImportError:
            seed = None
        if seed is not None:
            _print_demo_summary(seed(ctx, log=console.print))
        _print_demo_tokens(ctx)
        ctx.start_indexer()
        console.print(f"\n[bold]GovChain is up:[/bold] http://{host}:{port}/  (API docs: http://{host}:{port}/docs)")
        console.print("Ctrl-C stops the API and the chain (the chain state is kept).")
        from backend.api.main import create_app

        uvicorn.run(create_app(ctx), **uvicorn_options(host=host, port=port))
    except DeployError as exc:
        err.print(f"[red]bootstrap failed:[/red] {exc}")
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        console.print("stopping")
    finally:
        if net is not None:
            net.stop()


def _print_demo_summary(summary: dict | None) -> None:
    if not summary:
        return
    keys = ("citizen", "cases", "unit_id", "certificate", "counts")
    shown = {k: summary[k] for k in keys if k in summary}
    console.print("[bold]demo data:[/bold] " + json.dumps(shown, ensure_ascii=False, default=str))


def _print_demo_tokens(ctx) -> None:
    """Issue a fresh token per demo actor (older demo tokens are revoked) and print them."""
    from backend.ops import roster

    exports: list[str] = []
    table = Table("who", "role", "key", title="demo API tokens (Authorization: Bearer …)")
    for m in [*roster.GOVERNORS, *roster.DEPARTMENTS, *roster.AUDITORS]:
        addr = ctx.keystore.address_of(m.key)
        for old in ctx.tokens.list(principal=addr):
            if old.label == f"demo:{m.key}" and old.revoked_at is None:
                ctx.tokens.revoke(old.id)
        token = ctx.tokens.issue(_role_of(m.key, roster), addr, f"demo:{m.key}", scopes="*")
        table.add_row(m.name, m.role, m.key)
        exports.append(f"export {m.key.upper().replace('-', '_')}={token}")
    console.print(table)
    # Plain lines (never truncated by the terminal width) that a shell can paste.
    console.print("tokens (paste into your shell; sign in to the console with one of them):")
    for line in exports:
        print(line, flush=True)


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
