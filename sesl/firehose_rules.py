"""Every constraint AWS documents for the Firehose fields sesl sets, as pure functions.

botocore validates only required/min/types on the client, never max, enum or pattern, and moto
accepts all of the below: these rules are what stops a configuration AWS would reject before any
call. Sources, per rule: the Firehose developer guide pages record-format-conversion (RFC),
s3-prefixes (PFX) and the botocore firehose 2015-08-04 model (BC) — see aws-reference.md §1.2-§1.5.
"""

from __future__ import annotations

import re
from typing import Any

# BC DeliveryStreamName: 1-64, [a-zA-Z0-9_.-]+
STREAM_NAME = re.compile(r"[a-zA-Z0-9_.-]{1,64}")
# BC CompressionFormat, ParquetCompression enums.
COMPRESSION_FORMATS = ("UNCOMPRESSED", "GZIP", "ZIP", "Snappy", "HADOOP_SNAPPY")
PARQUET_COMPRESSIONS = ("UNCOMPRESSED", "GZIP", "SNAPPY")
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
MAX_PREFIX = 1024  # BC Prefix / ErrorOutputPrefix max, before evaluation
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
        if len(value) > MAX_PREFIX:
            problems.append(f"{field}: longer than {MAX_PREFIX} characters")
        elif evaluated_length(value) > MAX_EVALUATED_PREFIX:
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


def buffering_problems(hints: dict[str, Any], converting: bool) -> list[str]:
    problems = []
    size, interval = hints.get("SizeInMBs"), hints.get("IntervalInSeconds")
    if (size is None) != (interval is None):
        problems.append("BufferingHints: set both SizeInMBs and IntervalInSeconds, or neither")  # BC BufferingHints
    if size is not None and not 1 <= size <= 128:
        problems.append(f"BufferingHints.SizeInMBs: {size} is outside 1-128")  # BC SizeInMBs
    if size is not None and converting and size < 64:
        # RFC: "you can't set SizeInMBs to a value less than 64 if you enable record format conversion"
        problems.append(f"BufferingHints.SizeInMBs: {size} MiB is below the 64 MiB minimum with record format "
                        "conversion")
    if interval is not None and not 0 <= interval <= 900:
        problems.append(f"BufferingHints.IntervalInSeconds: {interval} is outside 0-900")  # BC IntervalInSeconds
    return problems


def conversion_problems(destination: dict[str, Any]) -> list[str]:
    conversion = destination.get("DataFormatConversionConfiguration")
    problems = []
    compression = destination.get("CompressionFormat", "UNCOMPRESSED")
    if compression not in COMPRESSION_FORMATS:
        problems.append(f"CompressionFormat: {compression!r} is not one of {', '.join(COMPRESSION_FORMATS)}")
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
    parquet = serializer.get("ParquetSerDe", {}).get("Compression")
    if parquet is not None and parquet not in PARQUET_COMPRESSIONS:
        problems.append(f"ParquetSerDe.Compression: {parquet!r} is not one of {', '.join(PARQUET_COMPRESSIONS)}")
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


def stream_problems(name: str, stream_type: str, destination: dict[str, Any]) -> list[str]:
    """All rules for one stream's create request."""
    problems = [] if STREAM_NAME.fullmatch(name) else [
        f"stream name {name!r} must be 1-64 of letters, digits, '_', '.', '-'"]
    if stream_type not in ("DirectPut", "KinesisStreamAsSource", "MSKAsSource", "DatabaseAsSource"):
        problems.append(f"DeliveryStreamType {stream_type!r} is not a Firehose source type")
    # BC DataFormatConversionConfiguration.Enabled: "Defaults to true" (conversion_problems reads it the same way).
    conversion = destination.get("DataFormatConversionConfiguration") or {}
    converting = bool(conversion) and conversion.get("Enabled") is not False
    problems += buffering_problems(destination.get("BufferingHints", {}), converting)
    problems += conversion_problems(destination)
    problems += prefix_pair_problems(destination.get("Prefix", ""), destination.get("ErrorOutputPrefix"), "")
    problems += logging_problems(destination.get("CloudWatchLoggingOptions", {}), "")
    backup = destination.get("S3BackupConfiguration")
    if destination.get("S3BackupMode") == "Enabled":
        if not backup:
            problems.append("S3BackupConfiguration: required when S3BackupMode is Enabled")
        else:
            problems += buffering_problems(backup.get("BufferingHints", {}), converting=False)
            if backup.get("CompressionFormat", "UNCOMPRESSED") not in COMPRESSION_FORMATS:
                problems.append(f"S3BackupConfiguration.CompressionFormat: {backup['CompressionFormat']!r} "
                                "is not a Firehose compression format")
            problems += prefix_pair_problems(backup.get("Prefix", ""), backup.get("ErrorOutputPrefix"),
                                             "S3BackupConfiguration.")
            problems += logging_problems(backup.get("CloudWatchLoggingOptions", {}), "S3BackupConfiguration.")
    return problems
