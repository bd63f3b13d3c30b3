"""A monthly AWS Budgets cost budget, with e-mail notifications to the alert address.

Why Budgets and not a CloudWatch billing alarm: `AWS/Billing EstimatedCharges` exists only in us-east-1
and only after someone enables "Receive Billing Alerts" by hand in the Billing console (no API);
Budgets needs neither. Budgets is a global service whose endpoint signs in us-east-1 (botocore budgets
endpoint rules), so sesl calls it through a us-east-1 client. Sources: aws-reference.md §6.3.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sesl.context import AwsContext
from sesl.diff import diff_tags, diff_values, is_owned, ownership_tags, tag_list, tags_to_dict
from sesl.model import Change, FieldChange
from sesl.resources.base import Env, Kind, read_or_none

BUDGETS_REGION = "us-east-1"
# botocore budgets `BudgetName`: 1-100 characters, no ':' or '\', no "/action/".
BUDGET_NAME = re.compile(r"[^:\\]{1,100}")
MAX_NOTIFICATIONS = 10  # per budget (Budgets quotas; CreateBudget NotificationsWithSubscribers)
MAX_EMAIL_SUBSCRIBERS = 10  # per notification, plus one SNS topic

Notification = tuple[str, str, float, str]  # (type, comparison, threshold, threshold type)


@dataclass(frozen=True)
class BudgetSpec:
    name: str
    account: str
    limit_usd: float
    notifications: tuple[Notification, ...]
    email: str | None
    tags: dict[str, str]

    def budget(self) -> dict[str, Any]:
        return {"BudgetName": self.name, "BudgetLimit": {"Amount": f"{self.limit_usd:.2f}", "Unit": "USD"},
                "TimeUnit": "MONTHLY", "BudgetType": "COST"}


@dataclass(frozen=True)
class BudgetState:
    name: str
    owned: bool
    arn: str
    limit_usd: float
    unit: str
    time_unit: str
    notifications: dict[Notification, tuple[str, ...]]  # -> e-mail subscribers
    tags: dict[str, str]


def _notification(n: Notification) -> dict[str, Any]:
    kind, comparison, threshold, threshold_type = n
    return {"NotificationType": kind, "ComparisonOperator": comparison, "Threshold": threshold,
            "ThresholdType": threshold_type}


def _key(raw: dict[str, Any]) -> Notification:
    return (raw["NotificationType"], raw["ComparisonOperator"], float(raw["Threshold"]),
            raw.get("ThresholdType", "PERCENTAGE"))


class BudgetKind(Kind):
    kind = "budget"
    needs = ()

    def desired(self, env: Env) -> list[BudgetSpec]:
        m = env.spec.monitoring
        notifications: tuple[Notification, ...] = ()
        if env.spec.alert_email:
            notifications = (("ACTUAL", "GREATER_THAN", float(m.budget_alert_percent), "PERCENTAGE"),
                             ("FORECASTED", "GREATER_THAN", 100.0, "PERCENTAGE"))
        return [BudgetSpec(env.names.budget, env.names.account, m.monthly_budget_usd, notifications,
                           env.spec.alert_email, ownership_tags(env.spec.env, env.spec.tags))]

    def validate(self, env: Env, want: BudgetSpec) -> list[str]:
        problems = []
        if not BUDGET_NAME.fullmatch(want.name) or "/action/" in want.name:
            problems.append("budget name must be 1-100 characters without ':', '\\' or '/action/'")
        if len(want.notifications) > MAX_NOTIFICATIONS:
            problems.append(f"at most {MAX_NOTIFICATIONS} notifications per budget")
        return problems

    def warnings(self, env: Env, want: BudgetSpec) -> list[str]:
        return [] if want.email else ["no env.<name>.alert_email: the budget is created without notifications"]

    def _client(self, ctx: AwsContext) -> Any:
        return ctx.client("budgets", region=BUDGETS_REGION)

    def read(self, ctx: AwsContext, want: BudgetSpec) -> BudgetState | None:
        budgets = self._client(ctx)
        budget = read_or_none(
            lambda: budgets.describe_budget(AccountId=want.account, BudgetName=want.name)["Budget"],
            "NotFoundException")
        if budget is None:
            return None
        arn = f"arn:aws:budgets::{want.account}:budget/{want.name}"
        tags = tags_to_dict(budgets.list_tags_for_resource(ResourceARN=arn).get("ResourceTags", []))
        notifications = {}
        for raw in budgets.describe_notifications_for_budget(AccountId=want.account, BudgetName=want.name).get(
                "Notifications", []):
            subscribers = budgets.describe_subscribers_for_notification(
                AccountId=want.account, BudgetName=want.name, Notification=raw).get("Subscribers", [])
            notifications[_key(raw)] = tuple(sorted(s["Address"] for s in subscribers
                                                    if s["SubscriptionType"] == "EMAIL"))
        limit = budget.get("BudgetLimit", {})
        return BudgetState(want.name, is_owned(tags, ctx.spec.env), arn, float(limit.get("Amount", 0)),
                           limit.get("Unit", ""), budget.get("TimeUnit", ""), notifications, tags)

    def create_fields(self, want: BudgetSpec) -> tuple[FieldChange, ...]:
        return (FieldChange("BudgetLimit", None, f"{want.limit_usd:.2f} USD per month"),
                FieldChange("notifications", None, [f"{n[0]} > {n[2]:g}%" for n in want.notifications]))

    def diff(self, have: BudgetState, want: BudgetSpec) -> list[Change]:
        # Amount is a string in the API ("25" and "25.0" are the same budget): compared as a number.
        limit = diff_values({"Amount": have.limit_usd, "Unit": have.unit, "TimeUnit": have.time_unit},
                            {"Amount": want.limit_usd, "Unit": "USD", "TimeUnit": "MONTHLY"})
        wanted = {n: (want.email,) for n in want.notifications if want.email}
        notes = [FieldChange(f"notification.{n[0]}>{n[2]:g}", list(have.notifications.get(n, ())) or None,
                             list(emails)) for n, emails in wanted.items() if have.notifications.get(n) != emails]
        notes += [FieldChange(f"notification.{n[0]}>{n[2]:g}", list(s), None) for n, s in have.notifications.items()
                  if n not in wanted]
        return [*self.change(want, have, "limit", limit), *self.change(want, have, "notifications", notes),
                *self.change(want, have, "tags", diff_tags(have.tags, want.tags))]

    def create(self, ctx: AwsContext, want: BudgetSpec) -> None:
        subscribers = [{"SubscriptionType": "EMAIL", "Address": want.email}] if want.email else []
        self._client(ctx).create_budget(
            AccountId=want.account, Budget=want.budget(), ResourceTags=tag_list(want.tags),
            NotificationsWithSubscribers=[{"Notification": _notification(n), "Subscribers": subscribers}
                                          for n in want.notifications])

    def update_limit(self, ctx: AwsContext, want: BudgetSpec, have: BudgetState) -> None:
        self._client(ctx).update_budget(AccountId=want.account, NewBudget=want.budget())

    def update_notifications(self, ctx: AwsContext, want: BudgetSpec, have: BudgetState) -> None:
        budgets = self._client(ctx)
        for n in have.notifications:
            budgets.delete_notification(AccountId=want.account, BudgetName=want.name, Notification=_notification(n))
        if want.email:
            for n in want.notifications:
                budgets.create_notification(AccountId=want.account, BudgetName=want.name,
                                            Notification=_notification(n),
                                            Subscribers=[{"SubscriptionType": "EMAIL", "Address": want.email}])

    def update_tags(self, ctx: AwsContext, want: BudgetSpec, have: BudgetState) -> None:
        self._client(ctx).tag_resource(ResourceARN=have.arn, ResourceTags=tag_list(want.tags))


    def delete(self, ctx: AwsContext, have: BudgetState) -> None:
        self._client(ctx).delete_budget(AccountId=have.arn.split(":")[4], BudgetName=have.name)
