"""``govchain node …`` — set up and run one party's node on its own machine.

    govchain node init var/nodes/psb --name dept-psb --role department --host 127.0.0.2 --port 8000 [--tls]
    govchain node show var/nodes/psb              # address to send to the council for admission
    govchain node manifest var/nodes/psb deployments/govchain-devnet.json   # pins the chain, seals
    govchain node set var/nodes/psb rpc_url=http://10.0.0.5:8545          # re-seals node.json
    govchain node token var/nodes/psb --label "front desk"
    govchain node run var/nodes/psb

The key is generated on this machine and never leaves it; only the address (and
later the node's public keys) are exchanged. ``node.json`` and the installed manifest
are sealed with the node's secret, so changing them needs the secret (``node set``,
``node manifest``); ``node run`` refuses a file that changed behind its back. See
docs/deployment.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from backend.api.serving import uvicorn_options
from backend.chain.manifest import ManifestError
from backend.cli.common import ScopeOption, err
from backend.composition import open_officers, open_tokens
from backend.core.config import SettingsError
from backend.core.officers import OfficerExists, OfficerNotFound
from backend.ops.node import (
    SETTABLE,
    NodeConfig,
    NodeError,
    check_pinned_chain,
    check_single_key,
    init_node,
    install_manifest,
    load_config,
    set_config,
)
from backend.ops.node import node_settings as _node_settings
from backend.ops.node_tls import cert_path, key_password, key_path, transport_key_hash

node_app = typer.Typer(help="One party's node: its own key, database, documents and API.", no_args_is_help=True)
console = Console()

DataDir = Annotated[Path, typer.Argument(help="the node's data directory (one per party)")]
TOKEN_ROLES = {"department": "department", "governor": "governor", "auditor": "auditor"}


def _load(data_dir: Path) -> NodeConfig:
    try:
        return load_config(data_dir)
    except NodeError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None


@node_app.command("init")
def init(
    data_dir: DataDir,
    name: Annotated[str, typer.Option(help="name of the node's key, e.g. dept-psb")],
    role: Annotated[str, typer.Option(help="department | governor | auditor | deployer")] = "department",
    network: Annotated[str, typer.Option(help="deployment name (manifest file name)")] = "govchain-devnet",
    rpc_url: Annotated[str, typer.Option(help="this node's own chain RPC endpoint")] = "http://127.0.0.1:8545",
    host: Annotated[str, typer.Option(help="address the node's API listens on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port the node's API listens on")] = 8000,
    peer_allow_network: Annotated[
        list[str] | None,
        typer.Option(
            help="a network (CIDR) of non-public addresses this node may call as peers, e.g. 127.0.0.0/8 for a"
            " federation on one machine; repeatable. Default: public addresses only"
        ),
    ] = None,
    tls: Annotated[bool, typer.Option(help="serve TLS with a self-signed certificate peers pin")] = False,
) -> None:
    """Create a node directory and generate its key here; prints the node as JSON."""
    try:
        config = init_node(
            data_dir,
            name=name,
            role=role,
            network=network,
            rpc_url=rpc_url,
            host=host,
            port=port,
            peer_allow_networks=tuple(peer_allow_network or ()),
            tls=tls,
        )
    except NodeError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    print(json.dumps({**asdict(config), "url": config.url, "data_dir": str(data_dir)}))


@node_app.command("show")
def show(data_dir: DataDir) -> None:
    """Print who the node is and where it listens (no secret needed)."""
    config = _load(data_dir)
    print(json.dumps({**asdict(config), "url": config.url, "data_dir": str(data_dir)}))


@node_app.command("manifest")
def manifest(
    data_dir: DataDir,
    manifest_file: Annotated[Path, typer.Argument(help="the deployment manifest the consortium published")],
) -> None:
    """Install the deployment manifest (contract addresses; public) into the node: pins the chain
    the node's RPC serves (chain id, genesis, each contract's code) and seals it (needs the secret)."""
    _load(data_dir)
    if not manifest_file.is_file():
        err.print(f"[red]no manifest at {manifest_file}[/red]")
        raise typer.Exit(2)
    try:
        target = install_manifest(data_dir, manifest_file)
    except NodeError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    except (ManifestError, OSError, ValueError, KeyError) as exc:
        err.print(f"[red]cannot install {manifest_file}: {exc}[/red]")
        raise typer.Exit(2) from None
    console.print(f"installed {target}")


@node_app.command("set")
def set_(
    data_dir: DataDir,
    assignments: Annotated[list[str], typer.Argument(help=f"key=value, key one of {', '.join(SETTABLE)}")],
    accept_current: Annotated[
        bool, typer.Option(help="seal node.json as it is now even if it does not verify (after reviewing it)")
    ] = False,
) -> None:
    """Change where the node listens or reads the chain, and re-seal node.json (needs the secret)."""
    changes = {}
    for item in assignments:
        key, sep, value = item.partition("=")
        if not sep:
            err.print(f"[red]expected key=value, not {item!r}[/red]")
            raise typer.Exit(2)
        changes[key.strip()] = value.strip()
    try:
        config = set_config(data_dir, changes, accept_current=accept_current)
    except NodeError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    print(json.dumps({**asdict(config), "url": config.url, "data_dir": str(data_dir)}))


@node_app.command("token")
def token(
    data_dir: DataDir,
    label: Annotated[str, typer.Option(help="what the token is for")] = "",
    ttl_hours: Annotated[float | None, typer.Option(help="expire after this many hours (default: never)")] = None,
    officer: Annotated[
        str | None, typer.Option(help="bind the token to this officer (default: a system client's token)")
    ] = None,
    scope: ScopeOption = None,
) -> None:
    """Issue an API token for this node's own party; printed once (only its hash is stored). Without
    --officer it is a system client's credential limited to its --scope (e.g. --scope grants:write
    --scope releases:write; '*' for all): the chain records its writes as client:<token id>."""
    config = _load(data_dir)
    role = TOKEN_ROLES.get(config.role)
    if role is None:
        err.print(f"[red]a {config.role} node serves no API tokens[/red]")
        raise typer.Exit(2)
    ttl = timedelta(hours=ttl_hours) if ttl_hours else None
    try:
        token = open_tokens(_settings(data_dir, config)).issue(
            role, config.address, label or config.name, ttl=ttl, officer=officer, scopes=scope or []
        )
    except ValueError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    print(token)


officer_app = typer.Typer(help="This node's officer accounts (the first admin is created here).", no_args_is_help=True)
node_app.add_typer(officer_app, name="officer")


@officer_app.command("add")
def officer_add(
    data_dir: DataDir,
    username: Annotated[str, typer.Argument(help="a-z 0-9 . _ - (e.g. li.wei)")],
    display_name: Annotated[str, typer.Option(help="the officer's name as shown")] = "",
    admin: Annotated[bool, typer.Option("--admin", help="may enrol and remove officers")] = False,
) -> None:
    """Enrol an officer of this node's party; prints the initial password and the TOTP URI ONCE."""
    config = _load(data_dir)
    role = TOKEN_ROLES.get(config.role)
    if role is None:
        err.print(f"[red]a {config.role} node has no officers[/red]")
        raise typer.Exit(2)
    try:
        e = open_officers(_settings(data_dir, config)).enrol(
            username, display_name or username, "admin" if admin else "officer", role, config.address
        )
    except (OfficerExists, ValueError) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    print(json.dumps({"username": username, "role": e.officer.role, "password": e.password, "totp_uri": e.totp_uri}))


