"""sesl.glue_rules pinned: each rule's exact message, for the values the Glue and Athena guides give on both sides
of each limit (SCHED, CFG, DEF, NAMES, PROJ in the module's docstring), where tests/test_cross_rules.py checks
only part of a message."""

from __future__ import annotations

import pytest

from sesl import glue_rules
from sesl.glue_rules import FIELDS, field_problems, schedule_problems

MINUTES, HOURS, DAY_OF_MONTH, MONTH, DAY_OF_WEEK, YEAR = FIELDS
TEMPLATE = "storage.location.template"


# --- one cron field ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("field", "text", "problem"), [
    # a field without names says only its range; one with names says them too
    (MINUTES, "x", "minutes 'x': 'x' is not a value of 0-59"),
    (YEAR, "20x0", "year '20x0': '20x0' is not a value of 1970-2199"),
    (MONTH, "JANUARY", "month 'JANUARY': 'JANUARY' is not a value of 1-12 or JAN-DEC"),
    (DAY_OF_WEEK, "FUNDAY", "day-of-week 'FUNDAY': 'FUNDAY' is not a value of 1-7 or SUN-SAT"),
])
def test_a_value_that_is_not_one(field: glue_rules.CronField, text: str, problem: str) -> None:
    assert field_problems(field, text) == (set(), [problem])


@pytest.mark.parametrize(("field", "text", "values"), [
    (MINUTES, "*/15", {0, 15, 30, 45}),
    (MINUTES, "5/15", {5, 20, 35, 50}),  # a start with an increment runs to the end of the range
    (MINUTES, "10-20/5", {10, 15, 20}),
    (HOURS, "0/1", set(range(24))),  # 1 is the smallest increment
    (HOURS, "22-1", {22, 23, 0, 1}),  # a range past the end wraps around
    (DAY_OF_WEEK, "FRI-MON", {6, 7, 1, 2}),
    (DAY_OF_WEEK, "sun,SAT", {1, 7}),  # names in either case
    (MONTH, "DEC", {12}),
    (MONTH, "JAN", {1}),
    (DAY_OF_MONTH, "L", {31}),
    (DAY_OF_MONTH, "LW", {31}),
    (DAY_OF_MONTH, "15W", {15}),
    (DAY_OF_MONTH, "1W", {1}),
    (DAY_OF_MONTH, "31W", {31}),
    (DAY_OF_WEEK, "L", {7}),
    (DAY_OF_WEEK, "6L", {6}),
    (DAY_OF_WEEK, "FRIL", {6}),
    (DAY_OF_WEEK, "1L", {1}),
    (DAY_OF_WEEK, "7L", {7}),
    (YEAR, "1970,2199", {1970, 2199}),
    (DAY_OF_MONTH, "?", set()),
    (DAY_OF_WEEK, "?", set()),
])
def test_the_values_a_field_selects(field: glue_rules.CronField, text: str, values: set[int]) -> None:
    assert field_problems(field, text) == (values, [])


@pytest.mark.parametrize(("field", "text", "problems"), [
    (MINUTES, "?", ["minutes cannot be '?'"]),
    (MONTH, "?", ["month cannot be '?'"]),
    (MINUTES, "0/0", ["minutes '0/0': increment '0' must be a positive number"]),
    (MINUTES, "0/x", ["minutes '0/x': increment 'x' must be a positive number"]),
    (MINUTES, "0/", ["minutes '0/': increment '' must be a positive number"]),
    (DAY_OF_MONTH, "L/2", ["day-of-month 'L/2': 'L' takes no increment"]),
    (DAY_OF_MONTH, "LW/2", ["day-of-month 'LW/2': 'LW' takes no increment"]),
    (DAY_OF_MONTH, "0W", ["day-of-month '0W': '0W' must be a day 1-31 followed by W"]),
    (DAY_OF_MONTH, "32W", ["day-of-month '32W': '32W' must be a day 1-31 followed by W"]),
    (DAY_OF_MONTH, "xW", ["day-of-month 'xW': 'xW' must be a day 1-31 followed by W"]),
    (DAY_OF_MONTH, "15W/2", ["day-of-month '15W/2': '15W' must be a day 1-31 followed by W"]),
    (DAY_OF_WEEK, "0L", ["day-of-week '0L': '0L' must be a value 1-7 or SUN-SAT followed by L"]),
    (DAY_OF_WEEK, "8L", ["day-of-week '8L': '8L' must be a value 1-7 or SUN-SAT followed by L"]),
    (DAY_OF_WEEK, "6L/2", ["day-of-week '6L/2': '6L' must be a value 1-7 or SUN-SAT followed by L"]),
    (DAY_OF_WEEK, "LW", ["day-of-week 'LW': 'LW' is not a value of 1-7 or SUN-SAT"]),  # W: day-of-month only
    (MINUTES, "L", ["minutes 'L': 'L' is not a value of 0-59"]),  # L: the day fields only
    (HOURS, "5W", ["hours '5W': '5W' is not a value of 0-23"]),
    (MINUTES, "5-60", ["minutes '5-60': 60 is outside 0-59"]),
    (MINUTES, "60-5", ["minutes '60-5': 60 is outside 0-59"]),
    (MINUTES, "5-x", ["minutes '5-x': '5-x' is not a value of 0-59"]),
    (MINUTES, "1,,2", ["minutes '1,,2' has an empty list item"]),
    (MINUTES, ",", ["minutes ',' has an empty list item", "minutes ',' has an empty list item"]),
    (MINUTES, "60,61", ["minutes '60,61': 60 is outside 0-59", "minutes '60,61': 61 is outside 0-59"]),
])
def test_what_is_wrong_with_a_field(field: glue_rules.CronField, text: str, problems: list[str]) -> None:
    assert field_problems(field, text)[1] == problems


