"""What the ``govchain`` command groups share: the error console and settings that fail cleanly."""

from __future__ import annotations

import typer
from rich.console import Console

from backend.core.config import Settings, SettingsError, load_settings

err = Console(stderr=True, soft_wrap=True)  # an error line is never broken: scripts grep it


def settings_or_exit() -> Settings:
    """Settings from the environment, or a clear one-line error and exit code 2."""
    try:
        return load_settings()
    except SettingsError as exc:
        err.print(f"[red]configuration error:[/red] {exc}")
        raise typer.Exit(2) from None
