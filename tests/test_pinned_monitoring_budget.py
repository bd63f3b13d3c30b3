"""The budget kind pinned (mutation survivors of sesl/resources/budget.py): the calls it sends to AWS Budgets
(us-east-1, the account from the budget's ARN, only the notifications that differ replaced), what it reads back
when AWS leaves members out, and the plan's fields for the limit and each notification.

Unit level: a recording stand-in for the budgets client answers with the shapes of the Budgets API reference
(DescribeBudget, DescribeNotificationsForBudget, DescribeSubscribersForNotification, ListTagsForResource)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from sesl.model import Action, FieldChange
from sesl.naming import Names
from sesl.resources.base import Env
from sesl.resources.budget import BudgetKind, BudgetSpec, BudgetState, limit_fields, notification_fields
from sesl.spec import EnvSpec, default_spec

ACCOUNT = "123456789012"
NAMES = Names("dev", "us-west-2", ACCOUNT)
TOPIC = f"arn:aws:sns:us-west-2:{ACCOUNT}:email-events-alerts-dev"
BUDGET = "email-analytics-dev-monthly"
ARN = f"arn:aws:budgets::{ACCOUNT}:budget/{BUDGET}"
OWNED = {"sesl:managed-by": "sesl", "sesl:env": "dev"}
ACTUAL = ("ACTUAL", "GREATER_THAN", 80.0, "PERCENTAGE")
FORECASTED = ("FORECASTED", "GREATER_THAN", 100.0, "PERCENTAGE")
SNS, EMAIL = ("SNS", TOPIC), ("EMAIL", "ops@example.com")


def notification(kind: str, threshold: float, **extra: Any) -> dict[str, Any]:
    return {"NotificationType": kind, "ComparisonOperator": "GREATER_THAN", "Threshold": threshold, **extra}


@dataclass
class FakeBudgets:
    """Answers like AWS Budgets and records every call as (operation, parameters)."""

    budget: dict[str, Any] = field(default_factory=dict)
    tags: dict[str, Any] = field(default_factory=dict)
    notifications: dict[str, Any] = field(default_factory=dict)
    subscribers: dict[str, dict[str, Any]] = field(default_factory=dict)  # NotificationType -> answer
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def describe_budget(self, **params: Any) -> dict[str, Any]:
        self.calls.append(("describe_budget", params))
        return {"Budget": self.budget}

    def list_tags_for_resource(self, **params: Any) -> dict[str, Any]:
        self.calls.append(("list_tags_for_resource", params))
        return self.tags

    def describe_notifications_for_budget(self, **params: Any) -> dict[str, Any]:
        self.calls.append(("describe_notifications_for_budget", params))
        return self.notifications

    def describe_subscribers_for_notification(self, **params: Any) -> dict[str, Any]:
        self.calls.append(("describe_subscribers_for_notification", params))
        return self.subscribers.get(params["Notification"]["NotificationType"], {})

    def __getattr__(self, operation: str) -> Any:
        def record(**params: Any) -> dict[str, Any]:
            self.calls.append((operation, params))
            return {}
        return record


@dataclass
class FakeContext:
    budgets: FakeBudgets
    spec: EnvSpec = field(default_factory=lambda: default_spec("dev"))
    names: Names = NAMES
    regions: list[tuple[str, str | None]] = field(default_factory=list)

    def client(self, service: str, region: str | None = None) -> FakeBudgets:
        self.regions.append((service, region))
        return self.budgets


def want(email: str | None = "ops@example.com", topic: str = TOPIC) -> BudgetSpec:
    return BudgetSpec(BUDGET, ACCOUNT, 25.0, (ACTUAL, FORECASTED), email, dict(OWNED), topic)


def have(notifications: dict[Any, Any] | None = None, **over: Any) -> BudgetState:
    state = BudgetState(BUDGET, True, ARN, "25.0", "USD", "MONTHLY",
                        {ACTUAL: (EMAIL, SNS), FORECASTED: (EMAIL, SNS)} if notifications is None else notifications,
                        dict(OWNED))
    return replace(state, **over)


# -- desired ------------------------------------------------------------------------------------------------------

def test_desired_notifies_at_the_percent_set_and_at_a_forecast_over_the_whole_limit() -> None:
    spec = default_spec("dev")
    spec = replace(spec, tags={"team": "data"}, alert_email="ops@example.com",
                   monitoring=replace(spec.monitoring, budget_alert_percent=90.0, monthly_budget_usd=40.0))
    (budget,) = BudgetKind().desired(Env(spec, NAMES))
    assert budget == BudgetSpec(BUDGET, ACCOUNT, 40.0, (("ACTUAL", "GREATER_THAN", 90.0, "PERCENTAGE"), FORECASTED),
                                "ops@example.com", {"team": "data", **OWNED}, TOPIC)


def test_without_a_topic_only_the_address_is_subscribed() -> None:
    assert want(topic="").subscribers() == (EMAIL,)
    assert want(email=None, topic="").subscribers() == ()
    assert want().subscribers() == (EMAIL, SNS)  # sorted: EMAIL before SNS


def test_a_create_says_the_limit_the_notifications_and_who_they_reach() -> None:
    assert BudgetKind().create_fields(want()) == (
        FieldChange("BudgetLimit", None, "25.00 USD per month"),
        FieldChange("notifications", None, ["ACTUAL > 80%", "FORECASTED > 100%"]),
        FieldChange("subscribers", None, ["EMAIL ops@example.com", f"SNS {TOPIC}"]))


# -- read ---------------------------------------------------------------------------------------------------------

def test_read_asks_us_east_1_and_keys_each_notification_by_its_members() -> None:
    budgets = FakeBudgets(
        budget={"BudgetName": BUDGET, "BudgetLimit": {"Amount": "25.0", "Unit": "USD"}, "TimeUnit": "MONTHLY"},
        tags={"ResourceTags": [{"Key": k, "Value": v} for k, v in OWNED.items()]},
        # NotificationState is read-only: it must not reach the subscribers' request
        notifications={"Notifications": [notification("ACTUAL", 80.0, ThresholdType="PERCENTAGE",
                                                      NotificationState="OK"),
                                         notification("FORECASTED", 100, ThresholdType="ABSOLUTE_VALUE")]},
        subscribers={"ACTUAL": {"Subscribers": [{"SubscriptionType": "SNS", "Address": TOPIC},
                                                {"SubscriptionType": "EMAIL", "Address": "ops@example.com"}]}})
    ctx = FakeContext(budgets)
    state = BudgetKind().read(ctx, want())  # type: ignore[arg-type]
    assert state == BudgetState(BUDGET, True, ARN, "25.0", "USD", "MONTHLY", {
        ACTUAL: (EMAIL, SNS), ("FORECASTED", "GREATER_THAN", 100.0, "ABSOLUTE_VALUE"): ()}, dict(OWNED))
    assert set(ctx.regions) == {("budgets", "us-east-1")}
    assert budgets.calls[:2] == [("describe_budget", {"AccountId": ACCOUNT, "BudgetName": BUDGET}),
                                 ("list_tags_for_resource", {"ResourceARN": ARN})]
    asked = [p["Notification"] for op, p in budgets.calls if op == "describe_subscribers_for_notification"]
    assert asked == [{**notification("ACTUAL", 80.0), "ThresholdType": "PERCENTAGE"},
                     {**notification("FORECASTED", 100.0), "ThresholdType": "ABSOLUTE_VALUE"}]


def test_a_notification_without_a_threshold_type_is_a_percentage() -> None:
    # Budgets API reference, Notification: ThresholdType is optional; a percentage of the limit unless set.
    budgets = FakeBudgets(budget={"BudgetLimit": {"Amount": "25.0", "Unit": "USD"}, "TimeUnit": "MONTHLY"},
                          notifications={"Notifications": [notification("ACTUAL", 80)]})
    state = BudgetKind().read(FakeContext(budgets), want())  # type: ignore[arg-type]
    assert state is not None and state.notifications == {ACTUAL: ()}


def test_members_aws_leaves_out_are_read_as_empty() -> None:
    # A budget with planned limits has no BudgetLimit; an answer may omit empty lists.
    state = BudgetKind().read(FakeContext(FakeBudgets()), want())  # type: ignore[arg-type]
    assert state == BudgetState(BUDGET, False, ARN, "", "", "", {}, {})
    assert limit_fields(state, want()) == [FieldChange("Amount", None, 25.0), FieldChange("Unit", "", "USD"),
                                           FieldChange("TimeUnit", "", "MONTHLY")]


# -- the plan -----------------------------------------------------------------------------------------------------

def test_the_amount_comes_first_and_an_unreadable_one_is_shown_as_read() -> None:
    assert limit_fields(have(limit="10", unit="EUR"), want()) == [
        FieldChange("Amount", 10.0, 25.0), FieldChange("Unit", "EUR", "USD")]
    assert limit_fields(have(limit="n/a"), want()) == [FieldChange("Amount", "n/a", 25.0)]
    assert limit_fields(have(limit="25"), want()) == []


def test_each_notification_is_shown_with_who_it_reaches() -> None:
    other = ("ACTUAL", "GREATER_THAN", 50.0, "ABSOLUTE_VALUE")
    fields = notification_fields(have({ACTUAL: (SNS,), other: (EMAIL,)}), want())
    after = ["EMAIL ops@example.com", f"SNS {TOPIC}"]
    assert fields == [FieldChange("notification.ACTUAL>80", [f"SNS {TOPIC}"], after),
                      FieldChange("notification.FORECASTED>100", None, after),
                      FieldChange("notification.ACTUAL>50", ["EMAIL ops@example.com"], None)]
    assert notification_fields(have(), want()) == []


def test_diff_carries_both_sides_per_aspect() -> None:
    current = have(limit="10", tags={"sesl:managed-by": "sesl"})
    changes = BudgetKind().diff(current, want())
    assert [(c.aspect, c.action, c.name) for c in changes] == [("limit", Action.UPDATE, BUDGET),
                                                              ("tags", Action.UPDATE, BUDGET)]
    assert all(c.have is current and c.want == want() for c in changes)
    assert changes[1].fields == (FieldChange("tags.sesl:env", None, "dev"),)


# -- the calls that repair --------------------------------------------------------------------------------------

def test_only_the_notifications_that_differ_are_replaced() -> None:
    budgets = FakeBudgets()
    stale = ("ACTUAL", "GREATER_THAN", 50.0, "PERCENTAGE")
    current = have({ACTUAL: (SNS,), FORECASTED: (EMAIL, SNS), stale: (EMAIL, SNS)})
    BudgetKind().update_notifications(FakeContext(budgets), want(), current)  # type: ignore[arg-type]
    subscribers = [{"SubscriptionType": "EMAIL", "Address": "ops@example.com"},
                   {"SubscriptionType": "SNS", "Address": TOPIC}]
    where = {"AccountId": ACCOUNT, "BudgetName": BUDGET}
    at_80, at_50 = ({**notification("ACTUAL", t), "ThresholdType": "PERCENTAGE"} for t in (80.0, 50.0))
    assert budgets.calls == [
        ("delete_notification", {**where, "Notification": at_80}),
        ("delete_notification", {**where, "Notification": at_50}),
        ("create_notification", {**where, "Notification": at_80, "Subscribers": subscribers})]


def test_tags_and_delete_go_to_the_budget_of_its_arns_account() -> None:
    budgets = FakeBudgets()
    ctx = FakeContext(budgets)
    elsewhere = have(arn=f"arn:aws:budgets::210987654321:budget/{BUDGET}")
    BudgetKind().update_tags(ctx, want(), elsewhere)  # type: ignore[arg-type]
    BudgetKind().delete(ctx, elsewhere)  # type: ignore[arg-type]
    BudgetKind().update_limit(ctx, want(), elsewhere)  # type: ignore[arg-type]
    assert budgets.calls == [
        ("tag_resource", {"ResourceARN": elsewhere.arn, "ResourceTags": [
            {"Key": "sesl:env", "Value": "dev"}, {"Key": "sesl:managed-by", "Value": "sesl"}]}),
        ("delete_budget", {"AccountId": "210987654321", "BudgetName": BUDGET}),
        ("update_budget", {"AccountId": ACCOUNT, "NewBudget": {
            "BudgetName": BUDGET, "BudgetLimit": {"Amount": "25.00", "Unit": "USD"}, "TimeUnit": "MONTHLY",
            "BudgetType": "COST"}})]
    assert set(ctx.regions) == {("budgets", "us-east-1")}
