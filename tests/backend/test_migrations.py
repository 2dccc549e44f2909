"""Schema migrations: a fresh database upgraded to head is exactly the models'
schema, upgrading again changes nothing, and databases made by ``create_all``
before migrations existed are adopted (stamped, or completed when partial).
On SQLite, and on a throw-away PostgreSQL server (Debian's; unix socket only,
installed by tools/setup_postgres.sh when missing; never skipped).

A failure of ``test_fresh_database_matches_the_models`` after a model change
means the change needs a migration: ``make migration m="..."``.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, inspect, text

from backend.chain.outbox import OutboxTx
from backend.core.db import Base, make_engine
from backend.migrations import (
    BASELINE,
    BASELINE_TABLES,
    alembic_config,
    configure_options,
    current_revision,
    head_revision,
    init_db,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    eng = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    yield eng
    eng.dispose()


def _diffs(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts=configure_options(conn))
        return list(compare_metadata(ctx, Base.metadata))


def _schema(engine: Engine) -> dict[str, set[str]]:
    insp = inspect(engine)
    return {
        t: {i["name"] for i in insp.get_indexes(t) if not i.get("duplicates_constraint")}  # PG: unique constraints
        for t in insp.get_table_names()
        if t != "alembic_version"
    }


def _revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return current_revision(conn)


def test_fresh_database_matches_the_models(engine: Engine) -> None:
    init_db(engine)
    assert _revision(engine) == head_revision()
    assert _diffs(engine) == []
    expected = {t.name: {i.name for i in t.indexes} for t in Base.metadata.sorted_tables}
    assert _schema(engine) == expected


def test_upgrading_twice_is_a_no_op(engine: Engine) -> None:
    init_db(engine)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    init_db(engine)
    assert _revision(engine) == head_revision()
    writes = [s for s in statements if not re.match(r"\s*(SELECT|PRAGMA)\b", s, re.I)]
    assert writes == []
    assert _diffs(engine) == []


def _baseline_tables() -> list:
    """The tables ``create_all`` made before migrations existed (later revisions add others)."""
    return [t for t in Base.metadata.sorted_tables if t.name in BASELINE_TABLES]


def test_database_made_by_create_all_is_stamped(engine: Engine) -> None:
    Base.metadata.create_all(engine, tables=_baseline_tables())  # how databases were made before migrations
    assert _revision(engine) is None
    init_db(engine)
    assert _revision(engine) == head_revision()
    assert _diffs(engine) == []


def test_partial_pre_migration_database_is_completed(engine: Engine) -> None:
    Base.metadata.create_all(engine, tables=[OutboxTx.__table__])  # as the chain test kit does
    init_db(engine)
    assert _revision(engine) == head_revision()
    assert _diffs(engine) == []


def test_baseline_is_the_pre_migration_schema() -> None:
    assert {t.name for t in Base.metadata.sorted_tables} >= BASELINE_TABLES
    script = ScriptDirectory.from_config(alembic_config())
    assert script.get_base() == BASELINE


def test_history_is_linear_and_numbered() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1, "more than one head: renumber the newer revision onto the other"
    revs = list(reversed(list(script.walk_revisions())))
    assert [r.revision for r in revs] == [f"{n:04d}" for n in range(1, len(revs) + 1)]
    for prev, rev in itertools.pairwise(revs):
        assert rev.down_revision == prev.revision


def test_concurrent_upgrades_of_one_database(tmp_path: Path) -> None:
    """API, indexer and CLI may start together: threads and processes, one schema."""
    url = f"sqlite:///{tmp_path / 'race.db'}"
    code = f"from backend.core.db import make_engine; from backend.migrations import init_db; init_db(make_engine({url!r}))"
    procs = [subprocess.Popen([sys.executable, "-c", code], cwd=ROOT) for _ in range(2)]
    eng = make_engine(url)
    errors: list[BaseException] = []

    def upgrade() -> None:
        try:
            init_db(eng)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=upgrade) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    assert errors == []
    assert _revision(eng) == head_revision()
    assert _diffs(eng) == []
    eng.dispose()


# -- PostgreSQL -----------------------------------------------------------------------


def _pg(argv: list[str], cwd: Path) -> None:
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        argv = ["runuser", "-u", "postgres", "--", *argv]
    out = cwd / "cmd.out"
    with open(out, "w") as fh:  # a file, not a pipe: the forked postmaster must not hold it
        r = subprocess.run(argv, cwd=cwd, stdout=fh, stderr=subprocess.STDOUT, timeout=120, check=False)
    assert r.returncode == 0, f"{argv} failed:\n{out.read_text()[-2000:]}"


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    """A superuser URL on a throw-away PostgreSQL server listening on a unix socket only."""
    bindirs = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not bindirs or shutil.which("pg_ctlcluster") is None:
        subprocess.run(["bash", str(ROOT / "tools" / "setup_postgres.sh")], cwd=ROOT, check=True, timeout=600)
        bindirs = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    bindir = bindirs[-1].parent
    tmp = Path(tempfile.mkdtemp(prefix="govchain-pg-mig-"))
    if os.geteuid() == 0:
        shutil.chown(tmp, "postgres", "postgres")
    tmp.chmod(0o700)
    data = tmp / "data"
    _pg([str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "--no-locale", "--no-sync"], tmp)
    opts = f"-c listen_addresses='' -c unix_socket_directories={tmp} -c fsync=off"
    _pg([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(tmp / "log"), "-w", "-o", opts, "start"], tmp)
    try:
        yield f"postgresql+psycopg2://postgres@/postgres?host={tmp}"
    finally:
        _pg([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"], tmp)
        shutil.rmtree(tmp, ignore_errors=True)


_pg_dbs = itertools.count()


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    name = f"mig_{next(_pg_dbs)}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    eng = make_engine(pg_url.replace("/postgres?", f"/{name}?"))
    yield eng
    eng.dispose()
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_postgresql_fresh_twice_and_matching(pg_engine: Engine) -> None:
    init_db(pg_engine)
    init_db(pg_engine)
    assert _revision(pg_engine) == head_revision()
    assert _diffs(pg_engine) == []
    expected = {t.name: {i.name for i in t.indexes} for t in Base.metadata.sorted_tables}
    assert _schema(pg_engine) == expected


def test_postgresql_create_all_database_is_stamped(pg_engine: Engine) -> None:
    Base.metadata.create_all(pg_engine, tables=_baseline_tables())
    init_db(pg_engine)
    assert _revision(pg_engine) == head_revision()
    assert _diffs(pg_engine) == []


def test_postgresql_concurrent_upgrades(pg_engine: Engine) -> None:
    errors: list[BaseException] = []

    def upgrade() -> None:
        try:
            init_db(pg_engine)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=upgrade) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert _diffs(pg_engine) == []
