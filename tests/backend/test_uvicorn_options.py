"""The API is served with uvicorn's proxy headers off: a local process cannot name a fake client
address in X-Forwarded-For (and so get past the per-address throttles)."""

from __future__ import annotations

import threading
import time

import httpx
import uvicorn

from backend.api.serving import uvicorn_options
from backend.ops.devnet import free_port


async def _echo_client(scope, receive, send) -> None:
    """A tiny ASGI app answering the client address uvicorn hands to the application."""
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": scope["client"][0].encode()})


def test_the_served_api_ignores_x_forwarded_for_from_localhost() -> None:
    options = uvicorn_options(host="127.0.0.1", port=free_port())
    assert options["proxy_headers"] is False
    server = uvicorn.Server(uvicorn.Config(_echo_client, **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            assert thread.is_alive(), "uvicorn did not start"
            time.sleep(0.02)
        r = httpx.get(f"http://127.0.0.1:{options['port']}/", headers={"X-Forwarded-For": "203.0.113.9"}, timeout=10)
        assert (r.status_code, r.text) == (200, "127.0.0.1")
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_the_cli_commands_serve_with_these_options() -> None:
    from backend.cli import main, node

    assert main.uvicorn_options is uvicorn_options and node.uvicorn_options is uvicorn_options