@officer_app.command("remove")
def officer_remove(data_dir: DataDir, username: Annotated[str, typer.Argument()]) -> None:
    """Remove an officer; every token of theirs stops working."""
    settings = _settings(data_dir, _load(data_dir))
    try:
        open_officers(settings).remove(username)
    except OfficerNotFound as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    revoked = open_tokens(settings).revoke_officer(username)
    print(json.dumps({"username": username, "removed": True, "tokens_revoked": revoked}))


@officer_app.command("list")
def officer_list(data_dir: DataDir) -> None:
    """The officer accounts (rows whose MAC does not verify are not listed)."""
    for o in open_officers(_settings(data_dir, _load(data_dir))).list():
        print(
            json.dumps(
                {
                    "username": o.username,
                    "display_name": o.display_name,
                    "role": o.role,
                    "removed_at": o.removed_at.isoformat() if o.removed_at else None,
                }
            )
        )


@node_app.command("run")
def run(
    data_dir: DataDir,
    follow_index: Annotated[bool, typer.Option(help="run the event indexer in the background")] = True,
) -> None:
    """Serve this node's API and console with its one key (refuses a keystore with any other key,
    files that changed since they were sealed, and an RPC that serves another chain than pinned)."""
    import uvicorn

    from backend.api.main import create_app
    from backend.composition import AppContext

    config = _load(data_dir)
    if config.role not in TOKEN_ROLES or config.port == 0:
        err.print(f"[red]a {config.role} node with port {config.port} serves no API[/red]")
        raise typer.Exit(2)
    try:
        check_single_key(data_dir, config)
    except NodeError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    settings = _settings(data_dir, config)
    if config.tls and not (cert_path(data_dir).is_file() and key_path(data_dir).is_file()):
        err.print(
            f"[red]tls is on but {cert_path(data_dir).parent} holds no certificate and key: "
            f"`govchain node set {data_dir} tls=true` makes them[/red]"
        )
        raise typer.Exit(2)
    if not (settings.deployments_dir / f"{config.network}.json").is_file():
        err.print(f"[red]no deployment manifest yet: run `govchain node manifest {data_dir} <manifest.json>`[/red]")
        raise typer.Exit(2)
    try:
        chain_watch = check_pinned_chain(settings)
    except NodeError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    ctx = AppContext.from_settings(settings)
    ctx.start()
    if follow_index:
        ctx.start_indexer()
    app = create_app(ctx)
    if config.role == "department":
        _join_federation(app, ctx, data_dir, config, settings.keystore_secret, chain_watch.check)
    console.print(f"{config.name} ({config.role}, {config.address}) serving on {config.url}")
    # ws="none": the API has no websocket routes; uvicorn would import a websockets stack (~1 MB)
    uvicorn.run(
        app,
        **uvicorn_options(
            host=config.host, port=config.port, ws="none", **_tls_options(data_dir, config, settings.keystore_secret)
        ),
    )


