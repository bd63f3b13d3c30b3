"""`sesl verify`: prove a live environment end to end, the same way on AWS and in the sandbox.

Per flow: the stream is ACTIVE with sesl's prefix, the table's location template matches where the
stream really writes, the workgroup is usable; then test events (SES mailbox-simulator sends on real
AWS, or synthetic records put straight into the stream) must arrive in S3 under today's partition
(UTC arrival date), nothing may land under errors/, and a count query through the workgroup must see
them (matched by a unique `sesl-verify` tag), and every saved query must run and answer its columns.
The sandbox delivers and queries the way AWS does (buffered Parquet under the partition path, the
error prefix, SQL over the delivered objects: docs/design.md, "The sandbox's data path"), so every
step is checked there too; the only difference is that verify asks the sandbox to deliver its buffer
at once instead of waiting out the buffering interval. No step passes by construction.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import botocore.exceptions

from sesl import cloudtrail, layout
from sesl.aws_errors import error_code, error_message
from sesl.compaction import COMPACTED_NAME
from sesl.context import AwsContext
from sesl.errors import SeslError
from sesl.events import put_records, ses_event, to_record
from sesl.naming import Names
from sesl.ui import reporter

PASS, FAIL, UNCHECKED = "pass", "FAIL", "not checked"  # UNCHECKED: kept for the JSON format's readers
INFO = "info"  # reported, not required by the spec: never fails the run
TAG = "sesl-verify"
# The SES mailbox simulator: real events at no reputation cost (SES guide, send-an-email-from-console /
# mailbox-simulator).
SIMULATOR = {"Delivery": "success@simulator.amazonses.com", "Bounce": "bounce@simulator.amazonses.com",
             "Complaint": "complaint@simulator.amazonses.com"}
DIRECT_EVENTS = ("Send", "Delivery", "Open", "Click", "Bounce", "Complaint")
DEFAULT_WAIT_SECONDS = 420.0  # 60 s buffering is a hint: conversion and the S3 write add minutes
FLUSH_ROUTE = "/_sesl/firehose/flush"  # the sandbox's own route (sesl.sandbox.gaps.firehose_delivery)
PARQUET_MAGIC = b"PAR1"  # a Parquet file starts and ends with it (Apache Parquet format specification)


@dataclass
class Step:
    name: str
    status: str
    detail: str
    seconds: float


@dataclass
class Report:
    token: str
    emulated: bool
    steps: list[Step] = field(default_factory=list)
    left_behind: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(s.status != FAIL for s in self.steps)

    @property
    def failed(self) -> list[Step]:
        return [s for s in self.steps if s.status == FAIL]


class StepFailed(Exception):
    pass


@dataclass
class Verifier:
    ctx: AwsContext
    direct: bool
    wait_seconds: float
    poll_seconds: float = 5.0
    report: Report = field(init=False)
    started: dt.datetime = field(init=False)
    found: dict[str, list[str]] = field(init=False, default_factory=dict)  # flow -> new object keys

    def __post_init__(self) -> None:
        token = f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(4)}"
        self.report = Report(token, is_emulator(self.ctx))
        self.started = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)

    @property
    def names(self) -> Names:
        return self.ctx.names

    def step(self, name: str, check: Callable[[], tuple[str, str]]) -> bool:
        began = time.monotonic()
        try:
            status, detail = check()
        except StepFailed as exc:
            status, detail = FAIL, str(exc)
        except botocore.exceptions.ClientError as exc:
            status, detail = FAIL, f"{exc.operation_name}: {error_code(exc)}: {error_message(exc)}"
        except SeslError as exc:
            status, detail = FAIL, str(exc)
        self.report.steps.append(Step(name, status, detail, time.monotonic() - began))
        return status != FAIL

    # --- configuration checks -----------------------------------------------------------
    def stream_ok(self, flow: str) -> tuple[str, str]:
        stream = self.names.stream(flow)
        described = self.ctx.client("firehose").describe_delivery_stream(DeliveryStreamName=stream)
        description = described["DeliveryStreamDescription"]
        if description["DeliveryStreamStatus"] != "ACTIVE":
            raise StepFailed(f"{stream} is {description['DeliveryStreamStatus']}, not ACTIVE")
        destination = description["Destinations"][0].get("ExtendedS3DestinationDescription", {})
        expected = layout.firehose_prefix(self.names, flow)
        if destination.get("Prefix") != expected:
            raise StepFailed(f"{stream} writes to prefix {destination.get('Prefix')!r}, not {expected!r}: "
                             "run `sesl diff` / `sesl apply`")
        return PASS, f"{stream} ACTIVE, prefix {expected}"

    def table_ok(self, flow: str) -> tuple[str, str]:
        table = self.names.table(flow)
        got = self.ctx.client("glue").get_table(DatabaseName=self.names.database, Name=table)["Table"]
        template = got.get("Parameters", {}).get("storage.location.template")
        expected = layout.location_template(self.names, flow)
        if template != expected:
            raise StepFailed(f"{self.names.database}.{table} storage.location.template is {template!r}, but the "
                             f"stream writes {expected!r}: Athena would find no rows")
        if got.get("Parameters", {}).get("projection.enabled") != "true":
            raise StepFailed(f"{self.names.database}.{table}: partition projection is off")
        return PASS, f"{table} reads {expected}"

    def workgroup_ok(self) -> tuple[str, str]:
        try:
            group = self.ctx.client("athena").get_work_group(WorkGroup=self.names.workgroup).get("WorkGroup")
        except botocore.exceptions.ClientError as exc:
            message = error_message(exc)
            raise StepFailed(f"workgroup {self.names.workgroup}: {message}") from None
        if not group:
            raise StepFailed(f"workgroup {self.names.workgroup} does not exist")
        if group.get("State") != "ENABLED":
            raise StepFailed(f"workgroup {self.names.workgroup} is {group.get('State')}")
        location = group.get("Configuration", {}).get("ResultConfiguration", {}).get("OutputLocation", "")
        if not location.startswith(f"s3://{self.names.results_bucket}/"):
            raise StepFailed(f"workgroup {self.names.workgroup} writes results to {location!r}, not the results "
                             "bucket")
        return PASS, f"{self.names.workgroup} ENABLED, results in {location}"

    def cloudtrail_ok(self) -> tuple[str, str]:
        """Whether a logging trail records this region (sesl.cloudtrail); required only with
        env.<name>.audit.require_cloudtrail, else reported."""
        verdict = cloudtrail.judge(self.ctx)
        coverage, setting = verdict.coverage, f"env.{self.ctx.spec.env}.audit.require_cloudtrail"
        if verdict.unmet:
            raise StepFailed("; ".join(d for _, d in verdict.unmet) + ": sesl does not create trails; have the "
                             f"account's trail cover it (docs/security.md), or set {setting} = false")
        if coverage.error or not coverage.management.write:
            return INFO, f"{coverage.summary()} (not required: {setting} is off)"
        return PASS, coverage.summary()

    # --- the event path -----------------------------------------------------------------
    def send(self, flow: str) -> tuple[str, str]:
        if self.report.emulated or self.direct or not self.ctx.spec.ses.sender:
            return self._put_direct(flow)
        return self._send_through_ses(flow)

    def _put_direct(self, flow: str) -> tuple[str, str]:
        now = dt.datetime.now(dt.UTC)
        events = [ses_event(t, message_id=f"{self.report.token}-{flow}-{i}", sent=now, recipient="reader@example.com",
                            account=self.names.account, region=self.names.region,
                            configuration_set=self.names.configuration_set(flow), tags={TAG: [self.report.token]})
                  for i, t in enumerate(DIRECT_EVENTS)]
        count = put_records(self.ctx, self.names.stream(flow), [to_record(e) for e in events])
        if self.report.emulated:
            flush_emulator(self.ctx)
        why = "the emulator cannot send e-mail" if self.report.emulated else (
            "--direct" if self.direct else "no sender identity configured (env.<name>.ses.sender)")
        return PASS, f"put {count} synthetic SES records into {self.names.stream(flow)} ({why})"

    def _send_through_ses(self, flow: str) -> tuple[str, str]:
        sesv2 = self.ctx.client("sesv2")
        for outcome, address in SIMULATOR.items():
            sesv2.send_email(FromEmailAddress=self.ctx.spec.ses.sender, Destination={"ToAddresses": [address]},
                             ConfigurationSetName=self.names.configuration_set(flow),
                             EmailTags=[{"Name": TAG, "Value": self.report.token}],
                             Content={"Simple": {"Subject": {"Data": f"sesl verify {outcome}"},
                                                 "Body": {"Text": {"Data": f"sesl verify {self.report.token}"}}}})
        return PASS, (f"sent {len(SIMULATOR)} e-mails through {self.names.configuration_set(flow)} to the SES "
                      "mailbox simulator")

    def expected_count(self) -> int:
        # Direct: every record; SES: a Send and one outcome event per simulator address.
        return len(DIRECT_EVENTS) if (self.report.emulated or self.direct or not self.ctx.spec.ses.sender) \
            else 2 * len(SIMULATOR)

    def delivered(self, flow: str) -> tuple[str, str]:
        prefix = self._today_prefix(flow)
        deadline = time.monotonic() + self.wait_seconds
        with reporter().progress(f"waiting for {self.names.stream(flow)} to deliver", self.wait_seconds) as advance:
            while True:
                keys = self._new_keys(prefix)
                if keys:
                    self.found[flow] = keys
                    return PASS, f"{len(keys)} new object(s) under s3://{self.names.events_bucket}/{prefix}"
                if time.monotonic() > deadline:
                    raise StepFailed(f"no new object under s3://{self.names.events_bucket}/{prefix} after "
                                     f"{self.wait_seconds:.0f} s: check the stream's logs in "
                                     f"{self.names.log_group(flow)}")
                time.sleep(self.poll_seconds)
                advance(self.poll_seconds)

    def _today_prefix(self, flow: str) -> str:
        return layout.data_key_prefix(self.names, flow, self.started.date())

    def _new_keys(self, prefix: str) -> list[str]:
        s3 = self.ctx.client("s3")
        keys = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=self.names.events_bucket, Prefix=prefix):
            keys += [o["Key"] for o in page.get("Contents", []) if o["LastModified"] >= self.started]
        # sesl compact's own files are not Firehose's: they prove nothing about delivery.
        return [k for k in keys if not k.rsplit("/", 1)[-1].startswith(COMPACTED_NAME)]

    def partition(self, flow: str) -> tuple[str, str]:
        """Each new object is named the way Firehose names objects, directly under today's partition path."""
        prefix = self._today_prefix(flow)
        pattern = object_key_pattern(prefix, self.names.stream(flow))
        wrong = [k for k in self.found[flow] if not pattern.fullmatch(k)]
        if wrong:
            raise StepFailed(f"{wrong[0]} is not <{prefix}><stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid>: the "
                             "prefix expressions or the object name are not what Firehose writes")
        return PASS, f"{len(self.found[flow])} object(s) named as Firehose names them under {prefix}"

    def parquet(self, flow: str) -> tuple[str, str]:
        """Each new object starts and ends with Parquet's magic bytes."""
        s3 = self.ctx.client("s3")
        for key in self.found[flow]:
            for byte_range in ("bytes=0-3", "bytes=-4"):
                got = s3.get_object(Bucket=self.names.events_bucket, Key=key, Range=byte_range)["Body"].read()
                if got != PARQUET_MAGIC:
                    raise StepFailed(f"{key} is not a Parquet file ({byte_range} is {got!r}, not {PARQUET_MAGIC!r})")
        return PASS, f"{len(self.found[flow])} object(s) are Parquet"

    def no_errors(self, flow: str) -> tuple[str, str]:
        keys = []
        for page in self.ctx.client("s3").get_paginator("list_objects_v2").paginate(
                Bucket=self.names.events_bucket, Prefix=self.names.error_prefix(flow)):
            keys += [o["Key"] for o in page.get("Contents", []) if o["LastModified"] >= self.started]
        if keys:
            raise StepFailed(f"{len(keys)} object(s) landed under errors/ since the check began, first {keys[0]}")
        return PASS, f"nothing new under s3://{self.names.events_bucket}/{self.names.error_prefix(flow)}"

    def athena_count(self, flow: str) -> tuple[str, str]:
        from sesl.athena_query import run_query

        values = layout.partition_values(self.started.date())
        sql = (f'SELECT count(*) AS events FROM "{self.names.database}"."{self.names.table(flow)}" '
               f"WHERE year = '{values['year']}' AND month = '{values['month']}' AND day = '{values['day']}' "
               f"AND contains(element_at(mail.tags, '{TAG}'), '{self.report.token}')")
        result = run_query(self.ctx, sql, timeout=self.wait_seconds)
        self.report.left_behind.append(f"query results of execution {result.execution_id} in "
                                       f"s3://{self.names.results_bucket}/ (expire with the bucket's retention)")
        seen = int(result.rows[0][0] or 0) if result.rows else 0
        expected = self.expected_count()
        if seen < expected:
            raise StepFailed(f"Athena counts {seen} of the {expected} test events in {self.names.table(flow)}")
        return PASS, f"Athena sees all {seen} test events ({result.scanned_bytes} bytes scanned)"

    def saved_queries(self) -> tuple[str, str]:
        """Each saved advertiser query runs in the workgroup (on AWS: against the real tables)."""
        from sesl.athena_query import run_query
        from sesl.queries import QUERIES, query_sql

        ran = []
        for flow in self.ctx.spec.flows:
            for query in QUERIES:
                sql = query_sql(query.name, self.names, flow)
                result = run_query(self.ctx, sql, parameters=(str(query.default_days),), timeout=self.wait_seconds)
                expected = select_columns(sql)
                if not result.columns or (expected and result.columns != expected):
                    raise StepFailed(f"{flow}/{query.name} answered columns {result.columns}, not {expected}")
                ran.append(f"{flow}/{query.name}: {len(result.rows)} row(s)")
        self.report.left_behind.append(f"query results of the {len(ran)} saved-query executions in "
                                       f"s3://{self.names.results_bucket}/ (expire with the bucket's retention)")
        return PASS, "; ".join(ran)

    def cleanup(self) -> None:
        """Delete what verify wrote where it holds only verify's records; report the rest."""
        if self.report.emulated:
            s3 = self.ctx.client("s3")
            for flow in self.found:
                keys = self._new_keys(self.names.data_prefix(flow)) + self._new_keys(self.names.raw_prefix(flow))
                for key in keys:
                    s3.delete_object(Bucket=self.names.events_bucket, Key=key)
                self.report.left_behind.append(f"deleted the {len(keys)} test object(s) of {flow} (noncurrent "
                                               "versions remain until the lifecycle rule expires them)")
            return
        for flow in self.found:
            self.report.left_behind.append(
                f"{self.expected_count()} test events tagged {TAG}={self.report.token} stay in "
                f"{self._today_prefix(flow)} (Parquet objects also hold real events); exclude them with "
                f"element_at(mail.tags, '{TAG}') IS NULL")


