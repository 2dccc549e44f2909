"""The API tests' consortium (real anvil with --block-time 0.2, real contracts, the
real app through TestClient), instantiated once more for the batching tests
(tests/backend/api_world.py)."""

from api_world import SECRET, system

__all__ = ["SECRET", "system"]
