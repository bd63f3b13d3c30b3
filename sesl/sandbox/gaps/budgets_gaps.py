"""AWS Budgets calls moto 5.2.5 lacks: subscribers of a notification, budget updates, and tags.

- DescribeSubscribersForNotification (missing): the notification's subscribers; NotFoundException for
  an unknown budget or notification (Budgets API reference).
- UpdateBudget (missing): replaces the budget definition (NewBudget).
- ResourceTags on CreateBudget, ListTagsForResource, TagResource, UntagResource (moto drops or lacks
  them): tags on the budget's ARN, arn:aws:budgets::<account>:budget/<name>.
"""

from __future__ import annotations

import json
from typing import Any


def _error(code: str, message: str) -> Any:
    from moto.core.exceptions import JsonRESTError

    return JsonRESTError(code, message)


def _budget(self: Any) -> Any:
    name, account = self._get_param("BudgetName"), self._get_param("AccountId")
    budget = self.backend.budgets[account].get(name)
    if budget is None:
        raise _error("NotFoundException", f"Unable to get budget: {name} - the budget doesn't exist.")
    return budget


def _tags(self: Any) -> dict[str, dict[str, str]]:
    store: dict[str, dict[str, str]] = self.backend.__dict__.setdefault("_sesl_budget_tags", {})
    return store


def describe_subscribers_for_notification(self: Any) -> str:
    wanted = self._get_param("Notification")
    for notification in _budget(self).notifications:
        if notification.details == wanted:
            return json.dumps({"Subscribers": notification.subscribers})
    raise _error("NotFoundException", "Unable to find the notification for this budget.")


def update_budget(self: Any) -> str:
    budget = self._get_param("NewBudget")
    account = self._get_param("AccountId")
    existing = self.backend.budgets[account].get(budget["BudgetName"])
    if existing is None:
        raise _error("NotFoundException", f"Unable to update budget: {budget['BudgetName']} - it doesn't exist.")
    existing.budget.update(budget)
    return "{}"


def _arn(account: str, name: str) -> str:
    return f"arn:aws:budgets::{account}:budget/{name}"


def list_tags_for_resource(self: Any) -> str:
    tags = _tags(self).get(self._get_param("ResourceARN"), {})
    return json.dumps({"ResourceTags": [{"Key": k, "Value": v} for k, v in tags.items()]})


def tag_resource(self: Any) -> str:
    tags = _tags(self).setdefault(self._get_param("ResourceARN"), {})
    tags.update({t["Key"]: t["Value"] for t in self._get_param("ResourceTags")})
    return "{}"


def untag_resource(self: Any) -> str:
    tags = _tags(self).get(self._get_param("ResourceARN"), {})
    for key in self._get_param("ResourceTagKeys"):
        tags.pop(key, None)
    return "{}"


def install() -> None:
    from moto.budgets.responses import BudgetsResponse

    original_create = BudgetsResponse.create_budget
    original_delete = BudgetsResponse.delete_budget

    def create_budget(self: Any) -> str:
        answer = original_create(self)
        arn = _arn(self._get_param("AccountId"), self._get_param("Budget")["BudgetName"])
        _tags(self)[arn] = {t["Key"]: t["Value"] for t in self._get_param("ResourceTags") or []}
        return str(answer)

    def delete_budget(self: Any) -> str:
        answer = original_delete(self)
        _tags(self).pop(_arn(self._get_param("AccountId"), self._get_param("BudgetName")), None)
        return str(answer)

    for handler in (describe_subscribers_for_notification, update_budget, list_tags_for_resource, tag_resource,
                    untag_resource, create_budget, delete_budget):
        setattr(BudgetsResponse, handler.__name__, handler)
