"""The Glue tables `newsletter_events` / `transactional_events`: Firehose's conversion schema and the
Athena tables, with partition projection over the arrival-day layout Firehose writes.

- Columns come from sesl/schema.py; partition keys year/month/day are strings, never columns.
- Projection: integer year (a configurable range: `NOW` only exists for date projections), month and
  day with two digits, and `storage.location.template` built by sesl/layout.py from the same partition
  list as the Firehose prefix (Athena guide, partition-projection*; aws-reference.md §3.3).
- UpdateTable replaces the whole definition: sesl sends a complete TableInput made of what it owns
  plus every parameter it does not own that is already there (aws-reference.md §3.6).
- Ownership: tables take no tags of their own here; the parameters sesl:managed-by / sesl:env prove it.
- Schema evolution: fields the raw-JSON crawler found that the managed schema lacks are added (never a
  type change, never a dropped column); Firehose reads VersionId LATEST, so it picks them up.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import botocore.exceptions

from sesl import glue_rules, hive_types, layout
from sesl.aws_errors import error_code
from sesl.context import AwsContext
from sesl.diff import diff_values
from sesl.fold import fold_attribute, fold_whole_attribute
from sesl.model import Change, FieldChange
from sesl.naming import ENV_TAG_KEY, OWNER_TAG_KEY, OWNER_TAG_VALUE
from sesl.resources.base import Aspect, Env, Kind, Request, create_requests, read_or_none, send
from sesl.schema import COLUMNS, IGNORED_FIELDS, HiveType

PARQUET_INPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
PARQUET_OUTPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
YEARS_OF_WARNING = 1
# Fields of TableInput (botocore glue TableInput); GetTable answers with more, which UpdateTable refuses.
_PROJECTION_PREFIX = "projection."
_TEMPLATE = "storage.location.template"


@dataclass(frozen=True)
class TableSpec:
    name: str
    flow: str
    database: str
    raw_database: str | None
    columns: tuple[tuple[str, str], ...]
    partition_keys: tuple[str, ...]
    location: str
    parameters: dict[str, str]
    comments: dict[str, str]
    # Ignored differences, written as they live (sesl.fold): a column's live type (None: left out) and
    # StorageDescriptor members (None: left out).
    column_overrides: dict[str, str | None] = field(default_factory=dict)
    storage_overrides: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TableState:
    name: str
    owned: bool
    columns: tuple[tuple[str, str], ...]
    partition_keys: tuple[str, ...]
    storage: dict[str, Any]
    parameters: dict[str, str]
    crawled: tuple[tuple[str, str], ...]  # columns of the crawler's raw table for this flow
    kept: dict[str, Any] = field(default_factory=dict)  # TableInput members others set (KEPT_MEMBERS)


# TableInput members sesl does not set, sent back unchanged by UpdateTable (which replaces everything).
KEPT_MEMBERS = ("Description", "Owner", "Retention")
# StorageDescriptor members sesl sets (_storage); the others (e.g. Parameters, BucketColumns, SkewedInfo and
# the defaults GetTable returns) are sent back as read: GetTable and TableInput share the StorageDescriptor shape.
OWNED_STORAGE = ("Columns", "Location", "InputFormat", "OutputFormat", "Compressed", "SerdeInfo")


def table_parameters(env: Env, flow: str) -> dict[str, str]:
    g = env.spec.glue
    params = {
        "classification": "parquet", "EXTERNAL": "TRUE", "parquet.compression": env.spec.firehose.parquet_compression,
        # A crawler that finds compressionType null vs none marks a table deprecated (aws-reference.md §3.2).
        "compressionType": "none", "typeOfData": "file",
        "projection.enabled": "true",
        "projection.year.type": "integer", "projection.year.range": f"{g.projection_year_min},{g.projection_year_max}",
        _TEMPLATE: layout.location_template(env.names, flow),
        OWNER_TAG_KEY: OWNER_TAG_VALUE, ENV_TAG_KEY: env.spec.env,
        # The stream the table belongs to: how a stream taken out of the config is found again (sesl.retired).
        **env.names.stream_record(flow),
    }
    for key, _, _, digits in layout.PARTITIONS[1:]:
        params |= {f"projection.{key}.type": "integer", f"projection.{key}.range": "1,12" if key == "month" else "1,31",
                   f"projection.{key}.digits": str(digits)}
    return params


def written_columns(want: TableSpec, have: TableState | None) -> tuple[tuple[str, str], ...]:
    """The columns UpdateTable writes: the evolved ones, with the ignored columns as they live."""
    columns = evolved_columns(want, have).columns if have else want.columns
    if not want.column_overrides:
        return columns
    names = [n for n, _ in columns] + [n for n in want.column_overrides if n not in dict(columns)]
    typed = {**dict(columns), **want.column_overrides}
    return tuple((n, t) for n in names if (t := typed.get(n)) is not None)


def written_storage(want: TableSpec, columns: tuple[tuple[str, str], ...], comments: dict[str, str]) -> dict[str, Any]:
    storage = {**_storage(columns, want.location, comments), **want.storage_overrides}
    return {k: v for k, v in storage.items() if v is not None}


def _keep_columns(want: TableSpec, have: TableState, fields: Sequence[FieldChange]) -> TableSpec:
    live = dict(have.columns)
    names = [f.path.removeprefix("columns.") for f in fields]
    return replace(want, column_overrides={**want.column_overrides, **{n: live.get(n) for n in names}})


def _keep_storage(want: TableSpec, have: TableState, fields: Sequence[FieldChange]) -> TableSpec:
    members = {f.path.split(".", 1)[0].split("[", 1)[0] for f in fields}
    return replace(want, storage_overrides={**want.storage_overrides,
                                            **{m: copy.deepcopy(have.storage.get(m)) for m in members}})


def _storage(columns: tuple[tuple[str, str], ...], location: str, comments: dict[str, str]) -> dict[str, Any]:
    return {"Columns": [{"Name": n, "Type": t, **({"Comment": comments[n]} if n in comments else {})}
                        for n, t in columns],
            "Location": location, "InputFormat": PARQUET_INPUT, "OutputFormat": PARQUET_OUTPUT, "Compressed": False,
            "SerdeInfo": {"SerializationLibrary": PARQUET_SERDE, "Parameters": {"serialization.format": "1"}}}


def _parsed(columns: tuple[tuple[str, str], ...]) -> dict[str, HiveType]:
    parsed = {}
    for name, text in columns:
        try:
            parsed[name] = hive_types.parse(text)
        except hive_types.HiveTypeError:
            continue  # a type sesl cannot read is left as it is
    return parsed


@dataclass(frozen=True)
class Evolution:
    """The columns the table should have, and what schema evolution did to get there."""

    columns: tuple[tuple[str, str], ...]
    added: list[str]      # field paths the crawler found that are added
    conflicts: list[str]  # type conflicts between the live table and the managed schema (never applied)
    skipped: list[str]    # `path: why` for found fields left out because Parquet/Athena cannot hold them
    ignored: list[str]    # `name: why` for found top-level fields sesl leaves out on purpose (IGNORED_FIELDS)


def evolved_columns(want: TableSpec, have: TableState) -> Evolution:
    """The live columns as they are, plus the managed schema's fields and the fields the crawler found that
    are missing and storable. Nothing is removed or retyped; a type the crawler infers differently (int for
    bigint, ...) is never applied, only new fields are."""
    merged = dict(_parsed(have.columns))
    conflicts: list[str] = []
    for name, t in _parsed(want.columns).items():
        if name not in merged:
            merged[name] = t
            continue
        result = hive_types.merge(merged[name], t, name)
        merged[name] = result.type
        conflicts += result.conflicts
    added: list[str] = []
    skipped: list[str] = []
    ignored: list[str] = []
    for name, text in have.crawled:
        if name in IGNORED_FIELDS and name not in merged:
            ignored.append(f"{name}: {IGNORED_FIELDS[name]}")
            continue
        found, why = _found_type(name, text)
        skipped += why
        if found is None:
            continue
        if name not in merged:
            kept, why = hive_types.storable(found, name)
            skipped += why
            if kept is not None:
                merged[name] = kept
                added.append(name)
            continue
        result = hive_types.merge(merged[name], found, name)
        merged[name] = result.type
        added += result.added
        skipped += result.skipped
    order = [n for n, _ in want.columns] + [n for n, _ in have.columns] + list(merged)
    # A live column whose type sesl cannot read (_parsed) stays as it is: UpdateTable replaces the whole
    # definition (aws-reference.md §3.6), so a column left out here would be dropped from the table.
    unread = {n: t for n, t in have.columns if n not in merged}
    ordered = list(dict.fromkeys(n for n in order if n in merged or n in unread))
    return Evolution(tuple((n, merged[n].hive() if n in merged else unread[n]) for n in ordered), added, conflicts,
                     skipped, ignored)


def _found_type(name: str, text: str) -> tuple[HiveType | None, list[str]]:
    """A column the crawler found, parsed; or None and why it cannot be used."""
    if not hive_types.FIELD_NAME.fullmatch(name):
        return None, [f"{name}: column name not usable in Athena (only a-z, 0-9, _)"]
    try:
        return hive_types.parse(text), []
    except hive_types.HiveTypeError:
        return None, [f"{name}: type {text!r} is not a Hive type that maps to Parquet"]


def table_state(table: dict[str, Any], want: TableSpec, env: str, crawled: tuple[tuple[str, str], ...]) -> TableState:
    """The state of a table from its GetTable answer. Only Parameters, PartitionKeys and the
    StorageDescriptor members sesl sets are compared: GetTable adds DatabaseName, CreateTime, UpdateTime,
    Retention, CreatedBy, IsRegisteredWithLakeFormation, CatalogId, VersionId, and StorageDescriptor
    defaults (NumberOfBuckets, SortColumns, StoredAsSubDirectories): AWS CLI example glue/get-tables.rst."""
    params = dict(table.get("Parameters") or {})
    storage = dict(table.get("StorageDescriptor") or {})
    columns = tuple((c["Name"], c["Type"]) for c in storage.get("Columns") or [])
    owned = params.get(OWNER_TAG_KEY) == OWNER_TAG_VALUE and params.get(ENV_TAG_KEY) == env
    return TableState(want.name, owned, columns, tuple(k["Name"] for k in table.get("PartitionKeys") or []),
                      storage, params, crawled, {k: table[k] for k in KEPT_MEMBERS if k in table})


def _evolution_reason(evolution: Evolution) -> str:
    if not evolution.added:
        return ""
    left_out = [f"{s} (left out)" for s in evolution.skipped] + [f"{i} (not stored on purpose)"
                                                                 for i in evolution.ignored]
    return f"schema evolution: {', '.join(evolution.added)}" + (f"; {'; '.join(left_out)}" if left_out else "")


class GlueTableKind(Kind[TableSpec, TableState]):
    kind = "glue_table"
    needs = ("glue_database",)
    ownership = "table parameters sesl:managed-by=sesl and sesl:env=<env>"

    def desired(self, env: Env) -> list[TableSpec]:
        n = env.names
        raw = n.raw_database if env.spec.glue.crawler_enabled else None
        columns = tuple((name, t.hive()) for name, t, _ in COLUMNS)
        comments = {name: comment for name, _, comment in COLUMNS}
        return [TableSpec(n.table(flow), flow, n.database, raw, columns, layout.PARTITION_KEYS,
                          layout.table_location(n, flow), table_parameters(env, flow), comments)
                for flow in env.spec.flows]

    def validate(self, env: Env, want: TableSpec) -> list[str]:
        # A column type's 131,072 characters are botocore's (ColumnTypeString): checked by model_check.
        table_input = self._table_input(want, None)
        keys = {k["Name"]: k["Type"] for k in table_input["PartitionKeys"]}
        return glue_rules.table_problems(want.name, [n for n, _ in want.columns], keys, want.parameters)

    def warnings(self, env: Env, want: TableSpec) -> list[str]:
        high = int(want.parameters["projection.year.range"].split(",")[1])
        year = dt.datetime.now(dt.UTC).year
        if year > high:
            return [f"the year projection ended in {high}: Athena finds no data of {year}; raise "
                    f"env.{env.spec.env}.glue.projection_year_max now"]
        if year >= high - YEARS_OF_WARNING + 1:
            return [f"the year projection ends in {high}: raise env.{env.spec.env}.glue.projection_year_max "
                    "before then, or Athena will find no rows from the next year on"]
        return []

    # --- read ---------------------------------------------------------------------------
    def read(self, ctx: AwsContext, want: TableSpec) -> TableState | None:
        glue = ctx.client("glue")
        table = read_or_none(
            lambda: glue.get_table(DatabaseName=want.database, Name=want.name)["Table"],
            "EntityNotFoundException")
        if table is None:
            return None
        return table_state(table, want, ctx.spec.env, self._crawled(ctx, want))

    @staticmethod
    def _crawled(ctx: AwsContext, want: TableSpec) -> tuple[tuple[str, str], ...]:
        """Columns of the crawler's table over this flow's raw backup (found by its location)."""
        if want.raw_database is None:
            return ()
        glue = ctx.client("glue")
        raw_prefix = ctx.names.raw_prefix(want.flow)
        try:
            tables = [t for page in glue.get_paginator("get_tables").paginate(DatabaseName=want.raw_database)
                      for t in page.get("TableList", [])]
        except botocore.exceptions.ClientError as exc:
            if error_code(exc) == "EntityNotFoundException":
                return ()
            raise
        for table in tables:
            if raw_prefix in table.get("StorageDescriptor", {}).get("Location", ""):
                return tuple((c["Name"].lower(), c["Type"]) for c in table["StorageDescriptor"].get("Columns", []))
        return ()

    # --- diff ---------------------------------------------------------------------------
    def create_fields(self, want: TableSpec) -> tuple[FieldChange, ...]:
        return (FieldChange("columns", None, [n for n, _ in want.columns]),
                FieldChange("PartitionKeys", None, list(want.partition_keys)),
                FieldChange(_TEMPLATE, None, want.parameters[_TEMPLATE]))

    def diff(self, have: TableState, want: TableSpec) -> list[Change]:
        evolution = evolved_columns(want, have)
        columns, conflicts = written_columns(want, have), evolution.conflicts
        live = dict(have.columns)
        column_fields = [FieldChange(f"columns.{n}", live.get(n), t) for n, t in columns if live.get(n) != t]
        owned_params = {k: v for k, v in want.parameters.items()}
        projection = {k: v for k, v in owned_params.items() if k.startswith(_PROJECTION_PREFIX) or k == _TEMPLATE}
        others = {k: v for k, v in owned_params.items() if k not in projection}
        storage = {k: v for k, v in written_storage(want, columns, {}).items() if k != "Columns"}
        return [
            *self.change(want, have, "column_types", [FieldChange(c.split(":")[0], c, "unchanged (refused)")
                                                      for c in conflicts]),
            *self.change(want, have, "columns", column_fields, reason=_evolution_reason(evolution)),
            *self.change(want, have, "partition_keys",
                         diff_values(list(have.partition_keys), list(want.partition_keys), "PartitionKeys")),
            *self.change(want, have, "projection", diff_values(have.parameters, projection)),
            *self.change(want, have, "storage", diff_values(have.storage, storage)),
            *self.change(want, have, "parameters", diff_values(have.parameters, others)),
        ]

    # --- apply --------------------------------------------------------------------------
    def _table_input(self, want: TableSpec, have: TableState | None) -> dict[str, Any]:
        columns = written_columns(want, have)
        kept = {k: v for k, v in (have.parameters if have else {}).items() if k not in want.parameters}
        storage = {k: v for k, v in (have.storage if have else {}).items() if k not in OWNED_STORAGE}
        return {**(have.kept if have else {}), "Name": want.name, "TableType": "EXTERNAL_TABLE",
                "Parameters": {**kept, **want.parameters},
                "PartitionKeys": [{"Name": k, "Type": "string"} for k in want.partition_keys],
                "StorageDescriptor": {**storage, **written_storage(want, columns, want.comments)}}

    def requests(self, want: TableSpec) -> list[Request]:
        # UpdateTable sends the same TableInput, plus what the live table holds that sesl keeps unchanged.
        table_input = self._table_input(want, None)
        return [Request("glue", "CreateTable", {"DatabaseName": want.database, "TableInput": table_input}),
                Request("glue", "UpdateTable", {"DatabaseName": want.database, "TableInput": table_input},
                        stage="update")]

    def create(self, ctx: AwsContext, want: TableSpec) -> None:
        glue = ctx.client("glue")
        for request in create_requests(self.requests(want)):
            send(glue, request)

    def update_whole(self, ctx: AwsContext, want: TableSpec, have: TableState) -> None:
        ctx.client("glue").update_table(DatabaseName=want.database, TableInput=self._table_input(want, have))

    def observed_warnings(self, ctx: AwsContext, want: TableSpec, have: TableState | None) -> list[str]:
        if have is None or not have.owned:
            return []
        skipped = evolved_columns(want, have).skipped
        if not skipped:
            return []
        return [f"schema evolution leaves out {len(skipped)} field(s) the crawler found, which Parquet or Athena "
                f"cannot hold: {'; '.join(skipped)}"]

    def delete(self, ctx: AwsContext, have: TableState) -> None:
        # The data stays in S3; only the definition goes (Firehose cannot convert without it).
        ctx.client("glue").delete_table(DatabaseName=ctx.names.database, Name=have.name)

    # UpdateTable replaces the whole definition: one call per apply, however many aspects changed.
    ASPECTS = (
        # Never written: evolution keeps a live column's type, so an ignored conflict needs no fold.
        Aspect[TableSpec, TableState]("column_types", refuse=(
            "sesl never changes a column's type: Parquet already written with the old type would stop reading; "
            "migrate the table by hand, or add an ignore rule for glue_table.*.column_types")),
        Aspect("columns", fold=_keep_columns),
        Aspect("partition_keys", fold=fold_whole_attribute("partition_keys")),
        Aspect("projection", fold=fold_attribute("parameters")),
        Aspect("storage", fold=_keep_storage),
        Aspect("parameters", fold=fold_attribute("parameters")),
    )
    WHOLE = ("glue:UpdateTable",)
    CREATE = ("glue:CreateTable",)
    DELETE = ("glue:DeleteTable",)
    ADOPT_ASPECT = ""  # sesl's parameters are its ownership proof: adopting writes the whole table
