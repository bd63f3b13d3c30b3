"""Faults in the sandbox: a share of requests answered with the throttling or 5xx error AWS sends.

`SESL_SANDBOX_FAULTS=0.2` (or `sesl sandbox --faults 0.2`) answers about one request in five with an
error instead of carrying it out, as a throttled call on AWS has no effect: half of them the service's
throttling error, half its 5xx. `SESL_SANDBOX_FAULTS_SEED` makes the sequence repeatable.
`SESL_SANDBOX_FAULTS_LOST` (off by default) is a second, separate mode: that share of *mutating* requests
is carried out by moto and then answered with a 5xx, as when AWS did the write and the answer was lost.
A client that retries such a create makes it twice unless the API is idempotent (Athena CreateNamedQuery
makes a new id per call), which is the case a kind must survive. All read at each request.

Every code below is one botocore's standard retry mode retries (sesl's mode, sesl/context.py):
botocore/retries/standard.py ThrottledRetryableChecker._THROTTLED_ERROR_CODES ("Throttling",
"ThrottlingException", "TooManyRequestsException", "SlowDown", ...) and TransientRetryableChecker
._TRANSIENT_STATUS_CODES (500, 502, 503, 504); the same codes are in botocore/data/_retry.json.

Every request moto maps to a botocore operation can be faulted, STS GetCallerIdentity included (AWS
throttles STS too, and botocore retries it like any call); the sandbox's own /moto-api routes are not AWS
operations and are never faulted.
"""

from __future__ import annotations

import os
import random
import threading
import warnings
from collections import Counter
from dataclasses import dataclass
from typing import Any

from werkzeug.exceptions import HTTPException

ENV_RATE = "SESL_SANDBOX_FAULTS"
ENV_SEED = "SESL_SANDBOX_FAULTS_SEED"
ENV_LOST = "SESL_SANDBOX_FAULTS_LOST"

_DECIDED = "_sesl_fault"
_installed: list[bool] = []


@dataclass(frozen=True)
class Fault:
    code: str
    status: int
    message: str


# Throttling, by protocol and service. Sources: each service's API reference "Common Errors"
# (ThrottlingException 400), IAM/SNS/STS query errors (Throttling 400), S3 error responses (SlowDown 503),
# SESv2 API reference (TooManyRequestsException 429), AWS Budgets API reference (ThrottlingException).
_THROTTLE = {"json": Fault("ThrottlingException", 400, "Rate exceeded"),
             "rest-json": Fault("ThrottlingException", 400, "Rate exceeded"),
             "query": Fault("Throttling", 400, "Rate exceeded"),
             "rest-xml": Fault("SlowDown", 503, "Please reduce your request rate."),
             "smithy-rpc-v2-cbor": Fault("ThrottlingException", 400, "Rate exceeded")}
_THROTTLE_BY_SERVICE = {"sesv2": Fault("TooManyRequestsException", 429, "Too many requests have been made")}
# 5xx, by protocol: InternalFailure 500 / ServiceUnavailable(Exception) 503 ("Common Errors"), S3 InternalError 500.
_SERVER = {"json": Fault("ServiceUnavailableException", 503, "Service is unavailable"),
           "rest-json": Fault("InternalFailure", 500, "An internal error occurred"),
           "query": Fault("ServiceUnavailable", 503, "Service is unavailable"),
           "rest-xml": Fault("InternalError", 500, "We encountered an internal error. Please try again."),
           "smithy-rpc-v2-cbor": Fault("InternalFailure", 500, "An internal error occurred")}


@dataclass
class Stats:
    """What was injected since the last reset (tests and figures read it)."""

    injected: Counter[str]
    lock: threading.Lock

    def add(self, key: str) -> None:
        with self.lock:
            self.injected[key] += 1

    def reset(self) -> None:
        with self.lock:
            self.injected.clear()

    @property
    def total(self) -> int:
        return sum(self.injected.values())


STATS = Stats(Counter(), threading.Lock())
_rng_lock = threading.Lock()
_rng: dict[str, random.Random] = {}


def _float(name: str) -> float:
    try:
        return min(max(float(os.environ.get(name, "0") or 0), 0.0), 1.0)
    except ValueError:
        return 0.0


def rate() -> float:
    return _float(ENV_RATE)


def lost_rate() -> float:
    return _float(ENV_LOST)


def reseed(seed: str | None = None) -> None:
    """Start the sequence again (from `seed`, else the env var's)."""
    with _rng_lock:
        _rng.clear()
        _rng[""] = random.Random(seed if seed is not None else os.environ.get(ENV_SEED))


