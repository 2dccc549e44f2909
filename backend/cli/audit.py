"""``govchain audit …`` — the auditor's views from the operator's shell.

Runs in-process on the backend's own database and deployment (same settings as
``govchain serve``), with auditor rights: the operator already holds the
database. Before reading, the event index is brought up to the chain head
(rich progress); if the node is down the index is read as it stands, with a
warning saying up to which block.

    govchain audit trail --resource-id 3 --from 2025-01-01 --format csv --out r3.csv
    govchain audit integrity 3                       # report only
    govchain audit integrity 3 --file-as 0xAUDITOR   # mismatches filed, signed by that auditor
    govchain audit incidents --status Open
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

audit_app = typer.Typer(help="Auditor views: trail, integrity checks, incidents.", no_args_is_help=True)
console = Console()
err = Console(stderr=True)

OPERATOR = "0x" + "00" * 20  # the CLI acts as an auditor; its address is never used for scoping
TABLE_DEFAULT_ROWS = 50


@contextmanager
def _context() -> Iterator:
    from backend.composition import AppContext
    from backend.core.config import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as exc:
        err.print(f"[red]configuration error:[/red] {exc}")
        raise typer.Exit(2) from None
    try:
        ctx = AppContext.from_settings(settings)
    except Exception as exc:  # manifest missing, bad database URL …
        err.print(f"[red]cannot open the backend:[/red] {exc}")
        raise typer.Exit(2) from None
    try:
        yield ctx
    finally:
        ctx.close()


def _auditor():
    from backend.services.common import Actor

    return Actor(role="auditor", address=OPERATOR)


def _service(ctx):
    from backend.services.audit import audit_service

    return audit_service(ctx)


def sync_index(ctx, *, quiet: bool = False) -> int | None:
    """Bring the index to the chain head with a progress bar; returns the indexed block
    (the stale one, with a warning, when the node cannot be reached)."""
    from backend.indexer.runtime import make_indexer

    indexer = make_indexer(ctx)
    try:
        with Progress(
            TextColumn("[bold]indexing"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rows]} events"),
            TimeElapsedColumn(),
            console=err,
            transient=True,
            disable=quiet,
        ) as progress:
            task = progress.add_task("index", total=None, rows=0)

            def cb(block: int, target: int, rows: int) -> None:
                start = ctx.manifest.deploy_block
                progress.update(task, total=max(target - start + 1, 1), completed=block - start + 1, rows=rows)

            indexer.sync(progress=cb)
    except Exception as exc:  # node down: read what is indexed
        cur = indexer.cursor()
        err.print(
            f"[yellow]chain node unreachable ({type(exc).__name__}); showing the index as of block "
            f"{cur.block_number if cur else 'none'}[/yellow]"
        )
        return cur.block_number if cur else None
    cur = indexer.cursor()
    return cur.block_number if cur else None


def _fail(exc: Exception) -> None:
    from backend.chain import ChainUnavailable, ContractRevert
    from backend.services.errors import ServiceError

    if isinstance(exc, ServiceError):
        err.print(f"[red]{exc.name}[/red] {exc.args_dict}")
        raise typer.Exit(2) from None
    if isinstance(exc, ContractRevert):
        err.print(f"[red]{exc.name}[/red] {exc.to_dict().get('args')}")
        raise typer.Exit(2) from None
    if isinstance(exc, ChainUnavailable):
        err.print("[red]chain node unreachable[/red]")
        raise typer.Exit(3) from None
    raise exc


def _short(v: object, n: int = 10) -> str:
    s = "" if v is None else str(v)
    return s if len(s) <= n + 4 else s[: n + 2] + "…"


@audit_app.command()
def trail(
    resource_id: Annotated[int | None, typer.Option(help="data resource id")] = None,
    grant_id: Annotated[int | None, typer.Option(help="usage grant id")] = None,
    department: Annotated[str | None, typer.Option(help="department address")] = None,
    officer_hash: Annotated[str | None, typer.Option(help="officer hash (0x + 64 hex)")] = None,
    subject: Annotated[str | None, typer.Option(help="data-subject hash (0x + 64 hex)")] = None,
    event: Annotated[str | None, typer.Option(help="event name, e.g. UseRecorded")] = None,
    from_: Annotated[str | None, typer.Option("--from", help="unix seconds or ISO-8601 (inclusive)")] = None,
    to: Annotated[str | None, typer.Option("--to", help="unix seconds or ISO-8601 (inclusive)")] = None,
    limit: Annotated[int | None, typer.Option(help="at most this many rows (table default 50; exports: all)")] = None,
    offset: Annotated[int, typer.Option(help="skip this many rows")] = 0,
    format: Annotated[str, typer.Option("--format", help="table, csv or json")] = "table",
    out: Annotated[Path | None, typer.Option(help="write the csv/json export to this file instead of stdout")] = None,
    sync: Annotated[bool, typer.Option(help="bring the index up to the chain head first")] = True,
) -> None:
    """The on-chain trail in chain order, filtered (rich table, or a CSV/JSON export)."""
    from backend.services.audit import TrailFilter

    if format not in ("table", "csv", "json"):
        err.print("[red]--format must be table, csv or json[/red]")
        raise typer.Exit(2)
    with _context() as ctx:
        if sync:
            sync_index(ctx)
        svc = _service(ctx)
        try:
            f = TrailFilter.parse(
                resource_id=resource_id,
                grant_id=grant_id,
                department=department,
                officer_hash=officer_hash,
                subject=subject,
                event=event,
                from_time=from_,
                to_time=to,
            )
            if format == "table":
                page = svc.trail(_auditor(), f, limit=min(limit or TABLE_DEFAULT_ROWS, 1000), offset=offset)
                _trail_table(page)
                return
            chunks = svc.export(_auditor(), f, format, limit=limit, offset=offset)
            if out is not None:
                n = 0
                with open(out, "w", encoding="utf-8", newline="") as fh:
                    for chunk in chunks:
                        fh.write(chunk)
                        n += 1
                err.print(f"wrote {out}")
            else:
                for chunk in chunks:
                    sys.stdout.write(chunk)
                if format == "json":
                    sys.stdout.write("\n")
                sys.stdout.flush()
        except Exception as exc:
            _fail(exc)


def _trail_table(page: dict) -> None:
    table = Table(title=f"trail: {page['total']} events (indexed to block {page['indexed_to_block']})")
    for col in ("block", "time", "contract", "event", "resource", "grant", "department", "tx", "args"):
        table.add_column(col, overflow="fold")
    for r in page["items"]:
        args = json.dumps(r["args"], ensure_ascii=False, separators=(",", ":"))
        table.add_row(
            str(r["block_number"]),
            r["time"] or "",
            r["contract"],
            r["event"],
            r["resource_id"] or "",
            r["grant_id"] or "",
            _short(r["department"]),
            _short(r["tx_hash"]),
            args if len(args) < 160 else args[:157] + "…",
        )
    console.print(table)
    shown = len(page["items"])
    if page["offset"] + shown < page["total"]:
        console.print(f"rows {page['offset'] + 1}–{page['offset'] + shown} of {page['total']}; use --offset/--limit")


@audit_app.command()
def integrity(
    resource_id: Annotated[int, typer.Argument(help="data resource id")],
    file_as: Annotated[
        str | None,
        typer.Option(
            "--file-as",
            help="an auditor's address (its key in the backend's keystore): file a TAMPER incident "
            "per mismatch signed by that auditor; without it the check only reports",
        ),
    ] = None,
) -> None:
    """Check every version of a resource against its on-chain hash (report only, unless --file-as
    names the auditor who files a TAMPER incident per mismatch). Exit code 1 when any version fails."""
    with _context() as ctx:
        try:
            from backend.services.audit import parse_address
            from backend.services.common import Actor
            from backend.services.errors import InvalidInput

            who = _auditor()
            if file_as is not None:
                file_as = parse_address(file_as, "file_as")
                if not file_as or not _service(ctx).ops.contracts.consortium.is_auditor(file_as):
                    raise InvalidInput("--file-as must be an auditor's address", field="file_as")
                who = Actor(role="auditor", address=file_as)
            with console.status(f"checking resource {resource_id}…"):
                rep = _service(ctx).integrity(who, resource_id, file_incidents=file_as is not None)
        except Exception as exc:
            _fail(exc)
            return
        colour = "green" if rep["result"] == "pass" else "red"
        table = Table(
            title=f"resource {resource_id} (owner {rep['owner']}): [{colour}]{rep['result'].upper()}[/{colour}]"
        )
        for col in ("version", "result", "on-chain hash", "reason", "incident"):
            table.add_column(col, overflow="fold")
        for v in rep["versions"]:
            inc = v["incident"]
            inc_txt = ""
            if inc:
                inc_txt = f"#{inc.get('incident_id')} ({inc['status']})" if inc.get("incident_id") else inc["status"]
            c = "green" if v["result"] == "pass" else "red"
            table.add_row(str(v["version"]), f"[{c}]{v['result']}[/{c}]", v["onchain_hash"], v["reason"], inc_txt)
        console.print(table)
        if rep["result"] != "pass":
            raise typer.Exit(1)


@audit_app.command()
def incidents(
    status: Annotated[str | None, typer.Option(help="Open, Responded, Escalated, Upheld or Dismissed")] = None,
    incident_type: Annotated[
        str | None, typer.Option("--type", help="DATA_ERROR, UNAUTHORIZED_USE, LEAK, TAMPER")
    ] = None,
    responsible: Annotated[str | None, typer.Option(help="responsible department address")] = None,
    limit: Annotated[int, typer.Option(help="at most this many (newest first)")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
    sync: Annotated[bool, typer.Option(help="bring the index up to the chain head first")] = True,
) -> None:
    """All incidents with their status, type and responsible department."""
    with _context() as ctx:
        if sync:
            sync_index(ctx)
        try:
            page = _service(ctx).incidents(
                _auditor(), status=status, incident_type=incident_type, responsible=responsible, limit=limit
            )
        except Exception as exc:
            _fail(exc)
            return
        if as_json:
            sys.stdout.write(json.dumps(page, ensure_ascii=False) + "\n")
            return
        table = Table(title=f"incidents: {page['total']} (indexed to block {page['indexed_to_block']})")
        for col in ("id", "type", "subject", "status", "responsible", "reporter", "filed"):
            table.add_column(col, overflow="fold")
        from backend.services.audit import iso

        for i in page["items"]:
            subject = f"{i['subject_kind']} {i['subject_id']}" + (f"/{i['use_index']}" if i["use_index"] else "")
            table.add_row(
                str(i["incident_id"]),
                i["incident_type"],
                subject,
                i["status"],
                i["responsible"],
                i["reporter"],
                iso(i["filed_at"]) or "",
            )
        console.print(table)


__all__ = ["audit_app", "sync_index"]
