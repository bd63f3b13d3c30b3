"""The constraints AWS documents for the CloudWatch alarms and dashboard sesl sets that botocore's model cannot
express. Names, lengths, enums (ComparisonOperator, Statistic) and the five actions are in botocore's
cloudwatch 2010-08-01 model and checked from there (sesl.model_check).

Sources: the CloudWatch API reference, PutMetricAlarm (PMA) and "Dashboard Body Structure and Syntax" with
PutDashboard (DASH); aws-reference.md §6.1-§6.2.
"""

from __future__ import annotations

import re
from typing import Any

# PMA TreatMissingData: "Valid Values: breaching | notBreaching | ignore | missing" (a plain string in botocore).
MISSING_DATA = ("breaching", "notBreaching", "ignore", "missing")
SHORT_PERIODS = (10, 20, 30)  # PMA Period: 10, 20, 30 or any multiple of 60
DAY, WEEK = 86_400, 604_800
# DASH: dashboard names "can contain only alphanumerics, dash (-), and underscore (_)", up to 255; a body has a
# widgets array of at most 500 widgets on a 24-column grid; an alarm status widget shows at most 100 alarms.
DASHBOARD_NAME = re.compile(r"[A-Za-z0-9_-]{1,255}")
MAX_WIDGETS = 500
GRID_WIDTH = 24
MAX_ALARMS_PER_WIDGET = 100


def period_problems(period: int, evaluations: int, datapoints: int | None) -> list[tuple[str, str]]:
    """PMA's rules tying Period, EvaluationPeriods and DatapointsToAlarm: (member, problem)."""
    problems = []
    if period not in SHORT_PERIODS and period % 60:
        problems.append(("Period", f"must be 10, 20, 30 or a multiple of 60, got {period}"))
    # PMA Period: "the period multiplied by EvaluationPeriods can't exceed one week (604,800 seconds)", and one
    # day when the period is under an hour.
    limit = DAY if period < 3600 else WEEK
    if period * evaluations > limit:
        problems.append(("EvaluationPeriods", f"Period x EvaluationPeriods = {period * evaluations} s; at most "
                                              f"{limit} s for a {period} s period"))
    # PMA DatapointsToAlarm: "the number of data points that must be breaching" out of EvaluationPeriods.
    if datapoints is not None and datapoints > evaluations:
        problems.append(("DatapointsToAlarm", f"{datapoints} must not exceed EvaluationPeriods ({evaluations})"))
    return problems


def alarm_problems(params: dict[str, Any]) -> list[str]:
    """Every PMA rule for one PutMetricAlarm request that the model does not hold."""
    problems = [f"{member}: {problem}" for member, problem in period_problems(
        int(params["Period"]), int(params["EvaluationPeriods"]), params.get("DatapointsToAlarm"))]
    missing = params.get("TreatMissingData", "missing")
    if missing not in MISSING_DATA:
        problems.append(f"TreatMissingData: {missing!r} is not one of {', '.join(MISSING_DATA)}")
    return problems


def dashboard_problems(name: str, body: dict[str, Any]) -> list[str]:
    """DASH: the name's characters and the body's structure."""
    problems = [] if DASHBOARD_NAME.fullmatch(name) else ["dashboard name must be 1-255 of A-Z a-z 0-9 - _"]
    widgets = body.get("widgets")
    if not isinstance(widgets, list):
        return [*problems, "the body must include a widgets array"]
    if len(widgets) > MAX_WIDGETS:
        problems.append(f"at most {MAX_WIDGETS} widgets")
    for i, w in enumerate(widgets):
        if w.get("x", 0) + w.get("width", 6) > GRID_WIDTH:
            problems.append(f"widget {i} extends past the {GRID_WIDTH}-column grid")
        if w.get("type") == "alarm" and len(w["properties"].get("alarms", [])) > MAX_ALARMS_PER_WIDGET:
            problems.append(f"widget {i}: an alarm status widget shows at most {MAX_ALARMS_PER_WIDGET} alarms")
    return problems
