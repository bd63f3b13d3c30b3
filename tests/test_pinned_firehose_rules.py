"""Firehose validation rules pinned on both sides of each limit, with their exact messages."""

from __future__ import annotations

from typing import Any

import pytest

from sesl import firehose_rules as rules

ERR = "errors/!{firehose:error-output-type}/"


# -- buffering ---------------------------------------------------------------------------------------------------





@pytest.mark.parametrize(("size", "ok"), [(63, False), (64, True)])
def test_conversion_needs_at_least_64_mib(size: int, ok: bool) -> None:
    got = rules.buffering_problems({"SizeInMBs": size, "IntervalInSeconds": 60}, converting=True)
    assert got == ([] if ok else [f"BufferingHints.SizeInMBs: {size} MiB is below the 64 MiB minimum with record "
                                  "format conversion"])
    assert rules.buffering_problems({"SizeInMBs": size, "IntervalInSeconds": 60}, converting=False) == []


@pytest.mark.parametrize("hints", [{"SizeInMBs": 64}, {"IntervalInSeconds": 60}])
def test_size_and_interval_go_together(hints: dict[str, int]) -> None:
    assert rules.buffering_problems(hints, converting=False) == [
        "BufferingHints: set both SizeInMBs and IntervalInSeconds, or neither"]


def test_no_buffering_hints_is_valid() -> None:
    assert rules.buffering_problems({}, converting=True) == []


# -- prefixes ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("length", "ok"), [(512, True), (513, False)])
def test_a_static_prefix_evaluates_to_at_most_512(length: int, ok: bool) -> None:
    got = rules.prefix_pair_problems("p" * length, None, "")
    assert got == ([] if ok else ["Prefix: can evaluate to more than 512 characters"])






def test_error_output_type_is_refused_in_the_prefix() -> None:
    assert rules.prefix_pair_problems("x/!{firehose:error-output-type}/", ERR, "B.") == [
        "B.Prefix: must not contain !{firehose:error-output-type}"]


def test_an_error_prefix_is_needed_only_with_expressions_in_the_prefix() -> None:
    assert rules.prefix_pair_problems("x/!{timestamp:yyyy}/", None, "") == [
        "ErrorOutputPrefix: required when Prefix contains expressions"]
    assert rules.prefix_pair_problems("x/!{timestamp:yyyy}/", "", "") == [
        "ErrorOutputPrefix: required when Prefix contains expressions"]
    assert rules.prefix_pair_problems("x/", None, "") == []
    assert rules.prefix_pair_problems("x/!{timestamp:yyyy}/", ERR, "") == []


def test_an_error_prefix_with_expressions_names_the_error_output_type() -> None:
    assert rules.prefix_pair_problems("x/", "e/!{timestamp:yyyy}/", "") == [
        "ErrorOutputPrefix: with expressions it must contain !{firehose:error-output-type}"]
    assert rules.prefix_pair_problems("x/", "e/static/", "") == []


@pytest.mark.parametrize(("prefix", "expected"), [
    ("a/!{timestamp:yyyy", ["P: the sequence '!{' may only start a complete !{namespace:value} expression"]),
    ("a/!{nope:x}/", ["P: unknown expression namespace 'nope' in !{nope:x} "
                      "(one of timestamp, firehose, partitionKeyFromQuery, partitionKeyFromLambda)"]),
    ("a/!{timestamp:}/", ["P: !{timestamp:} needs a Java DateTimeFormatter pattern such as yyyy"]),
    ("a/!{firehose:x}/", ["P: !{firehose:x} is not one of random-string, error-output-type"]),
    ("a/!{partitionKeyFromQuery:k}/", ["P: !{partitionKeyFromQuery:k} needs dynamic partitioning, which sesl does "
                                       "not enable"]),
    ("a/!{partitionKeyFromLambda:k}/", ["P: !{partitionKeyFromLambda:k} needs dynamic partitioning, which sesl does "
                                        "not enable"]),
    ("a/!{timestamp:yyyy}/!{firehose:random-string}/!{firehose:error-output-type}", []),
    ("a/static", []),
])
def test_expression_problems(prefix: str, expected: list[str]) -> None:
    assert rules.expression_problems(prefix, "P") == expected


@pytest.mark.parametrize(("prefix", "length"), [
    ("", 0),
    ("abc", 3),
    ("!{timestamp:yyyy}", 4),
    ("!{timestamp:yy}", 4),            # a run of pattern letters counts at least 4
    ("!{timestamp:yyyyyy}", 6),        # and at most its own length when longer
    ("!{timestamp:yyyy-MM-dd}", 4 + 1 + 4 + 1 + 4),
    ("!{timestamp:'year='yyyy}", 5 + 4),  # quoted text is literal, without its quotes
    ("!{firehose:random-string}", 11),
    ("!{firehose:error-output-type}", 30),
    ("!{firehose:other}", len("!{firehose:other}")),
])
def test_evaluated_length(prefix: str, length: int) -> None:
    assert rules.evaluated_length(prefix) == length


def test_the_appended_timestamp_warning_names_the_prefix() -> None:
    assert rules.appended_timestamp_warning("n/") == (
        "Prefix 'n/' has no !{timestamp:...}: Firehose will append yyyy/MM/dd/HH/ to it")
    assert rules.appended_timestamp_warning("n/!{firehose:random-string}/") is not None
    assert rules.appended_timestamp_warning("n/!{timestamp:yyyy}/") is None


