"""The spec's cross-field rules, each named by the key a user changes (mutation survivors of sesl/spec.py's
_cross_checks): the alarm's Period x EvaluationPeriods limit and the CloudTrail data-events requirement, on both
sides."""

from __future__ import annotations

from typing import Any

from sesl.spec import collect_problems


def problems_of(section: dict[str, Any]) -> list[str]:
    return collect_problems("dev", {"env": {"dev": section}}, "sesl.toml")[1]


def test_period_times_evaluations_beyond_a_day_is_blamed_on_evaluation_periods() -> None:
    # Under an hour, at most one day (86,400 s): 900 s x 96 is a day, x 97 is more.
    at_limit = {"monitoring": {"alarm_period_seconds": 900, "evaluation_periods": 96, "datapoints_to_alarm": 3}}
    assert problems_of(at_limit) == []
    over = {"monitoring": {"alarm_period_seconds": 900, "evaluation_periods": 97, "datapoints_to_alarm": 3}}
    assert problems_of(over) == ["env.dev.monitoring.evaluation_periods: Period x EvaluationPeriods = 87300 s; at "
                                 "most 86400 s for a 900 s period"]


def test_s3_data_events_need_require_cloudtrail() -> None:
    assert problems_of({"audit": {"s3_data_events": True, "require_cloudtrail": True}}) == []
    assert problems_of({"audit": {"s3_data_events": True}}) == [
        "env.dev.audit.s3_data_events: needs require_cloudtrail = true (data events are reported either way; this "
        "setting only makes them required)"]
