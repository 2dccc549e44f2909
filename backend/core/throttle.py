"""Throttling of failed sign-ins and token checks (``limits``: moving window, in memory per process).

Only failures count: an officer who signs in at the first attempt is never slowed down. Once a
key (a username, a client address) has used its window, every attempt under that key is refused
— the right password or token too — until the window moves on, so guessing cannot go on by
telling a 401 from a 429.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from backend.core.config import Settings


@dataclass(frozen=True)
class ThrottleLimits:
    signin_per_user: str = "5/15 minutes"  # failed officer sign-ins per (username, client address)
    signin_per_ip: str = "30/15 minutes"  # failed officer sign-ins per client address
    # wrong second factors after the right password, per account from anywhere (the password is known)
    signin_per_account: str = "10/hour"
    token_per_ip: str = "120/minute"  # noqa: S105  (a rate, not a secret); failed bearer-token checks per client address

    @classmethod
    def from_settings(cls, settings: Settings) -> ThrottleLimits:
        return cls(
            signin_per_user=settings.throttle_signin_per_user,
            signin_per_ip=settings.throttle_signin_per_ip,
            signin_per_account=settings.throttle_signin_per_account,
            token_per_ip=settings.throttle_token_per_ip,
        )


class Throttle:
    def __init__(self, limits: ThrottleLimits | None = None) -> None:
        self.limits = limits or ThrottleLimits()
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._items = {
            "signin-user": parse(self.limits.signin_per_user),
            "signin-ip": parse(self.limits.signin_per_ip),
            "signin-account": parse(self.limits.signin_per_account),
            "token-ip": parse(self.limits.token_per_ip),
        }

    def blocked(self, *keys: tuple[str, str]) -> int | None:
        """Seconds to wait (>= 1) when any ``(kind, value)`` key has used its window, else None."""
        wait = 0
        for kind, value in keys:
            item = self._items[kind]
            if not self._limiter.test(item, kind, value):
                reset_at = self._limiter.get_window_stats(item, kind, value).reset_time
                wait = max(wait, math.ceil(reset_at - time.time()), 1)
        return wait or None

    def failed(self, *keys: tuple[str, str]) -> None:
        """Count one failure under each key."""
        for kind, value in keys:
            self._limiter.hit(self._items[kind], kind, value)
