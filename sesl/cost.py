"""What the data lake costs per month at a given volume, line by line, from one dated price file.

The billing rules are AWS's: Firehose bills each record rounded up to 5 KB, for ingestion and again for
format conversion (Firehose pricing page; aws-reference.md §1.7), which dominates for SES records of
1-4 KB; Athena bills $5 per TB scanned, rounded up to the megabyte, with a 10 MB minimum per query
(§4.5); S3 does not move objects under 128 KB to Standard-IA (§5.3). Storage uses the sizes measured by
scripts/bench_parquet.py, kept in the price file with their date and command.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sesl.errors import SeslError
from sesl.spec import EnvSpec

DEFAULT_PRICES = Path(__file__).resolve().parent / "data" / "prices-us-west-2.json"
RECORD_UNIT = 5 * 1024  # Firehose's billing increment
GB = 1024**3
MB = 1024**2
TB = 1024**4
DAYS = 30.0
ATHENA_MIN_MB = 10
IA_MIN_OBJECT = 128 * 1024
CRAWL_MINUTES = 10.0  # the per-crawl minimum
CRAWLER_DPUS = 2.0
FREE_DASHBOARDS = 3
FREE_CUSTOM_METRICS = 10


@dataclass(frozen=True)
class Volume:
    events_per_day: int = 2400  # per stream: the design's "2K+ events/day per stream"
    avg_event_bytes: int = 1100  # measured average of an SES event record as JSON
    queries_per_day: int = 20
    avg_scan_mb: float = 10.0


@dataclass(frozen=True)
class Line:
    item: str
    detail: str
    usd: float


def load_prices(path: Path | None = None) -> dict[str, Any]:
    try:
        text = (path or DEFAULT_PRICES).read_text(encoding="utf-8")
        data: dict[str, Any] = json.loads(text)
    except (OSError, ValueError) as exc:
        raise SeslError(f"cannot read the price file {path}: {exc}") from None
    missing = {"prices", "measured", "as_of"} - set(data)
    if missing:
        raise SeslError(f"price file {path}: missing {', '.join(sorted(missing))}")
    return data


def billed_record_bytes(record_bytes: int) -> int:
    return max(1, math.ceil(record_bytes / RECORD_UNIT)) * RECORD_UNIT


def athena_billed_bytes(scan_bytes: float) -> float:
    return max(ATHENA_MIN_MB, math.ceil(scan_bytes / MB)) * MB


def estimate(spec: EnvSpec, volume: Volume, data: dict[str, Any]) -> list[Line]:
    p = {k: float(v["value"]) for k, v in data["prices"].items()}
    m = data["measured"]
    streams = len(spec.flows)
    records = volume.events_per_day * DAYS * streams
    billed_gb = records * billed_record_bytes(volume.avg_event_bytes) / GB
    raw_gb = records * volume.avg_event_bytes / GB
    # One object per buffer interval per stream while events trickle in (never more objects than events).
    objects = min(86400 / max(spec.firehose.buffer_interval_seconds, 1), volume.events_per_day) * DAYS * streams
    parquet_gb = (objects * m["parquet_file_overhead_bytes"] + records * m["parquet_bytes_per_event"]) / GB
    backup_gb = raw_gb * m["json_gzip_ratio"] if spec.firehose.backup_enabled else 0.0
    object_bytes = parquet_gb * GB / max(objects, 1)
    # Objects under 128 KB stay in Standard; a month's data is stored for the month on average.
    ia_share = 0.0 if object_bytes < IA_MIN_OBJECT else 1.0
    stored = parquet_gb + backup_gb
    scans = volume.queries_per_day * DAYS
    alarms = 4 * streams + 4
    return [
        Line("Firehose ingestion", f"{records:,.0f} records x {billed_record_bytes(volume.avg_event_bytes):,} billed "
             f"bytes each (rounded up to 5 KB; {volume.avg_event_bytes:,} real) = {billed_gb:,.2f} GB",
             billed_gb * p["firehose_ingestion_per_gb"]),
        Line("Firehose Parquet conversion", f"{billed_gb:,.2f} GB, billed in the same 5 KB increments",
             billed_gb * p["firehose_conversion_per_gb"]),
        Line("S3 storage (Standard)", f"{stored * (1 - ia_share):,.3f} GB added this month: Parquet "
             f"{parquet_gb:,.3f} GB in {objects:,.0f} objects of ~{object_bytes / 1024:,.0f} KB + raw GZIP backup "
             f"{backup_gb:,.3f} GB" + ("; objects under 128 KB never move to Standard-IA" if ia_share == 0 else ""),
             stored * (1 - ia_share) * p["s3_standard_gb_month"]),
        Line("S3 storage (Standard-IA)", "after 30 days" if ia_share else "none: the objects are under 128 KB",
             stored * ia_share * p["s3_standard_ia_gb_month"]),
        Line("S3 requests", f"{objects * 2:,.0f} PUTs (Parquet and backup objects), {scans * 20:,.0f} GETs by Athena",
             objects * 2 / 1000 * p["s3_put_per_1000"] + scans * 20 / 1000 * p["s3_get_per_1000"]),
        Line("Athena", f"{scans:,.0f} queries x {athena_billed_bytes(volume.avg_scan_mb * MB) / MB:,.0f} MB billed "
             f"(10 MB minimum per query) at $5/TB", scans * athena_billed_bytes(volume.avg_scan_mb * MB) / TB
             * p["athena_per_tb"]),
        Line("Glue crawler", f"{DAYS / 7:.1f} weekly crawls x {CRAWL_MINUTES:.0f} min (minimum) x "
             f"{CRAWLER_DPUS:.0f} DPU" if spec.glue.crawler_enabled else "disabled",
             (DAYS / 7) * CRAWL_MINUTES / 60 * CRAWLER_DPUS * p["glue_crawler_dpu_hour"]
             if spec.glue.crawler_enabled else 0.0),
        Line("CloudWatch alarms", f"{alarms} standard alarms", alarms * p["cloudwatch_alarm_month"]),
        Line("CloudWatch dashboard and metrics", f"1 dashboard (free within {FREE_DASHBOARDS}), 2 drift metrics "
             f"(free within {FREE_CUSTOM_METRICS})", 0.0),
        Line("AWS Budgets and SNS e-mail", "1 budget without actions; alert e-mails within the free 1,000",
             p["budgets_month"]),
        *vpc_endpoint_lines(spec, p),
    ]


HOURS = DAYS * 24


def vpc_endpoint_lines(spec: EnvSpec, p: dict[str, float]) -> list[Line]:
    """Interface endpoints bill per endpoint per zone-hour and per GB processed; the S3 gateway endpoint is free
    (PrivateLink pricing page). The zones are the subnets (one per zone). SES publishes events to Firehose
    in AWS's network, so only calls made from the VPC (sesl's, an application's) are processed: no GB here."""
    vpc = spec.vpc
    if not vpc.id:
        return []
    missing = [k for k in ("interface_endpoint_az_hour", "interface_endpoint_per_gb") if k not in p]
    if missing:
        raise SeslError(f"the price file has no {', '.join(missing)}: add it (see sesl/data/prices-us-west-2.json)")
    endpoints, zones = len(vpc.interface_endpoints), len(vpc.subnet_ids)
    lines = [Line("VPC interface endpoints", f"{endpoints} endpoint(s) x {zones} zone(s) x {HOURS:.0f} h, plus "
                  f"${p['interface_endpoint_per_gb']:g}/GB processed (SES events do not cross them)",
                  endpoints * zones * HOURS * p["interface_endpoint_az_hour"])]
    if vpc.s3_gateway != "none":
        lines.append(Line("VPC S3 gateway endpoint", "no charge for gateway endpoints", 0.0))
    return lines


