"""``govchain federation up`` — the whole demo consortium as separate node processes.

One process per governor, department and the Audit Office, each with its own
data directory under ``var/nodes/<name>`` (its own key, secret, database and
documents) and its own port; the chain is a local anvil. Membership is voted
through the governors' own nodes. ``var/federation.json`` lists the nodes.
"""

from __future__ import annotations

import shutil
import signal
import time
from dataclasses import replace
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from backend.cli.common import err, settings_or_exit
from backend.ops import federation as fed_ops
from backend.ops import federation_demo
from backend.ops.deployer import DeployError, wait_for_node
from backend.ops.devnet import DEV_FUNDER_KEY, Devnet, DevnetError, port_open
from backend.ops.federation_idp import IdpError
from backend.ops.node import NodeError

federation_app = typer.Typer(help="Run the demo consortium as one node process per party.", no_args_is_help=True)
console = Console()


@federation_app.command("up")
def up(
    chain_port: Annotated[int, typer.Option(help="devnet JSON-RPC port")] = 8545,
    first_port: Annotated[int, typer.Option(help="the first node's API port; the others follow")] = 8001,
    fresh: Annotated[bool, typer.Option(help="wipe the nodes' data and the devnet state first")] = False,
    idp_port: Annotated[int, typer.Option(help="port of the development identity provider (citizens' sign-in)")] = 8090,
) -> None:
    """Chain + contracts + one node process per party, admitted through the governors' nodes (Ctrl-C stops)."""
    settings = settings_or_exit()
    settings = replace(settings, rpc_url=f"http://127.0.0.1:{chain_port}")
    base = settings.data_dir / "nodes"
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    if fresh:
        shutil.rmtree(base, ignore_errors=True)
        shutil.rmtree(settings.data_dir / "idp", ignore_errors=True)
        (settings.data_dir / "devnet" / "state.json").unlink(missing_ok=True)
    net = None
    fed = None
    try:
        if port_open("127.0.0.1", chain_port):
            console.print(f"using the chain already running on port {chain_port}")
        else:
            net = Devnet(port=chain_port, state_file=settings.data_dir / "devnet" / "state.json")
            net.start(log_file=settings.data_dir / "devnet" / "anvil.log")
            console.print(f"devnet: anvil on {net.rpc_url}")
        from backend.chain.client import build_web3

        w3 = build_web3(settings.rpc_url)
        wait_for_node(w3)
        fed = fed_ops.prepare(
            base, rpc_url=settings.rpc_url, network=settings.network, first_port=first_port, log=console.print
        )
        idp = fed_ops.attach_identity_provider(fed, settings.data_dir / "idp", port=idp_port)
        busy = [n.url for n in fed.served() if port_open(n.config.host, n.config.port)]
        busy += [idp.issuer] if port_open(idp.host, idp.port) else []
        if busy:
            err.print(f"[red]ports already in use: {', '.join(busy)} (another federation running?)[/red]")
            raise typer.Exit(1)
        fed_ops.bring_up(fed, w3, DEV_FUNDER_KEY, log=console.print)
        tokens = {n.member.key: n.token for n in fed.served()}
        console.print("every department's node is in the on-chain directory")
        description = settings.data_dir / "federation.json"
        fed.write_description(description)  # the nodes are described even if the seed fails
        demo = federation_demo.seed(fed, log=console.print)
        fed.write_description(description, demo=demo)
        _print_nodes(fed, tokens)
        _print_demo(fed, demo)
        _print_identity(fed)
        console.print(
            f"\n[bold]GovChain federation is up[/bold]: {len(fed.served())} node processes; see {description}"
        )
        console.print("Ctrl-C stops every node and the chain (data and chain state are kept).")
        while True:
            if idp.process is not None and idp.process.poll() is not None:
                err.print(f"[red]the identity provider exited; see {idp.data_dir / 'idp.log'}[/red]")
                raise typer.Exit(1)
            dead = [n for n in fed.served() if n.process is not None and n.process.poll() is not None]
            if dead:
                err.print(f"[red]node {dead[0].member.key} exited; see {dead[0].data_dir / 'node.log'}[/red]")
                raise typer.Exit(1)
            time.sleep(1)
    except (
        DevnetError,
        DeployError,
        NodeError,
        IdpError,
        fed_ops.FederationError,
        federation_demo.FederationDemoError,
    ) as exc:
        err.print(f"[red]federation failed:[/red] {exc}")
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        console.print("stopping")
    finally:
        if fed is not None:
            fed.stop()
        if net is not None:
            net.stop()


def _print_nodes(fed: fed_ops.Federation, tokens: dict[str, str]) -> None:
    table = Table(title="nodes (each its own process and data directory)")
    urls = [f"{n.url}/console/login" for n in fed.served()]
    table.add_column("node")
    table.add_column("role")
    table.add_column("address", overflow="fold")
    # the console URL is what a newcomer opens: never cut, even in an 80-column log
    table.add_column("console", no_wrap=True, min_width=max(map(len, urls), default=10))
    for n in fed.served():
        table.add_row(n.member.name, n.member.role, n.config.address, f"{n.url}/console/login")
    console.print(table)
    console.print("tokens (each valid only on its own node; paste into your shell):")
    for key, token in tokens.items():
        print(f"export {key.upper().replace('-', '_')}={token}", flush=True)
    console.print("demo admin officers (development only; console: officer sign-in, code from the TOTP secret):")
    for n in fed.served():
        for o in n.officers:
            print(f"  {n.member.key}: {o['username']} / {o['password']}  totp secret {o['totp_secret']}", flush=True)


def _print_demo(fed: fed_ops.Federation, demo: dict) -> None:
    """Where to look at what the seed did (docs/demo.md, section "The federation")."""
    url = {n.member.key: n.url for n in fed.served()}
    grants = demo["grants"]
    console.print(
        f"demo ({'already present' if demo.get('already_seeded') else 'seeded'}), deployment {demo['deployment']}:"
    )
    console.print(f"  datasets {demo['resources']}")
    console.print(
        f"  grants {grants}; revoked {demo['revoked_grant']}; council proposal {demo['council']['proposal_id']}"
    )
    console.print(f"  incident {demo['incident_id']}: filed on {url['dept-tax']}, answered on {url['dept-nr']}")
    console.print(
        f"  the auditor's trail: {url['audit-1']}/console/login ({demo['audit_uses_recorded']} recorded uses)"
    )
    console.print(
        f"  the citizen {demo['citizen']['id_value']}: assisted session at {url['dept-psb']} "
        f"(POST /citizens/session with a reason; on chain, in GET /citizens/me/sessions), "
        f"{demo['citizen_uses']['uses_total']} uses in GET /citizens/me/uses"
    )


def _print_identity(fed: fed_ops.Federation) -> None:
    """Where the demo citizen signs in themselves (the development provider, docs/identity.md)."""
    idp = fed.identity_provider
    if idp is None:
        return
    user, password = idp.demo_credentials
    psb = fed.nodes["dept-psb"].url if "dept-psb" in fed.nodes else fed.of_role("department")[0].url
    console.print(
        f"  citizens sign in themselves at {psb}/console/citizen/login through the development identity "
        f"provider {idp.issuer} (a test fixture): user [bold]{user}[/bold], password [bold]{password}[/bold]"
    )
