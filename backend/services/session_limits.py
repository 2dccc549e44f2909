"""Rate limits of assisted citizen sessions: per desk department and per officer.

A moving window (the `limits` library, in memory: one node process serves one department),
so a desk cannot burst twice its limit across a window boundary. Both limits are checked
before either is counted: a refused request uses up nothing.
"""

from __future__ import annotations

import math
import threading
import time

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from backend.services.errors import InvalidInput, TooManyRequests

DEFAULT_PER_OFFICER = "30/hour"
DEFAULT_PER_DESK = "300/hour"
NAMESPACE = "assisted-session"


def _item(spec: str, name: str) -> RateLimitItem:
    try:
        return parse(spec)
    except ValueError:
        raise InvalidInput(f"{name} is not a rate limit such as '30/hour': {spec!r}", field=name) from None


class SessionLimits:
    def __init__(self, per_officer: str = DEFAULT_PER_OFFICER, per_desk: str = DEFAULT_PER_DESK) -> None:
        self.per_officer = _item(per_officer, "assisted_sessions_per_officer")
        self.per_desk = _item(per_desk, "assisted_sessions_per_desk")
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._lock = threading.Lock()  # test-then-hit of two limits as one step

    def take(self, desk: str, officer_hash: str) -> None:
        """Counts one session for ``desk`` and its officer, or raises TooManyRequests (429)."""
        checks = (
            ("desk", self.per_desk, (NAMESPACE, "desk", desk.lower())),
            ("officer", self.per_officer, (NAMESPACE, "officer", officer_hash.lower())),
        )
        with self._lock:
            for scope, item, ids in checks:
                if not self._limiter.test(item, *ids):
                    reset_at, _ = self._limiter.get_window_stats(item, *ids)
                    raise TooManyRequests(
                        f"too many assisted sessions for this {scope}; try again later",
                        retry_after_s=max(1, math.ceil(reset_at - time.time())),
                        limit=str(item),
                        scope=scope,
                    )
            for _, item, ids in checks:
                self._limiter.hit(item, *ids)