def _draw() -> float:
    with _rng_lock:
        if "" not in _rng:
            _rng[""] = random.Random(os.environ.get(ENV_SEED))
        return _rng[""].random()


class FaultAnswer(HTTPException):
    """An error answer moto's dispatchers (in-process and server) send as it is."""

    def __init__(self, status: int, headers: dict[str, str], body: Any) -> None:
        super().__init__()
        self.code = status
        self._headers = headers
        self._body = body

    def get_headers(self, *args: Any, **kwargs: Any) -> list[tuple[str, str]]:
        return [(k, v) for k, v in self._headers.items() if k.lower() != "status"]

    def get_body(self, *args: Any, **kwargs: Any) -> Any:
        return self._body


def _protocol(responder: Any, service: str) -> str:
    from sesl.model_check import service_model

    return str(responder.determine_response_protocol(service_model(service)))


def fault_for(protocol: str, service: str, throttle: bool) -> Fault:
    table = _THROTTLE if throttle else _SERVER
    special = _THROTTLE_BY_SERVICE.get(service) if throttle else None
    return special or table.get(protocol.replace("query-json", "json")) or table["json"]


def answer(responder: Any, service: str, fault: Fault) -> tuple[int, dict[str, str], Any]:
    """The fault serialised the way the service answers errors (moto's serializer for its protocol)."""
    from moto.core.exceptions import ServiceException
    from moto.core.responses import ActionResult

    from sesl.sandbox.shapes.hook import _ORIGINAL_SERIALIZED

    class SandboxFault(ServiceException):  # defined here: moto looks a moto.<service> exception up in its model
        pass

    serialize = _ORIGINAL_SERIALIZED[0] if _ORIGINAL_SERIALIZED else type(responder).serialized
    with warnings.catch_warnings():  # moto warns that the code is not one of the service's modeled errors
        warnings.simplefilter("ignore")
        _, headers, body = serialize(responder, ActionResult(SandboxFault(fault.code, fault.message)))
    return fault.status, dict(headers), body


def _decide(responder: Any) -> None:
    """Before moto carries out a request: maybe answer it with a fault; maybe mark its answer to be lost."""
    if getattr(responder, _DECIDED, None) is not None:
        return
    setattr(responder, _DECIDED, "")
    share, lost = rate(), lost_rate()
    if share <= 0 and lost <= 0:
        return
    from sesl.context import is_read
    from sesl.sandbox.shapes.hook import _operation

    named = _operation(responder)
    if named is None or not named[1]:
        return
    service, operation = named
    draw = _draw()
    if draw < share:
        throttle = draw < share / 2
        fault = fault_for(_protocol(responder, service), service, throttle)
        STATS.add(f"{'throttle' if throttle else '5xx'}:{service}:{operation}")
        raise FaultAnswer(*answer(responder, service, fault))
    if not is_read(operation) and draw < share + lost:
        setattr(responder, _DECIDED, "lost")


def _after(responder: Any, result: Any) -> Any:
    """After moto carried a request out: a marked answer is lost (a 5xx instead of the 2xx)."""
    if getattr(responder, _DECIDED, None) != "lost" or not isinstance(result, tuple) or len(result) != 3:
        return result
    if int(result[0]) >= 300:
        return result
    from sesl.sandbox.shapes.hook import _operation

    named = _operation(responder)
    if named is None:
        return result
    setattr(responder, _DECIDED, "done")
    STATS.add(f"lost:{named[0]}:{named[1]}")
    return answer(responder, named[0], fault_for(_protocol(responder, named[0]), named[0], throttle=False))


def install() -> bool:
    """Wrap moto's request set-up (decide) and its answers (lose); True the first time. Run after the shapes."""
    if _installed:
        return False
    from moto.core.responses import BaseResponse

    original_setup = BaseResponse.setup_class
    original_call_action = BaseResponse.call_action
    original_serialized = BaseResponse.serialized

    def setup_class(self: Any, *args: Any, **kwargs: Any) -> None:
        original_setup(self, *args, **kwargs)
        _decide(self)

    def call_action(self: Any) -> Any:
        return _after(self, original_call_action(self))

    def serialized(self: Any, action_result: Any) -> Any:
        return _after(self, original_serialized(self, action_result))

    BaseResponse.setup_class = setup_class  # type: ignore[method-assign]
    BaseResponse.call_action = call_action  # type: ignore[method-assign]
    BaseResponse.serialized = serialized  # type: ignore[method-assign]
    _installed.append(True)
    return True
