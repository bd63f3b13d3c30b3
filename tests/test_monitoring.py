"""Monitoring kinds climb the ladder: alert topic, alarms, dashboard (compared as JSON), budget."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from sesl import reconcile
from sesl.cloudwatch_rules import dashboard_problems
from sesl.context import AwsContext
from sesl.model import Action
from sesl.naming import Names
from sesl.reconcile import model_problems
from sesl.resources.base import Env
from sesl.resources.budget import BudgetKind, subscriber_problems
from sesl.resources.cloudwatch_alarm import CloudWatchAlarmKind
from sesl.resources.cloudwatch_dashboard import CloudWatchDashboardKind
from sesl.sandbox.shapes import sns as sandbox_sns
from sesl.spec import EnvSpec, default_spec
from tests.conftest import ACCOUNT, boto
from tests.ladder import climb, drift_then_repair, plan_for

TOPIC = "email-events-alerts-dev"
TOPIC_ARN = f"arn:aws:sns:us-west-2:{ACCOUNT}:{TOPIC}"
DASHBOARD = "email-events-dev"
BUDGET = "email-analytics-dev-monthly"


@pytest.fixture
def spec() -> EnvSpec:
    return replace(default_spec("dev"), alert_email="ops@example.com")


def _env(spec: EnvSpec) -> Env:
    return Env(spec, Names("dev", "us-west-2", ACCOUNT))


def _emails() -> list[str]:
    subs = boto("sns").list_subscriptions_by_topic(TopicArn=TOPIC_ARN)["Subscriptions"]
    return sorted(s["Endpoint"] for s in subs if s["Protocol"] == "email")


def test_topic_with_the_alert_email(ctx: AwsContext) -> None:
    climb(ctx, "sns_topic", [TOPIC])
    assert _emails() == ["ops@example.com"]


def test_changing_the_alert_email_unsubscribes_only_what_sesl_subscribed(ctx: AwsContext) -> None:
    climb(ctx, "sns_topic", [TOPIC])
    sandbox_sns.confirm(TOPIC_ARN, "ops@example.com")  # the recipient followed the link
    boto("sns").subscribe(TopicArn=TOPIC_ARN, Protocol="email", Endpoint="someone-else@example.com")
    moved = AwsContext(replace(ctx.spec, alert_email="oncall@example.com"))
    (change,) = plan_for(moved, ["sns_topic"])[:1]
    assert change.aspect == "subscription"
    assert {f.path for f in change.fields} == {"email.oncall@example.com", "email.ops@example.com"}
    reconcile.execute(moved, reconcile.plan(moved, reconcile.PlanOptions(targets=("sns_topic",))))
    assert _emails() == ["oncall@example.com", "someone-else@example.com"]
    assert plan_for(moved, ["sns_topic"]) == []


def test_alarms_climb_the_ladder_and_threshold_drift_is_precise(ctx: AwsContext) -> None:
    names = [a.name for a in CloudWatchAlarmKind().desired(_env(ctx.spec))]
    assert len(names) == 12
    climb(ctx, "cloudwatch_alarm", names, deps=["sns_topic"])
    freshness = "email-events-newsletter-dev-data-freshness"
    alarm = boto("cloudwatch").describe_alarms(AlarmNames=[freshness])["MetricAlarms"][0]
    assert (alarm["MetricName"], alarm["Threshold"], alarm["AlarmActions"]) == (
        "DeliveryToS3.DataFreshness", 900.0, [TOPIC_ARN])
    params = {k: alarm[k] for k in ("Namespace", "MetricName", "Dimensions", "Statistic", "Period",
                                    "EvaluationPeriods", "ComparisonOperator")}
    change = drift_then_repair(ctx, "cloudwatch_alarm", freshness, "definition", lambda: boto(
        "cloudwatch").put_metric_alarm(AlarmName=freshness, Threshold=3600.0, **params))
    assert ("Threshold", 3600.0, 900.0) in [(f.path, f.before, f.after) for f in change.fields]


def test_heartbeat_and_reputation_alarms() -> None:
    alarms = {a.name: a.params for a in CloudWatchAlarmKind().desired(_env(default_spec("prod")))}
    heartbeat = alarms["sesl-prod-drift-heartbeat"]
    assert (heartbeat["Namespace"], heartbeat["MetricName"], heartbeat["TreatMissingData"]) == (
        "sesl", "DriftCheckRuns", "breaching")
    assert heartbeat["Period"] * heartbeat["EvaluationPeriods"] == 26 * 3600
    assert alarms["ses-prod-bounce-rate"]["Threshold"] == 0.05
    assert alarms["ses-prod-complaint-rate"]["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


@pytest.mark.parametrize(("edit", "expected"), [
    ({"Period": 45}, "multiple of 60"),
    ({"Period": 300, "EvaluationPeriods": 289, "DatapointsToAlarm": 1}, "at most 86400"),
    ({"Period": 3600, "EvaluationPeriods": 169, "DatapointsToAlarm": 1}, "at most 604800"),
    ({"DatapointsToAlarm": 4, "EvaluationPeriods": 3}, "DatapointsToAlarm: 4 must not exceed EvaluationPeriods (3)"),
    ({"TreatMissingData": "sometimes"}, "TreatMissingData: 'sometimes'"),
    ({"ComparisonOperator": "Bigger"}, "ComparisonOperator: 'Bigger' is not one of"),
    ({"Statistic": "p99"}, "Statistic: 'p99' is not one of"),
    ({"AlarmActions": ["arn:aws:sns:us-west-2:1:t"] * 6}, "6 items is above the maximum length 5"),
])
def test_alarm_rules_follow_cloudwatch(edit: dict[str, Any], expected: str) -> None:
    kind = CloudWatchAlarmKind()
    env = _env(default_spec("dev"))
    alarm = kind.desired(env)[0]
    assert kind.validate(env, alarm) + model_problems(kind, alarm) == []
    bad = replace(alarm, params={**alarm.params, **edit})
    assert any(expected in p for p in kind.validate(env, bad) + model_problems(kind, bad))


def test_dashboard_is_compared_as_json(ctx: AwsContext) -> None:
    climb(ctx, "cloudwatch_dashboard", [DASHBOARD], deps=["sns_topic", "cloudwatch_alarm"])
    body = json.loads(boto("cloudwatch").get_dashboard(DashboardName=DASHBOARD)["DashboardBody"])
    titles = [w["properties"].get("title") for w in body["widgets"]]
    assert "Athena bytes scanned (email-analytics-dev)" in titles
    # CloudWatch may hand the body back reformatted: same JSON, other text.
    boto("cloudwatch").put_dashboard(DashboardName=DASHBOARD, DashboardBody=json.dumps(body, indent=4, sort_keys=True))
    assert plan_for(ctx, ["cloudwatch_dashboard"]) == []
    body["widgets"][1]["properties"]["period"] = 60
    drift_then_repair(ctx, "cloudwatch_dashboard", DASHBOARD, "body", lambda: boto("cloudwatch").put_dashboard(
        DashboardName=DASHBOARD, DashboardBody=json.dumps(body)))


def test_a_dashboard_without_sesls_marker_is_not_sesls(ctx: AwsContext) -> None:
    boto("cloudwatch").put_dashboard(DashboardName=DASHBOARD, DashboardBody=json.dumps({"widgets": []}))
    assert [c.action for c in plan_for(ctx, ["cloudwatch_dashboard"])] == [Action.CONFLICT]


def test_dashboard_body_rules() -> None:
    body = CloudWatchDashboardKind().desired(_env(default_spec("dev")))[0].body
    assert dashboard_problems("email-events-dev", body) == []
    assert dashboard_problems("email-events-dev", {"start": "-PT1H"}) == ["the body must include a widgets array"]
    assert dashboard_problems("email-events-dev", {"widgets": [{"x": 20, "width": 6}]}) == [
        "widget 0 extends past the 24-column grid"]
    assert dashboard_problems("email-events-dev", {"widgets": [{"x": 18, "width": 6}]}) == []
    assert dashboard_problems("email events", {"widgets": []}) == ["dashboard name must be 1-255 of A-Z a-z 0-9 - _"]


def test_budget_climbs_the_ladder_and_compares_amounts_as_numbers(ctx: AwsContext) -> None:
    climb(ctx, "budget", [BUDGET])
    budgets = boto("budgets")
    budget = budgets.describe_budget(AccountId=ACCOUNT, BudgetName=BUDGET)["Budget"]
    # "25.00" sent, "25.0" read back (sesl.sandbox.shapes.budgets)
    assert (budget["BudgetLimit"], budget["TimeUnit"]) == ({"Amount": "25.0", "Unit": "USD"}, "MONTHLY")
    budgets.update_budget(AccountId=ACCOUNT, NewBudget={**budget, "BudgetLimit": {"Amount": "25", "Unit": "USD"}})
    assert plan_for(ctx, ["budget"]) == []
    change = drift_then_repair(ctx, "budget", BUDGET, "limit", lambda: budgets.update_budget(
        AccountId=ACCOUNT, NewBudget={**budget, "BudgetLimit": {"Amount": "99", "Unit": "USD"}}))
    assert [(f.path, f.before, f.after) for f in change.fields] == [("Amount", 99.0, 25.0)]


def test_budget_notifications_drift(ctx: AwsContext) -> None:
    climb(ctx, "budget", [BUDGET])
    budgets = boto("budgets")
    (actual, _) = budgets.describe_notifications_for_budget(AccountId=ACCOUNT, BudgetName=BUDGET)["Notifications"]
    drift_then_repair(ctx, "budget", BUDGET, "notifications", lambda: budgets.delete_notification(
        AccountId=ACCOUNT, BudgetName=BUDGET, Notification=actual))
    subscribers = budgets.describe_subscribers_for_notification(AccountId=ACCOUNT, BudgetName=BUDGET,
                                                                Notification=actual)["Subscribers"]
    assert sorted(subscribers, key=lambda x: x["SubscriptionType"]) == [
        {"SubscriptionType": "EMAIL", "Address": "ops@example.com"},
        {"SubscriptionType": "SNS", "Address": TOPIC_ARN}]


def test_budget_without_an_alert_email_warns_and_validates_names() -> None:
    env = _env(default_spec("dev"))
    kind = BudgetKind()
    want = kind.desired(env)[0]
    # Budget alerts still reach the alert topic; only the e-mail subscriber is missing.
    assert [n[0] for n in want.notifications] == ["ACTUAL", "FORECASTED"]
    assert want.subscribers() == (("SNS", TOPIC_ARN),)
    assert kind.warnings(env, want) == [
        f"no env.<name>.alert_email: budget alerts go only to the alert topic {TOPIC_ARN}"]
    assert "CreateBudget.Budget.BudgetName: 'a:b' does not match" in model_problems(kind, replace(want, name="a:b"))[0]
    assert "101 characters is above the maximum length 100" in model_problems(kind, replace(want, name="x" * 101))[0]
    assert model_problems(kind, want) == []


def test_a_budget_notification_takes_one_topic_and_ten_addresses() -> None:
    topic, other = ("SNS", TOPIC_ARN), ("SNS", TOPIC_ARN + "-2")
    emails = tuple(("EMAIL", f"o{i}@example.com") for i in range(11))
    assert subscriber_problems((topic, *emails[:10])) == []
    assert subscriber_problems((topic, other)) == ["a notification takes one SNS subscriber, not 2"]
    assert subscriber_problems(emails) == ["a notification takes at most 10 e-mail subscribers, not 11"]
