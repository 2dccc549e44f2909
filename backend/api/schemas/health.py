"""Health: liveness, readiness, who the token acts for."""

from __future__ import annotations

from backend.api.schemas.common import Answer


class HealthzAnswer(Answer):
    status: str


class ReadyzAnswer(Answer):
    status: str
    block_number: int
    network: str


class MeAnswer(Answer):
    role: str
    address: str
    label: str | None = None
    token_id: int
