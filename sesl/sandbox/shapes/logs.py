"""CloudWatch Logs: what DescribeLogGroups really returns."""

from __future__ import annotations
