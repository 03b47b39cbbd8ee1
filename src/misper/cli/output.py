"""Console output shared by the commands: one console, one way to fail with a clear message."""

from typing import NoReturn

import typer
from rich.console import Console

console = Console(stderr=False, highlight=False, soft_wrap=True)  # paths and messages unbroken
errors = Console(stderr=True, highlight=False)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print `message` as the error (no traceback: it may carry a person's data) and exit."""
    errors.print(f"[red]error:[/] {message}", markup=True, soft_wrap=True)
    raise typer.Exit(code)
