"""Time per saved query in the sandbox's Athena over N days of synthetic SES events.

Generates N days of both flows with sesl.traffic (the demo's month generator), files them the way
Firehose would (sesl.traffic.firehose_objects: one object per buffering interval, under the arrival
day), converts each object with the sandbox's own Firehose conversion into the `dev` events bucket,
then runs every saved query on each flow's table through StartQueryExecution and prints the wall time,
the bytes scanned and the rows of each, measured in this run.

    .venv/bin/python scripts/bench_sandbox_athena.py [--days 30] [--events-per-day 2400] [--interval 900]
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

import boto3
from _sandbox_bench import applied_dev
from moto import mock_aws

from sesl import layout, openx_json
from sesl.athena_query import run_query
from sesl.queries import QUERIES, query_sql
from sesl.sandbox.gaps.firehose_delivery import parquet_bytes
from sesl.schema import COLUMNS
from sesl.traffic import Where, firehose_objects, month

SCHEMA = tuple((name, t) for name, t, _ in COLUMNS)


def load(ctx: object, days: int, per_day: int, interval: int) -> tuple[int, int]:
    names = ctx.names  # type: ignore[attr-defined]
    where = {flow: Where(names.account, names.region, names.configuration_set(flow)) for flow in ("newsletter",
                                                                                                 "transactional")}
    s3 = boto3.client("s3")
    count = size = 0
    traffic = month(dt.datetime.now(dt.UTC).date(), where, events_per_day=per_day, days=days)
    for flow, arrivals in traffic.items():
        for index, (day, events) in enumerate(firehose_objects(arrivals, interval)):
            body = parquet_bytes([openx_json.to_row(e, SCHEMA) for e in events], SCHEMA, "GZIP")
            key = f"{layout.data_key_prefix(names, flow, day)}bench-{index:06d}.parquet"
            s3.put_object(Bucket=names.events_bucket, Key=key, Body=body)
            count, size = count + 1, size + len(body)
    return count, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--events-per-day", type=int, default=2400)
    parser.add_argument("--interval", type=int, default=900, help="Firehose buffering interval, seconds")
    args = parser.parse_args()
    with mock_aws():
        ctx = applied_dev()
        began = time.perf_counter()
        objects, size = load(ctx, args.days, args.events_per_day, args.interval)
        print(f"{args.days} days x 2 flows, {args.events_per_day} events/day: {objects} Parquet objects, "
              f"{size / 1e6:.1f} MB, loaded in {time.perf_counter() - began:.1f} s")
        for flow in ("newsletter", "transactional"):
            for query in QUERIES:
                start = time.perf_counter()
                result = run_query(ctx, query_sql(query.name, ctx.names, flow),
                                   parameters=(str(query.default_days),), poll=0.01)
                print(f"{flow:13} {query.name:24} {time.perf_counter() - start:6.2f} s  "
                      f"{result.scanned_bytes / 1e6:7.2f} MB scanned  {len(result.rows):4d} rows")


if __name__ == "__main__":
    main()
