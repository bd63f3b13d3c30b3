"""What a resource kind is: a few declarations and five small functions.

Each kind lives in one module and subclasses `Kind[Desired, Observed]`:
- `desired(env)`  -> the frozen desired objects of this env (each has `.name`),
- `read(ctx, want)` -> the observed state or None when absent (read-only calls),
- `diff(have, want)` -> Changes, pure, one per aspect,
- `ASPECTS`: each aspect as data: its name, the AWS operations apply calls for it, the function that
  writes it (or None when the kind's one whole-resource call, `update_whole`, writes it), how an
  ignored field of it is kept (`fold`), and, for what AWS cannot change in place, why and the way out,
- `CREATE` / `DELETE` / `WHOLE`: the operations of `create`, `delete` and `update_whole`,
- `validate(env, want)` -> problems with the desired state that AWS would reject (offline).
The engine (sesl.reconcile) does the rest: ownership, ordering, concurrency, rendering. Apply runs what
the declarations say, and the context refuses any mutating call a change did not declare.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Literal, Protocol, TypeVar

import botocore
import botocore.exceptions

from sesl.aws_errors import error_code
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
        if error_code(exc) in missing:
            return None
        raise


D = TypeVar("D", bound=Desired)
O = TypeVar("O", bound=Observed)  # noqa: E741 - the observed type: Kind[D, O]

# What an ignored field does to the value written: the desired object with the live value folded in.
Fold = Callable[[Any, Any, Sequence[FieldChange]], Any]


@dataclass(frozen=True)
class Aspect(Generic[D, O]):
    """One aspect of a kind, declared as data: apply dispatches on this, never on a method's name.

    - `operations`: the AWS operations (`service:Operation`, botocore's names) apply calls to write it;
      the context refuses any other mutating call while the change runs.
    - `update`: the function that writes it, or None when the kind's whole-resource call writes it
      (`Kind.update_whole`, one call per resource however many of these aspects changed).
    - `fold`: how the live value of an ignored field of this aspect is kept in what is written
      (sesl.fold); None when it cannot be, in which case a plan that would overwrite it is refused.
    - `refuse`: non-empty when AWS cannot make this change in place: why, and the way out.
    - `also_writes`: the other aspects its update writes too (e.g. a saved query re-saved in another
      database is written whole), so an ignored difference there is kept or the plan refused.
    """

    name: str
    operations: tuple[str, ...] = ()
    update: Callable[[Any, AwsContext, D, O], None] | None = None
    fold: Fold | None = None
    refuse: str = ""
    also_writes: tuple[str, ...] = ()

    @property
    def whole(self) -> bool:
        """Written by the kind's whole-resource call."""
        return self.update is None and not self.refuse


class Kind(ABC, Generic[D, O]):
    kind: ClassVar[str]
    needs: ClassVar[tuple[str, ...]] = ()
    # How ownership is proven for this kind, shown in the docs and conflict messages.
    ownership: ClassVar[str] = "tags sesl:managed-by=sesl and sesl:env=<env>"
    # The declarations apply runs on (see Aspect).
    ASPECTS: ClassVar[tuple[Aspect[Any, Any], ...]] = ()
    CREATE: ClassVar[tuple[str, ...]] = ()
    DELETE: ClassVar[tuple[str, ...]] = ()
    WHOLE: ClassVar[tuple[str, ...]] = ()  # the operations of update_whole, when some aspect uses it
    ADOPT_ASPECT: ClassVar[str] = "tags"  # adopting writes this aspect (sesl's ownership proof)

    @abstractmethod
    def desired(self, env: Env) -> Sequence[D]: ...

    @abstractmethod
    def read(self, ctx: AwsContext, want: D) -> O | None: ...

    def read_many(self, ctx: AwsContext, wants: Sequence[D]) -> list[O | None]:
        """`read` of each, in order; a kind whose API reads many at once in one call overrides it (e.g.
        DescribeAlarms with up to 100 names), and planning then reads all of the kind's objects in one go."""
        return [self.read(ctx, want) for want in wants]

    @property
    def reads_in_batches(self) -> bool:
        return type(self).read_many is not Kind.read_many

    @abstractmethod
    def diff(self, have: O, want: D) -> list[Change]: ...

    @abstractmethod
    def create(self, ctx: AwsContext, want: D) -> None: ...

    @abstractmethod
    def delete(self, ctx: AwsContext, have: O) -> None: ...

    def validate(self, env: Env, want: D) -> list[str]:
        return []

    def requests(self, want: D) -> list[Request]:
        """The calls create() sends for `want`, with exactly its parameters, and the update calls shaped
        differently (checked offline against botocore's model by `sesl validate`)."""
        return []

    def warnings(self, env: Env, want: D) -> list[str]:
        """Not errors, but worth saying in every plan (e.g. a projection range nearing its end)."""
        return []

    def observed_warnings(self, ctx: AwsContext, want: D, have: O | None) -> list[str]:
        """Warnings that depend on the live state (read-only calls only), shown in every plan: e.g. what
        schema evolution left out, or account settings that block what apply would do."""
        return []

    def update_whole(self, ctx: AwsContext, want: D, have: O) -> None:
        """The one call that writes every aspect declared without an `update` of its own."""
        raise SeslError(f"{self.kind}: no whole-resource update is declared")

    def keep_reason(self, ctx: AwsContext, have: O, options: DestroyOptions) -> str | None:
        """Why destroy must keep this resource (e.g. it holds data), or None to delete it."""
        return None

    def create_fields(self, want: D) -> tuple[FieldChange, ...]:
        """What the plan shows for a create: the desired attributes, one per line."""
        return ()

    # --- the declarations, read by the engine --------------------------------------------
    @classmethod
    def aspect(cls, name: str) -> Aspect[Any, Any]:
        for declared in cls.ASPECTS:
            if declared.name == name:
                return declared
        raise SeslError(f"{cls.kind}: aspect {name!r} is not declared")

    @classmethod
    def operations(cls, action: Action, aspect: str) -> tuple[str, ...]:
        """The AWS operations apply calls for a change: what `diff --json` lists and the context allows."""
        if action is Action.CREATE:
            return cls.CREATE
        if action is Action.DELETE:
            return cls.DELETE
        if action is Action.REPLACE:
            return tuple(dict.fromkeys(cls.DELETE + cls.CREATE))
        if action is Action.ADOPT:
            # An adopt aspect written whole is written by update_whole (`adopt`), as an update of it is.
            return cls.operations(Action.UPDATE, cls.ADOPT_ASPECT) if cls.ADOPT_ASPECT else cls.WHOLE
        if action is Action.UPDATE:
            declared = cls.aspect(aspect)
            return cls.WHOLE if declared.whole else declared.operations
        return ()

    def apply(self, ctx: AwsContext, change: Change) -> None:
        """Run one change, as declared (a whole-resource step is run by `apply_whole`)."""
        if change.action is Action.CREATE:
            self.create(ctx, change.want)
        elif change.action is Action.DELETE:
            self.delete(ctx, change.have)
        elif change.action is Action.ADOPT:
            self.adopt(ctx, change.want, change.have)
        elif change.action is Action.REPLACE:
            self.replace(ctx, change.want, change.have)
        elif change.action is Action.UPDATE:
            declared = self.aspect(change.aspect)
            if declared.refuse:
                raise SeslError(f"{change.address} ({change.aspect}): {declared.refuse}")
            if declared.update is None:
                self.update_whole(ctx, change.want, change.have)
            else:
                declared.update(self, ctx, change.want, change.have)

    def adopt(self, ctx: AwsContext, want: D, have: O) -> None:
        """Take an existing resource over: write its ownership aspect (by default, sesl's tags)."""
        if not self.ADOPT_ASPECT:
            self.update_whole(ctx, want, have)
            return
        declared = self.aspect(self.ADOPT_ASPECT)
        if declared.update is None:
            self.update_whole(ctx, want, have)
        else:
            declared.update(self, ctx, want, have)

    def replace(self, ctx: AwsContext, want: D, have: O) -> None:
        self.delete(ctx, have)
        self.create(ctx, want)

    # --- helpers for kinds --------------------------------------------------------------
    def change(self, want: D, have: O, aspect: str, fields: Sequence[FieldChange],
               action: Action = Action.UPDATE, reason: str = "") -> list[Change]:
        """One Change for an aspect, or none when nothing differs."""
        if not fields:
            return []
        return [Change(self.kind, want.name, action, aspect, tuple(fields), reason, want=want, have=have)]
