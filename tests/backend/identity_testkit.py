"""The development identity provider (backend/idp) served for real: uvicorn on a free port of
127.0.0.1 in a thread of the test process, its own data directory; and an ID-token forger that
signs with the provider's own key or a stranger's, for the relying party's refusal tests."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from joserfc import jwt
from joserfc.jwk import ECKey

from backend.idp.app import create_idp_app
from backend.idp.store import KEY_FILE, IdpStore


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServedIdp:
    def __init__(self, data_dir: Path) -> None:
        import uvicorn

        self.port = free_port()
        self.data_dir = data_dir
        self.app = create_idp_app(data_dir, self.issuer)
        self.store: IdpStore = self.app.state.idp_store
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="uvicorn-idp", daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the identity provider did not start")
            time.sleep(0.05)

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def resign(id_token: str, key: ECKey, kid: str, **changes: Any) -> str:
    """The token's claims with ``changes`` (None removes a claim), signed ES256 by ``key`` as ``kid``."""
    claims = _claims(id_token)
    for name, value in changes.items():
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    return jwt.encode({"alg": "ES256", "kid": kid}, claims, key)


def _claims(id_token: str) -> dict[str, Any]:
    body = id_token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def provider_key(idp: ServedIdp) -> tuple[ECKey, str]:
    raw = json.loads((idp.data_dir / KEY_FILE).read_text())
    return ECKey.import_key(raw), raw["kid"]


class TamperingTransport(httpx.HTTPTransport):
    """Real HTTP to the provider; the token endpoint's id_token passes through ``tamper`` first
    (what an attacker between the node and the provider, or a token from elsewhere, would present)."""

    def __init__(self) -> None:
        super().__init__()
        self.tamper: Callable[[str], str] | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if self.tamper is None or request.url.path != "/token":
            return response
        response.read()
        body = response.json()
        if "id_token" in body:
            body["id_token"] = self.tamper(body["id_token"])
        headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-encoding")}
        return httpx.Response(response.status_code, headers=headers, content=json.dumps(body).encode())
