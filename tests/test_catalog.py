"""Glue catalog kinds: databases, projection tables (merging updates, schema evolution, types never
changed), and the raw-schema crawler."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest

from sesl import reconcile
from sesl.context import AwsContext
from sesl.errors import RefusedError
from sesl.glue_rules import schedule_problems
from sesl.model import Action
from sesl.naming import Names
from sesl.resources.base import Env
from sesl.resources.glue_crawler import GlueCrawlerKind
from sesl.resources.glue_table import GlueTableKind
from sesl.spec import default_spec
from tests.conftest import ACCOUNT, boto
from tests.ladder import climb, converge, drift_then_repair, plan_for

DB, RAW = "email_events_db_dev", "email_events_raw_dev"
TABLE = "newsletter_events"
CRAWLER = "email-events-raw-schema-dev"
NAMES = Names("dev", "us-west-2", ACCOUNT)


def _table() -> dict[str, Any]:
    return dict(boto("glue").get_table(DatabaseName=DB, Name=TABLE)["Table"])


def _put_table(**changes: Any) -> None:
    table = _table()
    table_input = {k: table[k] for k in ("Name", "TableType", "Parameters", "PartitionKeys", "StorageDescriptor")}
    table_input.update(changes)
    boto("glue").update_table(DatabaseName=DB, TableInput=table_input)


def test_databases_and_tables_climb_the_ladder(ctx: AwsContext) -> None:
    climb(ctx, "glue_database", [DB, RAW])
    climb(ctx, "glue_table", [TABLE, "transactional_events"])
    table = _table()
    params = table["Parameters"]
    assert params["storage.location.template"] == (
        "s3://daily-system-design-email-events-dev/newsletter/year=${year}/month=${month}/day=${day}/")
    assert (params["projection.year.range"], params["projection.month.digits"], params["projection.day.range"]) == (
        "2025,2035", "2", "1,31")
    assert [k["Name"] for k in table["PartitionKeys"]] == ["year", "month", "day"]
    columns = {c["Name"]: c["Type"] for c in table["StorageDescriptor"]["Columns"]}
    assert columns["mail"].endswith("tags:map<string,array<string>>>")
    assert "year" not in columns


def test_a_projection_parameter_drift_is_reported_and_repaired(ctx: AwsContext) -> None:
    converge(ctx, ["glue_database", "glue_table"])
    change = drift_then_repair(ctx, "glue_table", TABLE, "projection", lambda: _put_table(
        Parameters={**_table()["Parameters"], "projection.year.range": "2024,2030"}))
    assert [(f.path, f.before, f.after) for f in change.fields] == [("projection.year.range", "2024,2030", "2025,2035")]


def test_updates_keep_parameters_sesl_does_not_own(ctx: AwsContext) -> None:
    converge(ctx, ["glue_database", "glue_table"])
    _put_table(Parameters={**_table()["Parameters"], "projection.enabled": "false", "team:owner": "analytics"})
    converge(ctx, ["glue_table"])
    params = _table()["Parameters"]
    assert params["projection.enabled"] == "true"
    assert params["team:owner"] == "analytics"  # UpdateTable replaced everything, sesl sent it back


def test_updates_keep_what_others_set_on_the_table_and_its_storage(ctx: AwsContext) -> None:
    converge(ctx, ["glue_database", "glue_table"])
    storage = {**_table()["StorageDescriptor"], "Parameters": {"team:owner": "analytics"}, "BucketColumns": []}
    _put_table(Description="SES events, newsletter", Owner="analytics", StorageDescriptor=storage,
               Parameters={**_table()["Parameters"], "projection.enabled": "false"})
    converge(ctx, ["glue_table"])
    table = _table()
    assert (table["Parameters"]["projection.enabled"], table["Description"], table["Owner"]) == (
        "true", "SES events, newsletter", "analytics")
    assert table["StorageDescriptor"]["Parameters"] == {"team:owner": "analytics"}
    assert plan_for(ctx, ["glue_table"]) == []


def test_a_dropped_column_is_added_back(ctx: AwsContext) -> None:
    converge(ctx, ["glue_database", "glue_table"])
    storage = _table()["StorageDescriptor"]
    storage["Columns"] = [c for c in storage["Columns"] if c["Name"] != "click"]
    change = drift_then_repair(ctx, "glue_table", TABLE, "columns", lambda: _put_table(StorageDescriptor=storage))
    assert [f.path for f in change.fields] == ["columns.click"]


def test_new_fields_found_by_the_crawler_are_added_never_retyped(ctx: AwsContext) -> None:
    converge(ctx, ["glue_database", "glue_table"])
    # What the crawler would make of raw JSON carrying a new SES field (mail.campaignid) and a new top-level
    # object (feedback), with a differently inferred type for an existing field (int for bigint).
    boto("glue").create_table(DatabaseName=RAW, TableInput={
        "Name": "raw_email_events_newsletter_dev", "StorageDescriptor": {
            "Location": "s3://daily-system-design-email-events-dev/raw/email-events-newsletter-dev/",
            "Columns": [{"Name": "eventType", "Type": "string"},
                        {"Name": "mail", "Type": "struct<messageId:string,campaignId:string>"},
                        {"Name": "delivery", "Type": "struct<processingTimeMillis:int>"},
                        {"Name": "feedback", "Type": "struct<score:int>"}]}})
    (change,) = plan_for(ctx, ["glue_table.newsletter_events"])
    assert change.aspect == "columns" and "schema evolution" in change.reason
    assert {f.path for f in change.fields} == {"columns.mail", "columns.feedback"}
    converge(ctx, ["glue_table"])
    columns = {c["Name"]: c["Type"] for c in _table()["StorageDescriptor"]["Columns"]}
    assert columns["mail"].endswith(",campaignid:string>")
    assert columns["feedback"] == "struct<score:int>"
    assert "processingtimemillis:bigint" in columns["delivery"]
    assert plan_for(ctx, ["glue_table"]) == []


def test_a_changed_column_type_is_refused(ctx: AwsContext) -> None:
    converge(ctx, ["glue_database", "glue_table"])
    storage = _table()["StorageDescriptor"]
    for column in storage["Columns"]:
        if column["Name"] == "eventtype":
            column["Type"] = "int"
    _put_table(StorageDescriptor=storage)
    changes = plan_for(ctx, ["glue_table.newsletter_events"])
    # Refused when the plan is made, with the reason and the way out, and nothing is written.
    assert [(c.aspect, c.action) for c in changes] == [("column_types", Action.REFUSE)]
    assert "add an ignore rule for glue_table.*.column_types" in changes[0].reason
    ctx.log.clear()
    with pytest.raises(RefusedError, match=r"never changes a column's type.*nothing was changed"):
        reconcile.execute(ctx, reconcile.plan(ctx, reconcile.PlanOptions(targets=("glue_table",))))
    assert ctx.log.mutating == []
    assert {c["Name"]: c["Type"] for c in _table()["StorageDescriptor"]["Columns"]}["eventtype"] == "int"


def test_a_table_without_sesls_parameters_is_not_sesls(ctx: AwsContext) -> None:
    converge(ctx, ["glue_database"])
    boto("glue").create_table(DatabaseName=DB, TableInput={"Name": TABLE, "StorageDescriptor": {"Columns": []}})
    assert [c.action.value for c in plan_for(ctx, [f"glue_table.{TABLE}"])] == ["conflict"]


def test_the_year_projection_warns_near_its_end() -> None:
    kind = GlueTableKind()
    year = dt.datetime.now(dt.UTC).year
    spec = default_spec("dev")
    for high, expected in ((year + 5, None), (year, "ends in"), (year - 1, "ended in")):
        env = Env(replace(spec, glue=replace(spec.glue, projection_year_min=2020, projection_year_max=high)), NAMES)
        warnings = kind.warnings(env, kind.desired(env)[0])
        assert (expected is None and warnings == []) or (expected is not None and expected in warnings[0])


def test_table_validation() -> None:
    env = Env(default_spec("dev"), NAMES)
    kind = GlueTableKind()
    want = kind.desired(env)[0]
    assert kind.validate(env, want) == []
    bad = replace(want, parameters={**want.parameters, "storage.location.template": "s3://b/newsletter/${year}"})
    problems = kind.validate(env, bad)
    assert any("${month}" in p for p in problems) and any("end with '/'" in p for p in problems)


def test_the_crawler_climbs_the_ladder_into_its_own_database(ctx: AwsContext) -> None:
    climb(ctx, "glue_crawler", [CRAWLER], deps=["s3_bucket", "iam_role", "glue_database"])
    crawler = boto("glue").get_crawler(Name=CRAWLER)["Crawler"]
    assert crawler["DatabaseName"] == RAW and crawler["TablePrefix"] == "raw_"
    assert crawler["Schedule"]["ScheduleExpression"] == "cron(0 0 ? * SUN *)"
    assert [t["Path"] for t in crawler["Targets"]["S3Targets"]] == [
        "s3://daily-system-design-email-events-dev/raw/email-events-newsletter-dev/",
        "s3://daily-system-design-email-events-dev/raw/email-events-transactional-dev/"]


def test_a_crawler_schedule_change_goes_through_update_crawler(ctx: AwsContext) -> None:
    converge(ctx, ["s3_bucket", "iam_role", "glue_database", "glue_crawler"])
    moved = AwsContext(replace(ctx.spec, glue=replace(ctx.spec.glue, crawler_schedule="cron(30 3 ? * MON *)")))
    (change,) = plan_for(moved, ["glue_crawler"])
    assert (change.aspect, change.fields[0].after) == ("schedule", "cron(30 3 ? * MON *)")
    converge(moved, ["glue_crawler"])
    assert boto("glue").get_crawler(Name=CRAWLER)["Crawler"]["Schedule"]["ScheduleExpression"] == (
        "cron(30 3 ? * MON *)")
    assert plan_for(moved, ["glue_crawler"]) == []


def test_sandbox_update_crawler_answers_like_glue(aws: None) -> None:
    import botocore.exceptions

    with pytest.raises(botocore.exceptions.ClientError, match="EntityNotFoundException"):
        boto("glue").update_crawler(Name="nope", Schedule="cron(0 0 ? * SUN *)")


@pytest.mark.parametrize(("expression", "problem"), [
    ("cron(0 0 ? * SUN *)", None),
    ("cron(0 0 * * SUN *)", "exactly one of day-of-month and day-of-week"),
    ("cron(0 0 ? * ? *)", "exactly one of day-of-month and day-of-week"),
    ("cron(*/2 * * * ? *)", "every 5 minutes"),
    ("every sunday", "must be cron("),
    ("cron(0 0 ? * SUN)", "must be cron("),
])
def test_crawler_schedules_follow_glue_cron(expression: str, problem: str | None) -> None:
    problems = schedule_problems(expression)
    assert (problem is None and problems == []) or (problem is not None and problem in problems[0])


def test_the_crawler_never_targets_the_projection_database() -> None:
    env = Env(default_spec("dev"), NAMES)
    kind = GlueCrawlerKind()
    want = kind.desired(env)[0]
    assert kind.validate(env, want) == []
    bad = replace(want, config={**want.config, "DatabaseName": DB})
    assert "never write the projection tables' database" in kind.validate(env, bad)[0]