def test_a_field_keeps_the_values_of_its_good_items() -> None:
    assert field_problems(MINUTES, "5,61,7") == ({5, 7}, ["minutes '5,61,7': 61 is outside 0-59"])


def test_a_field_without_increments_refuses_one() -> None:
    # every field of SCHED's table takes '/', so this is the rule on its own
    field = glue_rules.CronField("f", 0, 9, wildcards=",-*")
    assert field_problems(field, "1/2") == (set(), ["f '1/2': '/' is not allowed here"])
    assert field_problems(field, "1-2") == ({1, 2}, [])


# --- the whole schedule --------------------------------------------------------------------------------
def test_every_problem_is_said_in_one_message() -> None:
    assert schedule_problems("cron(61 25 * * SUN 1969)") == [
        "schedule 'cron(61 25 * * SUN 1969)': minutes '61': 61 is outside 0-59; hours '25': 25 is outside 0-23; "
        "year '1969': 1969 is outside 1970-2199; exactly one of day-of-month and day-of-week must be '?'"]


@pytest.mark.parametrize("expression", ["cron(0 0 ? * SUN *)", "  cron(0 0 ? * SUN *)\n", "cron( 0  0 ? * SUN * )"])
def test_spaces_around_and_between_fields_are_accepted(expression: str) -> None:
    assert schedule_problems(expression) == []


@pytest.mark.parametrize("expression", ["cron(0 0 ? * SUN * *)", "cron(0 0 ? * SUN *) x", "xcron(0 0 ? * SUN *)",
                                        "cron()", ""])
def test_anything_but_six_fields_in_cron_is_refused(expression: str) -> None:
    assert schedule_problems(expression) == [
        f"schedule {expression!r} must be cron(minutes hours day-of-month month day-of-week year), six fields in UTC"]


@pytest.mark.parametrize(("expression", "ok"), [
    ("cron(0,5 * * * ? *)", True),
    ("cron(0,4 * * * ? *)", False),
    ("cron(0,55 * * * ? *)", True),  # 55 -> 0 of the next hour: 5 minutes
    ("cron(0,56 * * * ? *)", False),  # 56 -> 0 of the next hour: 4 minutes
    ("cron(0,56 3 * * ? *)", True),  # one hour: no next hour to run in
    ("cron(0,56 3,5 * * ? *)", True),  # hours apart: no wrap to the next hour's minute 0
    ("cron(0,56 23,0 * * ? *)", False),  # 23 -> 0 wraps to midnight
    ("cron(0,56 3-4 * * ? *)", False),
    ("cron(10,12 3 * * ? *)", False),  # 2 minutes apart, not at the top of the hour
    ("cron(10,15 3 * * ? *)", True),
    ("cron(0 * * * ? *)", True),
    ("cron(5/5 * * * ? *)", True),  # 55 -> 5 of the next hour: 10 minutes
])
def test_runs_at_most_every_five_minutes(expression: str, ok: bool) -> None:
    assert schedule_problems(expression) == ([] if ok else [
        f"schedule {expression!r}: runs more often than every 5 minutes, which Glue does not support"])


def test_the_frequency_is_checked_only_for_an_otherwise_valid_schedule() -> None:
    assert schedule_problems("cron(*/1 * * * SUN *)") == [
        "schedule 'cron(*/1 * * * SUN *)': exactly one of day-of-month and day-of-week must be '?'"]


