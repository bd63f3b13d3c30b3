"""The alarms' reads and comparisons pinned (mutation survivors of sesl/resources/cloudwatch_alarm.py): DescribeAlarms
by name, 100 names a call, metric alarms only; what DescribeAlarms leaves out or orders otherwise is no change; a
real difference in dimensions, actions, threshold or missing-data rule is one; the tag and delete calls.

Unit level: a recording stand-in for the CloudWatch client answers with the shapes of the CloudWatch API reference
(DescribeAlarms MetricAlarms, ListTagsForResource Tags)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from typing import Any

from sesl.model import Action, FieldChange
from sesl.naming import Names
from sesl.resources.base import Env
from sesl.resources.cloudwatch_alarm import AlarmSpec, AlarmState, CloudWatchAlarmKind
from sesl.spec import EnvSpec, default_spec

ACCOUNT = "123456789012"
NAMES = Names("dev", "us-west-2", ACCOUNT)
TOPIC = f"arn:aws:sns:us-west-2:{ACCOUNT}:email-events-alerts-dev"
OTHER_TOPIC = f"arn:aws:sns:us-west-2:{ACCOUNT}:pager"
OWNED = {"sesl:env": "dev", "sesl:managed-by": "sesl"}
KIND = CloudWatchAlarmKind()


def arn(name: str) -> str:
    return f"arn:aws:cloudwatch:us-west-2:{ACCOUNT}:alarm:{name}"


@dataclass
class FakeCloudWatch:
    """Answers like CloudWatch for the alarms it holds and records every call as (operation, parameters)."""

    alarms: dict[str, dict[str, Any]] = field(default_factory=dict)
    tags: dict[str, dict[str, Any]] = field(default_factory=dict)  # ARN -> ListTagsForResource answer
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _record(self, operation: str, params: dict[str, Any]) -> None:
        with self.lock:
            self.calls.append((operation, params))

    def get_paginator(self, operation: str) -> Any:
        fake = self

        class Paginator:
            def paginate(self, **params: Any) -> list[dict[str, Any]]:
                fake._record(operation, params)
                found = [fake.alarms[n] for n in params.get("AlarmNames", []) if n in fake.alarms]
                return [{"MetricAlarms": found}, {"CompositeAlarms": []}]  # a page may hold no MetricAlarms

        return Paginator()

    def list_tags_for_resource(self, **params: Any) -> dict[str, Any]:
        self._record("list_tags_for_resource", params)
        return self.tags.get(params["ResourceARN"], {})

    def __getattr__(self, operation: str) -> Any:
        def record(**params: Any) -> dict[str, Any]:
            self._record(operation, params)
            return {}
        return record


@dataclass
class FakeContext:
    cloudwatch: FakeCloudWatch = field(default_factory=FakeCloudWatch)
    spec: EnvSpec = field(default_factory=lambda: default_spec("dev"))
    services: list[str] = field(default_factory=list)

    def client(self, service: str) -> FakeCloudWatch:
        self.services.append(service)
        return self.cloudwatch


def wants() -> list[AlarmSpec]:
    return KIND.desired(Env(default_spec("dev"), NAMES))


def described(want: AlarmSpec, **over: Any) -> dict[str, Any]:
    """A DescribeAlarms MetricAlarm for `want` as CloudWatch returns it: the parameters plus read-only members."""
    return {"AlarmName": want.name, "AlarmArn": arn(want.name), "StateValue": "INSUFFICIENT_DATA",
            **want.params, **over}


def state(want: AlarmSpec, **over: Any) -> AlarmState:
    return AlarmState(want.name, True, arn(want.name), {**want.params, **over}, dict(want.tags))


# -- read -----------------------------------------------------------------------------------------------------------

def test_one_alarm_is_read_by_name_with_its_tags() -> None:
    want = wants()[0]
    cloudwatch = FakeCloudWatch({want.name: described(want)},
                                {arn(want.name): {"Tags": [{"Key": k, "Value": v} for k, v in OWNED.items()]}})
    ctx = FakeContext(cloudwatch)
    assert KIND.read(ctx, want) == AlarmState(want.name, True, arn(want.name), want.params, OWNED)  # type: ignore[arg-type]
    assert cloudwatch.calls == [
        ("describe_alarms", {"AlarmNames": [want.name], "AlarmTypes": ["MetricAlarm"],
                             "PaginationConfig": {"PageSize": 100}}),
        ("list_tags_for_resource", {"ResourceARN": arn(want.name)})]
    assert set(ctx.services) == {"cloudwatch"}


def test_a_missing_alarm_reads_as_none_without_a_tag_read() -> None:
    want = wants()[0]
    cloudwatch = FakeCloudWatch()
    assert KIND.read(FakeContext(cloudwatch), want) is None  # type: ignore[arg-type]
    assert [op for op, _ in cloudwatch.calls] == ["describe_alarms"]


def test_alarms_are_asked_for_100_names_a_call_and_come_back_in_order() -> None:
    # DescribeAlarms AlarmNames: at most 100 (botocore cloudwatch model)
    base = wants()[0]
    many = [replace(base, name=f"alarm-{i:03}") for i in range(201)]
    cloudwatch = FakeCloudWatch({w.name: described(w) for w in many if w.name != "alarm-150"})
    states = KIND.read_many(FakeContext(cloudwatch), many)  # type: ignore[arg-type]
    asked = [p["AlarmNames"] for op, p in cloudwatch.calls if op == "describe_alarms"]
    assert asked == [[w.name for w in many[:100]], [w.name for w in many[100:200]], ["alarm-200"]]
    assert [s.name if s else None for s in states] == [w.name if w.name != "alarm-150" else None for w in many]
    assert states[0] is not None and states[0].arn == arn("alarm-000") and not states[0].owned


def test_only_the_members_sesl_sets_are_kept_and_absent_ones_are_none() -> None:
    want = wants()[0]
    answer = described(want)
    del answer["TreatMissingData"]
    cloudwatch = FakeCloudWatch({want.name: answer})
    observed = KIND.read(FakeContext(cloudwatch), want)  # type: ignore[arg-type]
    assert observed is not None
    assert observed.params == {**want.params, "TreatMissingData": None}


# -- diff -----------------------------------------------------------------------------------------------------------

def test_what_describe_alarms_leaves_out_or_reorders_is_no_change() -> None:
    base = wants()[0]
    dims = [{"Name": "DeliveryStreamName", "Value": "s"}, {"Name": "Env", "Value": "dev"}]
    want = replace(base, params={**base.params, "Dimensions": dims, "AlarmActions": [TOPIC, OTHER_TOPIC],
                                 "OKActions": [TOPIC, OTHER_TOPIC], "InsufficientDataActions": [TOPIC, OTHER_TOPIC],
                                 "TreatMissingData": "missing"})
    have = state(want, Dimensions=dims[::-1], AlarmActions=[OTHER_TOPIC, TOPIC], OKActions=[OTHER_TOPIC, TOPIC],
                 InsufficientDataActions=[OTHER_TOPIC, TOPIC], TreatMissingData=None)
    assert KIND.diff(have, want) == []


def test_a_dimensionless_alarm_read_without_dimensions_is_no_change() -> None:
    bounce = next(w for w in wants() if w.name == "ses-dev-bounce-rate")
    assert bounce.params["Dimensions"] == []
    assert KIND.diff(state(bounce, Dimensions=None), bounce) == []


def test_a_different_dimension_is_a_change() -> None:
    want = wants()[0]
    other = [{"Name": "DeliveryStreamName", "Value": "email-events-other-dev"}]
    (change,) = KIND.diff(state(want, Dimensions=other), want)
    assert change.aspect == "definition"
    assert [f.path for f in change.fields] and all(f.path.startswith("Dimensions") for f in change.fields)


def test_a_different_action_is_a_change_in_every_action_list() -> None:
    want = wants()[0]
    want = replace(want, params={**want.params, "InsufficientDataActions": [TOPIC]})
    for key in ("AlarmActions", "OKActions", "InsufficientDataActions"):
        (change,) = KIND.diff(state(want, **{key: [OTHER_TOPIC]}), want)
        assert [f.path.split(".")[0].split("[")[0] for f in change.fields] == [key]


def test_the_threshold_and_the_missing_data_rule_are_compared() -> None:
    want = wants()[1]  # data freshness: 900 s, notBreaching
    (change,) = KIND.diff(state(want, Threshold=3600.0, TreatMissingData=None), want)
    assert change.fields == (FieldChange("Threshold", 3600.0, 900.0),
                             FieldChange("TreatMissingData", "missing", "notBreaching"))
    # an alarm on a metric math expression has no Threshold: a change, not a crash
    (change,) = KIND.diff(state(want, Threshold=None), want)
    assert change.fields == (FieldChange("Threshold", None, 900.0),)


def test_diff_carries_both_sides_per_aspect() -> None:
    want = wants()[0]
    have = replace(state(want, Threshold=0.5), tags={"sesl:managed-by": "sesl"})
    changes = KIND.diff(have, want)
    assert [(c.aspect, c.action, c.name) for c in changes] == [("definition", Action.UPDATE, want.name),
                                                              ("tags", Action.UPDATE, want.name)]
    assert all(c.have is have and c.want is want for c in changes)
    assert changes[1].fields == (FieldChange("tags.sesl:env", None, "dev"),)


# -- the calls that repair ------------------------------------------------------------------------------------------

def test_tags_go_to_the_alarms_arn_and_delete_names_the_alarm() -> None:
    want = wants()[0]
    have = state(want)
    ctx = FakeContext()
    KIND.update_tags(ctx, want, have)  # type: ignore[arg-type]
    KIND.delete(ctx, have)  # type: ignore[arg-type]
    assert ctx.cloudwatch.calls == [
        ("tag_resource", {"ResourceARN": arn(want.name), "Tags": [{"Key": "sesl:env", "Value": "dev"},
                                                                  {"Key": "sesl:managed-by", "Value": "sesl"}]}),
        ("delete_alarms", {"AlarmNames": [want.name]})]
    assert ctx.services == ["cloudwatch", "cloudwatch"]
