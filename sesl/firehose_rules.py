"""The constraints AWS documents for the Firehose fields sesl sets that botocore's model cannot express.

Ranges, enums and patterns of single members (SizeInMBs 1-128, IntervalInSeconds 0-900, CompressionFormat,
ParquetSerDe.Compression, the stream name, Prefix's 1024 characters) are in the botocore firehose 2015-08-04
model and are checked from there (sesl.model_check). What is here ties members together or comes from
prose: the Firehose developer guide pages record-format-conversion (RFC), s3-prefixes (PFX),
create-configure-backup (BKP) and buffering (BUF), and the botocore documentation strings (BC); see
aws-reference.md §1.2-§1.5. moto accepts all of the below.
"""

from __future__ import annotations

import re
from typing import Any

# PFX: the namespaces of `!{namespace:value}` and the values of the firehose namespace.
NAMESPACES = ("timestamp", "firehose", "partitionKeyFromQuery", "partitionKeyFromLambda")
FIREHOSE_VALUES = ("random-string", "error-output-type")
# PFX: what each firehose value evaluates to at most (the longest error-output-type is
# "AmazonOpenSearchService-failed"; a random string has 11 characters).
FIREHOSE_VALUE_LENGTH = {"random-string": 11, "error-output-type": len("AmazonOpenSearchService-failed")}
# BC OpenXJsonSerDe / ParquetSerDe: each member's documented default. DescribeDeliveryStream leaves out a
# member that holds its default (terraform-provider-aws delivery_stream.go flattenOpenXJSONSerDe,
# flattenParquetSerDe: "API omits default values"), so a read fills these back in before comparing.
OPENX_DEFAULTS: dict[str, Any] = {"CaseInsensitive": True, "ConvertDotsInJsonKeysToUnderscores": False}
PARQUET_DEFAULTS: dict[str, Any] = {"Compression": "SNAPPY", "BlockSizeBytes": 268435456, "PageSizeBytes": 1048576,
                                    "EnableDictionaryCompression": False, "MaxPaddingBytes": 0, "WriterVersion": "V1"}
MAX_EVALUATED_PREFIX = 512  # PFX: "Neither Prefix nor ErrorOutputPrefix can be greater than 512 characters"
EXPRESSION = re.compile(r"!\{([^}]*)\}")
# Java DateTimeFormatter pattern letters and how long each run evaluates at most (a conservative
# length for the evaluated-length check; quoted text is literal).
_JAVA_FIELD = re.compile(r"'[^']*'|([A-Za-z])\1*|.")


def _expressions(prefix: str) -> list[str]:
    return EXPRESSION.findall(prefix)


def expression_problems(prefix: str, field: str) -> list[str]:
    """Syntax of `!{namespace:value}` expressions (PFX)."""
    problems = []
    if prefix.count("!{") != len(_expressions(prefix)):
        problems.append(f"{field}: the sequence '!{{' may only start a complete !{{namespace:value}} expression")
    for body in _expressions(prefix):
        namespace, _, value = body.partition(":")
        if namespace not in NAMESPACES:
            problems.append(f"{field}: unknown expression namespace {namespace!r} in !{{{body}}} "
                            f"(one of {', '.join(NAMESPACES)})")
        elif namespace == "timestamp" and not value:
            problems.append(f"{field}: !{{timestamp:}} needs a Java DateTimeFormatter pattern such as yyyy")
        elif namespace == "firehose" and value not in FIREHOSE_VALUES:
            problems.append(f"{field}: !{{firehose:{value}}} is not one of {', '.join(FIREHOSE_VALUES)}")
        elif namespace.startswith("partitionKeyFrom"):
            problems.append(f"{field}: !{{{body}}} needs dynamic partitioning, which sesl does not enable")
    return problems


def evaluated_length(prefix: str) -> int:
    """The longest a prefix can be after Firehose evaluates its expressions."""
    def length(match: re.Match[str]) -> str:
        namespace, _, value = match.group(1).partition(":")
        if namespace == "timestamp":
            return "x" * sum(max(len(m.group(0)), 4) if m.group(1) else len(m.group(0).strip("'"))
                             for m in _JAVA_FIELD.finditer(value))
        return "x" * FIREHOSE_VALUE_LENGTH.get(value, len(match.group(0)))
    return len(EXPRESSION.sub(length, prefix))


