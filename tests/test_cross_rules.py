"""The documented rules botocore's model cannot express, each on both sides of its boundary (docs/validation.md
lists them with their sources)."""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

import pytest

from sesl import cloudwatch_rules, firehose_rules, glue_rules
from sesl.naming import Names
from sesl.resources.athena_workgroup import AthenaWorkgroupKind
from sesl.resources.base import Env
from sesl.resources.firehose_stream import destination_config
from sesl.resources.glue_table import GlueTableKind
from sesl.resources.s3_bucket import location_problems
from sesl.spec import collect_problems, default_spec

ENV = Env(default_spec("dev"), Names("dev", "us-west-2", "123456789012"))


# --- Glue schedules (SCHED) ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("expression", [
    "cron(0 0 ? * SUN *)", "cron(59 23 ? * SAT *)", "cron(0 10 * * ? *)", "cron(15 12 * * ? *)",
    "cron(0 18 ? * MON-FRI *)", "cron(0 8 1 * ? *)", "cron(0/15 * * * ? *)", "cron(0/10 * ? * MON-FRI *)",
    "cron(0/5 8-17 ? * MON-FRI *)", "cron(0 0 31 12 ? 2199)", "cron(0 0 1 1 ? 1970)", "cron(0 0 ? JAN,FEB,DEC 1-7 *)",
    "cron(0 0 L * ? *)", "cron(0 0 LW * ? *)", "cron(0 0 15W * ? *)", "cron(0 0 ? * 6L *)", "cron(0 0 ? * L *)",
    "cron(0 0 ? * FRI-MON *)", "cron(0,30 * * * ? *)", "cron(0,57 3 * * ? *)", "cron(0 0 ? * sun *)",
])
def test_glue_accepts(expression: str) -> None:
    assert glue_rules.schedule_problems(expression) == []


@pytest.mark.parametrize(("expression", "problem"), [
    ("cron(61 25 ? * SUN *)", "minutes '61': 61 is outside 0-59; hours '25': 25 is outside 0-23"),
    ("cron(60 0 ? * SUN *)", "minutes '60': 60 is outside 0-59"),
    ("cron(0 24 ? * SUN *)", "hours '24': 24 is outside 0-23"),
    ("cron(0 0 0 * ? *)", "day-of-month '0': 0 is outside 1-31"),
    ("cron(0 0 32 * ? *)", "day-of-month '32': 32 is outside 1-31"),
    ("cron(0 0 ? 0 SUN *)", "month '0': 0 is outside 1-12"),
    ("cron(0 0 ? 13 SUN *)", "month '13': 13 is outside 1-12"),
    ("cron(0 0 ? JAX SUN *)", "month 'JAX': 'JAX' is not a value of 1-12 or JAN-DEC"),
    ("cron(0 0 ? * 0 *)", "day-of-week '0': 0 is outside 1-7"),
    ("cron(0 0 ? * 8 *)", "day-of-week '8': 8 is outside 1-7"),
    ("cron(0 0 ? * SUN 1969)", "year '1969': 1969 is outside 1970-2199"),
    ("cron(0 0 ? * SUN 2200)", "year '2200': 2200 is outside 1970-2199"),
    ("cron(0 0 * * SUN *)", "exactly one of day-of-month and day-of-week must be '?'"),
    ("cron(0 0 ? * ? *)", "exactly one of day-of-month and day-of-week must be '?'"),
    ("cron(? 0 ? * SUN *)", "minutes cannot be '?'"),
    ("cron(0 0 ? * 2#1 *)", "day-of-week '2#1': '2#1' is not a value of 1-7 or SUN-SAT"),  # '#' is not in SCHED's list
    ("cron(0 0 ? * 1W *)", "day-of-week '1W'"),  # W belongs to day-of-month only
    ("cron(0 0 32W * ? *)", "'32W' must be a day 1-31 followed by W"),
    ("cron(0 0 ? * 9L *)", "'9L' must be a value 1-7 or SUN-SAT followed by L"),
    ("cron(0/0 0 ? * SUN *)", "increment '0' must be a positive number"),
    ("cron(0 0 1,,2 * ? *)", "has an empty list item"),
    ("cron(0/4 * * * ? *)", "runs more often than every 5 minutes"),
    ("cron(*/2 * * * ? *)", "runs more often than every 5 minutes"),
    ("cron(0,4 3 * * ? *)", "runs more often than every 5 minutes"),
    ("cron(0,57 * * * ? *)", "runs more often than every 5 minutes"),  # 57 -> 0 of the next hour is 3 minutes
    ("cron(0 0 ? * SUN)", "must be cron(minutes hours day-of-month month day-of-week year), six fields"),
    ("rate(7 days)", "must be cron("),
])
def test_glue_rejects(expression: str, problem: str) -> None:
    found = glue_rules.schedule_problems(expression)
    assert len(found) == 1 and found[0].startswith(f"schedule {expression!r}") and problem in found[0], found


def test_five_minutes_apart_is_the_fastest_schedule() -> None:
    assert glue_rules.schedule_problems("cron(0/5 * * * ? *)") == []
    assert glue_rules.schedule_problems("cron(0,55 * * * ? *)") == []
    assert glue_rules.schedule_problems("cron(0,56 * * * ? *)") != []


