"""AWS Budgets: what DescribeBudget and the notification reads really return."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sesl.sandbox.shapes import Response, shaping


def aws_amount(amount: str) -> str:
    """An amount the way Budgets hands it back: a decimal with at least one fraction digit ("40" -> "40.0")."""
    try:
        value = Decimal(amount)
    except (InvalidOperation, TypeError):
        return amount
    text = format(value.normalize(), "f")
    return text if "." in text else f"{text}.0"


def _budget(budget: dict[str, Any]) -> dict[str, Any]:
    limit = budget.get("BudgetLimit")
    if not isinstance(limit, dict) or "Amount" not in limit:
        return budget
    return {**budget, "BudgetLimit": {**limit, "Amount": aws_amount(str(limit["Amount"]))}}


_AMOUNT_SOURCE = ("published live read: go-to-k/cdk-real-drift tests/corpus/AWS__Budgets__Budget.MonthlyCost.json "
                  "(Amount 40 sent, \"40.0\" read back); terraform-provider-aws internal/service/budgets/budget.go "
                  "suppressEquivalentBudgetLimitAmount (amounts compared as decimals)")


@shaping("budgets", "DescribeBudget",
         what="BudgetLimit.Amount comes back re-formatted as a decimal with a fraction digit (\"25.00\" -> "
              "\"25.0\"); CostTypes, TimePeriod (End 2087-06-15), CalculatedSpend and LastUpdatedTime are "
              "filled in (moto adds those too)",
         source=_AMOUNT_SOURCE + "; aws/aws-cli awscli/examples/budgets/describe-budget.rst (CostTypes defaults, "
                                 "TimePeriod End 3706473600 = 2087-06-15)")
def budget_amount_reformatted(response: Response, request: Response) -> Response:
    budget = response.get("Budget")
    return {**response, "Budget": _budget(budget)} if isinstance(budget, dict) else response


@shaping("budgets", "DescribeBudgets",
         what="each budget's BudgetLimit.Amount re-formatted as in DescribeBudget",
         source=_AMOUNT_SOURCE)
def budgets_amount_reformatted(response: Response, request: Response) -> Response:
    return {**response, "Budgets": [_budget(b) for b in response.get("Budgets", [])]}
