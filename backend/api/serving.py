"""The options every command that serves the API passes to uvicorn.

``proxy_headers=False``: uvicorn's default trusts ``X-Forwarded-For`` / ``X-Forwarded-Proto`` from
127.0.0.1, so any local process could name a fake client address on every request and get past
the per-address throttles (:mod:`backend.core.throttle`). The node is served directly; behind a
reverse proxy the client address is the proxy's (one shared budget), which errs on the safe side.
"""

from __future__ import annotations

from typing import Any

UVICORN_OPTIONS: dict[str, Any] = {"log_level": "warning", "proxy_headers": False}


def uvicorn_options(**extra: Any) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.run``: :data:`UVICORN_OPTIONS` plus ``extra`` (host, port, TLS…)."""
    return {**UVICORN_OPTIONS, **extra}
