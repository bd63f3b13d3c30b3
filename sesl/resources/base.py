"""What a resource kind is: a few declarations and five small functions.

Each kind lives in one module and subclasses `Kind`:
- `desired(env)`  -> the frozen desired objects of this env (each has `.name`),
- `read(ctx, want)` -> the observed state or None when absent (read-only calls),
- `diff(have, want)` -> Changes, pure, one per aspect,
- `create(ctx, want)` / `update_<aspect>(ctx, want, have)` / `delete(ctx, have)` -> the mutating calls,
- `validate(env, want)` -> problems with the desired state that AWS would reject (offline).
The engine (sesl.reconcile) does the rest: ownership, ordering, concurrency, rendering.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Protocol, TypeVar

import botocore
import botocore.exceptions

from sesl.context import AwsContext
from sesl.errors import SeslError
from sesl.model import Action, Change, DestroyOptions, FieldChange
from sesl.naming import Names
from sesl.spec import EnvSpec

T = TypeVar("T")


@dataclass(frozen=True)
class Env:
    """The spec of one environment with the account it runs in: everything `desired` needs."""

    spec: EnvSpec
    names: Names


@dataclass(frozen=True)
class Request:
    """One call sesl sends: what `sesl validate` checks against botocore's model (sesl.model_check).

    `stage` says when: "create" calls are what create() sends, in order; "update" calls are the requests
    an update sends whose shape differs from the create's (e.g. Athena UpdateWorkGroup ConfigurationUpdates).
    """

    service: str
    operation: str  # the API name, e.g. CreateDeliveryStream
    params: dict[str, Any]
    stage: Literal["create", "update"] = "create"


def send(client: Any, request: Request) -> Any:
    """Send one request with the client of its service."""
    return getattr(client, botocore.xform_name(request.operation))(**request.params)


def create_requests(requests: Sequence[Request]) -> list[Request]:
    return [r for r in requests if r.stage == "create"]


class Desired(Protocol):
    @property
    def name(self) -> str: ...


class Observed(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def owned(self) -> bool: ...


def read_or_none(call: Callable[[], T], *missing: str) -> T | None:
    """The call's answer, or None when AWS says the resource does not exist (one of the `missing` codes)."""
    try:
        return call()
    except botocore.exceptions.ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in missing:
            return None
        raise


class Kind(ABC):
    kind: ClassVar[str]
    needs: ClassVar[tuple[str, ...]] = ()
    # How ownership is proven for this kind, shown in the docs and conflict messages.
    ownership: ClassVar[str] = "tags sesl:managed-by=sesl and sesl:env=<env>"

    @abstractmethod
    def desired(self, env: Env) -> Sequence[Any]: ...

    @abstractmethod
    def read(self, ctx: AwsContext, want: Any) -> Any | None: ...

    @abstractmethod
    def diff(self, have: Any, want: Any) -> list[Change]: ...

    @abstractmethod
    def create(self, ctx: AwsContext, want: Any) -> None: ...

    @abstractmethod
    def delete(self, ctx: AwsContext, have: Any) -> None: ...

    def validate(self, env: Env, want: Any) -> list[str]:
        return []

    def requests(self, want: Any) -> list[Request]:
        """The calls create() sends for `want`, with exactly its parameters, and the update calls shaped
        differently (checked offline against botocore's model by `sesl validate`)."""
        return []

    def warnings(self, env: Env, want: Any) -> list[str]:
        """Not errors, but worth saying in every plan (e.g. a projection range nearing its end)."""
        return []

    def observed_warnings(self, ctx: AwsContext, want: Any, have: Any | None) -> list[str]:
        """Warnings that depend on the live state (read-only calls only), shown in every plan: e.g. what
        schema evolution left out, or account settings that block what apply would do."""
        return []

    def adopt(self, ctx: AwsContext, want: Any, have: Any) -> None:
        """Take an existing resource over: by default, put sesl's ownership tags on it."""
        update_tags = getattr(self, "update_tags", None)
        if update_tags is None:
            raise SeslError(f"{self.kind} {want.name}: adoption is not supported for this kind")
        update_tags(ctx, want, have)

    def keep_reason(self, ctx: AwsContext, have: Any, options: DestroyOptions) -> str | None:
        """Why destroy must keep this resource (e.g. it holds data), or None to delete it."""
        return None

    def orphans(self, ctx: AwsContext, env: Env, wanted: set[str]) -> list[Any]:
        """Resources of this kind tagged as sesl's for this env that the spec no longer has."""
        return []

    def create_fields(self, want: Any) -> tuple[FieldChange, ...]:
        """What the plan shows for a create: the desired attributes, one per line."""
        return ()

    def apply(self, ctx: AwsContext, change: Change) -> None:
        if change.action is Action.CREATE:
            self.create(ctx, change.want)
        elif change.action is Action.DELETE:
            self.delete(ctx, change.have)
        elif change.action is Action.ADOPT:
            self.adopt(ctx, change.want, change.have)
        elif change.action is Action.REPLACE:
            self.replace(ctx, change.want, change.have)
        elif change.action is Action.UPDATE:
            # An aspect has its own update_<aspect>, or the kind updates everything in one call.
            method = getattr(self, f"update_{change.aspect}", None) or getattr(self, "update_whole", None)
            if method is None:
                raise SeslError(f"{self.kind}: no update for aspect {change.aspect!r}")
            method(ctx, change.want, change.have)

    def replace(self, ctx: AwsContext, want: Any, have: Any) -> None:
        self.delete(ctx, have)
        self.create(ctx, want)

    # --- helpers for kinds --------------------------------------------------------------
    def change(self, want: Any, have: Any, aspect: str, fields: Sequence[FieldChange],
               action: Action = Action.UPDATE, reason: str = "") -> list[Change]:
        """One Change for an aspect, or none when nothing differs."""
        if not fields:
            return []
        return [Change(self.kind, want.name, action, aspect, tuple(fields), reason, want=want, have=have)]
