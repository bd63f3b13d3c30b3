"""One lock per environment for `apply` and `destroy`, held in AWS.

The lock is an SSM parameter, `/sesl/<env>/lock`, created with `Overwrite=False`: PutParameter refuses
to create a parameter that exists (ParameterAlreadyExists), so exactly one writer wins (SSM API reference,
PutParameter). It lives outside the resources sesl manages, so it works for a first apply (no bucket yet)
and leaves nothing behind in the data buckets. Its value says who holds it (user, host, pid), since when,
and until when: a lock past its expiry is stale and the next taker removes it, and so is a lock taken on
this host by a process that no longer runs (a run killed at any point does not block the next one on
the same machine). `sesl unlock --env E`
shows the holder and removes a stale lock (`--force`: any lock). `drift` takes no lock.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import secrets
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import botocore.exceptions

from sesl.context import AwsContext
from sesl.errors import LockError
from sesl.ui import reporter

DEFAULT_TTL_SECONDS = 2 * 3600
POLL_SECONDS = 2.0


def parameter_name(env: str) -> str:
    return f"/sesl/{env}/lock"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _holder(command: str, ttl: float) -> dict[str, Any]:
    now = _now()
    return {"id": secrets.token_hex(8), "user": getpass.getuser(), "host": socket.gethostname(), "pid": os.getpid(),
            "command": command, "created_at": now.isoformat(timespec="seconds"),
            "expires_at": (now + dt.timedelta(seconds=ttl)).isoformat(timespec="seconds")}


def describe(holder: dict[str, Any]) -> str:
    return (f"{holder.get('user')}@{holder.get('host')} pid {holder.get('pid')} ({holder.get('command')}) since "
            f"{holder.get('created_at')}, expires {holder.get('expires_at')}")


def read_lock(ctx: AwsContext) -> dict[str, Any] | None:
    try:
        value = ctx.client("ssm").get_parameter(Name=parameter_name(ctx.spec.env))["Parameter"]["Value"]
    except botocore.exceptions.ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ParameterNotFound":
            return None
        raise
    try:
        holder: dict[str, Any] = json.loads(value)
    except ValueError:
        holder = {"id": "?", "expires_at": _now().isoformat()}  # unreadable: treat as stale
    return holder


def is_stale(holder: dict[str, Any]) -> bool:
    """Past its expiry, or plainly dead: taken on this host by a process that no longer runs."""
    try:
        expired = dt.datetime.fromisoformat(str(holder["expires_at"])) < _now()
    except (KeyError, ValueError):
        return True
    return expired or holder_gone(holder)


def holder_gone(holder: dict[str, Any]) -> bool:
    """The holder ran on this host and its process is gone (killed, crashed, the machine rebooted)."""
    if holder.get("host") != socket.gethostname() or not isinstance(holder.get("pid"), int):
        return False  # another machine's run: only its expiry says it is dead
    try:
        os.kill(holder["pid"], 0)  # signal 0 checks that the process exists, sending nothing
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # it exists, run by another user
    return False


def _try_take(ctx: AwsContext, holder: dict[str, Any]) -> bool:
    try:
        ctx.client("ssm").put_parameter(Name=parameter_name(ctx.spec.env), Value=json.dumps(holder), Type="String",
                                        Overwrite=False, Description="sesl apply/destroy lock")
        return True
    except botocore.exceptions.ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ParameterAlreadyExists":
            return False
        raise


def remove(ctx: AwsContext) -> None:
    try:
        ctx.client("ssm").delete_parameter(Name=parameter_name(ctx.spec.env))
    except botocore.exceptions.ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ParameterNotFound":
            raise


def acquire(ctx: AwsContext, command: str, timeout: float = 0.0, ttl: float = DEFAULT_TTL_SECONDS) -> dict[str, Any]:
    holder = _holder(command, ttl)
    deadline = time.monotonic() + timeout
    while not _try_take(ctx, holder):
        current = read_lock(ctx)
        if current is not None and current.get("id") == holder["id"]:
            return holder  # our own put went through and its answer was lost; the retry found it taken
        if current is not None and is_stale(current):
            why = "its process is gone" if holder_gone(current) else "it expired"
            reporter().info(f"taking over the lock of {describe(current)}: {why}")
            remove(ctx)
            continue
        if time.monotonic() >= deadline:
            who = describe(current) if current else "someone (it was just released; try again)"
            raise LockError(f"env {ctx.spec.env} is locked by {who}; nothing was changed; wait (--lock-timeout "
                            f"SECONDS) or, if that run died, `sesl unlock --env {ctx.spec.env}` once it is stale "
                            "(--force to remove it now)")
        reporter().info(f"waiting for the lock of env {ctx.spec.env}, held by {describe(current or {})}")
        time.sleep(POLL_SECONDS)
    return holder


def release(ctx: AwsContext, holder: dict[str, Any]) -> None:
    current = read_lock(ctx)
    if current is not None and current.get("id") == holder["id"]:  # never remove someone else's lock
        remove(ctx)


@contextmanager
def env_lock(ctx: AwsContext, command: str, timeout: float = 0.0) -> Iterator[dict[str, Any]]:
    holder = acquire(ctx, command, timeout)
    try:
        yield holder
    finally:
        release(ctx, holder)
