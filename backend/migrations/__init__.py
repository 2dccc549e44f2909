"""The node's database schema: every table of every package, migrated in one place.

Lives beside the packages that declare tables (core, chain, store, indexer) so that
``backend.core.db`` never imports them: the database layer knows no chain.

The schema is versioned with Alembic (revisions in ``versions/``); the
configuration is built here in code, so there is no ``alembic.ini``.
``init_db(engine)`` brings any database to the newest revision:

* at head already: one query on ``alembic_version``, nothing else;
* empty: runs every revision (SQLite and PostgreSQL alike);
* made by ``create_all`` before migrations existed (no ``alembic_version``, all
  of the baseline's tables present): stamped at the baseline, then upgraded;
  with only some of them present the baseline creates just the missing ones.

New revision: ``make migration m="add column x"`` (autogenerate against the
models; review the file it writes). See docs/development.md.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Any

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

import backend.chain.outbox
import backend.core.officers
import backend.core.tokens
import backend.federation.models
import backend.indexer.models
import backend.store.models
from backend.core.db import Base

__all__ = ["BASELINE", "BASELINE_TABLES", "alembic_config", "current_revision", "head_revision", "init_db"]

HERE = Path(__file__).resolve().parent

#: the modules that declare tables on ``Base`` (importing them registers the tables)
TABLE_MODULES = (
    backend.chain.outbox,  # outbox, outbox_uses, outbox_fetches
    backend.core.officers,  # officers
    backend.core.tokens,  # api_tokens
    backend.federation.models,  # peer_release_nonces, peer_releases, peer_uses
    backend.indexer.models,  # chain_events, indexer_cursor
    backend.store.models,  # documents, document_keys
)
target_metadata = Base.metadata

#: the first revision: the schema ``create_all`` made before migrations existed
BASELINE = "0001"
BASELINE_TABLES = frozenset(
    {
        "api_tokens",
        "chain_events",
        "document_keys",
        "documents",
        "indexer_cursor",
        "outbox",
        "outbox_fetches",
        "outbox_uses",
    }
)

# any constant: serialises concurrent upgrades of one PostgreSQL database
_PG_LOCK_KEY = 0x60C4A1B

_lock = threading.Lock()
_migrate_lock = threading.RLock()
_script: ScriptDirectory | None = None


def alembic_config(url: str | None = None) -> Config:
    """Alembic's configuration, in code (for ``alembic.command`` and env.py)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", str(HERE / "versions"))
    cfg.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    cfg.set_main_option("truncate_slug_length", "48")
    # new revision files are formatted like the rest of the code
    ruff = Path(sys.executable).with_name("ruff")
    if ruff.exists():
        cfg.set_section_option("post_write_hooks", "hooks", "ruff")
        cfg.set_section_option("post_write_hooks", "ruff.type", "exec")
        cfg.set_section_option("post_write_hooks", "ruff.executable", str(ruff))
        cfg.set_section_option("post_write_hooks", "ruff.options", "format REVISION_SCRIPT_FILENAME")
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _script_directory() -> ScriptDirectory:
    global _script
    with _lock:
        if _script is None:
            _script = ScriptDirectory.from_config(alembic_config())
        return _script


def head_revision() -> str:
    """The newest revision (the history is kept linear: one head)."""
    head = _script_directory().get_current_head()
    assert head is not None, "no migration revisions found"
    return head


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at (None: not under migrations yet)."""
    return MigrationContext.configure(connection).get_current_revision()


def run_migrations(connection: Connection, destination: str = "head") -> None:
    """Upgrade ``connection``'s database to ``destination`` (no env.py needed)."""
    script = _script_directory()

    def upgrade(rev: Any, _context: MigrationContext) -> Any:
        return script._upgrade_revs(destination, rev)

    with EnvironmentContext(alembic_config(), script, fn=upgrade, destination_rev=destination) as env:
        env.configure(connection=connection, target_metadata=target_metadata, **configure_options(connection))
        with env.begin_transaction():
            env.run_migrations()


def configure_options(connection: Connection) -> dict[str, Any]:
    """Options shared by init_db, env.py and autogenerate."""
    return {
        "compare_type": True,
        "compare_server_default": True,
        # SQLite cannot ALTER most things: batch mode recreates the table instead
        "render_as_batch": connection.dialect.name == "sqlite",
    }


def _stamp(connection: Connection, revision: str) -> None:
    MigrationContext.configure(connection).stamp(_script_directory(), revision)


def _lock_schema(conn: Connection) -> None:
    """Serialise schema changes between processes for this transaction."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
    elif conn.dialect.name == "sqlite":
        # pysqlite opens no transaction for DDL by itself: take the write lock now,
        # so that the whole upgrade is one transaction and a second process waits
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def init_db(engine: Engine) -> None:
    """Bring the database to the newest schema revision (fast when it is there)."""
    head = head_revision()
    with engine.connect() as conn:
        if current_revision(conn) == head:
            return
    # alembic's migration context is process-global: one upgrade at a time here,
    # and the database lock for other processes
    with _migrate_lock, engine.begin() as conn:
        _lock_schema(conn)
        current = current_revision(conn)
        if current == head:
            return
        if current is None:
            existing = set(inspect(conn).get_table_names())
            if existing >= BASELINE_TABLES:
                _stamp(conn, BASELINE)  # made by create_all: already the baseline schema
        run_migrations(conn)
