"""The sandbox answers the way AWS answers, not the way moto echoes.

moto gives back what it was sent. AWS normalises values and fills in members nobody set: Glue returns
a crawler's role as a name, Firehose adds defaults to every destination, CloudWatch leaves out empty
lists, Budgets re-formats amounts. A diff written against moto's echo settles in the sandbox and never
on a real account. Each module here reshapes moto's answer to one or more operations into what AWS
returns, one small function per operation, each naming its source next to the code.

How it works: the hook parses moto's response body with botocore's own parser for the protocol moto
answered in (so a shaping function sees exactly the dict a boto3 client would return), lets the shaping
function rewrite that dict, and serialises the result back with moto's serializer. It runs server side
(in moto's response classes), so every client sees it: boto3, the AWS CLI, the tests and the demo.

On by default; `SESL_SANDBOX_SHAPES=0` (or `sesl sandbox --moto-echo`) turns it off, read at each call.
docs/sandbox.md lists every shaping with its source (generated from this registry).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

Response = dict[str, Any]
ShapeFn = Callable[[Response, Response], Response]  # (boto3-shaped response, request parameters) -> response

ENV_SWITCH = "SESL_SANDBOX_SHAPES"


@dataclass(frozen=True)
class Shaping:
    service: str    # botocore service name, e.g. "glue"
    operation: str  # API operation name, e.g. "GetCrawler"
    what: str       # one line: how AWS's answer differs from moto's echo
    source: str     # where that is established: API reference page, provider code, published live read
    fn: ShapeFn


SHAPINGS: dict[tuple[str, str], list[Shaping]] = {}

SHAPE_MODULES: tuple[str, ...] = tuple(f"sesl.sandbox.shapes.{name}" for name in (
    "athena", "budgets", "cloudtrail", "cloudwatch", "ec2", "firehose", "glue", "iam", "logs", "s3", "sesv2", "sns",
))


def shaping(service: str, operation: str, what: str, source: str) -> Callable[[ShapeFn], ShapeFn]:
    """Register `fn` as one reshaping of `service`'s `operation` answer."""

    def register(fn: ShapeFn) -> ShapeFn:
        SHAPINGS.setdefault((service, operation), []).append(Shaping(service, operation, what, source, fn))
        return fn

    return register


def enabled() -> bool:
    return os.environ.get(ENV_SWITCH, "1").strip().lower() not in ("0", "false", "no", "off")


@contextmanager
def disabled() -> Iterator[None]:
    """moto's plain echo for the duration of the block (tests that need it)."""
    saved = os.environ.get(ENV_SWITCH)
    os.environ[ENV_SWITCH] = "0"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(ENV_SWITCH, None)
        else:
            os.environ[ENV_SWITCH] = saved


def shape(service: str, operation: str, response: Response, request: Response) -> Response:
    """Apply every registered shaping of one operation to a boto3-shaped response (pure; for tests too)."""
    for entry in SHAPINGS.get((service, operation), []):
        response = entry.fn(response, request)
    return response


def all_shapings() -> list[Shaping]:
    _load()
    return [s for key in sorted(SHAPINGS) for s in SHAPINGS[key]]


_loaded: list[bool] = []


def _load() -> None:
    if not _loaded:
        for name in SHAPE_MODULES:
            importlib.import_module(name)
        _loaded.append(True)


def install() -> None:
    """Hook moto's response classes (idempotent). Must run before a moto server builds its URL map.

    A shaping module may also define `install()` for what a reshaped answer cannot express (e.g. a
    default AWS applies to every new resource); it is called once here.
    """
    _load()
    from sesl.sandbox.shapes import hook

    if hook.install():
        for name in SHAPE_MODULES:
            extra = getattr(importlib.import_module(name), "install", None)
            if extra is not None:
                extra()
