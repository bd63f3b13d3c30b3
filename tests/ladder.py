"""The ladder every resource kind climbs against moto (DESIGN.md, testing tier 2):

plan shows create -> apply -> plan shows no changes -> a second apply makes no mutating call
-> an out-of-band change to one aspect -> plan shows exactly that aspect -> apply repairs it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sesl import reconcile
from sesl.context import AwsContext
from sesl.model import Action, Change


def plan_for(ctx: AwsContext, targets: Sequence[str]) -> list[Change]:
    return list(reconcile.plan(ctx, reconcile.PlanOptions(targets=tuple(targets))).changes)


def converge(ctx: AwsContext, targets: Sequence[str] = ()) -> None:
    the_plan = reconcile.plan(ctx, reconcile.PlanOptions(targets=tuple(targets)))
    reconcile.execute(ctx, the_plan)


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
