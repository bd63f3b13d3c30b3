"""One lock per environment for `apply` and `destroy`, held in AWS.

The lock is an SSM parameter, `/sesl/<env>/lock`, created with `Overwrite=False`: PutParameter refuses
to create a parameter that exists (ParameterAlreadyExists), so exactly one writer wins (SSM API reference,
PutParameter). It lives outside the resources sesl manages, so it works for a first apply (no bucket yet)
and leaves nothing behind in the data buckets. Its value says who holds it (user, host, pid), since when,
and until when: a lock past its expiry is stale and the next taker removes it, and so is a lock taken on
this host by a process that no longer runs (a run killed at any point does not block the next one on
the same machine). The lock is a lease: short (DEFAULT_TTL_SECONDS), renewed by its holder every third
of it while the run works, so a run that died on another machine blocks the env for minutes, not hours,
and a live run is never taken over. A holder whose lease was taken over anyway (it stalled past its
expiry) finds out before its next change and stops. `sesl unlock --env E` shows the holder and removes a
stale lock (`--force`: any lock). `drift` takes no lock.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import botocore.exceptions

from sesl.aws_errors import error_code
from sesl.context import AwsContext
from sesl.errors import LockError
from sesl.naming import lock_parameter
from sesl.ui import reporter

DEFAULT_TTL_SECONDS = 10 * 60.0
POLL_SECONDS = 2.0


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _holder(command: str, ttl: float) -> dict[str, Any]:
    now = _now()
    return {"id": secrets.token_hex(8), "user": getpass.getuser(), "host": socket.gethostname(), "pid": os.getpid(),
            "command": command, "created_at": now.isoformat(timespec="seconds"), "ttl": ttl,
            "expires_at": (now + dt.timedelta(seconds=ttl)).isoformat(timespec="seconds")}


def describe(holder: dict[str, Any]) -> str:
    return (f"{holder.get('user')}@{holder.get('host')} pid {holder.get('pid')} ({holder.get('command')}) since "
            f"{holder.get('created_at')}, expires {holder.get('expires_at')}")


def read_lock(ctx: AwsContext) -> dict[str, Any] | None:
    try:
        value = ctx.client("ssm").get_parameter(Name=lock_parameter(ctx.spec.env))["Parameter"]["Value"]
    except botocore.exceptions.ClientError as exc:
        if error_code(exc) == "ParameterNotFound":
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
        ctx.client("ssm").put_parameter(Name=lock_parameter(ctx.spec.env), Value=json.dumps(holder), Type="String",
                                        Overwrite=False, Description="sesl apply/destroy lock")
        return True
    except botocore.exceptions.ClientError as exc:
        if error_code(exc) == "ParameterAlreadyExists":
            return False
        raise


def remove(ctx: AwsContext) -> None:
    try:
        ctx.client("ssm").delete_parameter(Name=lock_parameter(ctx.spec.env))
    except botocore.exceptions.ClientError as exc:
        if error_code(exc) != "ParameterNotFound":
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


def renew(ctx: AwsContext, holder: dict[str, Any]) -> bool:
    """Push the lease's expiry on, if the lock is still this holder's; False when it is not any more."""
    current = read_lock(ctx)
    if current is None or current.get("id") != holder["id"]:
        return False
    holder["expires_at"] = (_now() + dt.timedelta(seconds=float(holder.get("ttl", DEFAULT_TTL_SECONDS)))).isoformat(
        timespec="seconds")
    ctx.client("ssm").put_parameter(Name=lock_parameter(ctx.spec.env), Value=json.dumps(holder), Type="String",
                                    Overwrite=True)
    return True


class Lease:
    """A held lock, renewed in the background every third of its time to live until released."""

    def __init__(self, ctx: AwsContext, holder: dict[str, Any], every: float) -> None:
        self.ctx, self.holder, self.every = ctx, holder, every
        self.lost: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._renew_until_stopped, name="sesl-lease", daemon=True)
        self._thread.start()

    def _renew_until_stopped(self) -> None:
        while not self._stop.wait(self.every):
            try:
                if not renew(self.ctx, self.holder):
                    current = read_lock(self.ctx)
                    self.lost = describe(current) if current else "nobody (it was removed)"
                    return
            except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
                # A missed renewal is retried at the next tick; the lease only lapses after three in a row.
                reporter().info(f"could not renew the lock of env {self.ctx.spec.env} ({exc}); trying again")

    def check(self) -> None:
        """Before each change: stop if the lock is not this run's any more."""
        if self.lost is not None:
            raise LockError(f"env {self.ctx.spec.env}'s lock is now held by {self.lost}: this run stalled past its "
                            "lease and was taken over, so it stopped before its next change; run it again once "
                            "the other run is done")

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


@contextmanager
def env_lock(ctx: AwsContext, command: str, timeout: float = 0.0, ttl: float = DEFAULT_TTL_SECONDS) -> Iterator[Lease]:
    holder = acquire(ctx, command, timeout, ttl)
    lease = Lease(ctx, holder, every=ttl / 3)
    try:
        yield lease
    finally:
        lease.stop()
        release(ctx, holder)
