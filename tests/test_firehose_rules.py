"""Each documented Firehose constraint rejects the invalid case and accepts the valid one.

Single-member ranges, enums and patterns are botocore's and tested in test_model_check.py."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from sesl import firehose_rules as rules
from sesl.naming import Names
from sesl.resources.base import Env
from sesl.resources.firehose_stream import destination_config
from sesl.spec import default_spec

ENV = Env(default_spec("dev"), Names("dev", "us-west-2", "123456789012"))


def valid() -> dict[str, Any]:
    return copy.deepcopy(destination_config(ENV, "newsletter"))


def problems_after(edit: Any) -> list[str]:
    destination = valid()
    edit(destination)
    return rules.stream_problems(destination)


def test_sesl_own_configuration_is_valid() -> None:
    assert rules.stream_problems(valid()) == []


@pytest.mark.parametrize(("edit", "expected"), [
    (lambda d: d["BufferingHints"].update(SizeInMBs=5), "below the 64 MiB minimum with record format conversion"),
    (lambda d: d["BufferingHints"].pop("SizeInMBs"), "set both SizeInMBs and IntervalInSeconds"),
    (lambda d: d.update(CompressionFormat="GZIP"), "must be UNCOMPRESSED with record format conversion"),
    (lambda d: d["DataFormatConversionConfiguration"].pop("SchemaConfiguration"), "SchemaConfiguration: required"),
    (lambda d: d["DataFormatConversionConfiguration"]["InputFormatConfiguration"]["Deserializer"]
     .update(HiveJsonSerDe={}), "exactly one of OpenXJsonSerDe, HiveJsonSerDe"),
    (lambda d: d.update(ErrorOutputPrefix=""), "ErrorOutputPrefix: required when Prefix contains expressions"),
    (lambda d: d.update(ErrorOutputPrefix="errors/!{timestamp:yyyy}/"), "must contain !{firehose:error-output-type}"),
    (lambda d: d.update(Prefix="x/!{firehose:error-output-type}/!{timestamp:yyyy}/"),
     "Prefix: must not contain !{firehose:error-output-type}"),
    (lambda d: d.update(Prefix="x/!{foo:bar}/"), "unknown expression namespace 'foo'"),
    (lambda d: d.update(Prefix="x/!{timestamp:}/"), "needs a Java DateTimeFormatter pattern"),
    (lambda d: d.update(Prefix="x/!{firehose:nonsense}/"), "is not one of random-string, error-output-type"),
    (lambda d: d.update(Prefix="x/!{timestamp:yyyy/"), "may only start a complete"),
    (lambda d: d.update(Prefix="x/!{partitionKeyFromQuery:id}/"), "needs dynamic partitioning"),
    (lambda d: d.update(Prefix="p" * 500 + "!{timestamp:yyyy-MM-dd-HH}/"), "can evaluate to more than 512"),
    (lambda d: d["CloudWatchLoggingOptions"].pop("LogStreamName"), "LogGroupName and LogStreamName are required"),
    (lambda d: d["S3BackupConfiguration"].update(ErrorOutputPrefix=None), "S3BackupConfiguration.ErrorOutputPrefix"),
    (lambda d: d["S3BackupConfiguration"]["BufferingHints"].update(IntervalInSeconds=0),
     "S3BackupConfiguration.BufferingHints.IntervalInSeconds: 0 s is outside the 60-900 s"),
    (lambda d: d["S3BackupConfiguration"]["BufferingHints"].update(IntervalInSeconds=59),
     "S3BackupConfiguration.BufferingHints.IntervalInSeconds: 59 s"),
    (lambda d: d["BufferingHints"].update(SizeInMBs=63), "63 MiB is below the 64 MiB minimum"),
    (lambda d: d.pop("S3BackupConfiguration"), "S3BackupConfiguration: required when S3BackupMode is Enabled"),
])
def test_each_rule_rejects_its_invalid_case(edit: Any, expected: str) -> None:
    found = problems_after(edit)
    assert any(expected in p for p in found), found


def test_static_prefixes_and_raw_backup_gzip_are_allowed() -> None:
    # A static ErrorOutputPrefix is legal; GZIP is legal for the backup (no conversion there).
    assert problems_after(lambda d: d.update(ErrorOutputPrefix="errors/newsletter/")) == []
    assert rules.buffering_problems({"SizeInMBs": 5, "IntervalInSeconds": 60}, converting=False) == []


def test_zero_buffering_is_allowed_for_the_destination_and_60_s_is_the_backup_minimum() -> None:
    # BKP: zero buffering is available for the destination, not for the S3 backup (60-900 s there).
    assert problems_after(lambda d: d["BufferingHints"].update(IntervalInSeconds=0)) == []
    assert problems_after(lambda d: d["S3BackupConfiguration"]["BufferingHints"].update(IntervalInSeconds=60)) == []
    assert problems_after(lambda d: d["S3BackupConfiguration"]["BufferingHints"].update(IntervalInSeconds=900)) == []
    assert problems_after(lambda d: d["BufferingHints"].update(SizeInMBs=64)) == []


def test_evaluated_length_counts_expressions_at_their_longest() -> None:
    assert rules.evaluated_length("a/!{timestamp:yyyy}/") == len("a/2026/")
    assert rules.evaluated_length("e/!{firehose:error-output-type}/") == len("e/AmazonOpenSearchService-failed/")
    assert rules.evaluated_length("r/!{firehose:random-string}") == 2 + 11


def test_prefix_without_timestamp_gets_a_warning() -> None:
    assert rules.appended_timestamp_warning("newsletter/") is not None
    assert rules.appended_timestamp_warning("newsletter/year=!{timestamp:yyyy}/") is None
