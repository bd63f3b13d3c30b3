"""The ladder every resource kind climbs against moto (DESIGN.md, testing tier 2):

plan shows create -> apply -> plan shows no changes -> a second apply makes no mutating call
-> an out-of-band change to one aspect -> plan shows exactly that aspect -> apply repairs it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

from moto.core.base_backend import BackendDict

from sesl import reconcile
from sesl.context import AwsContext
from sesl.model import Action, Change


def plan_for(ctx: AwsContext, targets: Sequence[str]) -> list[Change]:
    return list(reconcile.plan(ctx, reconcile.PlanOptions(targets=tuple(targets))).changes)


def converge(ctx: AwsContext, targets: Sequence[str] = ()) -> None:
    the_plan = reconcile.plan(ctx, reconcile.PlanOptions(targets=tuple(targets)))
    reconcile.execute(ctx, the_plan)


# moto's state right after `converge(ctx)` of a whole env from the freshly seeded sandbox, per spec: the first
# `applied` of a spec in this process applies it, each later one restores a copy of that state.
_APPLIED: dict[str, tuple[list[BackendDict[Any]], list[dict[str, Any]]]] = {}


def applied(ctx: AwsContext) -> None:
    """`converge(ctx)` of the whole env, for a test that starts from it: moto's backends are restored from a
    deep copy of their state after the first such apply in this process (hundredths of a second instead of a
    whole apply), so what a test then writes stays in that test. Call it first, on the freshly seeded sandbox,
    before patching anything the apply would go through; the apply itself is what converge()'s tests test."""
    key = repr((ctx.spec, ctx.region))
    written = _written()
    if written or key not in _APPLIED:
        converge(ctx)
        if not written:
            instances = list(BackendDict._instances)
            _APPLIED[key] = (instances, copy.deepcopy([dict(b) for b in instances]))  # one copy: shared references
        return
    for backends in BackendDict._instances:
        backends.clear()
    instances, states = _APPLIED[key]
    BackendDict._instances[:] = instances
    for backends, state in zip(instances, copy.deepcopy(states), strict=True):
        backends.update(state)
    ctx.allow_mutations()  # as execute() leaves it


def _written() -> bool:
    """Whether the sandbox holds more than its seed (a bucket made before `applied`): then it applies for real."""
    from moto.s3.models import s3_backends

    return any(backend.buckets for account in s3_backends.values() for backend in account.values())


def climb(ctx: AwsContext, kind: str, names: Sequence[str], deps: Sequence[str] = ()) -> None:
    """Steps 1-4 of the ladder for `kind` (its dependency kinds are applied first)."""
    if deps:
        converge(ctx, deps)
    first = plan_for(ctx, [kind])
    assert [(c.action, c.name) for c in first] == [(Action.CREATE, n) for n in names]
    converge(ctx, [kind])
    assert plan_for(ctx, [kind]) == []
    ctx.log.clear()
    converge(ctx, [kind])
    assert ctx.log.mutating == [], f"a converged apply made mutating calls: {ctx.log.mutating}"


def drift_then_repair(ctx: AwsContext, kind: str, name: str, aspect: str, change_out_of_band: Callable[[], None],
                      ) -> Change:
    """Steps 5-7: returns the single change the plan showed for the out-of-band edit."""
    change_out_of_band()
    changes = plan_for(ctx, [kind])
    assert [(c.name, c.aspect) for c in changes] == [(name, aspect)], changes
    converge(ctx, [kind])
    assert plan_for(ctx, [kind]) == []
    return changes[0]
