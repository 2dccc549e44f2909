"""Audit tests reuse the API tests' consortium (real anvil with interval mining, real
contracts, the real app over HTTP): its session fixtures come from tests/backend/api_world.py.

``audit`` adds the /audit router to that app if create_app does not register it yet,
and ``sync(system)`` brings the event index up to the chain head (the tests index
explicitly, so that what they compare is deterministic).
"""

from __future__ import annotations

import pytest
from api_world import node_ok, system

__all__ = ["audit", "audit_ok", "node_ok", "system"]


@pytest.fixture(scope="session")
def audit(system):
    from backend.api.routes import audit as audit_routes

    if not any(getattr(r, "path", "") == "/audit/trail" for r in system.app.routes):
        system.app.include_router(audit_routes.router)
    return system


@pytest.fixture
def audit_ok(audit, node_ok):
    """``audit`` that restores the node after tests that take it down."""
    return audit
