"""CloudWatch alarms, all publishing to the env's alert topic.

Per stream: delivery success below 1, data freshness above a threshold, any failed Parquet
conversion, any throttled record (Firehose guide, monitoring-with-cloudwatch-metrics; aws-reference.md
§6.1). For the account: the SES reputation bounce (≥ 5 %) and complaint (≥ 0.1 %) rates, the levels SES
asks senders to stay under (SES guide, reputationdashboard-cloudwatch-alarm). For `sesl drift`: an alarm
when the last run found drift, and a heartbeat alarm when no run was recorded for N hours, so a cron
job that died is noticed too.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from sesl import cloudwatch_rules
from sesl.context import AwsContext
from sesl.diff import diff_tags, diff_values, is_owned, ownership_tags, tag_list, tags_to_dict
from sesl.fold import fold_attribute
from sesl.model import Change, FieldChange
from sesl.naming import DRIFT_METRIC, ENV_DIMENSION, HEARTBEAT_METRIC, METRIC_NAMESPACE
from sesl.resources.base import Aspect, Env, Kind, Request, send

ALARM_NAMES_PER_CALL = 100  # DescribeAlarms AlarmNames and MaxRecords: at most 100 (botocore cloudwatch model)
TAG_READS_AT_ONCE = 8

Params = dict[str, Any]


@dataclass(frozen=True)
class AlarmSpec:
    name: str
    params: Params  # PutMetricAlarm parameters except AlarmName and Tags
    tags: dict[str, str]


@dataclass(frozen=True)
class AlarmState:
    name: str
    owned: bool
    arn: str
    params: Params
    tags: dict[str, str]


def _alarm(name: str, description: str, namespace: str, metric: str, dimensions: dict[str, str], statistic: str,
           comparison: str, threshold: float, topic: str, period: int, evaluations: int, datapoints: int,
           missing: str) -> tuple[str, Params]:
    return name, {
        "AlarmDescription": description, "ActionsEnabled": True, "AlarmActions": [topic], "OKActions": [topic],
        "Namespace": namespace, "MetricName": metric,
        "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()],
        "Statistic": statistic, "Period": period, "EvaluationPeriods": evaluations,
        "DatapointsToAlarm": datapoints, "Threshold": float(threshold), "ComparisonOperator": comparison,
        "TreatMissingData": missing,
    }


def stream_alarms(env: Env, flow: str) -> list[tuple[str, Params]]:
    n, m = env.names, env.spec.monitoring
    stream = n.stream(flow)
    dims = {"DeliveryStreamName": stream}
    every = (m.alarm_period_seconds, m.evaluation_periods, m.datapoints_to_alarm)
    once = (m.alarm_period_seconds, 1, 1)
    topic = n.alert_topic_arn
    return [
        # Success is a ratio of successful S3 puts; small dips are retried, a sustained one is not.
        _alarm(n.alarm(stream, "delivery-success"), f"{stream}: S3 deliveries failing", "AWS/Firehose",
               "DeliveryToS3.Success", dims, "Average", "LessThanThreshold", 1, topic, *every, "notBreaching"),
        _alarm(n.alarm(stream, "data-freshness"), f"{stream}: oldest undelivered record older than "
               f"{m.freshness_threshold_seconds} s", "AWS/Firehose", "DeliveryToS3.DataFreshness", dims, "Maximum",
               "GreaterThanThreshold", m.freshness_threshold_seconds, topic, *every, "notBreaching"),
        _alarm(n.alarm(stream, "conversion-failures"), f"{stream}: records failed Parquet conversion (see errors/)",
               "AWS/Firehose", "FailedConversion.Records", dims, "Sum", "GreaterThanThreshold", 0, topic, *once,
               "notBreaching"),
        _alarm(n.alarm(stream, "throttled"), f"{stream}: records throttled", "AWS/Firehose", "ThrottledRecords", dims,
               "Sum", "GreaterThanThreshold", 0, topic, *once, "notBreaching"),
    ]


def account_alarms(env: Env) -> list[tuple[str, Params]]:
    n, m = env.names, env.spec.monitoring
    topic, env_dim = n.alert_topic_arn, {ENV_DIMENSION: env.spec.env}
    hours = m.drift_heartbeat_hours
    return [
        # SES publishes reputation metrics for the account; missing data is ignored (no sending, no rate).
        _alarm(n.alarm(f"ses-{env.spec.env}", "bounce-rate"), "SES account bounce rate at the review level",
               "AWS/SES", "Reputation.BounceRate", {}, "Average", "GreaterThanOrEqualToThreshold",
               m.bounce_rate_threshold, topic, 3600, 1, 1, "ignore"),
        _alarm(n.alarm(f"ses-{env.spec.env}", "complaint-rate"), "SES account complaint rate at the review level",
               "AWS/SES", "Reputation.ComplaintRate", {}, "Average", "GreaterThanOrEqualToThreshold",
               m.complaint_rate_threshold, topic, 3600, 1, 1, "ignore"),
        _alarm(n.alarm(f"sesl-{env.spec.env}", "drift"), "sesl drift found differences (run `sesl drift`)",
               METRIC_NAMESPACE, DRIFT_METRIC, env_dim, "Maximum", "GreaterThanThreshold", 0, topic, 3600, 1, 1,
               "notBreaching"),
        # Every hour of `hours` without a drift run breaches; all of them together fire.
        _alarm(n.alarm(f"sesl-{env.spec.env}", "drift-heartbeat"), f"no `sesl drift` run recorded for {hours} h",
               METRIC_NAMESPACE, HEARTBEAT_METRIC, env_dim, "Sum", "LessThanThreshold", 1, topic, 3600, hours, hours,
               "breaching"),
    ]


def _comparable(params: Params) -> Params:
    """Both sides in one form. DescribeAlarms leaves out `Dimensions` for an alarm on a metric without
    dimensions (cdk-real-drift corpus AWS__CloudWatch__Alarm.Pulse82D6B25B; ansible/ansible#30097) and
    `TreatMissingData` when it was never set, which CloudWatch treats as "missing"
    (terraform-provider-aws internal/service/cloudwatch/metric_alarm.go, resourceMetricAlarmRead)."""
    out = dict(params)
    out["Dimensions"] = sorted(out.get("Dimensions") or [], key=lambda d: (d["Name"], d["Value"]))
    for key in ("AlarmActions", "OKActions", "InsufficientDataActions"):
        if key in out:
            out[key] = sorted(out[key] or [])
    if out.get("Threshold") is not None:
        out["Threshold"] = float(out["Threshold"])
    if "TreatMissingData" in out:
        out["TreatMissingData"] = out["TreatMissingData"] or "missing"
    return out


def observed_params(alarm: dict[str, Any], want: AlarmSpec) -> Params:
    """The members of a DescribeAlarms MetricAlarm that sesl sets (absent ones as None)."""
    return {k: alarm.get(k) for k in want.params}


class CloudWatchAlarmKind(Kind[AlarmSpec, AlarmState]):
    kind = "cloudwatch_alarm"
    needs = ("sns_topic",)

    def desired(self, env: Env) -> list[AlarmSpec]:
        tags = ownership_tags(env.spec.env, env.spec.tags)
        pairs = [a for flow in env.spec.flows for a in stream_alarms(env, flow)] + account_alarms(env)
        return [AlarmSpec(name, params, tags) for name, params in pairs]

    def validate(self, env: Env, want: AlarmSpec) -> list[str]:
        return cloudwatch_rules.alarm_problems(want.params)

    def read(self, ctx: AwsContext, want: AlarmSpec) -> AlarmState | None:
        return self.read_many(ctx, [want])[0]

    def read_many(self, ctx: AwsContext, wants: Sequence[AlarmSpec]) -> list[AlarmState | None]:
        """Every alarm with DescribeAlarms by name, up to 100 names a call (botocore cloudwatch model: AlarmNames
        "max": 100, MaxRecords 1-100, paginated by NextToken); tags are read per alarm, a few at once
        (ListTagsForResource takes one ARN; the tagging API's batch read is eventually consistent)."""
        cloudwatch = ctx.client("cloudwatch")
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(wants), ALARM_NAMES_PER_CALL):
            names = [w.name for w in wants[start:start + ALARM_NAMES_PER_CALL]]
            pages = cloudwatch.get_paginator("describe_alarms").paginate(
                AlarmNames=names, AlarmTypes=["MetricAlarm"], PaginationConfig={"PageSize": ALARM_NAMES_PER_CALL})
            found.update({a["AlarmName"]: a for page in pages for a in page.get("MetricAlarms", [])})
        with ThreadPoolExecutor(max_workers=TAG_READS_AT_ONCE) as pool:
            return list(pool.map(lambda want: self._state(ctx, want, found.get(want.name)), wants))

    def _state(self, ctx: AwsContext, want: AlarmSpec, alarm: dict[str, Any] | None) -> AlarmState | None:
        if alarm is None:
            return None
        cloudwatch = ctx.client("cloudwatch")
        tags = tags_to_dict(cloudwatch.list_tags_for_resource(ResourceARN=alarm["AlarmArn"]).get("Tags", []))
        return AlarmState(want.name, is_owned(tags, ctx.spec.env), alarm["AlarmArn"], observed_params(alarm, want),
                          tags)

    def create_fields(self, want: AlarmSpec) -> tuple[FieldChange, ...]:
        p = want.params
        return (FieldChange("metric", None, f"{p['Namespace']} {p['MetricName']} {p['Statistic']}"),
                FieldChange("condition", None, f"{p['ComparisonOperator']} {p['Threshold']:g}"))

    def diff(self, have: AlarmState, want: AlarmSpec) -> list[Change]:
        return [*self.change(want, have, "definition", diff_values(_comparable(have.params), _comparable(want.params))),
                *self.change(want, have, "tags", diff_tags(have.tags, want.tags))]

    def requests(self, want: AlarmSpec) -> list[Request]:
        return [Request("cloudwatch", "PutMetricAlarm", {"AlarmName": want.name, "Tags": tag_list(want.tags),
                                                         **want.params})]

    def create(self, ctx: AwsContext, want: AlarmSpec) -> None:
        (request,) = self.requests(want)
        send(ctx.client("cloudwatch"), request)

    def update_definition(self, ctx: AwsContext, want: AlarmSpec, have: AlarmState) -> None:
        # PutMetricAlarm replaces the whole definition; tags given here apply only on creation.
        ctx.client("cloudwatch").put_metric_alarm(AlarmName=want.name, **want.params)

    def update_tags(self, ctx: AwsContext, want: AlarmSpec, have: AlarmState) -> None:
        ctx.client("cloudwatch").tag_resource(ResourceARN=have.arn, Tags=tag_list(want.tags))

    def delete(self, ctx: AwsContext, have: AlarmState) -> None:
        ctx.client("cloudwatch").delete_alarms(AlarmNames=[have.name])

    ASPECTS = (
        Aspect[AlarmSpec, AlarmState]("definition", ("cloudwatch:PutMetricAlarm",), update_definition,
                                      fold=fold_attribute("params")),
        Aspect("tags", ("cloudwatch:TagResource",), update_tags, fold=fold_attribute("tags", "tags.")),
    )
    CREATE = ("cloudwatch:PutMetricAlarm",)
    DELETE = ("cloudwatch:DeleteAlarms",)
