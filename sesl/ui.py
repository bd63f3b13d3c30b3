"""How library code tells the user what it is doing (retries, waits, long deletions).

The library never prints: it calls the current reporter, which the CLI sets to a rich console on
stderr. The default reporter is silent, so tests and library users see nothing unless they ask.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager


class Reporter:
    def info(self, message: str) -> None:
        """One line of progress (a retry, a wait)."""

    @contextmanager
    def progress(self, description: str, total: float | None = None) -> Iterator[Callable[[float], None]]:
        """A progress bar; yields a function that advances it by the given amount."""
        yield lambda _amount: None


_current: list[Reporter] = [Reporter()]


def reporter() -> Reporter:
    return _current[0]


def set_reporter(new: Reporter) -> None:
    _current[0] = new
