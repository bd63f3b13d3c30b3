"""The monitoring kinds against AWS-shaped answers: each shaping in sesl/sandbox/shapes/{cloudwatch,sns,budgets}.py
is checked three ways: the shaping turns moto's echo into AWS's shape, the kind's diff sees no change in a
state built from that shape, and the kinds converge with the shaping layer on."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import botocore.exceptions
import pytest

from sesl.context import AwsContext
from sesl.model import Action
from sesl.naming import Names
from sesl.resources.base import Env
from sesl.resources.budget import BudgetKind, BudgetSpec, BudgetState
from sesl.resources.cloudwatch_alarm import AlarmSpec, AlarmState, CloudWatchAlarmKind, observed_params
from sesl.resources.sns_topic import SnsTopicKind, TopicSpec, TopicState, budgets_statement, topic_policy
from sesl.sandbox import shapes
from sesl.sandbox.shapes import sns as sandbox_sns
from sesl.sandbox.shapes.budgets import aws_amount
from sesl.spec import EnvSpec, default_spec
from tests.conftest import ACCOUNT, boto
from tests.ladder import converge, plan_for

TOPIC = "email-events-alerts-dev"
TOPIC_ARN = f"arn:aws:sns:us-west-2:{ACCOUNT}:{TOPIC}"
BUDGET = "email-analytics-dev-monthly"
BOUNCE = "ses-dev-bounce-rate"  # an account alarm: its metric has no dimensions
MONITORING = ("sns_topic", "cloudwatch_alarm", "cloudwatch_dashboard", "budget")


@pytest.fixture
def spec() -> EnvSpec:
    return replace(default_spec("dev"), alert_email="ops@example.com")


def _env(spec: EnvSpec) -> Env:
    return Env(spec, Names("dev", "us-west-2", ACCOUNT))


def _alarm(name: str) -> AlarmSpec:
    return next(a for a in CloudWatchAlarmKind().desired(_env(default_spec("dev"))) if a.name == name)


# --- every monitoring kind converges on AWS-shaped answers -------------------------------------------------------

def test_the_monitoring_kinds_converge_with_the_shapes_on(ctx: AwsContext) -> None:
    assert shapes.enabled()
    converge(ctx, MONITORING)
    assert plan_for(ctx, MONITORING) == []
    ctx.log.clear()
    converge(ctx, MONITORING)
    assert ctx.log.mutating == []
    # ... and the answers they converged on are AWS's, not moto's echo:
    alarm = boto("cloudwatch").describe_alarms(AlarmNames=[BOUNCE])["MetricAlarms"][0]
    assert "Dimensions" not in alarm and alarm["StateValue"] == "INSUFFICIENT_DATA"
    subscriptions = boto("sns").list_subscriptions_by_topic(TopicArn=TOPIC_ARN)["Subscriptions"]
    assert [(s["Endpoint"], s["SubscriptionArn"]) for s in subscriptions] == [
        ("ops@example.com", "PendingConfirmation")]
    budget = boto("budgets").describe_budget(AccountId=ACCOUNT, BudgetName=BUDGET)["Budget"]
    assert budget["BudgetLimit"] == {"Amount": "25.0", "Unit": "USD"}


# --- CloudWatch DescribeAlarms --------------------------------------------------------------------------------------

def _moto_alarm(**extra: Any) -> dict[str, Any]:
    return {"AlarmName": BOUNCE, "AlarmArn": f"arn:aws:cloudwatch:us-west-2:{ACCOUNT}:alarm:{BOUNCE}",
            "AlarmDescription": "SES account bounce rate at the review level",
            "ActionsEnabled": True, "OKActions": [TOPIC_ARN], "AlarmActions": [TOPIC_ARN],
            "InsufficientDataActions": [], "StateValue": "OK", "StateReason": "Unchecked: Initial alarm creation",
            "Namespace": "AWS/SES", "MetricName": "Reputation.BounceRate", "Statistic": "Average", "Dimensions": [],
            "Period": 3600, "EvaluationPeriods": 1, "DatapointsToAlarm": 1, "Threshold": 0.05,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold", "TreatMissingData": "ignore", "Metrics": [],
            **extra}


def test_describe_alarms_shaping_leaves_out_empty_dimensions_and_starts_in_insufficient_data() -> None:
    (shaped,) = shapes.shape("cloudwatch", "DescribeAlarms", {"MetricAlarms": [_moto_alarm()]}, {})["MetricAlarms"]
    assert "Dimensions" not in shaped and "Metrics" not in shaped
    assert shaped["StateValue"] == "INSUFFICIENT_DATA"
    assert shaped["InsufficientDataActions"] == []  # empty action lists stay (aws-cli describe-alarms example)
    dims = [{"Name": "DeliveryStreamName", "Value": "s"}]
    evaluated = _moto_alarm(Dimensions=dims, StateValue="ALARM", StateReason="Threshold Crossed: 1 datapoint")
    (kept,) = shapes.shape("cloudwatch", "DescribeAlarms", {"MetricAlarms": [evaluated]}, {})["MetricAlarms"]
    assert (kept["Dimensions"], kept["StateValue"]) == (dims, "ALARM")


def test_alarm_without_a_dimensions_key_is_no_change() -> None:
    want = _alarm(BOUNCE)
    aws = shapes.shape("cloudwatch", "DescribeAlarms", {"MetricAlarms": [_moto_alarm()]}, {})["MetricAlarms"][0]
    have = AlarmState(BOUNCE, True, aws["AlarmArn"], observed_params(aws, want), want.tags)
    assert have.params["Dimensions"] is None
    assert CloudWatchAlarmKind().diff(have, want) == []
    # the other side of the boundary: a changed threshold on the same shape is a change
    moved = replace(have, params={**have.params, "Threshold": 0.1})
    (change,) = CloudWatchAlarmKind().diff(moved, want)
    assert [(f.path, f.before, f.after) for f in change.fields] == [("Threshold", 0.1, 0.05)]


def test_alarm_without_treat_missing_data_is_missing() -> None:
    want = _alarm(BOUNCE)
    want = replace(want, params={**want.params, "TreatMissingData": "missing"})
    aws = {k: v for k, v in _moto_alarm().items() if k != "TreatMissingData"}  # never set: AWS leaves it out
    have = AlarmState(BOUNCE, True, aws["AlarmArn"], observed_params(aws, want), want.tags)
    assert CloudWatchAlarmKind().diff(have, want) == []
    ignoring = replace(want, params={**want.params, "TreatMissingData": "ignore"})
    assert [c.aspect for c in CloudWatchAlarmKind().diff(have, ignoring)] == ["definition"]


def test_alarms_converge_although_dimensionless_ones_come_back_without_dimensions(ctx: AwsContext) -> None:
    converge(ctx, ["sns_topic", "cloudwatch_alarm"])
    with shapes.disabled():  # moto's echo has the empty list; AWS's answer does not
        assert boto("cloudwatch").describe_alarms(AlarmNames=[BOUNCE])["MetricAlarms"][0]["Dimensions"] == []
    assert "Dimensions" not in boto("cloudwatch").describe_alarms(AlarmNames=[BOUNCE])["MetricAlarms"][0]
    assert plan_for(ctx, ["cloudwatch_alarm"]) == []


# --- CloudWatch GetDashboard ----------------------------------------------------------------------------------------

def test_get_dashboard_shaping_reserialises_the_body_compactly() -> None:
    sent = json.dumps({"widgets": [{"type": "text", "x": 0, "properties": {"markdown": "a b"}}]}, indent=2)
    shaped = shapes.shape("cloudwatch", "GetDashboard", {"DashboardBody": sent, "DashboardName": "d"}, {})
    assert shaped["DashboardBody"] == '{"widgets":[{"type":"text","x":0,"properties":{"markdown":"a b"}}]}'


def test_dashboard_converges_on_a_compact_body(ctx: AwsContext) -> None:
    converge(ctx, ["sns_topic", "cloudwatch_alarm", "cloudwatch_dashboard"])
    text = boto("cloudwatch").get_dashboard(DashboardName="email-events-dev")["DashboardBody"]
    assert ", " not in text[:200] and '": ' not in text  # not the text sesl sent (json.dumps with spaces)
    assert plan_for(ctx, ["cloudwatch_dashboard"]) == []


# --- SNS: subscriptions pending confirmation ------------------------------------------------------------------------

def test_an_email_subscription_stays_pending_in_the_sandbox(aws: None) -> None:
    sns = boto("sns")
    sns.create_topic(Name=TOPIC)
    assert sns.subscribe(TopicArn=TOPIC_ARN, Protocol="email", Endpoint="a@example.com")["SubscriptionArn"] == (
        "pending confirmation")
    arn = sns.subscribe(TopicArn=TOPIC_ARN, Protocol="email", Endpoint="a@example.com",
                        ReturnSubscriptionArn=True)["SubscriptionArn"]
    assert arn.startswith(f"{TOPIC_ARN}:")
    listed = sns.list_subscriptions_by_topic(TopicArn=TOPIC_ARN)["Subscriptions"]
    assert [s["SubscriptionArn"] for s in listed] == ["PendingConfirmation"]
    with shapes.disabled():  # moto's echo lists the ARN of a subscription nobody confirmed
        assert [s["SubscriptionArn"] for s in sns.list_subscriptions_by_topic(TopicArn=TOPIC_ARN)[
            "Subscriptions"]] == [arn]
    assert [s["SubscriptionArn"] for s in sns.list_subscriptions()["Subscriptions"]] == ["PendingConfirmation"]
    attributes = sns.get_topic_attributes(TopicArn=TOPIC_ARN)["Attributes"]
    assert (attributes["SubscriptionsPending"], attributes["SubscriptionsConfirmed"]) == ("1", "0")
    with pytest.raises(botocore.exceptions.ClientError, match="pending confirmation") as raised:
        sns.unsubscribe(SubscriptionArn=arn)
    assert raised.value.response["Error"]["Code"] == "InvalidParameter"
    assert sandbox_sns.confirm(TOPIC_ARN, "a@example.com") == arn  # the recipient follows the link
    assert [s["SubscriptionArn"] for s in sns.list_subscriptions_by_topic(TopicArn=TOPIC_ARN)["Subscriptions"]] == [arn]
    attributes = sns.get_topic_attributes(TopicArn=TOPIC_ARN)["Attributes"]
    assert (attributes["SubscriptionsPending"], attributes["SubscriptionsConfirmed"]) == ("0", "1")
    sns.unsubscribe(SubscriptionArn=arn)
    assert sns.list_subscriptions_by_topic(TopicArn=TOPIC_ARN)["Subscriptions"] == []


def test_with_the_shapes_off_an_email_subscription_is_confirmed_at_once(aws: None) -> None:
    sns = boto("sns")
    sns.create_topic(Name=TOPIC)
    with shapes.disabled():
        arn = sns.subscribe(TopicArn=TOPIC_ARN, Protocol="email", Endpoint="a@example.com")["SubscriptionArn"]
    assert arn.startswith(f"{TOPIC_ARN}:")
    assert [s["SubscriptionArn"] for s in sns.list_subscriptions_by_topic(TopicArn=TOPIC_ARN)["Subscriptions"]] == [arn]


def test_get_topic_attributes_shaping(aws: None) -> None:
    boto("sns").create_topic(Name=TOPIC)
    with shapes.disabled():
        assert boto("sns").get_topic_attributes(TopicArn=TOPIC_ARN)["Attributes"]["DeliveryPolicy"] == ""
    attributes = boto("sns").get_topic_attributes(TopicArn=TOPIC_ARN)["Attributes"]
    assert "DeliveryPolicy" not in attributes
    assert json.loads(attributes["EffectiveDeliveryPolicy"]) == {"http": {"defaultHealthyRetryPolicy": {
        "minDelayTarget": 20, "maxDelayTarget": 20, "numRetries": 3, "numMaxDelayRetries": 0, "numNoDelayRetries": 0,
        "numMinDelayRetries": 0, "backoffFunction": "linear"}, "disableSubscriptionOverrides": False}}
    policy = json.loads(attributes["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["__default_statement_ID"]
    assert attributes["Policy"] == json.dumps(policy, separators=(",", ":"))


def _topic_state(emails: dict[str, str], policy: dict[str, Any] | None, want: TopicSpec) -> TopicState:
    return TopicState(TOPIC, True, TOPIC_ARN, emails, dict(want.tags), policy)


def test_a_pending_subscription_is_present_not_missing() -> None:
    want = SnsTopicKind().desired(_env(replace(default_spec("dev"), alert_email="ops@example.com")))[0]
    pending = _topic_state({"ops@example.com": "PendingConfirmation"}, want.policy, want)
    assert SnsTopicKind().diff(pending, want) == []
    missing = _topic_state({}, want.policy, want)
    (change,) = SnsTopicKind().diff(missing, want)
    assert [(f.path, f.after) for f in change.fields] == [("email.ops@example.com", "subscribed")]


class _Recorder:
    """Stands in for an AwsContext: records the SNS calls update_subscription makes."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def client(self, service: str, region: str | None = None) -> Any:
        recorder = self

        class Client:
            def __getattr__(self, operation: str) -> Any:
                return lambda **kwargs: recorder.calls.append((operation, kwargs))

        return Client()