# --- crawler settings ----------------------------------------------------------------------------------
def test_crawl_new_folders_only_names_every_other_target_kind() -> None:
    targets = {"S3Targets": [{"Path": "s3://b/"}], "JdbcTargets": [], "CatalogTargets": [], "DeltaTargets": []}
    assert glue_rules.crawler_policy_problems("CRAWL_NEW_FOLDERS_ONLY", "LOG", "DELETE_FROM_DATABASE", targets) == [
        "RecrawlBehavior CRAWL_NEW_FOLDERS_ONLY allows only LOG UpdateBehavior and DeleteBehavior, not "
        "LOG/DELETE_FROM_DATABASE",
        "RecrawlBehavior CRAWL_NEW_FOLDERS_ONLY applies only to S3 targets, not CatalogTargets, DeltaTargets, "
        "JdbcTargets"]


def test_catalog_targets_mixed_with_two_kinds_names_both() -> None:
    targets = {"CatalogTargets": [{"DatabaseName": "d"}], "S3Targets": [{"Path": "s3://b/"}],
               "JdbcTargets": [{"ConnectionName": "c"}], "DynamoDBTargets": []}
    assert glue_rules.crawler_target_problems(targets, None) == [
        "Targets: CatalogTargets cannot be mixed with S3Targets, JdbcTargets",
        "DatabaseName: required for crawler targets other than CatalogTargets"]
    assert glue_rules.crawler_target_problems({"S3Targets": [], "CatalogTargets": [{"DatabaseName": "d"}]}, None) == []
    assert glue_rules.crawler_target_problems({"S3Targets": [{"Path": "s3://b/"}]}, "") == [
        "DatabaseName: required for crawler targets other than CatalogTargets"]


# --- names, tables, projection -------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "ok"), [("a", True), ("a_1", True), ("x" * 255, True), ("x" * 256, False),
                                          ("", False), ("A", False), ("a-b", False), ("a.b", False), ("a b", False)])
def test_athena_names(name: str, ok: bool) -> None:
    assert glue_rules.athena_name_problem("column", name) == (None if ok else (
        f"column name {name!r} must be 1-255 lowercase letters, digits or '_' (Athena supports only '_')"))


def test_table_problems_in_order() -> None:
    assert glue_rules.table_problems("T", ["ok", "B"], {"p": "array<int>", "ok": "varchar(10)", "d": "decimal(10,2)"},
                                     {"projection.enabled": "false"}) == [
        "table name 'T' must be 1-255 lowercase letters, digits or '_' (Athena supports only '_')",
        "column name 'B' must be 1-255 lowercase letters, digits or '_' (Athena supports only '_')",
        "partition key p: type 'array<int>' is not primitive",
        "partition keys ['ok'] must not also be columns"]


def test_projection_is_checked_only_when_enabled() -> None:
    assert glue_rules.table_problems("t", [], {"year": "int"}, {}) == []
    assert glue_rules.table_problems("t", [], {"year": "int"}, {"projection.enabled": "TRUE"}) == []
    assert glue_rules.table_problems("t", [], {"year": "int"}, {"projection.enabled": "true"}) == [
        "projection.year.type: required for partition key year with projection enabled",
        f"{TEMPLATE} lacks the placeholder ${{year}}"]


def test_projection_without_a_template_or_a_range() -> None:
    # Without storage.location.template Athena uses the table's location: only the placeholders are missing.
    assert glue_rules.projection_problems(["year", "month"], {"projection.year.type": "integer",
                                                              "projection.month.type": "integer",
                                                              "projection.month.range": "1,12"}) == [
        f"{TEMPLATE} lacks the placeholder ${{year}}", f"{TEMPLATE} lacks the placeholder ${{month}}",
        "projection.year.range must be two integers min,max"]


@pytest.mark.parametrize(("bounds", "problem"), [
    ("1,12", None), ("-5,5", None), (" 1, 12", None), ("12,12", None),
    ("12,1", "projection.n.range must be min,max, not 12,1"),
    ("1", "projection.n.range must be two integers min,max"),
    ("1,2,3", "projection.n.range must be two integers min,max"),
    ("1,x", "projection.n.range must be two integers min,max"),
    ("x,1", "projection.n.range must be two integers min,max"),
    ("X1,2", "projection.n.range must be two integers min,max"),
    ("--1,2", "projection.n.range must be two integers min,max"),
])
def test_an_integer_projection_range(bounds: str, problem: str | None) -> None:
    parameters = {"projection.n.type": "integer", "projection.n.range": bounds, TEMPLATE: "s3://b/${n}/"}
    assert glue_rules.projection_problems(["n"], parameters) == ([] if problem is None else [problem])


def test_other_projection_types_have_no_integer_range() -> None:
    parameters = {"projection.d.type": "date", "projection.d.range": "NOW-1YEARS,NOW", TEMPLATE: "s3://b/${d}/"}
    assert glue_rules.projection_problems(["d"], parameters) == []
    assert glue_rules.projection_problems(["d"], {**parameters, TEMPLATE: "s3://b/${d}"}) == [
        f"{TEMPLATE} must end with '/'"]
