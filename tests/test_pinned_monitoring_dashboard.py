"""The dashboard body pinned (mutation survivors of sesl/resources/cloudwatch_dashboard.py): its layout on the
24-column grid, each stream's two widgets with their metrics and statistics, the Athena and alarm widgets below
them, and the ownership marker, for the default streams and for a third one."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sesl.resources.base import Env
from sesl.resources.cloudwatch_dashboard import CloudWatchDashboardKind, dashboard_body
from sesl.spec import StreamSettings, default_spec
from tests.conftest import ACCOUNT

ARN = f"arn:aws:cloudwatch:us-west-2:{ACCOUNT}:alarm:"


def env(*streams: str) -> Env:
    spec = default_spec("dev")
    if streams:
        spec = replace(spec, streams=[StreamSettings(name=s) for s in streams])
    return Env(spec, spec.names_for("us-west-2", ACCOUNT))


def layout(body: dict[str, Any]) -> list[tuple[str, int, int, int, int]]:
    return [(w["type"], w["x"], w["y"], w["width"], w["height"]) for w in body["widgets"]]


def test_the_default_dashboard_is_laid_out_stream_by_stream() -> None:
    body = dashboard_body(env())
    assert (body["start"], body["periodOverride"]) == ("-PT24H", "inherit")
    assert layout(body) == [("text", 0, 0, 24, 2),
                            ("metric", 0, 2, 12, 6), ("metric", 12, 2, 12, 6),
                            ("metric", 0, 8, 12, 6), ("metric", 12, 8, 12, 6),
                            ("metric", 0, 14, 12, 6), ("alarm", 12, 14, 12, 6)]
    assert body["widgets"][0]["properties"]["markdown"] == (
        "## SES email events (dev)\nManaged by sesl: changes made here are reverted by `sesl apply --env dev`. "
        "`sesl:managed-by=sesl sesl:env=dev`")


def test_each_stream_shows_its_records_and_its_health() -> None:
    records, health = dashboard_body(env())["widgets"][3:5]
    stream = "email-events-transactional-dev"
    assert records["properties"] == {
        "title": f"{stream}: records", "region": "us-west-2", "view": "timeSeries", "stat": "Sum", "period": 300,
        "metrics": [["AWS/Firehose", m, "DeliveryStreamName", stream] for m in (
            "IncomingRecords", "DeliveryToS3.Records", "SucceedConversion.Records", "FailedConversion.Records",
            "ThrottledRecords")]}
    assert health["properties"] == {
        "title": f"{stream}: freshness (s) and success ratio", "region": "us-west-2", "view": "timeSeries",
        "stat": "Average", "period": 300,
        "metrics": [["AWS/Firehose", "DeliveryToS3.DataFreshness", "DeliveryStreamName", stream, {"stat": "Maximum"}],
                    ["AWS/Firehose", "DeliveryToS3.Success", "DeliveryStreamName", stream,
                     {"stat": "Average", "yAxis": "right"}]]}


def test_athena_and_the_alarms_sit_below_every_stream() -> None:
    body = dashboard_body(env("newsletter", "transactional", "marketing"))
    athena, alarms = body["widgets"][-2:]
    assert (athena["y"], alarms["y"]) == (20, 20)
    assert athena["properties"]["title"] == "Athena bytes scanned (email-analytics-dev)"
    assert athena["properties"]["metrics"] == [["AWS/Athena", "ProcessedBytes", "WorkGroup", "email-analytics-dev"]]
    names = [a.removeprefix(ARN) for a in alarms["properties"]["alarms"]]
    assert alarms["properties"]["title"] == "Alarms"
    assert [n for n in names if n.startswith("email-events-marketing-dev-")] and "sesl-dev-drift-heartbeat" in names
    assert all(a.startswith(ARN) for a in alarms["properties"]["alarms"])
    assert len(names) == len(set(names))


def test_a_create_shows_how_many_widgets() -> None:
    (want,) = CloudWatchDashboardKind().desired(env())
    assert want.name == "email-events-dev"
    assert [(f.path, f.before, f.after) for f in CloudWatchDashboardKind().create_fields(want)] == [
        ("widgets", None, 7)]
