"""The one place that makes boto3 clients: profile, region, endpoint, retries, call accounting.

`AWS_ENDPOINT_URL` (and the per-service `AWS_ENDPOINT_URL_<SERVICE>`) is honoured by botocore
itself; sesl never overrides it, which is how a moto server or LocalStack is reached.
"""

from __future__ import annotations

import os
import socket
import threading
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import botocore.config
import botocore.exceptions

from sesl.aws_errors import error_code, error_message, explain, unreachable
from sesl.botomodels import boto3_session
from sesl.errors import AccountMismatchError, AwsCallError, SeslError
from sesl.model import DestroyOptions
from sesl.naming import Names
from sesl.spec import EnvSpec

Client = Any  # boto3 clients are generated at run time; sesl wraps them, it does not type them.

# Standard retry mode covers throttling and 5xx with backoff (botocore retries guide); the
# attempt count is Terraform's default for AWS providers, which users found enough under throttling.
RETRY_CONFIG = {"mode": "standard", "max_attempts": 10}
# An endpoint that does not answer a TCP connect within this many seconds is reported as unreachable
# at once, instead of after botocore's retries of every call.
PROBE_SECONDS = 3.0
CONNECT_SECONDS = 5
QUICK_RETRY_CONFIG = {"mode": "standard", "max_attempts": 2}

READ_PREFIXES = ("Get", "List", "Describe", "Head", "BatchGet", "Lookup", "Search")
# Calls that only read although their name does not say so.
READ_OPERATIONS = frozenset({"GetCallerIdentity"})


def is_read(operation: str) -> bool:
    return operation.startswith(READ_PREFIXES) or operation in READ_OPERATIONS


@dataclass
class CallLog:
    """Every AWS operation this context made, counted; tests use it to prove an apply was a no-op."""

    calls: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, service: str, operation: str) -> None:
        with self.lock:
            self.calls[f"{service}:{operation}"] += 1

    @property
    def mutating(self) -> list[str]:
        return sorted(k for k in self.calls if not is_read(k.split(":", 1)[1]))

    def clear(self) -> None:
        with self.lock:
            self.calls.clear()


class AwsContext:
    """Clients for one environment, made once and shared (boto3 clients are thread-safe)."""

    def __init__(self, spec: EnvSpec, profile: str | None = None, region: str | None = None,
                 session: Any = None) -> None:
        self.spec = spec
        # --profile/--region win over the env's config, which wins over AWS_PROFILE and the default chain.
        self.region = region or spec.region
        self.profile = profile or spec.profile
        try:
            self.session = session or boto3_session(self.profile, self.region)
        except botocore.exceptions.ProfileNotFound:
            origin = "--profile" if profile else f"env.{spec.env}.profile"
            raise SeslError(f"AWS profile {self.profile!r} (from {origin}) is not configured: check ~/.aws/config "
                            "or pass another --profile") from None
        self.log = CallLog()
        self._clients: dict[tuple[str, str], Client] = {}
        self._lock = threading.Lock()
        self._account: str | None = None
        self._mutations_allowed = False
        self._declared = threading.local()  # per thread: the operations the running change declared
        # Set by `destroy` before it executes: lets a kind's delete() empty a bucket it was told to.
        self.destroy_options = DestroyOptions()

    def client(self, service: str, region: str | None = None, quick: bool = False) -> Client:
        """The service's client; `quick` ones give up on an unreachable endpoint after one retry."""
        key = (service + (":quick" if quick else ""), region or self.region)
        with self._lock:
            if key not in self._clients:
                config = botocore.config.Config(retries=QUICK_RETRY_CONFIG if quick else RETRY_CONFIG,
                                                connect_timeout=CONNECT_SECONDS, user_agent_extra="sesl")
                made = self.session.client(service, region_name=key[1], config=config)
                made.meta.events.register("before-call", self._before_call)
                self._clients[key] = made
            return self._clients[key]

    def _before_call(self, model: Any, **_: Any) -> None:
        operation = model.name
        service = model.service_model.service_name
        self.log.record(service, operation)
        if is_read(operation):
            return
        if not self._mutations_allowed:
            # The write gate: planning is read-only, and nothing mutates before the account is checked.
            raise SeslError(f"internal guard: {operation} attempted before the account was verified "
                            "or during a read-only command")
        declared: frozenset[str] | None = getattr(self._declared, "operations", None)
        if declared is not None and f"{service}:{operation}" not in declared:
            # Apply calls what the plan showed and nothing else (sesl.resources.base.Aspect.operations).
            raise SeslError(f"internal guard: {service}:{operation} is not among the operations planned for "
                            f"{self._declared.what} ({', '.join(sorted(declared)) or 'none'})")

    @property
    def mutations_allowed(self) -> bool:
        return self._mutations_allowed

    @contextmanager
    def only(self, operations: frozenset[str], what: str) -> Iterator[None]:
        """Within the block, this thread may make only these mutating calls (one planned change)."""
        self._declared.operations, self._declared.what = operations, what
        try:
            yield
        finally:
            self._declared.operations = None

    @property
    def account(self) -> str:
        if self._account is None:
            try:
                # The first call of a run: an unreachable AWS is said within seconds, not after every retry.
                self._account = str(self.client("sts", quick=True).get_caller_identity()["Account"])
            except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
                known = explain(exc)
                if known:
                    raise SeslError(known) from None
                if isinstance(exc, botocore.exceptions.ClientError):
                    raise AwsCallError(f"cannot identify the caller (sts:GetCallerIdentity): {error_code(exc)}: "
                                       f"{error_message(exc)}; refresh the credentials (expired SSO session? "
                                       "run `aws sso login`)") from None
                raise AwsCallError(f"cannot identify the caller (sts:GetCallerIdentity): {exc}") from None
        return self._account

    def preflight(self) -> None:
        """Fail fast, with the same line from every command: the endpoint answers, the credentials work."""
        probe_endpoint(os.environ.get("AWS_ENDPOINT_URL"))
        _ = self.account

    @property
    def names(self) -> Names:
        return self.spec.names_for(self.region, self.account)

    def verify_account(self) -> None:
        """Refuse to go on when the env pins an account and the credentials are of another."""
        pinned = self.spec.account_id
        if pinned and pinned != self.account:
            raise AccountMismatchError(
                f"credentials are for account {self.account} but env {self.spec.env} is pinned to "
                f"{pinned}: switch profile (--profile) or fix env.{self.spec.env}.account_id")

    def allow_mutations(self) -> None:
        """The one way to open the write gate: only once the credentials' account is the env's."""
        self.verify_account()
        self._mutations_allowed = True


def probe_endpoint(url: str | None, timeout: float = PROBE_SECONDS) -> None:
    """A TCP connect to a configured endpoint (the sandbox, LocalStack): an unreachable one is
    an error within seconds. AWS's own endpoints are left to botocore."""
    if not url:
        return
    parsed = urllib.parse.urlsplit(url)
    if not parsed.hostname:
        raise SeslError(f"AWS_ENDPOINT_URL={url} is not a URL: use the form http://127.0.0.1:4747")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        with socket.create_connection((parsed.hostname, port), timeout=timeout):
            return
    except OSError:
        raise SeslError(unreachable(url)) from None
