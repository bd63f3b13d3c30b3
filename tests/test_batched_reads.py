"""Planning reads many objects of a kind in one call where AWS allows it (Kind.read_many), with the same
answers as one read per object."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sesl import reconcile
from sesl.context import AwsContext
from sesl.resources.athena_named_query import AthenaNamedQueryKind
from sesl.resources.cloudwatch_alarm import AlarmSpec, CloudWatchAlarmKind
from sesl.resources.s3_bucket import S3BucketKind
from tests.ladder import converge


def absent_alarms(n: int) -> list[AlarmSpec]:
    return [AlarmSpec(f"nothing-{i:03d}", {}, {}) for i in range(n)]


def test_alarms_are_described_up_to_100_names_a_call(ctx: AwsContext) -> None:
    kind = CloudWatchAlarmKind()
    assert kind.read_many(ctx, absent_alarms(100)) == [None] * 100
    assert ctx.log.calls["cloudwatch:DescribeAlarms"] == 1
    ctx.log.clear()
    assert kind.read_many(ctx, absent_alarms(101)) == [None] * 101
    assert ctx.log.calls["cloudwatch:DescribeAlarms"] == 2


def reads(ctx: AwsContext, kinds: Sequence[str]) -> tuple[list[Any], dict[str, int], list[Any]]:
    """What read_all observes, the calls it made, and what one read per object observes."""
    pairs = reconcile.desired_objects(reconcile.make_env(ctx), reconcile.selected_kinds(kinds))
    ctx.log.clear()
    observed = reconcile.read_all(ctx, pairs)
    calls = dict(ctx.log.calls)
    return observed, calls, [kind.read(ctx, want) for kind, want in pairs]


def test_a_converged_plan_reads_alarms_and_saved_queries_in_batches(ctx: AwsContext) -> None:
    kinds = ["sns_topic", "cloudwatch_alarm", "s3_bucket", "athena_workgroup", "athena_named_query"]
    converge(ctx, kinds)
    alarms = reconcile.desired_objects(reconcile.make_env(ctx), reconcile.selected_kinds(["cloudwatch_alarm"]))
    queries = reconcile.desired_objects(reconcile.make_env(ctx), reconcile.selected_kinds(["athena_named_query"]))
    assert len(alarms) > 1 and len(queries) > 1
    observed, calls, one_by_one = reads(ctx, ["cloudwatch_alarm", "athena_named_query"])
    assert calls == {"cloudwatch:DescribeAlarms": 1, "cloudwatch:ListTagsForResource": len(alarms),
                     "athena:ListNamedQueries": 1, "athena:BatchGetNamedQuery": 1}
    # The same answers as one read per object.
    assert observed == one_by_one and None not in observed


def test_only_kinds_that_batch_are_read_as_one_task() -> None:
    assert CloudWatchAlarmKind().reads_in_batches and AthenaNamedQueryKind().reads_in_batches
    assert not S3BucketKind().reads_in_batches
    assert sorted(k.kind for k in reconcile.KINDS.values() if k.reads_in_batches) == [
        "athena_named_query", "cloudwatch_alarm"]
