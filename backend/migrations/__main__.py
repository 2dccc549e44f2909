"""Schema migrations from the command line (no alembic.ini).

    python -m backend.migrations revision -m "add x to y"   # autogenerate the next revision
    python -m backend.migrations upgrade [--url URL]         # init_db: bring a database to head
    python -m backend.migrations current [--url URL]         # the revision a database is at
    python -m backend.migrations check                       # models == migrations? (exit 1 if not)

``revision`` and ``check`` compare the models with a scratch SQLite database
upgraded to head, so they need no running database. Without ``--url`` the
other commands use the node's settings (``DATABASE_URL``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from backend.core.config import Settings
from backend.core.db import make_engine
from backend.migrations import (
    alembic_config,
    configure_options,
    current_revision,
    head_revision,
    init_db,
    target_metadata,
)


def _next_rev_id() -> str:
    return f"{int(head_revision()) + 1:04d}"


def _diffs(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        init_db(engine)
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts=configure_options(conn))
            return list(compare_metadata(ctx, target_metadata))
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backend.migrations", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    rev = sub.add_parser("revision", help="autogenerate the next revision from the models")
    rev.add_argument("-m", "--message", required=True)
    rev.add_argument("--empty", action="store_true", help="an empty revision (data migrations)")
    for name in ("upgrade", "current"):
        sub.add_parser(name).add_argument("--url", default=None)
    sub.add_parser("check", help="exit 1 if the models differ from the migrations")
    args = parser.parse_args(argv)

    if args.cmd in ("upgrade", "current"):
        url = args.url or Settings().database_url
        engine = make_engine(url)
        try:
            if args.cmd == "upgrade":
                init_db(engine)
            with engine.connect() as conn:
                print(current_revision(conn) or "(none)")
        finally:
            engine.dispose()
        return 0

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'scratch.db'}"
        if args.cmd == "check":
            diffs = _diffs(url)
            for d in diffs:
                print(d)
            print("models and migrations agree" if not diffs else f"{len(diffs)} difference(s): add a migration")
            return 1 if diffs else 0
        engine = make_engine(url)
        try:
            init_db(engine)
            cfg = alembic_config(url)
            with engine.begin() as conn:
                cfg.attributes["connection"] = conn
                command.revision(cfg, message=args.message, autogenerate=not args.empty, rev_id=_next_rev_id())
        finally:
            engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
