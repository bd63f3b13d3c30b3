"""A monthly AWS Budgets cost budget whose notifications reach somebody: the env's alert topic, and the
alert address by e-mail when one is set.

Why Budgets and not a CloudWatch billing alarm: `AWS/Billing EstimatedCharges` exists only in us-east-1
and only after someone enables "Receive Billing Alerts" by hand in the Billing console (no API);
Budgets needs neither. Budgets is a global service whose endpoint signs in us-east-1 (botocore budgets
endpoint rules), so sesl calls it through a us-east-1 client. Sources: aws-reference.md §6.3.

Each notification has one SNS subscriber, the alert topic (whose policy lets budgets.amazonaws.com publish,
see sns_topic), so budget alerts go wherever the alarms go; the e-mail subscriber is added when
`alert_email` is set. A notification may have one SNS and up to 10 e-mail subscribers (Budgets API
reference, Notification).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sesl.context import AwsContext
from sesl.diff import diff_tags, diff_values, is_owned, ownership_tags, tag_list, tags_to_dict
from sesl.fold import fold_attribute
from sesl.model import Change, FieldChange
from sesl.resources.base import Aspect, Env, Kind, Request, read_or_none, send

BUDGETS_REGION = "us-east-1"
# botocore budgets `BudgetName`: 1-100 characters, no ':' or '\', no "/action/".
MAX_EMAIL_SUBSCRIBERS = 10  # per notification, plus one SNS topic

Notification = tuple[str, str, float, str]  # (type, comparison, threshold, threshold type)
Subscriber = tuple[str, str]  # (SubscriptionType, Address)


@dataclass(frozen=True)
class BudgetSpec:
    name: str
    account: str
    limit_usd: float
    notifications: tuple[Notification, ...]
    email: str | None
    tags: dict[str, str]
    topic_arn: str = ""

    def budget(self) -> dict[str, Any]:
        return {"BudgetName": self.name, "BudgetLimit": {"Amount": f"{self.limit_usd:.2f}", "Unit": "USD"},
                "TimeUnit": "MONTHLY", "BudgetType": "COST"}

    def subscribers(self) -> tuple[Subscriber, ...]:
        """Who each notification reaches: the alert topic, and the alert address when set (sorted)."""
        wanted = [("SNS", self.topic_arn)] if self.topic_arn else []
        wanted += [("EMAIL", self.email)] if self.email else []
        return tuple(sorted(wanted))


@dataclass(frozen=True)
class BudgetState:
    name: str
    owned: bool
    arn: str
    limit: str  # BudgetLimit.Amount as AWS returns it (a decimal string, e.g. "25.0")
    unit: str
    time_unit: str
    notifications: dict[Notification, tuple[Subscriber, ...]]  # -> subscribers, sorted
    tags: dict[str, str]


def amount(value: Any) -> Decimal | None:
    """A budget amount as a decimal: AWS returns "25.0" for "25.00" sent (cdk-real-drift corpus
    AWS__Budgets__Budget.MonthlyCost; terraform-provider-aws budgets suppressEquivalentBudgetLimitAmount)."""
    try:
        return Decimal(str(value)).normalize()
    except (InvalidOperation, ValueError):
        return None


def _notification(n: Notification) -> dict[str, Any]:
    kind, comparison, threshold, threshold_type = n
    return {"NotificationType": kind, "ComparisonOperator": comparison, "Threshold": threshold,
            "ThresholdType": threshold_type}


def _key(raw: dict[str, Any]) -> Notification:
    return (raw["NotificationType"], raw["ComparisonOperator"], float(raw["Threshold"]),
            raw.get("ThresholdType", "PERCENTAGE"))


def subscriber_problems(subscribers: tuple[Subscriber, ...]) -> list[str]:
    """Budgets API reference, Subscriber / CreateNotification: a notification has at most one SNS topic and up
    to 10 e-mail subscribers (botocore counts only the 11 together)."""
    problems = []
    sns = [a for kind, a in subscribers if kind == "SNS"]
    emails = [a for kind, a in subscribers if kind == "EMAIL"]
    if len(sns) > 1:
        problems.append(f"a notification takes one SNS subscriber, not {len(sns)}")
    if len(emails) > MAX_EMAIL_SUBSCRIBERS:
        problems.append(f"a notification takes at most {MAX_EMAIL_SUBSCRIBERS} e-mail subscribers, not {len(emails)}")
    return problems


def _subscriber_list(subscribers: tuple[Subscriber, ...]) -> list[dict[str, str]]:
    return [{"SubscriptionType": kind, "Address": address} for kind, address in subscribers]


class BudgetKind(Kind[BudgetSpec, BudgetState]):
    kind = "budget"
    needs = ("sns_topic",)  # every notification publishes to the alert topic

    def desired(self, env: Env) -> list[BudgetSpec]:
        m = env.spec.monitoring
        notifications: tuple[Notification, ...] = (
            ("ACTUAL", "GREATER_THAN", float(m.budget_alert_percent), "PERCENTAGE"),
            ("FORECASTED", "GREATER_THAN", 100.0, "PERCENTAGE"))
        return [BudgetSpec(env.names.budget, env.names.account, m.monthly_budget_usd, notifications,
                           env.spec.alert_email, ownership_tags(env.spec.env, env.spec.tags),
                           env.names.alert_topic_arn)]

    def validate(self, env: Env, want: BudgetSpec) -> list[str]:
        # The name (1-100, no ':' '\\' '/action/') and the 10 notifications are botocore's (model_check).
        return subscriber_problems(want.subscribers())

    def warnings(self, env: Env, want: BudgetSpec) -> list[str]:
        if want.email:
            return []
        return [f"no env.<name>.alert_email: budget alerts go only to the alert topic {want.topic_arn}"]

    def _client(self, ctx: AwsContext) -> Any:
        return ctx.client("budgets", region=BUDGETS_REGION)

    def read(self, ctx: AwsContext, want: BudgetSpec) -> BudgetState | None:
        budgets = self._client(ctx)
        budget = read_or_none(
            lambda: budgets.describe_budget(AccountId=want.account, BudgetName=want.name)["Budget"],
            "NotFoundException")
        if budget is None:
            return None
        arn = ctx.names.budget_arn(want.name)
        tags = tags_to_dict(budgets.list_tags_for_resource(ResourceARN=arn).get("ResourceTags", []))
        limit = budget.get("BudgetLimit", {})
        return BudgetState(want.name, is_owned(tags, ctx.spec.env), arn, str(limit.get("Amount", "")),
                           limit.get("Unit", ""), budget.get("TimeUnit", ""), self._notifications(budgets, want),
                           tags)

    def _notifications(self, budgets: Any, want: BudgetSpec) -> dict[Notification, tuple[Subscriber, ...]]:
        out = {}
        for raw in budgets.describe_notifications_for_budget(AccountId=want.account, BudgetName=want.name).get(
                "Notifications", []):
            key = _key(raw)
            # Asked with the members sesl sets: AWS may add read-only ones (NotificationState) to `raw`.
            subscribers = budgets.describe_subscribers_for_notification(
                AccountId=want.account, BudgetName=want.name, Notification=_notification(key)).get("Subscribers", [])
            out[key] = tuple(sorted((s["SubscriptionType"], s["Address"]) for s in subscribers))
        return out

    def create_fields(self, want: BudgetSpec) -> tuple[FieldChange, ...]:
        return (FieldChange("BudgetLimit", None, f"{want.limit_usd:.2f} USD per month"),
                FieldChange("notifications", None, [f"{n[0]} > {n[2]:g}%" for n in want.notifications]),
                FieldChange("subscribers", None, [f"{kind} {address}" for kind, address in want.subscribers()]))

    def diff(self, have: BudgetState, want: BudgetSpec) -> list[Change]:
        limit = limit_fields(have, want)
        return [*self.change(want, have, "limit", limit),
                *self.change(want, have, "notifications", notification_fields(have, want)),
                *self.change(want, have, "tags", diff_tags(have.tags, want.tags))]

    def requests(self, want: BudgetSpec) -> list[Request]:
        subscribers = _subscriber_list(want.subscribers())
        return [Request("budgets", "CreateBudget", {
            "AccountId": want.account, "Budget": want.budget(), "ResourceTags": tag_list(want.tags),
            "NotificationsWithSubscribers": [{"Notification": _notification(n), "Subscribers": subscribers}
                                             for n in want.notifications]})]

    def create(self, ctx: AwsContext, want: BudgetSpec) -> None:
        (request,) = self.requests(want)
        send(self._client(ctx), request)

    def update_limit(self, ctx: AwsContext, want: BudgetSpec, have: BudgetState) -> None:
        self._client(ctx).update_budget(AccountId=want.account, NewBudget=want.budget())

    def update_notifications(self, ctx: AwsContext, want: BudgetSpec, have: BudgetState) -> None:
        """Only the notifications that differ are replaced (delete, then create with its subscribers)."""
        budgets, subscribers = self._client(ctx), want.subscribers()
        for n, current in have.notifications.items():
            if n not in want.notifications or current != subscribers:
                budgets.delete_notification(AccountId=want.account, BudgetName=want.name,
                                            Notification=_notification(n))
        for n in want.notifications:
            if have.notifications.get(n) != subscribers:
                budgets.create_notification(AccountId=want.account, BudgetName=want.name,
                                            Notification=_notification(n), Subscribers=_subscriber_list(subscribers))

    def update_tags(self, ctx: AwsContext, want: BudgetSpec, have: BudgetState) -> None:
        self._client(ctx).tag_resource(ResourceARN=have.arn, ResourceTags=tag_list(want.tags))

    def delete(self, ctx: AwsContext, have: BudgetState) -> None:
        self._client(ctx).delete_budget(AccountId=have.arn.split(":")[4], BudgetName=have.name)

    ASPECTS = (
        Aspect[BudgetSpec, BudgetState]("limit", ("budgets:UpdateBudget",), update_limit),
        Aspect("notifications", ("budgets:DeleteNotification", "budgets:CreateNotification"), update_notifications),
        Aspect("tags", ("budgets:TagResource",), update_tags, fold=fold_attribute("tags", "tags.")),
    )
    CREATE = ("budgets:CreateBudget",)
    DELETE = ("budgets:DeleteBudget",)


def limit_fields(have: BudgetState, want: BudgetSpec) -> list[FieldChange]:
    # Amount is a decimal string ("25.00" is sent, "25.0" comes back): compared as a decimal, shown as a number.
    fields = diff_values({"Unit": have.unit, "TimeUnit": have.time_unit}, {"Unit": "USD", "TimeUnit": "MONTHLY"})
    current = amount(have.limit)
    if current is None or current != amount(want.limit_usd):
        fields.insert(0, FieldChange("Amount", float(current) if current is not None else have.limit or None,
                                     want.limit_usd))
    return fields


def notification_fields(have: BudgetState, want: BudgetSpec) -> list[FieldChange]:
    """Each notification sesl wants with exactly its subscribers; notifications sesl does not want go."""
    subscribers = [f"{kind} {address}" for kind, address in want.subscribers()]
    fields = []
    for n in want.notifications:
        current = have.notifications.get(n)
        if current != want.subscribers():
            before = [f"{kind} {address}" for kind, address in current] if current is not None else None
            fields.append(FieldChange(f"notification.{n[0]}>{n[2]:g}", before, subscribers))
    fields += [FieldChange(f"notification.{n[0]}>{n[2]:g}", [f"{k} {a}" for k, a in s], None)
               for n, s in have.notifications.items() if n not in want.notifications]
    return fields