# -- conversion --------------------------------------------------------------------------------------------------

def _conversion(**over: Any) -> dict[str, Any]:
    conversion: dict[str, Any] = {
        "Enabled": True,
        "SchemaConfiguration": {"RoleARN": "arn:r", "DatabaseName": "db", "TableName": "t"},
        "InputFormatConfiguration": {"Deserializer": {"OpenXJsonSerDe": {}}},
        "OutputFormatConfiguration": {"Serializer": {"ParquetSerDe": {"Compression": "SNAPPY"}}},
    }
    conversion.update(over)
    return {"CompressionFormat": "UNCOMPRESSED", "DataFormatConversionConfiguration": conversion}


def test_a_complete_conversion_is_valid() -> None:
    assert rules.conversion_problems(_conversion()) == []


@pytest.mark.parametrize("compression", ["UNCOMPRESSED", "GZIP", "SNAPPY"])
def test_every_parquet_compression_is_accepted(compression: str) -> None:
    destination = _conversion(OutputFormatConfiguration={"Serializer": {"ParquetSerDe": {"Compression": compression}}})
    assert rules.conversion_problems(destination) == []




@pytest.mark.parametrize("compression", ["UNCOMPRESSED", "GZIP", "ZIP", "Snappy", "HADOOP_SNAPPY"])
def test_every_compression_format_is_accepted_without_conversion(compression: str) -> None:
    assert rules.conversion_problems({"CompressionFormat": compression}) == []
    assert rules.conversion_problems({"CompressionFormat": compression,
                                      "DataFormatConversionConfiguration": {"Enabled": False}}) == []




def test_conversion_needs_an_uncompressed_destination() -> None:
    destination = _conversion()
    destination["CompressionFormat"] = "GZIP"
    assert rules.conversion_problems(destination) == [
        "CompressionFormat: must be UNCOMPRESSED with record format conversion, not GZIP"]
    del destination["CompressionFormat"]  # absent is UNCOMPRESSED
    assert rules.conversion_problems(destination) == []


def test_each_block_of_an_enabled_conversion_is_required() -> None:
    got = rules.conversion_problems({"DataFormatConversionConfiguration": {"Enabled": True}})
    assert got == [
        "DataFormatConversionConfiguration.SchemaConfiguration: required when conversion is enabled",
        "DataFormatConversionConfiguration.InputFormatConfiguration: required when conversion is enabled",
        "DataFormatConversionConfiguration.OutputFormatConfiguration: required when conversion is enabled",
        "InputFormatConfiguration.Deserializer: exactly one of OpenXJsonSerDe, HiveJsonSerDe",
        "OutputFormatConfiguration.Serializer: exactly one of ParquetSerDe, OrcSerDe",
        "SchemaConfiguration.RoleARN: required",
        "SchemaConfiguration.DatabaseName: required",
        "SchemaConfiguration.TableName: required",
    ]


def test_exactly_one_serde_each_way() -> None:
    two_in = _conversion(InputFormatConfiguration={"Deserializer": {"OpenXJsonSerDe": {}, "HiveJsonSerDe": {}}})
    assert rules.conversion_problems(two_in) == [
        "InputFormatConfiguration.Deserializer: exactly one of OpenXJsonSerDe, HiveJsonSerDe"]
    two_out = _conversion(OutputFormatConfiguration={"Serializer": {"ParquetSerDe": {}, "OrcSerDe": {}}})
    assert rules.conversion_problems(two_out) == [
        "OutputFormatConfiguration.Serializer: exactly one of ParquetSerDe, OrcSerDe"]


def test_a_conversion_without_enabled_counts_as_enabled() -> None:
    destination = _conversion()
    del destination["DataFormatConversionConfiguration"]["Enabled"]
    destination["CompressionFormat"] = "GZIP"
    assert rules.conversion_problems(destination) == [
        "CompressionFormat: must be UNCOMPRESSED with record format conversion, not GZIP"]


# -- logging and the whole stream --------------------------------------------------------------------------------

@pytest.mark.parametrize(("options", "ok"), [
    ({"Enabled": True, "LogGroupName": "g", "LogStreamName": "s"}, True),
    ({"Enabled": True, "LogGroupName": "g"}, False),
    ({"Enabled": True, "LogStreamName": "s"}, False),
    ({"Enabled": True, "LogGroupName": "", "LogStreamName": "s"}, False),
    ({"Enabled": False}, True),
    ({}, True),
])
def test_logging_needs_group_and_stream_when_enabled(options: dict[str, Any], ok: bool) -> None:
    assert rules.logging_problems(options, "W.") == (
        [] if ok else ["W.CloudWatchLoggingOptions: LogGroupName and LogStreamName are required when enabled"])














def test_a_pattern_with_a_colon_is_one_timestamp_expression() -> None:
    assert rules.expression_problems("a/!{timestamp:HH:mm}/", "P") == []
    assert rules.evaluated_length("!{timestamp:HH:mm}") == 4 + 1 + 4


def test_the_error_prefix_problems_name_the_error_prefix() -> None:
    assert rules.prefix_pair_problems("p/", "e/!{nope:x}/", "W.") == [
        "W.ErrorOutputPrefix: unknown expression namespace 'nope' in !{nope:x} "
        "(one of timestamp, firehose, partitionKeyFromQuery, partitionKeyFromLambda)",
        "W.ErrorOutputPrefix: with expressions it must contain !{firehose:error-output-type}"]


