"""Saved (named) Athena queries for advertisers, one per query and flow, in sesl's workgroup.

Athena does not enforce unique names and has no get-by-name: sesl lists the workgroup's query ids,
fetches them in batches of at most 50 (BatchGetNamedQuery), matches on the name, and updates in place
(aws-reference.md §4.3). Copies with sesl's name are reported and removed. The SQL lives in
sesl/queries/*.sql; tests prove each query's numbers (tests/test_queries.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import botocore.exceptions

from sesl.aws_errors import error_code, error_message
from sesl.context import AwsContext
from sesl.diff import diff_values
from sesl.fold import fold_whole_attribute
from sesl.model import Change, FieldChange
from sesl.queries import QUERIES, query_sql, saved_name
from sesl.resources.base import Aspect, Env, Kind, Request, send

OWNED_PREFIX = "sesl-"  # every saved query sesl defines is named sesl-<flow>-<query>
BATCH = 50  # BatchGetNamedQuery takes at most 50 ids (botocore athena NamedQueryIdList)
# botocore athena CreateNamedQueryInput: Name 1-128, Description 1-1024, Database 1-255, QueryString 1-262144.


@dataclass(frozen=True)
class NamedQuerySpec:
    name: str
    workgroup: str
    database: str
    description: str
    sql: str


@dataclass(frozen=True)
class NamedQueryState:
    name: str
    owned: bool
    ids: tuple[str, ...]  # the first is kept; any others are duplicates
    database: str
    description: str
    sql: str


def read_workgroup_queries(ctx: AwsContext, workgroup: str) -> list[dict[str, Any]]:
    """Every saved query of the workgroup, [] when the workgroup does not exist."""
    athena = ctx.client("athena")
    try:
        ids = [i for page in athena.get_paginator("list_named_queries").paginate(WorkGroup=workgroup)
               for i in page.get("NamedQueryIds", [])]
    except botocore.exceptions.ClientError as exc:
        if error_code(exc) == "InvalidRequestException":
            return []
        raise
    found: list[dict[str, Any]] = []
    for start in range(0, len(ids), BATCH):
        found += athena.batch_get_named_query(NamedQueryIds=ids[start:start + BATCH]).get("NamedQueries", [])
    return found


def delete_query(ctx: AwsContext, query_id: str) -> None:
    """Delete one saved query; one already gone is deleted. DeleteNamedQuery's NamedQueryId is its idempotency
    token (botocore athena model: "idempotencyToken": true), so a delete sent again after a lost answer
    succeeds on AWS; moto answers InvalidRequestException "NamedQuery <id> does not exist"."""
    try:
        ctx.client("athena").delete_named_query(NamedQueryId=query_id)
    except botocore.exceptions.ClientError as exc:
        if error_code(exc) != "InvalidRequestException" or "does not exist" not in error_message(exc):
            raise


class AthenaNamedQueryKind(Kind[NamedQuerySpec, NamedQueryState]):
    kind = "athena_named_query"
    needs = ("athena_workgroup",)
    ownership = "it is saved in sesl's workgroup under a name sesl defines (saved queries take no tags)"

    def desired(self, env: Env) -> list[NamedQuerySpec]:
        n = env.names
        return [NamedQuerySpec(saved_name(q.name, flow), n.workgroup, n.database, f"{q.description} ({flow}); "
                               f"parameter: days (e.g. {q.default_days})", query_sql(q.name, n, flow))
                for flow in env.spec.flows for q in QUERIES]

    def read(self, ctx: AwsContext, want: NamedQuerySpec) -> NamedQueryState | None:
        return self.read_many(ctx, [want])[0]

    def read_many(self, ctx: AwsContext, wants: Sequence[NamedQuerySpec]) -> list[NamedQueryState | None]:
        """The saved queries of each workgroup are listed and fetched once (ListNamedQueries, then
        BatchGetNamedQuery 50 ids a call), however many of them sesl saves there."""
        queries = {group: read_workgroup_queries(ctx, group) for group in dict.fromkeys(w.workgroup for w in wants)}
        return [self._state(want, queries[want.workgroup]) for want in wants]

    @staticmethod
    def _state(want: NamedQuerySpec, queries: Sequence[dict[str, Any]]) -> NamedQueryState | None:
        same = [q for q in queries if q["Name"] == want.name]
        if not same:
            return None
        first = same[0]
        # AWS leaves Description out when none was saved (sesl/sandbox/shapes/athena.py): absent reads as "".
        return NamedQueryState(want.name, True, tuple(q["NamedQueryId"] for q in same), first.get("Database", ""),
                               first.get("Description", ""), first.get("QueryString", ""))

    def create_fields(self, want: NamedQuerySpec) -> tuple[FieldChange, ...]:
        return (FieldChange("workgroup", None, want.workgroup), FieldChange("Description", None, want.description))

    def diff(self, have: NamedQueryState, want: NamedQuerySpec) -> list[Change]:
        duplicates = [FieldChange(f"copies.{i}", "duplicate", None) for i in have.ids[1:]]
        return [
            *self.change(want, have, "sql", diff_values(have.sql, want.sql, "QueryString")),
            *self.change(want, have, "description", diff_values(have.description, want.description, "Description")),
            *self.change(want, have, "database", diff_values(have.database, want.database, "Database")),
            *self.change(want, have, "duplicates", duplicates),
        ]

    def requests(self, want: NamedQuerySpec) -> list[Request]:
        return [Request("athena", "CreateNamedQuery", {"Name": want.name, "Description": want.description,
                                                       "Database": want.database, "QueryString": want.sql,
                                                       "WorkGroup": want.workgroup})]

    def create(self, ctx: AwsContext, want: NamedQuerySpec) -> None:
        athena = ctx.client("athena")
        (request,) = self.requests(want)
        made = send(athena, request)["NamedQueryId"]
        # CreateNamedQuery saves a new id per call: a create whose answer was lost and was sent again saved
        # two (AWS dedupes a retry by its ClientRequestToken, the sandbox does not). Keep the id answered.
        for query in read_workgroup_queries(ctx, want.workgroup):
            if query["Name"] == want.name and query["NamedQueryId"] != made:
                delete_query(ctx, query["NamedQueryId"])

    def update_whole(self, ctx: AwsContext, want: NamedQuerySpec, have: NamedQueryState) -> None:
        ctx.client("athena").update_named_query(NamedQueryId=have.ids[0], Name=want.name,
                                                Description=want.description, QueryString=want.sql)

    def update_database(self, ctx: AwsContext, want: NamedQuerySpec, have: NamedQueryState) -> None:
        # UpdateNamedQuery cannot change the database: save the query anew.
        self.delete(ctx, have)
        self.create(ctx, want)

    def update_duplicates(self, ctx: AwsContext, want: NamedQuerySpec, have: NamedQueryState) -> None:
        for query_id in have.ids[1:]:
            delete_query(ctx, query_id)

    def delete(self, ctx: AwsContext, have: NamedQueryState) -> None:
        for query_id in have.ids:
            delete_query(ctx, query_id)

    ASPECTS = (
        # UpdateNamedQuery writes the text and the description together.
        Aspect[NamedQuerySpec, NamedQueryState]("sql", fold=fold_whole_attribute("sql")),
        Aspect("description", fold=fold_whole_attribute("description")),
        # It cannot change the database: the query is saved anew, text and description with it.
        Aspect("database", ("athena:DeleteNamedQuery", "athena:CreateNamedQuery"), update_database,
               fold=fold_whole_attribute("database"), also_writes=("sql", "description")),
        Aspect("duplicates", ("athena:DeleteNamedQuery",), update_duplicates),
    )
    WHOLE = ("athena:UpdateNamedQuery",)
    # CreateNamedQuery saves a new id per call: a create sent twice is undone by deleting the extra copy.
    CREATE = ("athena:CreateNamedQuery", "athena:DeleteNamedQuery")
    DELETE = ("athena:DeleteNamedQuery",)
    ADOPT_ASPECT = ""  # its name's prefix is its ownership: never adopted, always owned
