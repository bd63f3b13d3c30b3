"""Operations per apply on a drift scenario: two aspects drifted on each whole-resource kind.

Converges dev in the in-process sandbox, then drifts the workgroup (scan cut-off and metrics), a Glue
table (projection and parameters), a Firehose stream (buffering and prefixes) and the crawler (schedule
and schema change policy), plans, applies and prints the mutating calls apply made, by operation. With
`--ignore` the workgroup's scan cut-off is ignored by a rule, and the script prints whether the ignored
value survived the apply (the exact-plan contract says it must).

Usage: python scripts/bench_exact_plan.py [--ignore]
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from dataclasses import replace
from typing import Any

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ["AWS_DEFAULT_REGION"] = "us-west-2"
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull

import boto3
from moto import mock_aws

from sesl import reconcile
from sesl.context import AwsContext, is_read
from sesl.sandbox import install
from sesl.sandbox.server import seed_in_process
from sesl.spec import IgnoreRule, default_spec

GIB = 1024 ** 3
DB, TABLE = "email_events_db_dev", "newsletter_events"
STREAM, CRAWLER, WORKGROUP = "email-events-newsletter-dev", "email-events-raw-schema-dev", "email-analytics-dev"


def client(service: str) -> Any:
    return boto3.client(service, region_name="us-west-2")


def drift() -> None:
    client("athena").update_work_group(WorkGroup=WORKGROUP, ConfigurationUpdates={
        "BytesScannedCutoffPerQuery": 100 * GIB, "PublishCloudWatchMetricsEnabled": False})
    glue = client("glue")
    table = glue.get_table(DatabaseName=DB, Name=TABLE)["Table"]
    params = {**table["Parameters"], "projection.day.digits": "1", "classification": "json"}
    glue.update_table(DatabaseName=DB, TableInput={**{k: table[k] for k in (
        "Name", "StorageDescriptor", "PartitionKeys", "TableType")}, "Parameters": params})
    firehose = client("firehose")
    described = firehose.describe_delivery_stream(DeliveryStreamName=STREAM)["DeliveryStreamDescription"]
    destination = described["Destinations"][0]
    hints = destination["ExtendedS3DestinationDescription"]["BufferingHints"]
    firehose.update_destination(DeliveryStreamName=STREAM, CurrentDeliveryStreamVersionId=described["VersionId"],
                                DestinationId=destination["DestinationId"], ExtendedS3DestinationUpdate={
                                    "BufferingHints": {**hints, "IntervalInSeconds": 300},
                                    "ErrorOutputPrefix": "elsewhere/"})
    glue.update_crawler(Name=CRAWLER, Schedule="cron(0 3 * * ? *)",
                        SchemaChangePolicy={"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"})


def main() -> None:
    ignore = "--ignore" in sys.argv[1:]
    install()
    with mock_aws():
        seed_in_process()
        spec = default_spec("dev")
        if ignore:
            spec = replace(spec, ignore=[IgnoreRule("athena_workgroup.*.scan_cutoff", "accepted")])
        reconcile.READ_BACK_WAITS = ()
        ctx = AwsContext(spec)
        ctx.allow_mutations()
        reconcile.execute(ctx, reconcile.plan(ctx))
        drift()
        the_plan = reconcile.plan(ctx)
        ctx.log.clear()
        reconcile.execute(ctx, the_plan)
        calls = Counter({k: v for k, v in ctx.log.calls.items() if not is_read(k.split(":", 1)[1])})
        left = [f"{c.address} ({c.aspect})" for c in reconcile.plan(ctx).changes]
        cutoff = client("athena").get_work_group(WorkGroup=WORKGROUP)["WorkGroup"]["Configuration"][
            "BytesScannedCutoffPerQuery"]
    print(json.dumps({
        "changes_planned": len(the_plan.actionable),
        "mutating_calls": sum(calls.values()),
        "by_operation": dict(sorted(calls.items())),
        "changes_left_after_apply": left,
        "ignored_scan_cutoff_rule": ignore,
        "scan_cutoff_after_apply_gib": cutoff / GIB,
    }, indent=2))


if __name__ == "__main__":
    main()
