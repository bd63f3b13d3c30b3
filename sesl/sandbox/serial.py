"""One request at a time: moto's backends are plain dicts, not made for threads.

A parallel apply sends requests from several threads. moto answers each in the sending thread (in-process)
or in a thread per connection (the sandbox server), and its handlers iterate the backends' dicts in Python
(e.g. Athena ListNamedQueries walks every saved query), so a create in one thread can break a listing in
another with "RuntimeError: dictionary changed size during iteration". AWS has no such limit, so the
sandbox carries out one request at a time, as one server would: the lock is re-entrant, since a handler
may itself call another service in the same thread.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

LOCK = threading.RLock()
_installed: list[bool] = []


def serialised(method: F) -> F:
    @functools.wraps(method)
    def one_at_a_time(*args: Any, **kwargs: Any) -> Any:
        with LOCK:
            return method(*args, **kwargs)
    return one_at_a_time  # type: ignore[return-value]


def install() -> bool:
    """Serialise moto's request handling, in-process and in the server; True the first time."""
    if _installed:
        return False
    from moto.core.botocore_stubber import BotocoreStubber
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    BotocoreStubber.process_request = serialised(BotocoreStubber.process_request)  # type: ignore[method-assign]
    DomainDispatcherApplication.__call__ = serialised(DomainDispatcherApplication.__call__)  # type: ignore[method-assign]
    _installed.append(True)
    return True
