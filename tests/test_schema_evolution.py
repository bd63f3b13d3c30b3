"""Schema evolution adds only what Parquet and Athena can hold, and says what it left out and why."""

from __future__ import annotations

from typing import Any

import pytest

from sesl import hive_types, reconcile
from sesl.context import AwsContext
from sesl.hive_types import EMPTY_STRUCT, MAP_KEY, NOTHING_LEFT, storable
from sesl.schema import IGNORED_FIELDS, Array, Map, Prim, Struct, struct
from tests.conftest import boto
from tests.ladder import converge, plan_for

DB, RAW, TABLE = "email_events_db_dev", "email_events_raw_dev", "newsletter_events"
RAW_LOCATION = "s3://daily-system-design-email-events-dev/raw/email-events-newsletter-dev/"
STRING = Prim("string")
EMPTY = Struct(())


@pytest.mark.parametrize(("given", "kept", "why"), [
    (STRING, STRING, []),
    (EMPTY, None, [f"x: {EMPTY_STRUCT}"]),
    (struct(a=EMPTY), None, [f"x.a: {EMPTY_STRUCT}", f"x: {NOTHING_LEFT}"]),
    (struct(a=STRING, b=struct(c=EMPTY)), struct(a=STRING), [f"x.b.c: {EMPTY_STRUCT}", f"x.b: {NOTHING_LEFT}"]),
    (Array(EMPTY), None, [f"x[]: {EMPTY_STRUCT}"]),
    (Map(STRING, EMPTY), None, [f"x{{}}: {EMPTY_STRUCT}"]),
    (Map(struct(k=STRING), STRING), None, [f"x: {MAP_KEY}"]),
    (Map(STRING, Array(struct(a=STRING, b=EMPTY))), Map(STRING, Array(struct(a=STRING))),
     [f"x{{}}[].b: {EMPTY_STRUCT}"]),
    (Struct((("ses:tag", STRING), ("ok", STRING))), struct(ok=STRING),
     ["x.ses:tag: field name not usable in Athena (only a-z, 0-9, _)"]),
])
def test_storable_leaves_out_what_parquet_or_athena_cannot_hold(given: Any, kept: Any, why: list[str]) -> None:
    assert storable(given, "x") == (kept, why)


def test_a_merge_never_adds_an_empty_struct_at_any_depth() -> None:
    base = struct(a=STRING)
    result = hive_types.merge(base, struct(a=STRING, b=EMPTY, c=struct(d=EMPTY, e=STRING)), "m")
    assert result.type == struct(a=STRING, c=struct(e=STRING))
    assert (result.added, result.conflicts) == (["m.c"], [])
    assert result.skipped == [f"m.b: {EMPTY_STRUCT}", f"m.c.d: {EMPTY_STRUCT}"]


def _crawled(*columns: tuple[str, str]) -> None:
    """What the raw-JSON crawler would have written for the newsletter flow."""
    boto("glue").create_table(DatabaseName=RAW, TableInput={
        "Name": "raw_email_events_newsletter_dev", "StorageDescriptor": {
            "Location": RAW_LOCATION, "Columns": [{"Name": n, "Type": t} for n, t in columns]}})


def _columns() -> dict[str, str]:
    table = boto("glue").get_table(DatabaseName=DB, Name=TABLE)["Table"]
    return {c["Name"]: c["Type"] for c in table["StorageDescriptor"]["Columns"]}


def test_the_ignored_send_object_is_never_added_back(ctx: AwsContext) -> None:
    converge(ctx, ["glue_database", "glue_table"])
    _crawled(("eventType", "string"), ("send", "struct<>"))
    the_plan = reconcile.plan(ctx, reconcile.PlanOptions(targets=("glue_table",)))
    assert the_plan.changes == ()
    assert [w for w in the_plan.warnings if "schema evolution" in w] == []  # left out on purpose: not a warning
    assert "send" not in _columns()


def test_a_new_field_says_which_found_fields_were_left_out(ctx: AwsContext) -> None:
    converge(ctx, ["glue_database", "glue_table"])
    _crawled(("send", "struct<>"), ("feedback", "struct<score:int,details:struct<>>"))
    (change,) = plan_for(ctx, [f"glue_table.{TABLE}"])
    assert change.aspect == "columns"
    assert change.reason == (f"schema evolution: feedback; feedback.details: {EMPTY_STRUCT} (left out); "
                             f"send: {IGNORED_FIELDS['send']} (not stored on purpose)")
    converge(ctx, ["glue_table"])
    assert _columns()["feedback"] == "struct<score:int>"
    assert plan_for(ctx, ["glue_table"]) == []


def test_what_parquet_cannot_hold_is_left_out_and_warned_about(ctx: AwsContext) -> None:
    converge(ctx, ["glue_database", "glue_table"])
    _crawled(("mail", "struct<messageId:string,campaign:struct<>,marks:array<struct<>>>"),
             ("empty", "struct<inner:struct<>>"),
             ("weird", "uniontype<int,string>"),
             ("bad-name", "string"))
    before = _columns()
    the_plan = reconcile.plan(ctx, reconcile.PlanOptions(targets=("glue_table",)))
    assert the_plan.changes == ()  # nothing storable was found
    (warning,) = [w for w in the_plan.warnings if w.startswith(f"glue_table.{TABLE}")]
    assert warning == (
        f"glue_table.{TABLE}: schema evolution leaves out 6 field(s) the crawler found, which Parquet or Athena "
        f"cannot hold: mail.campaign: {EMPTY_STRUCT}; mail.marks[]: {EMPTY_STRUCT}; "
        f"empty.inner: {EMPTY_STRUCT}; empty: {NOTHING_LEFT}; "
        "weird: type 'uniontype<int,string>' is not a Hive type that maps to Parquet; "
        "bad-name: column name not usable in Athena (only a-z, 0-9, _)")
    ctx.log.clear()
    converge(ctx, ["glue_table"])
    assert ctx.log.mutating == [] and _columns() == before


def test_tag_keys_a_crawler_sees_as_struct_fields_go_into_the_tag_map_without_a_warning(ctx: AwsContext) -> None:
    converge(ctx, ["glue_database", "glue_table"])
    _crawled(("mail", "struct<messageId:string,tags:struct<ses:configuration-set:array<string>,"
                      "campaign-name:array<string>>>"))
    the_plan = reconcile.plan(ctx, reconcile.PlanOptions(targets=("glue_table",)))
    assert the_plan.changes == ()
    assert [w for w in the_plan.warnings if w.startswith("glue_table")] == []


def test_a_map_with_a_complex_key_is_left_out(ctx: AwsContext) -> None:
    converge(ctx, ["glue_database", "glue_table"])
    _crawled(("lookup", "map<struct<k:string>,string>"))
    the_plan = reconcile.plan(ctx, reconcile.PlanOptions(targets=("glue_table",)))
    assert the_plan.changes == ()
    assert f"lookup: {MAP_KEY}" in " ".join(the_plan.warnings)