def test_updating_the_subscriptions_never_subscribes_a_pending_address_again() -> None:
    want = SnsTopicKind().desired(_env(replace(default_spec("dev"), alert_email="ops@example.com")))[0]
    old_arn = f"{TOPIC_ARN}:0b8a1c52-8c1e-4d3a-9b0e-000000000001"
    have = replace(_topic_state({"ops@example.com": "PendingConfirmation", "old@example.com": old_arn},
                                want.policy, want), tags={**want.tags, "sesl:alert-email": "old@example.com"})
    (change, _tags) = SnsTopicKind().diff(have, want)
    assert [f.path for f in change.fields] == ["email.old@example.com"]  # the pending one is not a change
    recorder = _Recorder()
    SnsTopicKind().update_subscription(recorder, want, have)  # type: ignore[arg-type]
    assert [op for op, _ in recorder.calls if op in ("subscribe", "unsubscribe")] == ["unsubscribe"]
    assert ("unsubscribe", {"SubscriptionArn": old_arn}) in recorder.calls


def test_a_pending_subscription_is_never_subscribed_again(ctx: AwsContext) -> None:
    converge(ctx, ["sns_topic"])
    assert ctx.log.calls["sns:Subscribe"] == 1
    ctx.log.clear()
    assert plan_for(ctx, ["sns_topic"]) == []
    converge(ctx, ["sns_topic"])
    assert ctx.log.calls["sns:Subscribe"] == 0 and ctx.log.mutating == []
    subscriptions = boto("sns").list_subscriptions_by_topic(TopicArn=TOPIC_ARN)["Subscriptions"]
    assert [s["SubscriptionArn"] for s in subscriptions] == ["PendingConfirmation"]  # still one, still waiting


