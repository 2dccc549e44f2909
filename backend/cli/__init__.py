"""The ``govchain`` operator CLI (typer)."""

from backend.cli.main import app

__all__ = ["app"]