def object_key_pattern(prefix: str, stream: str) -> re.Pattern[str]:
    """`<prefix><stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid><extension>` (Firehose guide, s3-object-name)."""
    return re.compile(re.escape(prefix) + re.escape(stream)
                      + r"-\d+-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}(\.\w+)?")


def _strip_sql(sql: str) -> str:
    """`sql` without comments, string literals blanked (their text cannot be taken for SQL)."""
    sql = re.sub(r"--[^\n]*", " ", sql)
    return re.sub(r"'(?:[^']|'')*'", "''", sql)


def _top_level(sql: str) -> str:
    """The characters of `sql` at parenthesis depth 0, the rest replaced by spaces."""
    depth, out = 0, []
    for ch in sql:
        depth += ch == "("
        out.append(ch if depth == 0 else " ")
        depth -= ch == ")"
    return "".join(out)


def select_columns(sql: str) -> list[str]:
    """The column names of a query's last top-level SELECT list (alias, else the last name of the
    expression), lowercased as Athena answers them; [] when they cannot be told from the text."""
    text = _strip_sql(sql)
    top = _top_level(text)
    starts = [m.start() for m in re.finditer(r"\bselect\b", top, re.IGNORECASE)]
    if not starts:
        return []
    start = starts[-1] + len("select")
    end = re.search(r"\bfrom\b", top[start:], re.IGNORECASE)
    body = text[start:start + end.start()] if end else text[start:]
    items, depth, current = [], 0, ""
    for ch in body:
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth == 0:
            items.append(current)
            current = ""
        else:
            current += ch
    items.append(current)
    names = [_item_name(item) for item in items]
    return [] if any(n is None for n in names) else [str(n) for n in names]


