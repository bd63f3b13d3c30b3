"""The CloudWatch rules pinned on both sides of each limit (sesl/cloudwatch_rules.py): PutMetricAlarm's one-day
limit below a one-hour period and one-week limit from it, DatapointsToAlarm against EvaluationPeriods, the
missing-data values and their default; the dashboard's name, widget count, 24-column grid and 100 alarms a widget.

Sources as in the module: the CloudWatch API reference, PutMetricAlarm and "Dashboard Body Structure and Syntax"."""

from __future__ import annotations

from typing import Any

import pytest

from sesl.cloudwatch_rules import alarm_problems, dashboard_problems, period_problems


@pytest.mark.parametrize(("period", "evaluations", "expected"), [
    (3540, 24, []),  # 84,960 s: under a day
    (3540, 25, [("EvaluationPeriods", "Period x EvaluationPeriods = 88500 s; at most 86400 s for a 3540 s period")]),
    (60, 1440, []),  # exactly one day
    (60, 1441, [("EvaluationPeriods", "Period x EvaluationPeriods = 86460 s; at most 86400 s for a 60 s period")]),
    (3600, 25, []),  # a one-hour period may span more than a day
    (3600, 168, []),  # exactly one week
    (7200, 84, []),
    (7200, 85, [("EvaluationPeriods", "Period x EvaluationPeriods = 612000 s; at most 604800 s for a 7200 s period")]),
])
def test_the_span_limit_is_a_day_below_an_hour_and_a_week_from_it(period: int, evaluations: int,
                                                                  expected: list[tuple[str, str]]) -> None:
    assert period_problems(period, evaluations, None) == expected


@pytest.mark.parametrize(("period", "ok"), [(10, True), (20, True), (30, True), (40, False), (50, False), (59, False),
                                            (60, True), (61, False), (180, True)])
def test_short_periods_are_10_20_30_and_others_multiples_of_60(period: int, ok: bool) -> None:
    problems = [p for p in period_problems(period, 1, 1) if p[0] == "Period"]
    assert problems == ([] if ok else [("Period", f"must be 10, 20, 30 or a multiple of 60, got {period}")])


def test_every_problem_of_one_alarm_is_named_by_its_member() -> None:
    params: dict[str, Any] = {"Period": "45", "EvaluationPeriods": "2000", "DatapointsToAlarm": 2001,
                              "TreatMissingData": "zero"}
    assert alarm_problems(params) == [
        "Period: must be 10, 20, 30 or a multiple of 60, got 45",
        "EvaluationPeriods: Period x EvaluationPeriods = 90000 s; at most 86400 s for a 45 s period",
        "DatapointsToAlarm: 2001 must not exceed EvaluationPeriods (2000)",
        "TreatMissingData: 'zero' is not one of breaching, notBreaching, ignore, missing"]


@pytest.mark.parametrize("missing", ["breaching", "notBreaching", "ignore", "missing"])
def test_each_missing_data_value_pma_lists_passes(missing: str) -> None:
    assert alarm_problems({"Period": 60, "EvaluationPeriods": 1, "TreatMissingData": missing}) == []


def test_without_a_missing_data_rule_or_datapoints_an_alarm_passes() -> None:
    # PMA: TreatMissingData defaults to "missing"; DatapointsToAlarm to EvaluationPeriods
    assert alarm_problems({"Period": 60, "EvaluationPeriods": 5}) == []
    assert alarm_problems({"Period": 60, "EvaluationPeriods": 5, "DatapointsToAlarm": 5}) == []
    assert alarm_problems({"Period": 60, "EvaluationPeriods": 5, "TreatMissingData": "Missing"}) == [
        "TreatMissingData: 'Missing' is not one of breaching, notBreaching, ignore, missing"]


# -- the dashboard --------------------------------------------------------------------------------------------------

def alarm_widget(count: int) -> dict[str, Any]:
    return {"type": "alarm", "x": 0, "width": 24, "properties": {"alarms": [f"arn:{i}" for i in range(count)]}}


def test_dashboard_names_are_1_to_255_of_letters_digits_dash_underscore() -> None:
    ok: dict[str, Any] = {"widgets": []}
    bad = ["dashboard name must be 1-255 of A-Z a-z 0-9 - _"]
    assert dashboard_problems("a" * 255, ok) == []
    assert dashboard_problems("Email_events-0", ok) == []
    assert dashboard_problems("a" * 256, ok) == bad
    assert dashboard_problems("", ok) == bad
    assert dashboard_problems("email.events", ok) == bad
    # both problems at once when the body has no widgets array either
    assert dashboard_problems("email events", {"widgets": {}}) == [*bad, "the body must include a widgets array"]


def test_at_most_500_widgets() -> None:
    widget = {"type": "text", "x": 0, "width": 6, "properties": {"markdown": "x"}}
    assert dashboard_problems("d", {"widgets": [widget] * 500}) == []
    assert dashboard_problems("d", {"widgets": [widget] * 501}) == ["at most 500 widgets"]


def test_a_widget_must_end_within_the_24_columns() -> None:
    assert dashboard_problems("d", {"widgets": [{"x": 12, "width": 12}, {"x": 13, "width": 12}]}) == [
        "widget 1 extends past the 24-column grid"]
    # DASH: x defaults to the next free place (taken as 0 here), width to 6
    assert dashboard_problems("d", {"widgets": [{"x": 18}, {"width": 24}]}) == []
    assert dashboard_problems("d", {"widgets": [{"x": 19}]}) == ["widget 0 extends past the 24-column grid"]
    assert dashboard_problems("d", {"widgets": [{"width": 25}]}) == ["widget 0 extends past the 24-column grid"]


def test_an_alarm_status_widget_shows_at_most_100_alarms() -> None:
    assert dashboard_problems("d", {"widgets": [alarm_widget(100)]}) == []
    assert dashboard_problems("d", {"widgets": [alarm_widget(0), alarm_widget(101)]}) == [
        "widget 1: an alarm status widget shows at most 100 alarms"]
    # the limit is the alarm widget's: a metric widget's list of 101 is not counted
    metric = {**alarm_widget(101), "type": "metric"}
    assert dashboard_problems("d", {"widgets": [metric]}) == []
    assert dashboard_problems("d", {"widgets": [{"type": "alarm", "properties": {}}]}) == []
