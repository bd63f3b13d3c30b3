"""The reporter the CLI installs: progress and retry notes on stderr with rich."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from sesl.ui import Reporter


class ConsoleReporter(Reporter):
    def __init__(self, console: Console) -> None:
        self.console = console

    def info(self, message: str) -> None:
        self.console.print(f"[dim]  … {escape(message)}[/dim]")

    @contextmanager
    def progress(self, description: str, total: float | None = None) -> Iterator[Callable[[float], None]]:
        # Without a known total there is no "n/total" to show: just the spinner-like bar and the time.
        count = (TextColumn("{task.completed:.0f}/{task.total:.0f}"),) if total is not None else ()
        columns = (TextColumn("  {task.description}"), BarColumn(), *count, TimeElapsedColumn())
        if not self.console.is_terminal:  # no bar in logs and pipes; just the closing line
            began = time.monotonic()
            yield lambda _amount: None
            if time.monotonic() - began >= 1:
                self.console.print(f"[dim]  … {escape(description)}: done in {time.monotonic() - began:.0f} s[/dim]")
            return
        began = time.monotonic()
        with Progress(*columns, console=self.console, transient=True) as bar:
            task = bar.add_task(description, total=total)
            yield lambda amount: bar.advance(task, amount)
        seconds = time.monotonic() - began
        if seconds >= 1:  # an instant step needs no line of its own
            self.console.print(f"[dim]  … {escape(description)}: done in {seconds:.0f} s[/dim]")
