"""Records per second through the sandbox's Firehose: PutRecordBatch to a Parquet object in S3.

Puts N synthetic SES records (sesl.traffic's newsletter day) into the `dev` newsletter stream in
batches of 500, flushes the buffer (what the buffering interval would do), and prints how long the
puts took, how long the delivery took (OpenX mapping, Parquet with GZIP, the raw GZIP backup) and the
rate from the first put to the Parquet object being in S3, measured in this run.

    .venv/bin/python scripts/bench_sandbox_delivery.py [--records 20000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

import boto3
from _sandbox_bench import applied_dev
from moto import mock_aws

from sesl.events import to_record
from sesl.sandbox.gaps.firehose_delivery import flush_all
from sesl.traffic import Where, newsletter

BATCH = 500  # PutRecordBatch's limit (Firehose API reference)


def records(count: int, account: str) -> list[bytes]:
    where = Where(account, "us-west-2", "daily-system-design-newsletter-dev")
    out: list[bytes] = []
    days = 1
    while len(out) < count:
        out = [to_record(a.event) for a in newsletter(dt.date(2026, 11, 24), days, 2400, where)]
        days += 1
    return out[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20000)
    args = parser.parse_args()
    with mock_aws():
        ctx = applied_dev()
        data = records(args.records, ctx.names.account)
        firehose, s3 = boto3.client("firehose"), boto3.client("s3")
        stream = ctx.names.stream("newsletter")
        began = time.perf_counter()
        for start in range(0, len(data), BATCH):
            firehose.put_record_batch(DeliveryStreamName=stream,
                                      Records=[{"Data": r} for r in data[start:start + BATCH]])
        put = time.perf_counter()
        delivered = flush_all()
        done = time.perf_counter()
        objects = s3.list_objects_v2(Bucket=ctx.names.events_bucket, Prefix="newsletter/").get("Contents", [])
    size = sum(len(r) for r in data)
    print(f"records: {delivered} ({size / 1e6:.1f} MB of JSON) -> {len(objects)} Parquet object(s), "
          f"{sum(o['Size'] for o in objects) / 1e6:.2f} MB")
    print(f"puts:      {put - began:6.2f} s  ({len(data) / (put - began):,.0f} records/s into the buffer)")
    print(f"delivery:  {done - put:6.2f} s  ({len(data) / (done - put):,.0f} records/s converted and written)")
    print(f"put -> Parquet in S3: {len(data) / (done - began):,.0f} records/s")


if __name__ == "__main__":
    main()
