"""The API tests share one session world (tests/backend/api_world.py)."""

from api_world import node_ok, system

__all__ = ["node_ok", "system"]
