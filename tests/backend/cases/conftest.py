"""One platform for the one-stop-service tests, brought up as `govchain up` does
(devnet on a free port with 0.2 s interval mining, bootstrap with the demo roster),
and the real app over HTTP. Registry roles and the PROPERTY_CERT type are set up
through the API's own council endpoints (propose + approve).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cases_testkit import World, boot, demo_tokens
from fastapi.testclient import TestClient

from backend.api.main import create_app


@pytest.fixture(scope="session")
def world(tmp_path_factory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("cases")
    p = boot(tmp)
    try:
        tokens = demo_tokens(p.ctx)
        app = create_app(p.ctx)
        with TestClient(app, raise_server_exceptions=False) as http:
            w = World(http, p, tokens)
            w.council(
                "/registry/roles",
                {
                    "department": p.address("dept-nr"),
                    "role": "REGISTRAR",
                    "enabled": True,
                    "justification": "NR keeps the real-estate register",
                },
            )
            w.council(
                "/certificates/types",
                {
                    "type_code": "PROPERTY_CERT",
                    "issuer": p.address("dept-nr"),
                    "default_validity_s": 30 * 365 * 24 * 3600,
                    "justification": "property certificates are issued by NR",
                },
            )
            yield w
    finally:
        p.close()
