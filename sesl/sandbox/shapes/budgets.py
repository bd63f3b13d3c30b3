"""AWS Budgets: what DescribeBudget and the notification reads really return."""

from __future__ import annotations
