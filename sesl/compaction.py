"""Compact a closed day's many small Parquet files into one, with Athena doing the work.

Firehose writes one object per buffer interval, each carrying ~26 KB of Parquet footer (docs/cost.md).
Once a day is closed (no record can be filed under it any more), its partition can be rewritten:

1. count the partition's rows through the table (Athena);
2. `UNLOAD` the partition's rows, every column of the live table in order, as GZIP Parquet to a staging
   prefix outside the table's location (Athena guide, UNLOAD: the destination must be empty, so each run
   stages under its own id);
3. copy the staged file(s) into the partition and count again: exactly twice the rows, or the copies
   are removed and nothing else changes;
4. delete the original small objects. The events bucket is versioned, so a delete only adds a delete
   marker: every original stays recoverable as a noncurrent version until the bucket's lifecycle
   expires it (`noncurrent_expiration_days`);
5. count once more: the partition must hold the rows it held before.

Between steps 3 and 4 a query of that day sees its rows twice, for the seconds the delete takes; compact
when nobody is reporting on the day (the command refuses a day that is not closed).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sesl.athena_query import run_query
from sesl.context import AwsContext
from sesl.errors import SeslError
from sesl.layout import data_key_prefix, partition_values
from sesl.ui import reporter

STAGING_PREFIX = "compaction/"  # outside every table location (<flow>/...)
COMPACTED_NAME = "compacted-"  # how a compacted file is named in its partition (never a Firehose name)
DELETE_BATCH = 1000  # DeleteObjects takes at most 1,000 keys (S3 API reference, DeleteObjects)


@dataclass(frozen=True)
class CompactionReport:
    flow: str
    day: dt.date
    rows: int
    files_before: int
    bytes_before: int
    files_after: int
    bytes_after: int
    kept_versions: int  # originals kept as noncurrent versions (recoverable)


def closed(day: dt.date, buffer_seconds: int, now: dt.datetime | None = None) -> bool:
    """A day is closed once its last buffer can have been flushed: midnight after it, plus the interval and
    a margin for Firehose's retries (records that arrive later are filed under the next day)."""
    now = now or dt.datetime.now(dt.UTC)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    return now >= end + dt.timedelta(seconds=buffer_seconds + 900)


def _objects(ctx: AwsContext, prefix: str) -> list[tuple[str, int]]:
    s3 = ctx.client("s3")
    found: list[tuple[str, int]] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=ctx.names.events_bucket, Prefix=prefix):
        found += [(o["Key"], int(o["Size"])) for o in page.get("Contents", []) if not o["Key"].endswith("/")]
    return found


def _partition_where(day: dt.date) -> str:
    return " AND ".join(f"{k} = '{v}'" for k, v in partition_values(day).items())


def _count(ctx: AwsContext, flow: str, day: dt.date) -> int:
    table = f"{ctx.names.database}.{ctx.names.table(flow)}"
    result = run_query(ctx, f"SELECT count(*) AS n FROM {table} WHERE {_partition_where(day)}")
    return int(result.rows[0][0] or 0)


def _columns(ctx: AwsContext, flow: str) -> list[str]:
    table = ctx.client("glue").get_table(DatabaseName=ctx.names.database, Name=ctx.names.table(flow))["Table"]
    return [c["Name"] for c in table["StorageDescriptor"]["Columns"]]


def unload_sql(ctx: AwsContext, flow: str, day: dt.date, staging: str) -> str:
    columns = ", ".join(f'"{c}"' for c in _columns(ctx, flow))
    return (f"UNLOAD (SELECT {columns} FROM {ctx.names.database}.{ctx.names.table(flow)} "
            f"WHERE {_partition_where(day)}) "
            f"TO 's3://{ctx.names.events_bucket}/{staging}' WITH (format = 'PARQUET', compression = 'GZIP')")


def _delete(ctx: AwsContext, keys: list[str]) -> None:
    s3 = ctx.client("s3")
    for start in range(0, len(keys), DELETE_BATCH):
        batch = [{"Key": k} for k in keys[start:start + DELETE_BATCH]]
        answer = s3.delete_objects(Bucket=ctx.names.events_bucket, Delete={"Objects": batch, "Quiet": True})
        if answer.get("Errors"):
            first = answer["Errors"][0]
            raise SeslError(f"deleting {first.get('Key')} failed: {first.get('Code')}: {first.get('Message')}")


def _copy_in(ctx: AwsContext, staged: list[tuple[str, int]], partition: str, run_id: str) -> list[str]:
    s3 = ctx.client("s3")
    bucket = ctx.names.events_bucket
    placed = []
    for index, (key, _) in enumerate(staged):
        target = f"{partition}{COMPACTED_NAME}{run_id}-{index:03d}.parquet"
        s3.copy_object(Bucket=bucket, Key=target, CopySource={"Bucket": bucket, "Key": key})
        placed.append(target)
    return placed


def _expect(ctx: AwsContext, flow: str, day: dt.date, rows: int, undo: Callable[[], None], what: str,
            then: str) -> None:
    counted = _count(ctx, flow, day)
    if counted != rows:
        undo()
        raise SeslError(f"compaction of {flow} {day}: {what} the partition held {counted} rows, expected {rows}; "
                        f"{then}")


def compact_day(ctx: AwsContext, flow: str, day: dt.date, now: dt.datetime | None = None) -> CompactionReport:
    if not closed(day, ctx.spec.firehose.buffer_interval_seconds, now):
        raise SeslError(f"{day} is not closed yet: Firehose may still file records under it; compact a day that "
                        "ended at least 15 minutes plus the buffer interval ago")
    partition = data_key_prefix(ctx.names, flow, day)
    originals = _objects(ctx, partition)
    bytes_before = sum(size for _, size in originals)
    if len(originals) <= 1:
        return CompactionReport(flow, day, -1, len(originals), bytes_before, len(originals), bytes_before, 0)
    ctx.allow_mutations()
    info = reporter().info
    rows = _count(ctx, flow, day)
    run_id = uuid.uuid4().hex[:12]
    staging = f"{STAGING_PREFIX}{flow}/{day.isoformat()}/{run_id}/"
    info(f"{flow} {day}: {len(originals)} files, {rows} rows: rewriting them with Athena UNLOAD")
    run_query(ctx, unload_sql(ctx, flow, day, staging))
    staged = _objects(ctx, staging)
    placed = _copy_in(ctx, staged, partition, run_id)
    _delete(ctx, [k for k, _ in staged])
    _expect(ctx, flow, day, 2 * rows, lambda: _delete(ctx, placed), "after copying the compacted file in,",
            "the copies were removed and the original files are untouched")
    _delete(ctx, [k for k, _ in originals])
    _expect(ctx, flow, day, rows, lambda: None, "after removing the small files,",
            f"the originals are kept as noncurrent versions under s3://{ctx.names.events_bucket}/{partition}: "
            "restore them by deleting their delete markers (aws s3api list-object-versions --prefix ...)")
    after = _objects(ctx, partition)
    return CompactionReport(flow, day, rows, len(originals), bytes_before, len(after),
                            sum(size for _, size in after), len(originals))
