"""Shared output helpers for CLI commands: JSON for scripts, one-line errors for people."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import typer

from sphere.errors import SphereError


def print_json(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str))


def fail(error: SphereError | str, *, code: int = 2) -> NoReturn:
    """Print a one-line error on stderr and exit; never a traceback for user mistakes."""
    message = str(error).splitlines()[0] if str(error) else type(error).__name__
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def is_terminal() -> bool:
    return sys.stderr.isatty()
