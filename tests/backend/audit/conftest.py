"""Audit tests reuse the API tests' consortium (real anvil with interval mining, real
contracts, the real app over HTTP): the fixtures of tests/backend/api/conftest.py are
loaded here under another module name and re-exported.

``audit`` adds the /audit router to that app if create_app does not register it yet,
and ``sync(system)`` brings the event index up to the chain head (the tests index
explicitly, so that what they compare is deterministic).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

_API_CONFTEST = Path(__file__).resolve().parents[1] / "api" / "conftest.py"
_spec = importlib.util.spec_from_file_location("govchain_api_conftest_for_audit", _API_CONFTEST)
assert _spec and _spec.loader
_api = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _api
_spec.loader.exec_module(_api)

system = _api.system
node_ok = _api.node_ok

sys.path.insert(0, str(Path(__file__).parent))


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
