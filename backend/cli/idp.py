"""``govchain idp …`` — the DEVELOPMENT OpenID Connect provider (a test fixture, see backend/idp).

    govchain idp run --data-dir var/idp --host 127.0.0.1 --port 8090
    govchain idp client var/idp govchain-dept-psb http://127.0.0.1:8001/console/citizen/callback

`make run` starts it and registers every department's node; a deployment uses the national
e-ID provider instead (docs/identity.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

idp_app = typer.Typer(help="The development OpenID Connect provider (test fixture, never production).")


@idp_app.command("run")
def run(
    data_dir: Annotated[Path, typer.Option(help="its data directory (signing key, users.json, clients.json)")],
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8090,
    issuer: Annotated[str, typer.Option(help="issuer URL (default http://<host>:<port>)")] = "",
) -> None:
    """Serve discovery, JWKS, the login page, token and userinfo (creates key and demo user at first start)."""
    import uvicorn

    from backend.idp.app import create_idp_app

    app = create_idp_app(data_dir, issuer or f"http://{host}:{port}")
    uvicorn.run(app, host=host, port=port, log_level="warning")


@idp_app.command("client")
def client(
    data_dir: Annotated[Path, typer.Argument(help="the provider's data directory")],
    client_id: Annotated[str, typer.Argument()],
    redirect_uri: Annotated[list[str], typer.Argument(help="allowed redirect URIs")],
) -> None:
    """Register (or replace) a public relying party that signs in with PKCE."""
    from backend.idp.store import IdpStore

    store = IdpStore(data_dir)
    store.ensure()
    store.register_client(client_id, redirect_uri)
    typer.echo(f"client {client_id} registered with {len(redirect_uri)} redirect URI(s)")
