"""A stand-in AWS client for the pinned unit tests: answers each call from a table and records it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import botocore.exceptions


def client_error(code: str, message: str = "m", operation: str = "Op") -> botocore.exceptions.ClientError:
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": message}}, operation)


class FakeClient:
    """Answers each operation from `answers`: a value, an exception to raise, or a function of the parameters;
    `paginate_<operation>` holds a paginator's pages (or an exception). An operation without an answer returns {};
    a paginator without pages yields `default_pages`. Every call is recorded with its parameters."""

    def __init__(self, default_pages: list[dict[str, Any]] | None = None, **answers: Any) -> None:
        self.answers = answers
        self.default_pages = default_pages
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, operation: str) -> Callable[..., Any]:
        if operation.startswith("__"):
            raise AttributeError(operation)

        def call(**params: Any) -> Any:
            self.calls.append((operation, params))
            answer = self.answers.get(operation, {})
            if isinstance(answer, BaseException):
                raise answer
            return answer(**params) if callable(answer) else answer
        return call

    def get_paginator(self, operation: str) -> Any:
        key = f"paginate_{operation}"
        pages = self.answers[key] if self.default_pages is None else self.answers.get(key, self.default_pages)

        def paginate(**params: Any) -> Iterator[dict[str, Any]]:
            self.calls.append((key, params))
            if isinstance(pages, BaseException):
                raise pages
            yield from pages
        return SimpleNamespace(paginate=paginate)

    def named(self, operation: str) -> list[dict[str, Any]]:
        """The parameters of each call of `operation`, in order."""
        return [params for op, params in self.calls if op == operation]
