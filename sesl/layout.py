"""The S3 key layout: one source for the Firehose prefixes and the Glue location template.

Firehose writes `<flow>/year=YYYY/month=MM/day=DD/` from `!{timestamp:...}` expressions (UTC
arrival time of the oldest record in the object: Firehose guide, s3-prefixes); Athena's partition
projection reads the same layout through `storage.location.template` (Athena guide,
partition-projection-setting-up). Both strings are built here from the same partition list, so
they can never disagree.
"""

from __future__ import annotations

import datetime as dt

from sesl.naming import Names

# (partition key, Java DateTimeFormatter pattern Firehose evaluates, strftime equivalent, digits)
PARTITIONS: tuple[tuple[str, str, str, int], ...] = (
    ("year", "yyyy", "%Y", 4),
    ("month", "MM", "%m", 2),
    ("day", "dd", "%d", 2),
)
PARTITION_KEYS: tuple[str, ...] = tuple(p[0] for p in PARTITIONS)
ERROR_OUTPUT_TYPE = "!{firehose:error-output-type}"


def firehose_partitions() -> str:
    return "".join(f"{key}=!{{timestamp:{java}}}/" for key, java, _, _ in PARTITIONS)


def template_partitions() -> str:
    return "".join(f"{key}=${{{key}}}/" for key, _, _, _ in PARTITIONS)


def partitions_for(day: dt.date) -> str:
    """The partition path Firehose writes for records arriving on `day` (UTC)."""
    return "".join(f"{key}={day.strftime(fmt)}/" for key, _, fmt, _ in PARTITIONS)


def partition_values(day: dt.date) -> dict[str, str]:
    return {key: day.strftime(fmt) for key, _, fmt, _ in PARTITIONS}


def firehose_prefix(names: Names, flow: str) -> str:
    return names.data_prefix(flow) + firehose_partitions()


def firehose_error_prefix(names: Names, flow: str) -> str:
    # An ErrorOutputPrefix with expressions must contain !{firehose:error-output-type}
    # (Firehose guide, s3-prefixes).
    return names.error_prefix(flow) + ERROR_OUTPUT_TYPE + "/" + firehose_partitions()


def backup_prefix(names: Names, flow: str) -> str:
    return names.raw_prefix(flow) + firehose_partitions()


def table_location(names: Names, flow: str) -> str:
    return f"s3://{names.events_bucket}/{names.data_prefix(flow)}"


def location_template(names: Names, flow: str) -> str:
    # "Templated locations must end with a forward slash" (Athena guide, partition-projection).
    return table_location(names, flow) + template_partitions()


def data_key_prefix(names: Names, flow: str, day: dt.date) -> str:
    """Where one day's converted records of a flow land (for verify and tests)."""
    return names.data_prefix(flow) + partitions_for(day)
