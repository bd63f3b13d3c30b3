"""Every alarm pinned: its metric, statistic, comparison operator, threshold, periods, missing-data rule and
actions; and each PutMetricAlarm limit on both sides."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sesl.model import FieldChange
from sesl.naming import Names
from sesl.resources.base import Env
from sesl.resources.cloudwatch_alarm import (
    AlarmSpec,
    CloudWatchAlarmKind,
    account_alarms,
    stream_alarms,
)
from sesl.spec import default_spec

N = Names("dev", "us-west-2", "123456789012")
TOPIC = "arn:aws:sns:us-west-2:123456789012:email-events-alerts-dev"


def _env(**monitoring: Any) -> Env:
    spec = default_spec("dev")
    return Env(replace(spec, monitoring=replace(spec.monitoring, **monitoring)), N)


def _shape(params: dict[str, Any]) -> tuple[Any, ...]:
    return (params["Namespace"], params["MetricName"], params["Dimensions"], params["Statistic"],
            params["ComparisonOperator"], params["Threshold"], params["Period"], params["EvaluationPeriods"],
            params["DatapointsToAlarm"], params["TreatMissingData"])


def test_each_stream_alarm_exactly() -> None:
    env = _env(freshness_threshold_seconds=600, alarm_period_seconds=120, evaluation_periods=5,
               datapoints_to_alarm=4)
    alarms = dict(stream_alarms(env, "newsletter"))
    stream = "email-events-newsletter-dev"
    dims = [{"Name": "DeliveryStreamName", "Value": stream}]
    assert {name: _shape(p) for name, p in alarms.items()} == {
        f"{stream}-delivery-success": ("AWS/Firehose", "DeliveryToS3.Success", dims, "Average", "LessThanThreshold",
                                       1.0, 120, 5, 4, "notBreaching"),
        f"{stream}-data-freshness": ("AWS/Firehose", "DeliveryToS3.DataFreshness", dims, "Maximum",
                                     "GreaterThanThreshold", 600.0, 120, 5, 4, "notBreaching"),
        f"{stream}-conversion-failures": ("AWS/Firehose", "FailedConversion.Records", dims, "Sum",
                                          "GreaterThanThreshold", 0.0, 120, 1, 1, "notBreaching"),
        f"{stream}-throttled": ("AWS/Firehose", "ThrottledRecords", dims, "Sum", "GreaterThanThreshold", 0.0, 120,
                                1, 1, "notBreaching"),
    }
    assert {name: p["AlarmDescription"] for name, p in alarms.items()} == {
        f"{stream}-delivery-success": f"{stream}: S3 deliveries failing",
        f"{stream}-data-freshness": f"{stream}: oldest undelivered record older than 600 s",
        f"{stream}-conversion-failures": f"{stream}: records failed Parquet conversion (see errors/)",
        f"{stream}-throttled": f"{stream}: records throttled",
    }
    for params in alarms.values():
        assert (params["ActionsEnabled"], params["AlarmActions"], params["OKActions"]) == (True, [TOPIC], [TOPIC])
        assert "InsufficientDataActions" not in params


def test_each_account_alarm_exactly() -> None:
    env = _env(bounce_rate_threshold=0.04, complaint_rate_threshold=0.002, drift_heartbeat_hours=30)
    alarms = dict(account_alarms(env))
    env_dim = [{"Name": "Env", "Value": "dev"}]
    assert {name: _shape(p) for name, p in alarms.items()} == {
        "ses-dev-bounce-rate": ("AWS/SES", "Reputation.BounceRate", [], "Average", "GreaterThanOrEqualToThreshold",
                                0.04, 3600, 1, 1, "ignore"),
        "ses-dev-complaint-rate": ("AWS/SES", "Reputation.ComplaintRate", [], "Average",
                                   "GreaterThanOrEqualToThreshold", 0.002, 3600, 1, 1, "ignore"),
        "sesl-dev-drift": ("sesl", "DriftedAspects", env_dim, "Maximum", "GreaterThanThreshold", 0.0, 3600, 1, 1,
                           "notBreaching"),
        "sesl-dev-drift-heartbeat": ("sesl", "DriftCheckRuns", env_dim, "Sum", "LessThanThreshold", 1.0, 3600, 30,
                                     30, "breaching"),
    }
    assert {name: p["AlarmDescription"] for name, p in alarms.items()} == {
        "ses-dev-bounce-rate": "SES account bounce rate at the review level",
        "ses-dev-complaint-rate": "SES account complaint rate at the review level",
        "sesl-dev-drift": "sesl drift found differences (run `sesl drift`)",
        "sesl-dev-drift-heartbeat": "no `sesl drift` run recorded for 30 h",
    }
    assert all(p["AlarmActions"] == [TOPIC] and p["OKActions"] == [TOPIC] for p in alarms.values())


def test_the_default_thresholds_are_the_levels_ses_asks_for() -> None:
    alarms = dict(account_alarms(_env()))
    assert alarms["ses-dev-bounce-rate"]["Threshold"] == 0.05
    assert alarms["ses-dev-complaint-rate"]["Threshold"] == 0.001
    assert dict(stream_alarms(_env(), "newsletter"))["email-events-newsletter-dev-data-freshness"]["Threshold"] == 900.0


def test_desired_has_every_alarm_of_both_flows_and_the_account_with_tags() -> None:
    spec = replace(default_spec("dev"), tags={"team": "x"})
    alarms = CloudWatchAlarmKind().desired(Env(spec, N))
    assert [a.name for a in alarms] == [
        *(f"email-events-{flow}-dev-{what}" for flow in ("newsletter", "transactional")
          for what in ("delivery-success", "data-freshness", "conversion-failures", "throttled")),
        "ses-dev-bounce-rate", "ses-dev-complaint-rate", "sesl-dev-drift", "sesl-dev-drift-heartbeat"]
    assert all(a.tags == {"team": "x", "sesl:managed-by": "sesl", "sesl:env": "dev"} for a in alarms)
    assert [CloudWatchAlarmKind().validate(Env(spec, N), a) for a in alarms] == [[]] * 12


def test_create_fields_say_the_metric_and_the_condition() -> None:
    name, params = account_alarms(_env())[0]
    assert CloudWatchAlarmKind().create_fields(AlarmSpec(name, params, {})) == (
        FieldChange("metric", None, "AWS/SES Reputation.BounceRate Average"),
        FieldChange("condition", None, "GreaterThanOrEqualToThreshold 0.05"))


# -- PutMetricAlarm limits ---------------------------------------------------------------------------------------

def _params(**over: Any) -> dict[str, Any]:
    params: dict[str, Any] = {"Period": 60, "EvaluationPeriods": 1, "DatapointsToAlarm": 1, "Statistic": "Sum",
                              "ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "missing"}
    params.update(over)
    return params






