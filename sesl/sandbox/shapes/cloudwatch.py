"""CloudWatch: what DescribeAlarms and GetDashboard really return."""

from __future__ import annotations

import json
from typing import Any

from sesl.sandbox.shapes import Response, shaping

# moto's StateReason for an alarm no evaluation has touched yet (moto 5.2.5 cloudwatch models).
INITIAL_REASON = "Unchecked: Initial alarm creation"


def _metric_alarm(alarm: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in alarm.items() if not (k in ("Dimensions", "Metrics") and not v)}
    if out.get("StateReason") == INITIAL_REASON and out.get("StateValue") == "OK":
        out["StateValue"] = "INSUFFICIENT_DATA"
    return out


@shaping("cloudwatch", "DescribeAlarms",
         what="an alarm on a metric without dimensions has no `Dimensions` key and a single-metric alarm no "
              "`Metrics` key (moto sends `[]`); a new alarm is `INSUFFICIENT_DATA` until its first evaluation "
              "(moto says `OK`); `OKActions`/`InsufficientDataActions` stay as `[]` when empty",
         source="published live read: go-to-k/cdk-real-drift tests/corpus/AWS__CloudWatch__Alarm.Pulse82D6B25B.json "
                "(no Dimensions, `OKActions: []`); ansible/ansible#30097 (an alarm without dimensions reads back "
                "without the list); terraform-provider-aws internal/service/cloudwatch/metric_alarm.go "
                "resourceMetricAlarmRead (`if len(alarm.Metrics) > 0`, TreatMissingData nil -> \"missing\"); "
                "aws/aws-cli awscli/examples/cloudwatch/describe-alarms.rst (empty action lists as []); AWS "
                "knowledge center cloudwatch-alarm-insufficient-data-state (\"its first state by default is "
                "INSUFFICIENT_DATA\")")
def alarms_as_aws_lists_them(response: Response, request: Response) -> Response:
    return {**response, "MetricAlarms": [_metric_alarm(a) for a in response.get("MetricAlarms", [])]}


@shaping("cloudwatch", "GetDashboard",
         what="DashboardBody comes back re-serialised compactly (no whitespace, key order kept), not as sent",
         source="hashicorp/terraform-provider-aws#16154 (an indented body read back with `aws cloudwatch "
                "get-dashboard` as compact JSON); aws/aws-cli awscli/examples/cloudwatch/get-dashboard.rst; "
                "terraform-provider-aws#1172 (dashboard_body normalised with normalizeJsonString)")
def dashboard_body_compact(response: Response, request: Response) -> Response:
    body = response.get("DashboardBody")
    if not isinstance(body, str):
        return response
    try:
        parsed = json.loads(body)
    except ValueError:
        return response
    return {**response, "DashboardBody": json.dumps(parsed, separators=(",", ":"), ensure_ascii=False)}
