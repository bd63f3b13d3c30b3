"""Compaction on the demo's month: files and bytes before and after, and each saved query's time before
and after, measured in one run in the sandbox (moto in this process, the sandbox's Firehose conversion
and Athena engine).

Loads N days of both flows as Firehose files them (one object per buffering interval, under the arrival
day: bench_sandbox_athena.load), times every saved query, runs `sesl compact`'s compact_day on every
closed day of both flows, and times the queries again.

    .venv/bin/python scripts/bench_compaction.py [--days 30] [--events-per-day 2400] [--interval 60]
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

from _sandbox_bench import applied_dev
from bench_sandbox_athena import load
from moto import mock_aws

from sesl.athena_query import run_query
from sesl.compaction import compact_day
from sesl.context import AwsContext
from sesl.queries import QUERIES, query_sql
from sesl.ui import Reporter, set_reporter

FLOWS = ("newsletter", "transactional")


def timings(ctx: AwsContext) -> dict[tuple[str, str], tuple[float, list[list[str | None]]]]:
    out = {}
    for flow in FLOWS:
        for query in QUERIES:
            start = time.perf_counter()
            result = run_query(ctx, query_sql(query.name, ctx.names, flow), parameters=(str(query.default_days),),
                               poll=0.01)
            out[(flow, query.name)] = (time.perf_counter() - start, result.rows)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--events-per-day", type=int, default=2400)
    parser.add_argument("--interval", type=int, default=60, help="Firehose buffering interval, seconds")
    args = parser.parse_args()
    set_reporter(Reporter())
    with mock_aws():
        ctx = applied_dev()
        objects, size = load(ctx, args.days, args.events_per_day, args.interval)
        before = timings(ctx)
        today = dt.datetime.now(dt.UTC).date()
        files_after = bytes_after = 0
        began = time.perf_counter()
        for flow in FLOWS:
            for back in range(args.days, -1, -1):
                day = today - dt.timedelta(days=back)
                report = compact_day(ctx, flow, day, now=dt.datetime.now(dt.UTC) + dt.timedelta(days=2))
                files_after, bytes_after = files_after + report.files_after, bytes_after + report.bytes_after
        spent = time.perf_counter() - began
        after = timings(ctx)
    print(f"{args.days} days x 2 flows at {args.events_per_day:,} events/day, {args.interval} s buffers")
    print(f"files: {objects:,} -> {files_after:,}   bytes: {size:,} -> {bytes_after:,} "
          f"({100 * (1 - bytes_after / max(size, 1)):.1f} % smaller); compaction took {spent:.1f} s")
    for key, (seconds, rows) in before.items():
        later, rows_after = after[key]
        same = "same rows" if rows == rows_after else "ROWS DIFFER"
        ratio = seconds / max(later, 1e-9)
        print(f"{key[0]:13} {key[1]:24} {seconds:6.2f} s -> {later:6.2f} s  ({ratio:4.1f}x)  {same}")


if __name__ == "__main__":
    main()
