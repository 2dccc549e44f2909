"""What several ``govchain`` command groups share."""

from __future__ import annotations

from pathlib import Path

from backend.core.config import Settings
from backend.core.db import make_engine, session_factory
from backend.core.tokens import TokenService
from backend.migrations import init_db


def token_service(settings: Settings) -> TokenService:
    """The token table of ``settings``' database (created or migrated first)."""
    if settings.database_url.startswith("sqlite:///"):
        Path(settings.database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    init_db(engine)
    return TokenService(session_factory(engine))
