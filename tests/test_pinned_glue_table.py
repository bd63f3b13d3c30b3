"""The Glue tables' values pinned (mutation survivors of sesl/resources/glue_table.py): every table parameter
(partition projection of year/month/day, the location template, the ownership and stream records), the
TableInput sent by CreateTable and UpdateTable (Parquet formats, string partition keys, what others set kept),
how schema evolution merges the live, managed and crawled columns, which difference is which aspect, and the
year projection's warnings on both sides of each boundary."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import botocore.exceptions
import pytest
from botocore.stub import Stubber

from sesl.context import AwsContext
from sesl.hive_types import EMPTY_STRUCT
from sesl.model import Action, Change, FieldChange
from sesl.resources import glue_table as gt
from sesl.resources.base import Env, Request
from sesl.schema import COLUMNS, IGNORED_FIELDS
from sesl.spec import EnvSpec, default_spec

KIND = gt.GlueTableKind()
ACCOUNT = "111122223333"
BUCKET = "daily-system-design-email-events-dev"
LOCATION = f"s3://{BUCKET}/newsletter/"
DB = "email_events_db_dev"
PARQUET_IN = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
PARQUET_OUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
# Athena partition projection (Athena guide, partition-projection-supported-types): integer ranges "min,max",
# `digits` pads month and day to Firehose's MM and dd
PROJECTION = {
    "projection.enabled": "true",
    "projection.year.type": "integer", "projection.year.range": "2025,2035",
    "projection.month.type": "integer", "projection.month.range": "1,12", "projection.month.digits": "2",
    "projection.day.type": "integer", "projection.day.range": "1,31", "projection.day.digits": "2",
    "storage.location.template": LOCATION + "year=${year}/month=${month}/day=${day}/",
}
OTHERS = {
    "classification": "parquet", "EXTERNAL": "TRUE", "parquet.compression": "GZIP", "compressionType": "none",
    "typeOfData": "file", "sesl:managed-by": "sesl", "sesl:env": "dev", "sesl:stream": "newsletter",
    "sesl:configuration-set": "daily-system-design-newsletter-dev",
    "sesl:delivery-stream": "email-events-newsletter-dev",
}


def _spec(**glue: Any) -> EnvSpec:
    spec = default_spec("dev")
    return replace(spec, glue=replace(spec.glue, **glue))


def _env(spec: EnvSpec | None = None) -> Env:
    spec = spec or default_spec("dev")
    return Env(spec, spec.names_for("eu-central-1", ACCOUNT))


def _want(spec: EnvSpec | None = None) -> gt.TableSpec:
    return KIND.desired(_env(spec))[0]


def _storage(columns: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    return {"Columns": [{"Name": n, "Type": t} for n, t in columns], "Location": LOCATION,
            "InputFormat": PARQUET_IN, "OutputFormat": PARQUET_OUT, "Compressed": False,
            "SerdeInfo": {"SerializationLibrary": PARQUET_SERDE, "Parameters": {"serialization.format": "1"}}}


def _have(want: gt.TableSpec, **changes: Any) -> gt.TableState:
    state = gt.TableState(want.name, True, want.columns, want.partition_keys, _storage(want.columns),
                          dict(want.parameters), ())
    return replace(state, **changes)


def _small(columns: tuple[tuple[str, str], ...] = (("id", "string"),), **changes: Any) -> gt.TableSpec:
    return replace(_want(), columns=columns, **{"comments": {}, **changes})


# --- what is wanted -----------------------------------------------------------------------------------------------
def test_the_parameters_are_projection_formats_ownership_and_the_stream() -> None:
    assert gt.table_parameters(_env(), "newsletter") == {**OTHERS, **PROJECTION}


def test_the_parameters_follow_the_year_range_and_the_parquet_compression() -> None:
    spec = _spec(projection_year_min=2020, projection_year_max=2040)
    spec = replace(spec, firehose=replace(spec.firehose, parquet_compression="SNAPPY"))
    params = gt.table_parameters(_env(spec), "transactional")
    assert (params["projection.year.range"], params["parquet.compression"]) == ("2020,2040", "SNAPPY")
    assert params["storage.location.template"] == f"s3://{BUCKET}/transactional/year=${{year}}/month=${{month}}/" \
                                                  "day=${day}/"
    assert params["sesl:stream"] == "transactional"


def test_one_table_per_flow_with_the_schemas_columns_and_string_day_partitions() -> None:
    first, second = KIND.desired(_env())
    assert (first.name, first.flow, first.database, first.raw_database) == (
        "newsletter_events", "newsletter", DB, "email_events_raw_dev")
    assert (second.name, second.flow, second.location) == ("transactional_events", "transactional",
                                                            f"s3://{BUCKET}/transactional/")
    assert first.location == LOCATION
    assert first.partition_keys == ("year", "month", "day")
    assert [n for n, _ in first.columns] == [n for n, _, _ in COLUMNS]
    assert first.columns[0] == ("eventtype", "string")
    assert first.comments["reject"] == "Reject events"
    assert len(first.comments) == len(COLUMNS)
    assert first.parameters == {**OTHERS, **PROJECTION}
    assert (first.column_overrides, first.storage_overrides) == ({}, {})


def test_without_the_crawler_there_is_no_raw_database() -> None:
    assert {w.raw_database for w in KIND.desired(_env(_spec(crawler_enabled=False)))} == {None}


def test_the_table_input_sent_by_create_and_update() -> None:
    want = _small((("id", "string"), ("m", "struct<x:string>")), comments={"id": "the id"})
    table_input = {
        "Name": "newsletter_events", "TableType": "EXTERNAL_TABLE", "Parameters": want.parameters,
        "PartitionKeys": [{"Name": "year", "Type": "string"}, {"Name": "month", "Type": "string"},
                          {"Name": "day", "Type": "string"}],
        "StorageDescriptor": {
            "Columns": [{"Name": "id", "Type": "string", "Comment": "the id"},
                        {"Name": "m", "Type": "struct<x:string>"}],
            "Location": LOCATION, "InputFormat": PARQUET_IN, "OutputFormat": PARQUET_OUT, "Compressed": False,
            "SerdeInfo": {"SerializationLibrary": PARQUET_SERDE, "Parameters": {"serialization.format": "1"}}}}
    assert KIND.requests(want) == [Request("glue", "CreateTable", {"DatabaseName": DB, "TableInput": table_input}),
                                   Request("glue", "UpdateTable", {"DatabaseName": DB, "TableInput": table_input},
                                           "update")]


def test_an_update_sends_back_what_others_set() -> None:
    want = _small()
    have = _have(want, parameters={**want.parameters, "projection.enabled": "false", "team:owner": "analytics"},
                 storage={**_storage(want.columns), "Location": "s3://elsewhere/", "Parameters": {"k": "v"},
                          "BucketColumns": []},
                 kept={"Description": "SES events", "Owner": "analytics"})
    table_input = KIND._table_input(want, have)
    assert table_input == {
        "Description": "SES events", "Owner": "analytics", "Name": "newsletter_events", "TableType": "EXTERNAL_TABLE",
        "Parameters": {"team:owner": "analytics", **want.parameters},
        "PartitionKeys": [{"Name": "year", "Type": "string"}, {"Name": "month", "Type": "string"},
                          {"Name": "day", "Type": "string"}],
        "StorageDescriptor": {"Parameters": {"k": "v"}, "BucketColumns": [], **_storage(want.columns)}}
    assert table_input["Parameters"]["projection.enabled"] == "true"


def test_create_sends_only_create_table_and_update_the_whole_input(ctx: AwsContext) -> None:
    ctx.allow_mutations()
    want = _small()
    have = _have(want, parameters={**want.parameters, "team:owner": "analytics"})
    glue = ctx.client("glue")
    with Stubber(glue) as stub:
        stub.add_response("create_table", {}, {"DatabaseName": DB, "TableInput": KIND._table_input(want, None)})
        KIND.create(ctx, want)
        stub.add_response("update_table", {}, {"DatabaseName": DB, "TableInput": KIND._table_input(want, have)})
        KIND.update_whole(ctx, want, have)
        stub.add_response("delete_table", {}, {"DatabaseName": ctx.names.database, "Name": "newsletter_events"})
        KIND.delete(ctx, have)
        stub.assert_no_pending_responses()


def test_the_create_fields() -> None:
    want = _small((("id", "string"), ("m", "struct<x:string>")))
    assert KIND.create_fields(want) == (
        FieldChange("columns", None, ["id", "m"]), FieldChange("PartitionKeys", None, ["year", "month", "day"]),
        FieldChange("storage.location.template", None, LOCATION + "year=${year}/month=${month}/day=${day}/"))


def test_validation_sees_string_partition_keys_and_the_columns() -> None:
    want = _small()
    assert KIND.validate(_env(), want) == []
    assert KIND.validate(_env(), replace(want, columns=(("id", "string"), ("year", "string")))) == [
        "partition keys ['year'] must not also be columns"]
    assert KIND.validate(_env(), replace(want, name="Bad-Name")) != []


# --- the year projection's end --------------------------------------------------------------------------------
def _warnings(high: int) -> list[str]:
    env = _env(_spec(projection_year_min=2000, projection_year_max=high))
    return KIND.warnings(env, KIND.desired(env)[0])


def test_the_year_projection_warns_in_its_last_year_and_after() -> None:
    year = dt.datetime.now(dt.UTC).year
    assert _warnings(year + 1) == []
    assert _warnings(year) == [f"the year projection ends in {year}: raise env.dev.glue.projection_year_max before "
                               "then, or Athena will find no rows from the next year on"]
    assert _warnings(year - 1) == [f"the year projection ended in {year - 1}: Athena finds no data of {year}; raise "
                                   "env.dev.glue.projection_year_max now"]


# --- reading ------------------------------------------------------------------------------------------------------
def test_the_state_of_a_get_table_answer() -> None:
    want = _small()
    table = {"Name": "newsletter_events", "DatabaseName": DB, "Description": "d", "Owner": "o", "Retention": 0,
             "CreateTime": "now", "Parameters": {"sesl:managed-by": "sesl", "sesl:env": "dev", "x": "y"},
             "PartitionKeys": [{"Name": "year", "Type": "string"}, {"Name": "day", "Type": "string"}],
             "StorageDescriptor": {"Columns": [{"Name": "id", "Type": "string", "Comment": "c"}], "Location": "s3://b/"}}
    state = gt.table_state(table, want, "dev", (("found", "string"),))
    assert state == gt.TableState("newsletter_events", True, (("id", "string"),), ("year", "day"),
                                  table["StorageDescriptor"], table["Parameters"], (("found", "string"),),
                                  {"Description": "d", "Owner": "o", "Retention": 0})


@pytest.mark.parametrize(("params", "owned"), [
    ({"sesl:managed-by": "sesl", "sesl:env": "dev"}, True),
    ({"sesl:managed-by": "sesl", "sesl:env": "prod"}, False),
    ({"sesl:managed-by": "other", "sesl:env": "dev"}, False),
    ({"sesl:env": "dev"}, False),
])
def test_a_table_is_sesls_only_with_both_parameters(params: dict[str, str], owned: bool) -> None:
    assert gt.table_state({"Name": "t", "Parameters": params}, _small(), "dev", ()).owned is owned


def test_a_bare_table_reads_as_empty() -> None:
    state = gt.table_state({"Name": "t", "Parameters": None, "StorageDescriptor": None, "PartitionKeys": None},
                           _small(), "dev", ())
    assert (state.owned, state.columns, state.partition_keys, state.storage, state.parameters, state.kept) == (
        False, (), (), {}, {}, {})
    assert gt.table_state({"Name": "t", "StorageDescriptor": {"Columns": None}}, _small(), "dev", ()).columns == ()


RAW_TABLES = {"TableList": [
    {"Name": "raw_no_storage"},
    {"Name": "raw_no_location", "StorageDescriptor": {"Columns": [{"Name": "a", "Type": "string"}]}},
    {"Name": "raw_transactional", "StorageDescriptor": {
        "Location": f"s3://{BUCKET}/raw/email-events-transactional-dev/", "Columns": [{"Name": "t", "Type": "int"}]}},
    {"Name": "raw_newsletter", "StorageDescriptor": {
        "Location": f"s3://{BUCKET}/raw/email-events-newsletter-dev/",
        "Columns": [{"Name": "eventType", "Type": "string"}, {"Name": "Mail", "Type": "struct<messageId:string>"}]}},
]}


def test_a_read_gives_the_table_and_the_crawlers_columns_for_its_flow(ctx: AwsContext) -> None:
    want = _small()
    glue = ctx.client("glue")
    with Stubber(glue) as stub:
        stub.add_response("get_table", {"Table": {"Name": "newsletter_events", "Parameters": want.parameters}},
                          {"DatabaseName": DB, "Name": "newsletter_events"})
        stub.add_response("get_tables", RAW_TABLES, {"DatabaseName": "email_events_raw_dev"})
        have = KIND.read(ctx, want)
        stub.assert_no_pending_responses()
    assert have is not None and have.owned
    # column names as Athena has them: lowercase; the types as the crawler wrote them
    assert have.crawled == (("eventtype", "string"), ("mail", "struct<messageId:string>"))


def test_the_crawled_columns_when_there_are_none(ctx: AwsContext) -> None:
    want = _small()
    glue = ctx.client("glue")
    assert KIND._crawled(ctx, replace(want, raw_database=None)) == ()
    with Stubber(glue) as stub:
        stub.add_response("get_tables", {"TableList": RAW_TABLES["TableList"][:3]})
        assert KIND._crawled(ctx, want) == ()
        stub.add_response("get_tables", {})  # GetTables' TableList is optional (botocore glue GetTablesResponse)
        assert KIND._crawled(ctx, want) == ()
        stub.add_response("get_tables", {"TableList": [{"Name": "raw", "StorageDescriptor": {
            "Location": f"s3://{BUCKET}/raw/email-events-newsletter-dev/"}}]})
        assert KIND._crawled(ctx, want) == ()
        stub.add_client_error("get_tables", "EntityNotFoundException", "no raw database yet")
        assert KIND._crawled(ctx, want) == ()
        stub.add_client_error("get_tables", "AccessDeniedException", "denied")
        with pytest.raises(botocore.exceptions.ClientError, match="denied"):
            KIND._crawled(ctx, want)
        stub.add_client_error("get_table", "EntityNotFoundException", "no table")
        assert KIND.read(ctx, want) is None
        stub.assert_no_pending_responses()


# --- schema evolution ---------------------------------------------------------------------------------------------
def test_evolution_keeps_live_columns_adds_managed_and_crawled_fields_and_never_retypes() -> None:
    want = _small((("id", "string"), ("w", "string"), ("n", "bigint"), ("m", "struct<x:string>")))
    have = _have(want, columns=(("id", "string"), ("extra", "string"), ("m", "struct<x:string>"), ("n", "string")),
                 crawled=(("m", "struct<x:string,y:int>"), ("send", "struct<>"), ("new", "struct<a:int>"),
                          ("bad-name", "string"), ("weird", "uniontype<int,string>"), ("empty", "struct<>"),
                          ("id", "int")))
    evolution = gt.evolved_columns(want, have)
    assert evolution == gt.Evolution(
        # the managed order first, then live columns sesl does not manage, then new ones
        (("id", "string"), ("w", "string"), ("n", "string"), ("m", "struct<x:string,y:int>"), ("extra", "string"),
         ("new", "struct<a:int>")),
        ["m.y", "new"],
        ["n: string vs bigint"],  # the live type is kept; a crawler's other guess (id: int) is no conflict
        ["bad-name: column name not usable in Athena (only a-z, 0-9, _)",
         "weird: type 'uniontype<int,string>' is not a Hive type that maps to Parquet", f"empty: {EMPTY_STRUCT}"],
        [f"send: {IGNORED_FIELDS['send']}"])


def test_an_ignored_field_already_in_the_table_is_merged_like_any_other() -> None:
    want = _small()
    have = _have(want, columns=(("id", "string"), ("send", "struct<a:string>")),
                 crawled=(("send", "struct<a:string,b:string>"),))
    evolution = gt.evolved_columns(want, have)
    assert (evolution.columns, evolution.added, evolution.ignored) == (
        (("id", "string"), ("send", "struct<a:string,b:string>")), ["send.b"], [])


def test_a_crawled_field_that_cannot_be_stored_inside_a_known_column_is_left_out() -> None:
    want = _small((("m", "struct<x:string>"),))
    have = _have(want, crawled=(("m", "struct<x:string,e:struct<>>"),))
    evolution = gt.evolved_columns(want, have)
    assert (evolution.columns, evolution.added, evolution.skipped) == (
        (("m", "struct<x:string>"),), [], [f"m.e: {EMPTY_STRUCT}"])


def test_a_live_column_of_a_type_sesl_cannot_read_is_kept_as_it_is() -> None:
    # "Nothing is removed": UpdateTable replaces every column, so one left out of the input would be dropped.
    want = _small()
    have = _have(want, columns=(("id", "string"), ("odd", "uniontype<int,string>"), ("more", "string")))
    assert gt.evolved_columns(want, have).columns == (
        ("id", "string"), ("odd", "uniontype<int,string>"), ("more", "string"))
    assert KIND.diff(have, want) == []
    columns = KIND._table_input(want, have)["StorageDescriptor"]["Columns"]
    assert [c["Name"] for c in columns] == ["id", "odd", "more"]
    # the columns after it are still read, so a crawled field merges into them
    more = _have(want, columns=(("id", "string"), ("odd", "uniontype<int,string>"), ("more", "struct<a:string>")),
                 crawled=(("more", "struct<a:string,b:string>"),))
    evolution = gt.evolved_columns(want, more)
    assert (evolution.columns, evolution.added) == (
        (("id", "string"), ("odd", "uniontype<int,string>"), ("more", "struct<a:string,b:string>")), ["more.b"])


def test_the_columns_written_with_ignored_columns_as_they_live() -> None:
    want = _small((("id", "string"), ("m", "struct<x:string>")))
    assert gt.written_columns(want, None) == want.columns
    have = _have(want, columns=(("id", "string"), ("m", "struct<x:string>"), ("live", "string")))
    assert gt.written_columns(want, have) == (("id", "string"), ("m", "struct<x:string>"), ("live", "string"))
    overridden = replace(want, column_overrides={"m": "struct<x:int>", "id": None, "gone": "bigint", "none": None})
    assert gt.written_columns(overridden, None) == (("m", "struct<x:int>"), ("gone", "bigint"))
    assert gt.written_columns(overridden, have) == (("m", "struct<x:int>"), ("live", "string"), ("gone", "bigint"))


def test_the_storage_written_with_ignored_members_as_they_live() -> None:
    want = replace(_small(), storage_overrides={"Location": "s3://live/", "Compressed": None, "BucketColumns": ["a"]})
    storage = gt.written_storage(want, (("id", "string"),), {"id": "the id"})
    assert storage == {"Columns": [{"Name": "id", "Type": "string", "Comment": "the id"}], "Location": "s3://live/",
                       "InputFormat": PARQUET_IN, "OutputFormat": PARQUET_OUT, "BucketColumns": ["a"],
                       "SerdeInfo": {"SerializationLibrary": PARQUET_SERDE,
                                     "Parameters": {"serialization.format": "1"}}}


def test_the_folds_keep_the_live_columns_and_storage_members() -> None:
    want = replace(_small(), column_overrides={"a": "int"}, storage_overrides={"Compressed": True})
    have = _have(want, columns=(("id", "bigint"), ("m", "string")),
                 storage={"SerdeInfo": {"SerializationLibrary": "x", "Parameters": {"p": "1"}},
                          "Columns": [{"Name": "id", "Type": "bigint"}], "Location": "s3://l/"})
    fields = [FieldChange("columns.id", "bigint", "string"), FieldChange("columns.gone", None, "string")]
    assert gt._keep_columns(want, have, fields).column_overrides == {"a": "int", "id": "bigint", "gone": None}
    storage_fields = [FieldChange("SerdeInfo.Parameters.p", "1", None), FieldChange("Columns[0].Type", "bigint", "s"),
                      FieldChange("NumberOfBuckets", 1, None)]
    folded = gt._keep_storage(want, have, storage_fields)
    assert folded.storage_overrides == {"Compressed": True, "SerdeInfo": have.storage["SerdeInfo"],
                                        "Columns": have.storage["Columns"], "NumberOfBuckets": None}
    # a deep copy: what is written later cannot change the state as read
    assert folded.storage_overrides["SerdeInfo"]["Parameters"] is not have.storage["SerdeInfo"]["Parameters"]


# --- the diff -----------------------------------------------------------------------------------------------------
def test_a_table_as_wanted_has_no_changes() -> None:
    want = _want()
    assert KIND.diff(_have(want), want) == []


def test_each_difference_is_its_aspect() -> None:
    want = _small((("id", "string"), ("n", "bigint"), ("m", "string")))
    have = _have(
        want, columns=(("id", "string"), ("n", "string")), partition_keys=("year", "month"),
        parameters={**want.parameters, "projection.day.range": "1,30", "classification": "json",
                    "team:owner": "analytics"},
        storage={**_storage(want.columns), "Compressed": True},
        crawled=(("new", "string"), ("weird", "uniontype<int,string>")))
    changes = KIND.diff(have, want)
    assert [(c.action, c.aspect, c.fields, c.reason) for c in changes] == [
        (Action.UPDATE, "column_types", (FieldChange("n", "n: string vs bigint", "unchanged (refused)"),), ""),
        (Action.UPDATE, "columns",
         (FieldChange("columns.m", None, "string"), FieldChange("columns.new", None, "string")),
         "schema evolution: new; weird: type 'uniontype<int,string>' is not a Hive type that maps to Parquet "
         "(left out)"),
        (Action.UPDATE, "partition_keys", (FieldChange("PartitionKeys", ["year", "month"], ["year", "month", "day"]),),
         ""),
        (Action.UPDATE, "projection", (FieldChange("projection.day.range", "1,30", "1,31"),), ""),
        (Action.UPDATE, "storage", (FieldChange("Compressed", True, False),), ""),
        (Action.UPDATE, "parameters", (FieldChange("classification", "json", "parquet"),), "")]
    assert all(c == Change("glue_table", "newsletter_events", c.action, c.aspect, c.fields, c.reason, want=want,
                           have=have) for c in changes)
    assert all(c.have is have and c.want is want for c in changes)  # what apply and the folds work from


def test_a_column_evolution_widens_shows_the_live_type_before() -> None:
    want = _small((("id", "string"), ("m", "struct<x:string>")))
    have = _have(want, crawled=(("m", "struct<x:string,y:int>"),))
    (change,) = KIND.diff(have, want)
    assert (change.aspect, change.fields, change.reason) == (
        "columns", (FieldChange("columns.m", "struct<x:string>", "struct<x:string,y:int>"),), "schema evolution: m.y")


def test_the_location_template_is_part_of_the_projection() -> None:
    want = _small()
    template = "storage.location.template"
    have = _have(want, parameters={**want.parameters, template: "s3://b/x/"})
    (change,) = KIND.diff(have, want)
    assert (change.aspect, change.fields) == ("projection", (FieldChange(template, "s3://b/x/",
                                                                         want.parameters[template]),))


@pytest.mark.parametrize(("evolution", "reason"), [
    (gt.Evolution((), [], [], ["a: x"], ["send: y"]), ""),
    (gt.Evolution((), ["a", "b.c"], [], [], []), "schema evolution: a, b.c"),
    (gt.Evolution((), ["a"], [], ["x: p", "y: q"], ["send: y"]),
     "schema evolution: a; x: p (left out); y: q (left out); send: y (not stored on purpose)"),
])
def test_the_evolution_reason(evolution: gt.Evolution, reason: str) -> None:
    assert gt._evolution_reason(evolution) == reason


def test_observed_warnings_only_for_sesls_table_with_fields_left_out(ctx: AwsContext) -> None:
    want = _small()
    have = _have(want, crawled=(("weird", "uniontype<int,string>"), ("bad-name", "string")))
    assert KIND.observed_warnings(ctx, want, have) == [
        "schema evolution leaves out 2 field(s) the crawler found, which Parquet or Athena cannot hold: "
        "weird: type 'uniontype<int,string>' is not a Hive type that maps to Parquet; "
        "bad-name: column name not usable in Athena (only a-z, 0-9, _)"]
    assert KIND.observed_warnings(ctx, want, replace(have, owned=False)) == []
    assert KIND.observed_warnings(ctx, want, None) == []
    assert KIND.observed_warnings(ctx, want, _have(want, crawled=(("new", "string"),))) == []
