"""Glue databases: `email_events_db_{env}` (the projection tables) and the crawler's own database.

The crawler writes only into `email_events_raw_{env}` (its tables describe the raw JSON backup), so it
can never touch the tables Firehose converts with and Athena queries. Names are lowercase with
underscores: Glue folds names to lowercase, and Athena supports only `_` as a special character
(Athena guide, tables-databases-columns-names; botocore glue DatabaseInput).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sesl.context import AwsContext
from sesl.diff import diff_tags, diff_values, is_owned, ownership_tags, tags_to_dict
from sesl.model import Change, DestroyOptions, FieldChange
from sesl.resources.base import Env, Kind, read_or_none

ATHENA_NAME = re.compile(r"[a-z0-9_]{1,255}")


@dataclass(frozen=True)
class DatabaseSpec:
    name: str
    arn: str
    description: str
    tags: dict[str, str]
    managed_tables: tuple[str, ...]  # tables sesl itself keeps in it (the crawler's are its own)


@dataclass(frozen=True)
class DatabaseState:
    name: str
    owned: bool
    arn: str
    description: str
    tables: tuple[str, ...]
    tags: dict[str, str]


class GlueDatabaseKind(Kind):
    kind = "glue_database"
    needs = ()

    def desired(self, env: Env) -> list[DatabaseSpec]:
        n, tags = env.names, ownership_tags(env.spec.env, env.spec.tags)
        specs = [DatabaseSpec(n.database, n.database_arn(n.database),
                              f"SES email events ({env.spec.env}): Firehose conversion schema and Athena tables",
                              tags, tuple(n.table(f) for f in env.spec.flows))]
        if env.spec.glue.crawler_enabled:
            specs.append(DatabaseSpec(n.raw_database, n.database_arn(n.raw_database),
                                      f"Raw SES JSON as the weekly crawler sees it ({env.spec.env}); crawler-owned",
                                      tags, ()))
        return specs

    def validate(self, env: Env, want: DatabaseSpec) -> list[str]:
        if ATHENA_NAME.fullmatch(want.name):
            return []
        return ["database name must be 1-255 lowercase letters, digits or '_' (Athena supports only '_')"]

    def read(self, ctx: AwsContext, want: DatabaseSpec) -> DatabaseState | None:
        glue = ctx.client("glue")
        database = read_or_none(lambda: glue.get_database(Name=want.name)["Database"], "EntityNotFoundException")
        if database is None:
            return None
        tags = tags_to_dict(glue.get_tags(ResourceArn=want.arn).get("Tags", {}))
        tables = tuple(t["Name"] for page in glue.get_paginator("get_tables").paginate(DatabaseName=want.name)
                       for t in page.get("TableList", []))
        return DatabaseState(want.name, is_owned(tags, ctx.spec.env), want.arn, database.get("Description", ""),
                             tables, tags)

    def create_fields(self, want: DatabaseSpec) -> tuple[FieldChange, ...]:
        return (FieldChange("Description", None, want.description),)

    def diff(self, have: DatabaseState, want: DatabaseSpec) -> list[Change]:
        return [*self.change(want, have, "description", diff_values(have.description, want.description, "Description")),
                *self.change(want, have, "tags", diff_tags(have.tags, want.tags))]

    def create(self, ctx: AwsContext, want: DatabaseSpec) -> None:
        ctx.client("glue").create_database(DatabaseInput={"Name": want.name, "Description": want.description},
                                           Tags=want.tags)

    def update_description(self, ctx: AwsContext, want: DatabaseSpec, have: DatabaseState) -> None:
        ctx.client("glue").update_database(Name=want.name, DatabaseInput={"Name": want.name,
                                                                          "Description": want.description})

    def update_tags(self, ctx: AwsContext, want: DatabaseSpec, have: DatabaseState) -> None:
        ctx.client("glue").tag_resource(ResourceArn=want.arn, TagsToAdd=want.tags)

    def keep_reason(self, ctx: AwsContext, have: DatabaseState, options: DestroyOptions) -> str | None:
        # DeleteDatabase also deletes every table in it: tables someone else defined there are kept.
        raw = have.name == ctx.names.raw_database
        mine = {ctx.names.table(f) for f in ctx.spec.flows}
        others = [t for t in have.tables if t not in mine] if not raw else []
        if others:
            return f"holds {len(others)} table(s) sesl did not define ({', '.join(others[:3])}): kept"
        return None

    def delete(self, ctx: AwsContext, have: DatabaseState) -> None:
        ctx.client("glue").delete_database(Name=have.name)
