"""One CloudWatch dashboard per environment: the streams' health and Athena's scanned bytes.

For each stream: incoming records, deliveries to S3, Parquet conversions succeeded and failed,
throttled records; delivery success ratio and data freshness; then Athena ProcessedBytes of the
workgroup and the alarms' status. PutDashboard replaces the whole body and CloudWatch may return it
reformatted, so bodies are compared as parsed JSON, never as text (terraform-provider-aws #1172).
Dashboards take no tags: a text widget carrying sesl's ownership marker is the proof.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sesl import cloudwatch_rules
from sesl.cloudwatch_rules import GRID_WIDTH
from sesl.context import AwsContext
from sesl.diff import diff_values
from sesl.fold import fold_attribute
from sesl.model import Change, FieldChange
from sesl.naming import OWNER_TAG_KEY, OWNER_TAG_VALUE
from sesl.resources.base import Aspect, Env, Kind, Request, read_or_none, send
from sesl.resources.cloudwatch_alarm import account_alarms, stream_alarms

PERIOD = 300


def marker(env: str) -> str:
    return f"{OWNER_TAG_KEY}={OWNER_TAG_VALUE} sesl:env={env}"


@dataclass(frozen=True)
class DashboardSpec:
    name: str
    body: dict[str, Any]


@dataclass(frozen=True)
class DashboardState:
    name: str
    owned: bool
    body: dict[str, Any]


def _metric_widget(title: str, region: str, metrics: list[list[Any]], y: int, x: int, stat: str = "Sum",
                   ) -> dict[str, Any]:
    return {"type": "metric", "x": x, "y": y, "width": 12, "height": 6,
            "properties": {"title": title, "region": region, "view": "timeSeries", "stat": stat,
                           "period": PERIOD, "metrics": metrics}}


def _stream_widgets(env: Env, flow: str, y: int) -> list[dict[str, Any]]:
    stream, region = env.names.stream(flow), env.names.region
    counts = [["AWS/Firehose", metric, "DeliveryStreamName", stream] for metric in
              ("IncomingRecords", "DeliveryToS3.Records", "SucceedConversion.Records", "FailedConversion.Records",
               "ThrottledRecords")]
    health = [["AWS/Firehose", "DeliveryToS3.DataFreshness", "DeliveryStreamName", stream, {"stat": "Maximum"}],
              ["AWS/Firehose", "DeliveryToS3.Success", "DeliveryStreamName", stream,
               {"stat": "Average", "yAxis": "right"}]]
    return [_metric_widget(f"{stream}: records", region, counts, y, 0),
            _metric_widget(f"{stream}: freshness (s) and success ratio", region, health, y, 12, "Average")]


def dashboard_body(env: Env) -> dict[str, Any]:
    n = env.names
    widgets: list[dict[str, Any]] = [
        {"type": "text", "x": 0, "y": 0, "width": GRID_WIDTH, "height": 2, "properties": {"markdown": (
            f"## SES email events ({env.spec.env})\nManaged by sesl: changes made here are reverted by "
            f"`sesl apply --env {env.spec.env}`. `{marker(env.spec.env)}`")}},
    ]
    for index, flow in enumerate(env.spec.flows):
        widgets += _stream_widgets(env, flow, 2 + 6 * index)
    bottom = 2 + 6 * len(env.spec.flows)
    widgets.append(_metric_widget(f"Athena bytes scanned ({n.workgroup})", n.region,
                                  [["AWS/Athena", "ProcessedBytes", "WorkGroup", n.workgroup]], bottom, 0))
    alarms = [name for flow in env.spec.flows for name, _ in stream_alarms(env, flow)]
    alarms += [name for name, _ in account_alarms(env)]
    widgets.append({"type": "alarm", "x": 12, "y": bottom, "width": 12, "height": 6, "properties": {
        "title": "Alarms", "alarms": [n.alarm_arn(a) for a in alarms]}})
    return {"start": "-PT24H", "periodOverride": "inherit", "widgets": widgets}


class CloudWatchDashboardKind(Kind[DashboardSpec, DashboardState]):
    kind = "cloudwatch_dashboard"
    needs = ("cloudwatch_alarm",)
    ownership = "its text widget carries the marker sesl:managed-by=sesl sesl:env=<env> (dashboards take no tags)"

    def desired(self, env: Env) -> list[DashboardSpec]:
        return [DashboardSpec(env.names.dashboard, dashboard_body(env))]

    def validate(self, env: Env, want: DashboardSpec) -> list[str]:
        return cloudwatch_rules.dashboard_problems(want.name, want.body)

    def read(self, ctx: AwsContext, want: DashboardSpec) -> DashboardState | None:
        answer = read_or_none(
            lambda: ctx.client("cloudwatch").get_dashboard(DashboardName=want.name),
            "ResourceNotFound", "ResourceNotFoundException")
        if answer is None:
            return None
        body = json.loads(answer.get("DashboardBody") or "{}")
        owned = marker(ctx.spec.env) in json.dumps(body)
        return DashboardState(want.name, owned, body)

    def create_fields(self, want: DashboardSpec) -> tuple[FieldChange, ...]:
        return (FieldChange("widgets", None, len(want.body["widgets"])),)

    def diff(self, have: DashboardState, want: DashboardSpec) -> list[Change]:
        return self.change(want, have, "body", diff_values(have.body, want.body))

    def requests(self, want: DashboardSpec) -> list[Request]:
        return [Request("cloudwatch", "PutDashboard", {"DashboardName": want.name,
                                                       "DashboardBody": json.dumps(want.body)})]

    def create(self, ctx: AwsContext, want: DashboardSpec) -> None:
        (request,) = self.requests(want)
        send(ctx.client("cloudwatch"), request)

    def update_body(self, ctx: AwsContext, want: DashboardSpec, have: DashboardState) -> None:
        self.create(ctx, want)

    def delete(self, ctx: AwsContext, have: DashboardState) -> None:
        ctx.client("cloudwatch").delete_dashboards(DashboardNames=[have.name])

    ASPECTS = (
        Aspect[DashboardSpec, DashboardState]("body", ("cloudwatch:PutDashboard",), update_body,
                                              fold=fold_attribute("body")),
    )
    CREATE = ("cloudwatch:PutDashboard",)
    DELETE = ("cloudwatch:DeleteDashboards",)
    ADOPT_ASPECT = "body"  # adopting writes the body with sesl's marker