def _item_name(item: str) -> str | None:
    alias = re.search(r"\bas\s+\"?(\w+)\"?\s*$", item.strip(), re.IGNORECASE)
    if alias:
        return alias.group(1).lower()
    bare = re.fullmatch(r"(?:\w+\.)*\"?(\w+)\"?", item.strip())
    return bare.group(1).lower() if bare and item.strip() != "*" else None


def flush_emulator(ctx: AwsContext) -> None:
    """Ask the sandbox to deliver its Firehose buffers now instead of after the buffering interval.

    The sandbox buffers like Firehose; this hook is its own. In this very process (tests) the buffers are
    delivered directly; an emulator without the route (LocalStack) answers an error and delivery is
    waited for as on AWS."""
    endpoint = str(ctx.client("firehose").meta.endpoint_url)
    if "amazonaws.com" in endpoint:
        try:
            from sesl.sandbox.gaps.firehose_delivery import flush_all
        except ImportError:
            return
        flush_all()
        return
    request = urllib.request.Request(endpoint.rstrip("/") + FLUSH_ROUTE, data=b"", method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30):  # the sandbox's own http endpoint
            pass
    except OSError:
        pass


def is_emulator(ctx: AwsContext) -> bool:
    """An endpoint other than AWS's (the sandbox, LocalStack), or moto running in this very process,
    which keeps AWS's URLs and says so with SESL_EMULATED=1 (the test suite sets it)."""
    endpoint = str(ctx.client("s3").meta.endpoint_url)
    return "amazonaws.com" not in endpoint or os.environ.get("SESL_EMULATED") == "1"