def _tls_options(data_dir: Path, config: NodeConfig, secret: str) -> dict:
    if not config.tls:
        return {}
    return {
        "ssl_certfile": str(cert_path(data_dir)),
        "ssl_keyfile": str(key_path(data_dir)),
        "ssl_keyfile_password": key_password(secret),  # the key file is encrypted under the node's secret
    }


def _join_federation(
    app, ctx, data_dir: Path, config: NodeConfig, secret: str, chain_guard: Callable[[], None]
) -> None:
    """A department's node releases its data to peers and receives theirs: its encryption key,
    the on-chain directory, both sides of the release protocol, and its own directory entry.
    ``chain_guard`` re-checks the pinned chain before a release."""
    from backend.federation.announce import start_announcer
    from backend.federation.directory import ChainPeerDirectory
    from backend.federation.runtime import build_node_federation

    directory = ChainPeerDirectory(ctx.directory.resolve)
    fed = build_node_federation(
        ctx.ops,
        ctx.store,
        ctx.sessions,
        directory,
        data_dir=data_dir,
        secret=secret,
        department=config.address,
        peer_allow_networks=tuple(config.peer_allow_networks),
        chain_guard=chain_guard,
    )
    app.state.peer_release = fed.release
    app.state.peer_client = fed.client
    ctx.use_peer_client(fed.client)  # one-stop case evidence goes peer to peer too
    # uses whose transaction a previous process signed but never noted (it died first): note
    # them now, and after every reconcile pass for those still in flight
    fed.client.recover()
    ctx.sender.reconcile_hooks.append(fed.client.recover)
    fed.recorder.start()  # first sweep: releases in the ledger not yet on chain (after a crash)
    tls_pin = transport_key_hash(data_dir) if config.tls else None  # what peers will accept (None: plain HTTP)
    start_announcer(ctx.ops, ctx.directory, config.address, config.url, fed.key.public_key, tls_pin)


def _settings(data_dir: Path, config: NodeConfig):
    try:
        return _node_settings(data_dir, config)
    except (NodeError, SettingsError) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
