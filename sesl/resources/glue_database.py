"""Glue databases: `email_events_db_{env}` (the projection tables) and the crawler's own database.

The crawler writes only into `email_events_raw_{env}` (its tables describe the raw JSON backup), so it
can never touch the tables Firehose converts with and Athena queries. Names are lowercase with
underscores: Glue folds names to lowercase, and Athena supports only `_` as a special character
(Athena guide, tables-databases-columns-names; botocore glue DatabaseInput).

UpdateDatabase replaces the whole definition ("A DatabaseInput object specifying the new definition of the
metadata database": Glue API reference, UpdateDatabase): sesl sends back every member it read and does
not own (LocationUri, Parameters, CreateTableDefaultPermissions, ...) and changes only the description.

Lake Formation: every plan says whether it governs the tables of each database and, if so, the grants
Firehose's and the crawler's roles need (sesl.lakeformation); sesl never makes grants itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sesl import glue_rules, lakeformation
from sesl.context import AwsContext
from sesl.diff import diff_tags, diff_values, is_owned, ownership_tags, tags_to_dict
from sesl.fold import fold_attribute
from sesl.model import Change, DestroyOptions, FieldChange
from sesl.resources.base import Aspect, Env, Kind, Request, read_or_none, send

# Members of DatabaseInput (botocore glue) other than Name and Description: others' to set, sent back unchanged.
KEPT_MEMBERS = ("LocationUri", "Parameters", "CreateTableDefaultPermissions", "TargetDatabase", "FederatedDatabase")


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
    kept: dict[str, Any]  # the DatabaseInput members sesl does not own, as read
    registered: tuple[str, ...] = ()  # tables whose location is registered with Lake Formation
    owned_tables: tuple[str, ...] = ()  # tables sesl made for this env (marked in their parameters)


def database_state(database: dict[str, Any], tables: list[dict[str, Any]], tags: dict[str, str], want: DatabaseSpec,
                   env: str) -> DatabaseState:
    """The state of a database from its GetDatabase answer (which adds CreateTime, CatalogId and
    CreateTableDefaultPermissions: AWS CLI example glue/get-databases.rst) and its GetTables listing."""
    kept = {k: database[k] for k in KEPT_MEMBERS if k in database}
    return DatabaseState(want.name, is_owned(tags, env), want.arn, database.get("Description") or "",
                         tuple(t["Name"] for t in tables), tags, kept,
                         tuple(t["Name"] for t in tables if t.get("IsRegisteredWithLakeFormation")),
                         tuple(t["Name"] for t in tables if is_owned(t.get("Parameters") or {}, env)))


class GlueDatabaseKind(Kind[DatabaseSpec, DatabaseState]):
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
        problem = glue_rules.athena_name_problem("database", want.name)
        return [problem] if problem else []

    def read(self, ctx: AwsContext, want: DatabaseSpec) -> DatabaseState | None:
        glue = ctx.client("glue")
        database = read_or_none(lambda: glue.get_database(Name=want.name)["Database"], "EntityNotFoundException")
        if database is None:
            return None
        tags = tags_to_dict(glue.get_tags(ResourceArn=want.arn).get("Tags", {}))
        listed = [t for page in glue.get_paginator("get_tables").paginate(DatabaseName=want.name)
                  for t in page.get("TableList", [])]
        return database_state(database, listed, tags, want, ctx.spec.env)

    def create_fields(self, want: DatabaseSpec) -> tuple[FieldChange, ...]:
        return (FieldChange("Description", None, want.description),)

    def diff(self, have: DatabaseState, want: DatabaseSpec) -> list[Change]:
        return [*self.change(want, have, "description", diff_values(have.description, want.description, "Description")),
                *self.change(want, have, "tags", diff_tags(have.tags, want.tags))]

    def requests(self, want: DatabaseSpec) -> list[Request]:
        database_input = {"Name": want.name, "Description": want.description}
        return [Request("glue", "CreateDatabase", {"DatabaseInput": database_input, "Tags": want.tags})]

    def create(self, ctx: AwsContext, want: DatabaseSpec) -> None:
        (request,) = self.requests(want)
        send(ctx.client("glue"), request)

    def update_description(self, ctx: AwsContext, want: DatabaseSpec, have: DatabaseState) -> None:
        database_input = {**have.kept, "Name": want.name, "Description": want.description}
        ctx.client("glue").update_database(Name=want.name, DatabaseInput=database_input)

    def observed_warnings(self, ctx: AwsContext, want: DatabaseSpec, have: DatabaseState | None) -> list[str]:
        return lake_formation_warnings(ctx, want, have)

    def update_tags(self, ctx: AwsContext, want: DatabaseSpec, have: DatabaseState) -> None:
        ctx.client("glue").tag_resource(ResourceArn=want.arn, TagsToAdd=want.tags)

    def keep_reason(self, ctx: AwsContext, have: DatabaseState, options: DestroyOptions) -> str | None:
        # DeleteDatabase also deletes every table in it: tables someone else defined there are kept. sesl's own
        # include the tables of streams taken out of the config (sesl.retired), which destroy deletes first.
        raw = have.name == ctx.names.raw_database
        mine = {ctx.names.table(f) for f in ctx.spec.flows} | set(have.owned_tables)
        others = [t for t in have.tables if t not in mine] if not raw else []
        if others:
            return f"holds {len(others)} table(s) sesl did not define ({', '.join(others[:3])}): kept"
        return None

    def delete(self, ctx: AwsContext, have: DatabaseState) -> None:
        ctx.client("glue").delete_database(Name=have.name)

    ASPECTS = (
        Aspect[DatabaseSpec, DatabaseState]("description", ("glue:UpdateDatabase",), update_description),
        Aspect("tags", ("glue:TagResource",), update_tags, fold=fold_attribute("tags", "tags.")),
    )
    CREATE = ("glue:CreateDatabase",)
    DELETE = ("glue:DeleteDatabase",)


def lake_formation_warnings(ctx: AwsContext, want: DatabaseSpec, have: DatabaseState | None) -> list[str]:
    """What Lake Formation requires for this database's tables, if it governs them (sesl.lakeformation)."""
    n = ctx.names
    found = lakeformation.settings(ctx)
    if isinstance(found, lakeformation.Unknown):
        if want.name != n.database:
            return []  # said once, on the projection database
        return [f"could not check whether Lake Formation governs the Data Catalog ({found.reason}); if it does, "
                "Firehose needs Lake Formation grants to convert to Parquet (see docs/resources/glue_database.md)"]
    why = _governed(found, have)
    if why is None:
        return []
    if want.name == n.raw_database:
        role = n.role_arn(n.crawler_role)
        commands = lakeformation.database_grants(role, want.name)
        commands.append(lakeformation.location_grant(role, n.bucket_arn(n.events_bucket))
                        + " (only if the bucket is registered with Lake Formation: aws lakeformation list-resources)")
        need = "the crawler needs these grants to write its tables"
    else:
        commands = lakeformation.table_grants(n.role_arn(n.firehose_role), want.name, want.managed_tables)
        need = "Firehose needs these grants to read the conversion schema (records go to errors/ without them)"
    registered = f"; tables registered with Lake Formation: {', '.join(have.registered)}" if have and have.registered \
        else ""
    return [f"Lake Formation governs the tables of {want.name} ({why}){registered}: {need}; sesl does not make "
            f"grants (docs/resources/glue_database.md), a data lake administrator runs: {' ; '.join(commands)}"]


def _governed(found: lakeformation.DataLakeSettings, have: DatabaseState | None) -> str | None:
    if have is not None and "CreateTableDefaultPermissions" in have.kept:
        if lakeformation.iam_only(have.kept["CreateTableDefaultPermissions"]):
            return None
        return "its CreateTableDefaultPermissions do not grant ALL to IAM_ALLOWED_PRINCIPALS"
    if have is None and not found.iam_for_new_databases:
        return ("the account's data lake settings do not use only IAM access control for new databases: creating it "
                "needs CREATE_DATABASE or a data lake administrator")
    if not found.iam_for_new_tables:
        return "the account's data lake settings do not use only IAM access control for new tables"
    return None
