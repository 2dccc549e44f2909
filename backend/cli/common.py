"""What the ``govchain`` command groups share: the error console and settings that fail cleanly."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from backend.core.config import Settings, SettingsError, load_settings

err = Console(stderr=True, soft_wrap=True)  # an error line is never broken: scripts grep it

# A system client's scopes (repeatable): what its token may reach; see backend/core/scopes.py.
ScopeOption = Annotated[
    list[str] | None,
    typer.Option(
        "--scope",
        help="a client token's scope, repeatable: <area>:read, <area>:write, <area>:* or '*' "
        "(area = the API path's first segment: grants, releases, resources, ...); required without --officer",
    ),
]


def settings_or_exit() -> Settings:
    """Settings from the environment, or a clear one-line error and exit code 2."""
    try:
        return load_settings()
    except SettingsError as exc:
        err.print(f"[red]configuration error:[/red] {exc}")
        raise typer.Exit(2) from None