def test_a_new_address_while_the_old_one_is_pending_leaves_the_pending_one_alone(ctx: AwsContext) -> None:
    converge(ctx, ["sns_topic"])
    moved = AwsContext(replace(ctx.spec, alert_email="oncall@example.com"))
    (change, tags) = plan_for(moved, ["sns_topic"])
    # SNS cannot unsubscribe a pending subscription: only the new address is a change.
    assert [f.path for f in change.fields] == ["email.oncall@example.com"] and tags.aspect == "tags"
    converge(moved, ["sns_topic"])
    assert moved.log.calls["sns:Unsubscribe"] == 0
    assert plan_for(moved, ["sns_topic"]) == []
    listed = boto("sns").list_subscriptions_by_topic(TopicArn=TOPIC_ARN)["Subscriptions"]
    assert sorted(s["Endpoint"] for s in listed) == ["oncall@example.com", "ops@example.com"]


# --- SNS: the topic policy ------------------------------------------------------------------------------------------

def test_the_budgets_statement_is_pinned() -> None:
    names = Names("dev", "us-west-2", ACCOUNT)
    assert budgets_statement(names) == {
        "Sid": "AWSBudgetsSNSPublishingPermissions", "Effect": "Allow",
        "Principal": {"Service": "budgets.amazonaws.com"}, "Action": "SNS:Publish", "Resource": TOPIC_ARN,
        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT},
                      "ArnLike": {"aws:SourceArn": f"arn:aws:budgets::{ACCOUNT}:*"}}}
    policy = topic_policy(names)
    assert (policy["Version"], policy["Id"]) == ("2008-10-17", "__default_policy_ID")
    owner = policy["Statement"][0]
    # The owner statement stays: it is what lets the account's CloudWatch alarms and sesl publish.
    assert owner == {"Sid": "__default_statement_ID", "Effect": "Allow", "Principal": {"AWS": "*"},
                     "Action": ["SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission",
                                "SNS:RemovePermission", "SNS:DeleteTopic", "SNS:Subscribe",
                                "SNS:ListSubscriptionsByTopic", "SNS:Publish"],
                     "Resource": TOPIC_ARN, "Condition": {"StringEquals": {"AWS:SourceOwner": ACCOUNT}}}
    assert [s["Sid"] for s in policy["Statement"]] == ["__default_statement_ID", "AWSBudgetsSNSPublishingPermissions"]