# --- Glue crawler and tables (CFG, DEF, NAMES, PROJ, BC) ----------------------------------------------------------

def test_crawl_new_folders_only_takes_log_log_and_s3_targets() -> None:
    s3 = {"S3Targets": [{"Path": "s3://b/raw/"}]}
    assert glue_rules.crawler_policy_problems("CRAWL_NEW_FOLDERS_ONLY", "LOG", "LOG", s3) == []
    assert glue_rules.crawler_policy_problems("CRAWL_NEW_FOLDERS_ONLY", "UPDATE_IN_DATABASE", "LOG", s3) == [
        "RecrawlBehavior CRAWL_NEW_FOLDERS_ONLY allows only LOG UpdateBehavior and DeleteBehavior, not "
        "UPDATE_IN_DATABASE/LOG"]
    assert glue_rules.crawler_policy_problems("CRAWL_NEW_FOLDERS_ONLY", "LOG", "LOG", {"CatalogTargets": []}) == [
        "RecrawlBehavior CRAWL_NEW_FOLDERS_ONLY applies only to S3 targets, not CatalogTargets"]
    assert glue_rules.crawler_policy_problems("CRAWL_EVERYTHING", "UPDATE_IN_DATABASE", "LOG", s3) == []


def test_catalog_targets_stand_alone_and_other_targets_need_a_database() -> None:
    s3, catalog = [{"Path": "s3://b/raw/"}], [{"DatabaseName": "d", "Tables": ["t"]}]
    assert glue_rules.crawler_target_problems({"S3Targets": s3}, "raw_db") == []
    assert glue_rules.crawler_target_problems({"CatalogTargets": catalog}, None) == []
    assert glue_rules.crawler_target_problems({"S3Targets": s3}, None) == [
        "DatabaseName: required for crawler targets other than CatalogTargets"]
    assert glue_rules.crawler_target_problems({"S3Targets": s3, "CatalogTargets": catalog}, "raw_db") == [
        "Targets: CatalogTargets cannot be mixed with S3Targets"]


def table(**changes: Any) -> list[str]:
    kind = GlueTableKind()
    want = replace(kind.desired(ENV)[0], **changes)
    return kind.validate(ENV, want)


def test_sesl_tables_are_valid() -> None:
    assert [table()] == [[]]


@pytest.mark.parametrize(("changes", "problem"), [
    ({"name": "Newsletter_Events"}, "table name 'Newsletter_Events' must be 1-255 lowercase letters"),
    ({"name": "newsletter-events"}, "table name 'newsletter-events' must be 1-255 lowercase letters"),
    ({"columns": (("event-type", "string"),)}, "column name 'event-type' must be"),
    ({"columns": (("year", "string"),)}, "partition keys ['year'] must not also be columns"),
])
def test_table_names_and_keys(changes: dict[str, Any], problem: str) -> None:
    assert any(problem in p for p in table(**changes)), table(**changes)


def test_projection_needs_a_type_for_every_partition_key_and_a_forward_range() -> None:
    want = GlueTableKind().desired(ENV)[0]
    keys = list(want.partition_keys)
    assert glue_rules.projection_problems(keys, want.parameters) == []
    without = {k: v for k, v in want.parameters.items() if k != "projection.day.type"}
    assert glue_rules.projection_problems(keys, without) == [
        "projection.day.type: required for partition key day with projection enabled"]
    backwards = {**want.parameters, "projection.year.range": "2030,2026"}
    assert glue_rules.projection_problems(keys, backwards) == ["projection.year.range must be min,max, not 2030,2026"]
    assert glue_rules.projection_problems(keys, {**want.parameters, "projection.year.range": "2026,2026"}) == []
    relative = {**want.parameters, "projection.year.range": "2025,NOW"}  # NOW is for date projections only
    assert glue_rules.projection_problems(keys, relative) == ["projection.year.range must be two integers min,max"]


def test_partition_keys_are_primitive() -> None:
    params = {"projection.enabled": "false"}
    assert glue_rules.table_problems("t", ["a"], {"year": "string", "n": "int"}, params) == []
    assert glue_rules.table_problems("t", ["a"], {"s": "struct<a:int>"}, params) == [
        "partition key s: type 'struct<a:int>' is not primitive"]


# --- Firehose (BKP, BUF, BC) ---------------------------------------------------------------------------------------

def destination() -> dict[str, Any]:
    return copy.deepcopy(destination_config(ENV, "newsletter"))


def test_the_backup_buffers_60_to_900_seconds() -> None:
    assert firehose_rules.backup_interval_problem(59) == (
        "59 s is outside the 60-900 s the S3 backup allows (zero buffering is not available for the S3 backup)")
    assert firehose_rules.backup_interval_problem(0) is not None
    assert firehose_rules.backup_interval_problem(60) is None
    assert firehose_rules.backup_interval_problem(900) is None
    assert firehose_rules.backup_interval_problem(901) is not None


