"""Run SQL in the env's workgroup: start, poll with progress, fetch the rows, and what it cost.

Athena bills $5 per TB scanned, bytes rounded up to the next megabyte with a 10 MB minimum per
query; failed queries are not billed, cancelled ones are (Athena pricing page; aws-reference.md §4.5).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sesl.context import AwsContext
from sesl.errors import AwsCallError
from sesl.ui import reporter

USD_PER_TB = 5.0
MB = 1024 * 1024
TB = 1024**4
MIN_BILLED_MB = 10
FINISHED = ("SUCCEEDED", "FAILED", "CANCELLED")


@dataclass(frozen=True)
class QueryResult:
    execution_id: str
    columns: list[str]
    rows: list[list[str | None]]
    scanned_bytes: int
    cost_usd: float


def query_cost(scanned_bytes: int, state: str = "SUCCEEDED") -> float:
    if state == "FAILED":
        return 0.0
    billed_mb = max(MIN_BILLED_MB, math.ceil(scanned_bytes / MB))
    return billed_mb * MB / TB * USD_PER_TB


def run_query(ctx: AwsContext, sql: str, *, parameters: Sequence[str] = (), timeout: float = 300.0,
              poll: float = 1.0) -> QueryResult:
    athena = ctx.client("athena")
    names = ctx.names
    request: dict[str, object] = {"QueryString": sql, "WorkGroup": names.workgroup,
                                  "QueryExecutionContext": {"Database": names.database}}
    if parameters:
        request["ExecutionParameters"] = list(parameters)
    execution_id = str(athena.start_query_execution(**request)["QueryExecutionId"])
    execution = _wait(ctx, execution_id, timeout, poll)
    status = execution["Status"]
    scanned = int(execution.get("Statistics", {}).get("DataScannedInBytes", 0))
    if status["State"] != "SUCCEEDED":
        reason = status.get("StateChangeReason", "no reason given")
        raise AwsCallError(f"query {execution_id} {status['State']}: {reason} (scanned {scanned} bytes)")
    columns, rows = _results(ctx, execution_id)
    return QueryResult(execution_id, columns, rows, scanned, query_cost(scanned))


def _wait(ctx: AwsContext, execution_id: str, timeout: float, poll: float) -> dict[str, Any]:
    athena = ctx.client("athena")
    deadline = time.monotonic() + timeout
    with reporter().progress(f"query {execution_id}", None) as advance:
        while True:
            execution: dict[str, Any] = athena.get_query_execution(QueryExecutionId=execution_id)["QueryExecution"]
            if execution["Status"]["State"] in FINISHED:
                return execution
            if time.monotonic() > deadline:
                athena.stop_query_execution(QueryExecutionId=execution_id)
                raise AwsCallError(f"query {execution_id} still running after {timeout:.0f} s: stopped it")
            time.sleep(poll)
            advance(poll)


def _results(ctx: AwsContext, execution_id: str) -> tuple[list[str], list[list[str | None]]]:
    columns: list[str] = []
    rows: list[list[str | None]] = []
    for page in ctx.client("athena").get_paginator("get_query_results").paginate(QueryExecutionId=execution_id):
        result_set = page.get("ResultSet", {})
        if not columns:
            columns = [c["Name"] for c in result_set.get("ResultSetMetadata", {}).get("ColumnInfo", [])]
        rows += [[d.get("VarCharValue") for d in r.get("Data", [])] for r in result_set.get("Rows", [])]
    # A SELECT's first row repeats the column names (Athena API reference, GetQueryResults).
    if rows and rows[0] == columns:
        rows = rows[1:]
    return columns, rows