def test_the_topic_policy_is_compared_parsed_and_normalised() -> None:
    want = SnsTopicKind().desired(_env(default_spec("dev")))[0]
    owner, budgets = (json.loads(json.dumps(s)) for s in want.policy["Statement"])
    # AWS's rewriting: one-element lists, other key order, other statement order, condition key case; plus
    # a statement somebody else added.
    budgets["Action"], budgets["Resource"] = ["SNS:Publish"], [TOPIC_ARN]
    budgets["Condition"] = {"ArnLike": {"AWS:SourceArn": [f"arn:aws:budgets::{ACCOUNT}:*"]},
                            "StringEquals": {"AWS:SourceAccount": ACCOUNT}}
    other = {"Sid": "SomeoneElse", "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
             "Action": "SNS:Publish", "Resource": TOPIC_ARN}
    aws = {"Id": "__default_policy_ID", "Statement": [other, dict(reversed(list(budgets.items()))), owner],
           "Version": "2008-10-17"}
    assert SnsTopicKind().diff(_topic_state({}, aws, want), want) == []
    # the default policy alone (no budgets statement) is a change of exactly that statement
    default_only = {**aws, "Statement": [owner]}
    (change,) = SnsTopicKind().diff(_topic_state({}, default_only, want), want)
    assert change.aspect == "policy"
    assert [(f.path, f.before) for f in change.fields] == [("Statement.AWSBudgetsSNSPublishingPermissions", None)]


