"""Helpers for the API tests: anvil, a JSON-RPC proxy that can take the node
"down", and the consortium set-up (real contracts via backend.ops.deployer).

(Named uniquely: pytest puts test folders on sys.path.)
"""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from backend.ops import deployer
from backend.ops.devnet import Devnet, free_port

CORE = tuple(name for name, _ in deployer.CORE)  # the core contracts, as the deployer deploys them


def Anvil(block_time: float = 0.2) -> Devnet:
    """anvil with interval mining on a free port: the platform's own Devnet."""
    return Devnet(port=free_port(), block_time=block_time).start()


class RpcProxy:
    """HTTP JSON-RPC proxy in front of the node. ``down = True`` drops every
    connection (node unreachable); ``blocked = {"eth_sendRawTransaction", ...}``
    drops only requests calling those methods (the node fails mid-request)."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.down = False
        self.blocked: set[str] = set()
        proxy = self
        session = requests.Session()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_a) -> None:  # quiet
                pass

            def setup(self) -> None:
                super().setup()
                # headers and body go out in separate writes: without NODELAY, Nagle +
                # delayed ACK add ~40 ms to every RPC
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if proxy.down or proxy._blocked(body):
                    self.close_connection = True
                    try:
                        self.connection.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                    return
                resp = session.post(proxy.upstream, data=body, headers={"Content-Type": "application/json"}, timeout=30)
                self.send_response(resp.status_code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(resp.content)))
                self.end_headers()
                self.wfile.write(resp.content)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _blocked(self, body: bytes) -> bool:
        if not self.blocked:
            return False
        try:
            msg = json.loads(body)
        except ValueError:
            return False
        msgs = msg if isinstance(msg, list) else [msg]
        return any(isinstance(m, dict) and m.get("method") in self.blocked for m in msgs)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
