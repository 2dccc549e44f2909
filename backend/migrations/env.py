"""Alembic environment for the CLI path (``python -m backend.migrations ...``).

``init_db`` does not run this file: it calls ``run_migrations`` directly. The
database comes from ``config.attributes["connection"]``, else the config's
``sqlalchemy.url``, else the node's settings (``DATABASE_URL``).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from backend.core.config import Settings
from backend.core.db import make_engine
from backend.migrations import configure_options, target_metadata

config = context.config


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or Settings().database_url


def _online(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, **configure_options(connection))
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    given = config.attributes.get("connection")
    if given is not None:
        _online(given)
    else:
        engine = make_engine(_url())
        try:
            with engine.begin() as conn:
                _online(conn)
        finally:
            engine.dispose()