def test_topic_policy_drift_is_repaired_and_others_statements_kept(ctx: AwsContext) -> None:
    converge(ctx, ["sns_topic"])
    sns = boto("sns")
    policy = json.loads(sns.get_topic_attributes(TopicArn=TOPIC_ARN)["Attributes"]["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["__default_statement_ID", "AWSBudgetsSNSPublishingPermissions"]
    other = {"Sid": "SomeoneElse", "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
             "Action": "SNS:Publish", "Resource": TOPIC_ARN}
    sns.set_topic_attributes(TopicArn=TOPIC_ARN, AttributeName="Policy", AttributeValue=json.dumps(
        {**policy, "Statement": [policy["Statement"][0], other]}))
    (change,) = plan_for(ctx, ["sns_topic"])
    assert (change.action, change.aspect) == (Action.UPDATE, "policy")
    assert [f.path for f in change.fields] == ["Statement.AWSBudgetsSNSPublishingPermissions"]
    converge(ctx, ["sns_topic"])
    assert plan_for(ctx, ["sns_topic"]) == []
    after = json.loads(sns.get_topic_attributes(TopicArn=TOPIC_ARN)["Attributes"]["Policy"])
    assert sorted(s["Sid"] for s in after["Statement"]) == [
        "AWSBudgetsSNSPublishingPermissions", "SomeoneElse", "__default_statement_ID"]


# --- Budgets --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("sent", "returned"), [("25.00", "25.0"), ("40", "40.0"), ("25.50", "25.5"),
                                                ("1E+2", "100.0"), ("0.125", "0.125")])