def test_zero_buffering_is_not_available_with_dynamic_partitioning() -> None:
    d = destination()
    d["BufferingHints"]["IntervalInSeconds"] = 0
    assert firehose_rules.zero_buffering_problems(d) == []
    d["DynamicPartitioningConfiguration"] = {"Enabled": True}
    assert firehose_rules.zero_buffering_problems(d) == [
        "BufferingHints.IntervalInSeconds: 0 (zero buffering) is not available with dynamic partitioning"]
    d["BufferingHints"]["IntervalInSeconds"] = 60
    assert firehose_rules.zero_buffering_problems(d) == []


def test_the_schema_role_is_in_the_streams_account() -> None:
    d = destination()
    assert firehose_rules.schema_role_problems(d) == []
    d["DataFormatConversionConfiguration"]["SchemaConfiguration"]["RoleARN"] = "arn:aws:iam::210987654321:role/r"
    assert firehose_rules.schema_role_problems(d) == [
        "SchemaConfiguration.RoleARN: account 210987654321 is not the stream's account 123456789012 "
        "(cross-account roles aren't allowed)"]


def test_zero_buffering_setting_is_refused_only_with_the_backup() -> None:
    def problems(firehose: dict[str, Any]) -> list[str]:
        return collect_problems("dev", {"env": {"dev": {"firehose": firehose}}})[1]

    assert problems({"buffer_interval_seconds": 0, "backup_enabled": False}) == []
    assert problems({"buffer_interval_seconds": 60}) == []
    assert [p.split(":")[0] for p in problems({"buffer_interval_seconds": 0})] == [
        "env.dev.firehose.buffer_interval_seconds"]


# --- CloudWatch (PMA) ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("period", "evaluations", "datapoints", "expected"), [
    (10, 1, 1, []), (20, 1, 1, []), (30, 1, 1, []), (60, 1, 1, []), (120, 1, 1, []),
    (45, 1, 1, [("Period", "must be 10, 20, 30 or a multiple of 60, got 45")]),
    (90, 1, 1, [("Period", "must be 10, 20, 30 or a multiple of 60, got 90")]),
    (300, 288, 1, []),
    (300, 289, 1, [("EvaluationPeriods", "Period x EvaluationPeriods = 86700 s; at most 86400 s for a 300 s period")]),
    (3600, 168, 1, []),
    (3600, 169, 1, [("EvaluationPeriods", "Period x EvaluationPeriods = 608400 s; at most 604800 s for a 3600 s "
                                          "period")]),
    (300, 3, 3, []), (300, 3, None, []),
    (300, 3, 4, [("DatapointsToAlarm", "4 must not exceed EvaluationPeriods (3)")]),
])
def test_alarm_periods(period: int, evaluations: int, datapoints: int | None, expected: list[tuple[str, str]]) -> None:
    assert cloudwatch_rules.period_problems(period, evaluations, datapoints) == expected


def test_treat_missing_data_values() -> None:
    base = {"Period": 300, "EvaluationPeriods": 1}
    assert cloudwatch_rules.alarm_problems({**base, "TreatMissingData": "notBreaching"}) == []
    assert cloudwatch_rules.alarm_problems({**base, "TreatMissingData": "zero"}) == [
        "TreatMissingData: 'zero' is not one of breaching, notBreaching, ignore, missing"]


# --- S3 and Athena -------------------------------------------------------------------------------------------------

def test_the_location_constraint_is_the_clients_region_and_absent_in_us_east_1() -> None:
    west = {"Bucket": "b", "CreateBucketConfiguration": {"LocationConstraint": "us-west-2"}}
    assert location_problems(west, "us-west-2") == []
    assert location_problems({"Bucket": "b"}, "us-west-2") == [
        "CreateBucketConfiguration.LocationConstraint must be 'us-west-2', the client's region, not None"]
    assert location_problems(west, "eu-west-1") == [
        "CreateBucketConfiguration.LocationConstraint must be 'eu-west-1', the client's region, not 'us-west-2'"]
    assert location_problems({"Bucket": "b"}, "us-east-1") == []
    assert location_problems(west, "us-east-1") == [
        "CreateBucketConfiguration.LocationConstraint 'us-west-2' must be left out in us-east-1"]


def test_the_workgroup_is_never_primary() -> None:
    kind = AthenaWorkgroupKind()
    want = kind.desired(ENV)[0]
    assert kind.validate(ENV, want) == []
    assert kind.validate(ENV, replace(want, name="primary")) == [
        "the workgroup cannot be 'primary', the account's default workgroup"]


def test_every_rule_in_the_table_names_code_that_exists() -> None:
    import importlib
    import re
    from pathlib import Path

    table = (Path(__file__).resolve().parent.parent / "docs" / "validation.md").read_text(encoding="utf-8")
    places = re.findall(r"^\| [^|]+ \| `([\w.]+)` \|", table, re.MULTILINE)
    assert len(places) >= 40
    for place in places:
        module, _, name = place.rpartition(".")
        package = "sesl" if module in ("model_check", "firehose_rules", "glue_rules", "cloudwatch_rules", "spec") \
            else "sesl.resources"
        target = importlib.import_module(f"{package}.{module}")
        if name != "validate":
            assert hasattr(target, name), place
