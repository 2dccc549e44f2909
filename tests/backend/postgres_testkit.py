"""A throw-away PostgreSQL server for the backend tests (one per session, i.e. one per
xdist worker), and a fresh database per test on it.

initdb + pg_ctl in a temp dir (as the ``postgres`` user when running as root),
listening on 127.0.0.1:<free port> and a unix socket in that dir, fsync off; it is
stopped and removed at teardown. tools/setup_postgres.sh installs the server
(Debian's) and the driver when either is missing. Nothing here skips: a server
that cannot be had fails with the reason.

The fixtures (``pg_server``, ``pg_database_url``) are registered by
tests/backend/conftest.py.

(Named uniquely: pytest puts test folders on sys.path.)
"""

from __future__ import annotations

import importlib
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

ROOT = Path(__file__).resolve().parents[2]
SETUP = ROOT / "tools" / "setup_postgres.sh"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- the throw-away server ------------------------------------------------------


def _pg_bindir() -> Path | None:
    dirs = sorted(
        (d for d in Path("/usr/lib/postgresql").glob("*/bin") if (d / "initdb").exists() and (d / "pg_ctl").exists()),
        key=lambda d: int(d.parent.name) if d.parent.name.isdigit() else 0,
    )
    return dirs[-1] if dirs else None


def _driver_ok() -> bool:
    importlib.invalidate_caches()
    try:
        import psycopg2  # noqa: F401
    except ImportError:
        return False
    return True


def _ensure_installed() -> Path:
    if _pg_bindir() is None or shutil.which("pg_ctlcluster") is None or not _driver_ok():
        r = subprocess.run(["bash", str(SETUP)], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
        if r.returncode != 0:
            pytest.fail(f"{SETUP} failed (exit {r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    bindir = _pg_bindir()
    if bindir is None:
        pytest.fail("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin after tools/setup_postgres.sh")
    if not _driver_ok():
        pytest.fail("psycopg2 still not importable after tools/setup_postgres.sh")
    return bindir


def _as_pg_user(argv: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: drop to the ``postgres`` user when root."""
    if os.geteuid() != 0:
        return argv
    if shutil.which("runuser"):
        return ["runuser", "-u", "postgres", "--", *argv]
    return ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(f"'{a}'" for a in argv)]


def _run(argv: list[str], tmp: Path, what: str, log: Path | None = None) -> None:
    # Output goes to a file, not a pipe: the postmaster that pg_ctl forks must not hold our pipe open.
    out = tmp / f"{what}.out"
    with open(out, "w") as fh:
        r = subprocess.run(_as_pg_user(argv), cwd=tmp, stdout=fh, stderr=subprocess.STDOUT, timeout=120, check=False)
    if r.returncode != 0:
        detail = out.read_text()[-3000:]
        if log is not None and log.exists():
            detail += "\n--- server log ---\n" + log.read_text()[-3000:]
        raise RuntimeError(f"{what} failed (exit {r.returncode}): {' '.join(argv)}\n{detail}")


def pg_server_process() -> Iterator[str]:
    """URL of a superuser connection to a fresh PostgreSQL server (database ``postgres``)."""
    bindir = _ensure_installed()
    tmp = Path(tempfile.mkdtemp(prefix="govchain-pg-"))
    data, log = tmp / "data", tmp / "server.log"
    started = False
    try:
        if os.geteuid() == 0:
            shutil.chown(tmp, "postgres", "postgres")
        os.chmod(tmp, 0o700)
        _run(
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",
            ],
            tmp,
            "initdb",
        )
        for attempt in range(3):  # another process may take the free port before the server binds it
            port = free_port()
            opts = (
                f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={tmp} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50"
            )
            try:
                _run(
                    [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o", opts, "start"],
                    tmp,
                    "pg_ctl-start",
                    log,
                )
                started = True
                break
            except RuntimeError:
                if attempt == 2:
                    raise
        url = f"postgresql+psycopg2://postgres@127.0.0.1:{port}/postgres"
        engine = create_engine(url)
        with engine.connect() as c:
            version = c.scalar(text("show server_version"))
        engine.dispose()
        print(f"PostgreSQL {version} on 127.0.0.1:{port}, data in {data}")
    except (RuntimeError, OSError, subprocess.SubprocessError, SQLAlchemyError) as exc:
        _stop(bindir, data, tmp, started)
        pytest.fail(f"could not start a throw-away PostgreSQL server: {exc}")
    try:
        yield url
    finally:
        _stop(bindir, data, tmp, started)


def _stop(bindir: Path, data: Path, tmp: Path, started: bool) -> None:
    if started:
        subprocess.run(
            _as_pg_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
            cwd=tmp,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=60,
            check=False,
        )
    shutil.rmtree(tmp, ignore_errors=True)


_db_names = itertools.count()


def create_database(server_url: str) -> str:
    """A new empty database on the server; its URL."""
    name = f"govchain_{os.getpid()}_{next(_db_names)}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return server_url.rsplit("/", 1)[0] + "/" + name


def drop_database(server_url: str, url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def database_url(request: pytest.FixtureRequest, sqlite_path: Path) -> str:
    """For fixtures parametrized with ``params=DATABASES``: the SQLite file or a fresh
    PostgreSQL database (the server is started only for the PostgreSQL variant)."""
    if request.param == "postgresql":
        return request.getfixturevalue("pg_database_url")
    return f"sqlite:///{sqlite_path}"


DATABASES = ["sqlite", "postgresql"]