def run_verify(ctx: AwsContext, direct: bool = False, wait_seconds: float = DEFAULT_WAIT_SECONDS,
               poll_seconds: float = 5.0) -> Report:
    ctx.allow_mutations()
    v = Verifier(ctx, direct, wait_seconds, poll_seconds)
    v.step("workgroup", v.workgroup_ok)
    v.step("CloudTrail", v.cloudtrail_ok)
    gates = (("stream", v.stream_ok), ("table", v.table_ok), ("send", v.send), ("S3", v.delivered))
    checks = (("partition", v.partition), ("parquet", v.parquet), ("errors/", v.no_errors), ("Athena", v.athena_count))
    for flow in ctx.spec.flows:
        # A failed gate makes the later steps of that flow meaningless: they are not run.
        if all(v.step(f"{flow}: {name}", partial(check, flow)) for name, check in gates):
            for name, check in checks:
                v.step(f"{flow}: {name}", partial(check, flow))
    v.step("saved queries", v.saved_queries)
    v.cleanup()
    return v.report


def report_json(report: Report) -> dict[str, Any]:
    return {"token": report.token, "emulated": report.emulated, "ok": report.ok,
            "steps": [{"name": s.name, "status": s.status, "detail": s.detail, "seconds": round(s.seconds, 2)}
                      for s in report.steps],
            "left_behind": report.left_behind}