def test_budget_amounts_come_back_reformatted(sent: str, returned: str) -> None:
    assert aws_amount(sent) == returned
    answer = {"Budget": {"BudgetName": BUDGET, "BudgetLimit": {"Amount": sent, "Unit": "USD"}}}
    assert shapes.shape("budgets", "DescribeBudget", answer, {})["Budget"]["BudgetLimit"]["Amount"] == returned


def _budget_state(want: BudgetSpec, limit: str) -> BudgetState:
    return BudgetState(BUDGET, True, f"arn:aws:budgets::{ACCOUNT}:budget/{BUDGET}", limit, "USD", "MONTHLY",
                       {n: want.subscribers() for n in want.notifications}, dict(want.tags))


@pytest.mark.parametrize("limit", ["25.0", "25", "25.00"])
def test_an_amount_reformatted_by_aws_is_no_change(limit: str) -> None:
    want = BudgetKind().desired(_env(default_spec("dev")))[0]
    assert want.limit_usd == 25
    assert BudgetKind().diff(_budget_state(want, limit), want) == []


def test_a_different_amount_is_a_change() -> None:
    want = BudgetKind().desired(_env(default_spec("dev")))[0]
    (change,) = BudgetKind().diff(_budget_state(want, "25.01"), want)
    assert (change.aspect, [(f.path, f.before, f.after) for f in change.fields]) == (
        "limit", [("Amount", 25.01, 25.0)])


@pytest.mark.parametrize(("email", "expected"), [
    ("ops@example.com", [{"SubscriptionType": "EMAIL", "Address": "ops@example.com"},
                         {"SubscriptionType": "SNS", "Address": TOPIC_ARN}]),
    (None, [{"SubscriptionType": "SNS", "Address": TOPIC_ARN}]),
])
def test_each_budget_notification_reaches_the_alert_topic(aws: None, email: str | None,
                                                          expected: list[dict[str, str]]) -> None:
    ctx = AwsContext(replace(default_spec("dev"), alert_email=email))
    converge(ctx, ["sns_topic", "budget"])
    budgets = boto("budgets")
    notifications = budgets.describe_notifications_for_budget(AccountId=ACCOUNT, BudgetName=BUDGET)["Notifications"]
    assert sorted((n["NotificationType"], n["Threshold"]) for n in notifications) == [
        ("ACTUAL", 80.0), ("FORECASTED", 100.0)]
    for notification in notifications:
        subscribers = budgets.describe_subscribers_for_notification(
            AccountId=ACCOUNT, BudgetName=BUDGET, Notification=notification)["Subscribers"]
        assert sorted(subscribers, key=lambda s: s["SubscriptionType"]) == expected
    assert plan_for(ctx, ["budget"]) == []


def test_a_budget_made_without_the_topic_gains_it(ctx: AwsContext) -> None:
    """A budget sesl made before alerts went to the topic (e-mail subscribers only) is repaired."""
    converge(ctx, ["sns_topic", "budget"])
    budgets = boto("budgets")
    for notification in budgets.describe_notifications_for_budget(AccountId=ACCOUNT, BudgetName=BUDGET)[
            "Notifications"]:
        budgets.delete_notification(AccountId=ACCOUNT, BudgetName=BUDGET, Notification=notification)
        budgets.create_notification(AccountId=ACCOUNT, BudgetName=BUDGET, Notification=notification,
                                    Subscribers=[{"SubscriptionType": "EMAIL", "Address": "ops@example.com"}])
    (change,) = plan_for(ctx, ["budget"])
    assert change.aspect == "notifications"
    assert {(f.path, tuple(f.before or ()), tuple(f.after or ())) for f in change.fields} == {
        (path, ("EMAIL ops@example.com",), ("EMAIL ops@example.com", f"SNS {TOPIC_ARN}"))
        for path in ("notification.ACTUAL>80", "notification.FORECASTED>100")}
    converge(ctx, ["budget"])
    assert plan_for(ctx, ["budget"]) == []


def test_the_budget_needs_the_alert_topic() -> None:
    assert BudgetKind.needs == ("sns_topic",)
