"""CloudWatch: what DescribeAlarms and GetDashboard really return."""

from __future__ import annotations
