"""Every alarm pinned: its metric, statistic, comparison operator, threshold, periods, missing-data rule and
actions; and each PutMetricAlarm limit on both sides."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from sesl.model import FieldChange
from sesl.naming import Names
from sesl.resources.base import Env
from sesl.resources.cloudwatch_alarm import (
    AlarmSpec,
    CloudWatchAlarmKind,
    account_alarms,
    alarm_problems,
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


@pytest.mark.parametrize(("length", "ok"), [(0, False), (1, True), (255, True), (256, False)])
def test_an_alarm_name_is_1_to_255(length: int, ok: bool) -> None:
    assert alarm_problems("a" * length, _params()) == ([] if ok else ["alarm name must be 1-255 characters"])


@pytest.mark.parametrize(("length", "ok"), [(1024, True), (1025, False)])
def test_a_description_is_at_most_1024(length: int, ok: bool) -> None:
    assert alarm_problems("a", _params(AlarmDescription="d" * length)) == (
        [] if ok else ["AlarmDescription longer than 1024 characters"])


@pytest.mark.parametrize(("period", "ok"), [(10, True), (20, True), (30, True), (60, True), (180, True),
                                            (15, False), (45, False), (61, False)])
def test_a_period_is_10_20_30_or_a_multiple_of_60(period: int, ok: bool) -> None:
    assert alarm_problems("a", _params(Period=period)) == (
        [] if ok else [f"Period {period}: must be 10, 20, 30 or a multiple of 60"])


@pytest.mark.parametrize(("period", "evaluations", "problem"), [
    (60, 1440, None), (60, 1441, "Period x EvaluationPeriods = 86460 s: at most 86400 s for this period"),
    (3540, 24, None), (3540, 25, "Period x EvaluationPeriods = 88500 s: at most 86400 s for this period"),
    (3600, 25, None), (3600, 168, None),
    (3600, 169, "Period x EvaluationPeriods = 608400 s: at most 604800 s for this period"),
])
def test_period_times_evaluations(period: int, evaluations: int, problem: str | None) -> None:
    got = alarm_problems("a", _params(Period=period, EvaluationPeriods=evaluations))
    assert got == ([] if problem is None else [problem])


@pytest.mark.parametrize(("datapoints", "ok"), [(0, True), (None, True), (1, True), (3, True), (4, False), (-1, False)])
def test_datapoints_are_1_to_evaluation_periods(datapoints: int | None, ok: bool) -> None:
    # 0 and None mean "as many as the evaluation periods"
    got = alarm_problems("a", _params(EvaluationPeriods=3, DatapointsToAlarm=datapoints))
    assert got == ([] if ok else ["DatapointsToAlarm must be between 1 and EvaluationPeriods"])


@pytest.mark.parametrize("operator", ["GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold",
                                      "LessThanOrEqualToThreshold"])
def test_every_comparison_is_accepted(operator: str) -> None:
    assert alarm_problems("a", _params(ComparisonOperator=operator)) == []


def test_an_unknown_comparison_statistic_or_missing_rule_is_refused() -> None:
    assert alarm_problems("a", _params(ComparisonOperator="Above", Statistic="p99", TreatMissingData="zero")) == [
        "ComparisonOperator 'Above' is not one of GreaterThanOrEqualToThreshold, GreaterThanThreshold, "
        "LessThanThreshold, LessThanOrEqualToThreshold",
        "Statistic 'p99' is not one of SampleCount, Average, Sum, Minimum, Maximum",
        "TreatMissingData 'zero' is not one of breaching, notBreaching, ignore, missing"]


@pytest.mark.parametrize("statistic", ["SampleCount", "Average", "Sum", "Minimum", "Maximum"])
def test_every_statistic_is_accepted(statistic: str) -> None:
    assert alarm_problems("a", _params(Statistic=statistic)) == []


@pytest.mark.parametrize("missing", ["breaching", "notBreaching", "ignore", "missing"])
def test_every_missing_data_rule_is_accepted(missing: str) -> None:
    assert alarm_problems("a", _params(TreatMissingData=missing)) == []
    params = _params()
    del params["TreatMissingData"]
    assert alarm_problems("a", params) == []


@pytest.mark.parametrize("key", ["AlarmActions", "OKActions", "InsufficientDataActions"])
@pytest.mark.parametrize(("count", "ok"), [(5, True), (6, False)])
def test_at_most_5_actions_of_each_kind(key: str, count: int, ok: bool) -> None:
    got = alarm_problems("a", _params(**{key: [f"arn:{i}" for i in range(count)]}))
    assert got == ([] if ok else [f"{key}: at most 5 actions"])