def prefix_pair_problems(prefix: str, error_prefix: str | None, where: str) -> list[str]:
    """The rules that tie Prefix and ErrorOutputPrefix together (PFX)."""
    problems = expression_problems(prefix, f"{where}Prefix")
    problems += expression_problems(error_prefix or "", f"{where}ErrorOutputPrefix")
    for field, value in ((f"{where}Prefix", prefix), (f"{where}ErrorOutputPrefix", error_prefix or "")):
        if evaluated_length(value) > MAX_EVALUATED_PREFIX:
            problems.append(f"{field}: can evaluate to more than {MAX_EVALUATED_PREFIX} characters")
    if "!{firehose:error-output-type}" in prefix:
        problems.append(f"{where}Prefix: must not contain !{{firehose:error-output-type}}")
    if _expressions(prefix) and not error_prefix:
        problems.append(f"{where}ErrorOutputPrefix: required when Prefix contains expressions")
    if error_prefix and _expressions(error_prefix) and "!{firehose:error-output-type}" not in error_prefix:
        problems.append(f"{where}ErrorOutputPrefix: with expressions it must contain !{{firehose:error-output-type}}")
    return problems


def appended_timestamp_warning(prefix: str) -> str | None:
    """PFX: without a timestamp expression Firehose appends yyyy/MM/dd/HH/ to the prefix."""
    if any(e.startswith("timestamp:") for e in _expressions(prefix)):
        return None
    return f"Prefix {prefix!r} has no !{{timestamp:...}}: Firehose will append yyyy/MM/dd/HH/ to it"


# BUF: the Firehose developer guide page "Buffer data for dynamic partitioning" (buffering).
# BKP (Firehose developer guide, create-configure-backup): "Zero buffering feature is only available for the
# application destinations and is not available for Amazon S3 backup destination"; for the backup "you can choose
# a buffer size of 1-128 MiBs and a buffer interval of 60-900 seconds".
BACKUP_INTERVAL = (60, 900)
CONVERSION_MIN_SIZE = 64  # RFC


def backup_interval_problem(interval: int) -> str | None:
    """BKP: the S3 backup buffers 60-900 s; zero buffering is not available for it."""
    low, high = BACKUP_INTERVAL
    if low <= interval <= high:
        return None
    return (f"{interval} s is outside the {low}-{high} s the S3 backup allows (zero buffering is not available "
            "for the S3 backup)")


def buffering_problems(hints: dict[str, Any], converting: bool, backup: bool = False) -> list[str]:
    problems = []
    size, interval = hints.get("SizeInMBs"), hints.get("IntervalInSeconds")
    where = "S3BackupConfiguration." if backup else ""
    if backup and interval is not None and (problem := backup_interval_problem(interval)):
        problems.append(f"{where}BufferingHints.IntervalInSeconds: {problem}")
    if (size is None) != (interval is None):
        # BC BufferingHints: "if you specify a value for one of them, you must also provide a value for the other"
        problems.append(f"{where}BufferingHints: set both SizeInMBs and IntervalInSeconds, or neither")
    if size is not None and converting and size < CONVERSION_MIN_SIZE:
        # RFC: "you can't set SizeInMBs to a value less than 64 if you enable record format conversion"
        problems.append(f"{where}BufferingHints.SizeInMBs: {size} MiB is below the {CONVERSION_MIN_SIZE} MiB minimum "
                        "with record format conversion")
    return problems


def zero_buffering_problems(destination: dict[str, Any]) -> list[str]:
    """BUF (Firehose guide, buffering): "Zero buffering feature is not available for dynamic partitioning"."""
    partitioning = destination.get("DynamicPartitioningConfiguration", {}).get("Enabled", False)
    if partitioning and destination.get("BufferingHints", {}).get("IntervalInSeconds") == 0:
        return ["BufferingHints.IntervalInSeconds: 0 (zero buffering) is not available with dynamic partitioning"]
    return []


