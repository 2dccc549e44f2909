"""Health: liveness, readiness, who the token acts for."""

from __future__ import annotations

from pydantic import Field

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
    kind: str | None = Field(default=None, description="officer: bound to a person; client: a system client")
    officer: str | None = Field(default=None, description="who the chain records as acting (officer or client:<id>)")
    scopes: list[str] | None = Field(default=None, description="a system client's scopes (none for a person's token)")