def total(lines: list[Line]) -> float:
    return sum(line.usd for line in lines)


# Firehose's buffer interval can be 60-900 s with format conversion (Firehose API reference,
# BufferingHints.IntervalInSeconds; aws-reference.md §1). Candidates a user would pick from.
BUFFER_CHOICES = (60, 120, 180, 300, 600, 900)
# A file whose footer and column metadata are at most this share of its bytes is "mostly data".
MAX_FOOTER_SHARE = 0.5


@dataclass(frozen=True)
class BufferAdvice:
    """How to keep Parquet files from being mostly footer at a given volume."""

    current_seconds: int
    seconds: int
    files_per_day: float
    file_bytes: float
    footer_share: float
    compact: bool
    reason: str


def _files(interval: int, events_per_day: int, overhead: float, per_event: float) -> tuple[float, float, float]:
    files = min(86400 / interval, max(events_per_day, 1))
    size = overhead + per_event * events_per_day / files
    return files, size, overhead / size


def buffer_advice(current_seconds: int, events_per_day: int, measured: dict[str, Any]) -> BufferAdvice:
    """The shortest buffer interval whose files are mostly data; past 900 s, daily compaction as well.

    Uses the per-file overhead and per-event size measured by scripts/bench_parquet.py (docs/cost.md):
    a shorter interval gives fresher data, a longer one fewer and bigger files."""
    overhead, per_event = float(measured["parquet_file_overhead_bytes"]), float(measured["parquet_bytes_per_event"])
    for seconds in BUFFER_CHOICES:
        files, size, share = _files(seconds, events_per_day, overhead, per_event)
        if share <= MAX_FOOTER_SHARE:
            reason = (f"at {events_per_day:,} events a day, {seconds} s buffers give {files:,.0f} files a day of "
                      f"~{size / 1024:,.0f} KB, {share:.0%} of it Parquet footer")
            return BufferAdvice(current_seconds, seconds, files, size, share, False, reason)
    files, size, share = _files(BUFFER_CHOICES[-1], events_per_day, overhead, per_event)
    reason = (f"at {events_per_day:,} events a day even 900 s buffers (the most Firehose allows) give {files:,.0f} "
              f"files a day of ~{size / 1024:,.0f} KB, {share:.0%} Parquet footer: also compact each closed day "
              "into one file per partition (docs/cost.md, small files)")
    return BufferAdvice(current_seconds, BUFFER_CHOICES[-1], files, size, share, True, reason)