def schema_role_problems(destination: dict[str, Any]) -> list[str]:
    """BC SchemaConfiguration.RoleARN: "This role must be in the same account you use for Firehose. Cross-account
    roles aren't allowed" (the destination's RoleARN is the stream's account)."""
    schema = destination.get("DataFormatConversionConfiguration", {}).get("SchemaConfiguration", {})
    role, stream_role = schema.get("RoleARN", ""), destination.get("RoleARN", "")
    account, stream_account = (role.split(":")[4:5] or [""])[0], (stream_role.split(":")[4:5] or [""])[0]
    if role and stream_account and account != stream_account:
        return [f"SchemaConfiguration.RoleARN: account {account} is not the stream's account {stream_account} "
                "(cross-account roles aren't allowed)"]
    return []


def conversion_problems(destination: dict[str, Any]) -> list[str]:
    conversion = destination.get("DataFormatConversionConfiguration")
    problems: list[str] = []
    compression = destination.get("CompressionFormat", "UNCOMPRESSED")
    if not conversion or conversion.get("Enabled") is False:
        return problems
    if compression != "UNCOMPRESSED":
        # RFC: with conversion the destination CompressionFormat must be UNCOMPRESSED; compress inside the serializer.
        problems.append(f"CompressionFormat: must be UNCOMPRESSED with record format conversion, not {compression}")
    for block in ("SchemaConfiguration", "InputFormatConfiguration", "OutputFormatConfiguration"):
        if block not in conversion:  # BC DataFormatConversionConfiguration: all three required when enabled
            problems.append(f"DataFormatConversionConfiguration.{block}: required when conversion is enabled")
    deserializer = conversion.get("InputFormatConfiguration", {}).get("Deserializer", {})
    serializer = conversion.get("OutputFormatConfiguration", {}).get("Serializer", {})
    if len(deserializer) != 1:  # BC Deserializer / Serializer: exactly one of the two SerDes
        problems.append("InputFormatConfiguration.Deserializer: exactly one of OpenXJsonSerDe, HiveJsonSerDe")
    if len(serializer) != 1:
        problems.append("OutputFormatConfiguration.Serializer: exactly one of ParquetSerDe, OrcSerDe")
    schema = conversion.get("SchemaConfiguration", {})
    for required in ("RoleARN", "DatabaseName", "TableName"):  # BC SchemaConfiguration, required on create
        if not schema.get(required):
            problems.append(f"SchemaConfiguration.{required}: required")
    return problems


def logging_problems(options: dict[str, Any], where: str) -> list[str]:
    # BC CloudWatchLoggingOptions: group and stream "required if CloudWatch logging is enabled".
    if options.get("Enabled") and not (options.get("LogGroupName") and options.get("LogStreamName")):
        return [f"{where}CloudWatchLoggingOptions: LogGroupName and LogStreamName are required when enabled"]
    return []


def stream_problems(destination: dict[str, Any]) -> list[str]:
    """All rules for one stream's create request that botocore's model does not hold."""
    problems: list[str] = []
    # BC DataFormatConversionConfiguration.Enabled: "Defaults to true" (conversion_problems reads it the same way).
    conversion = destination.get("DataFormatConversionConfiguration") or {}
    converting = bool(conversion) and conversion.get("Enabled") is not False
    problems += buffering_problems(destination.get("BufferingHints", {}), converting)
    problems += zero_buffering_problems(destination)
    problems += schema_role_problems(destination)
    problems += conversion_problems(destination)
    problems += prefix_pair_problems(destination.get("Prefix", ""), destination.get("ErrorOutputPrefix"), "")
    problems += logging_problems(destination.get("CloudWatchLoggingOptions", {}), "")
    backup = destination.get("S3BackupConfiguration")
    if destination.get("S3BackupMode") == "Enabled":
        if not backup:
            problems.append("S3BackupConfiguration: required when S3BackupMode is Enabled")
        else:
            problems += buffering_problems(backup.get("BufferingHints", {}), converting=False, backup=True)
            problems += prefix_pair_problems(backup.get("Prefix", ""), backup.get("ErrorOutputPrefix"),
                                             "S3BackupConfiguration.")
            problems += logging_problems(backup.get("CloudWatchLoggingOptions", {}), "S3BackupConfiguration.")
    return problems
