"""Kinesis Data Firehose: what DescribeDeliveryStream really returns.

moto echoes the destination it was sent. AWS fills in the defaults of an S3 destination that were not
sent, and leaves out the SerDe members that are at their default.
"""

from __future__ import annotations

import copy
from typing import Any

from sesl.firehose_rules import OPENX_DEFAULTS, PARQUET_DEFAULTS
from sesl.sandbox.shapes import Response, shaping

LIVE_READS = ("go-to-k/cdk-real-drift tests/corpus/AWS__KinesisFirehose__DeliveryStream.{HuntStream,Tap,"
              "KinesisSourced,Stream.processors}.json (live reads of streams created without these members)")

# What an S3 destination reads back with when these members were not sent.
S3_DESTINATION_DEFAULTS: dict[str, Any] = {
    "BufferingHints": {"SizeInMBs": 5, "IntervalInSeconds": 300},
    "CompressionFormat": "UNCOMPRESSED",
    "EncryptionConfiguration": {"NoEncryptionConfig": "NoEncryption"},
    "CloudWatchLoggingOptions": {"Enabled": False},
}
EXTENDED_S3_DEFAULTS: dict[str, Any] = {**S3_DESTINATION_DEFAULTS, "S3BackupMode": "Disabled"}
PROCESSING_DEFAULT: dict[str, Any] = {"Enabled": False, "Processors": []}



def _with_defaults(description: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    return {**copy.deepcopy(defaults), **description}


def _destinations(response: Response, change: Any) -> Response:
    stream = dict(response.get("DeliveryStreamDescription", {}))
    stream["Destinations"] = [change(dict(d)) for d in stream.get("Destinations", [])]
    return {**response, "DeliveryStreamDescription": stream}


def _fill_destination(destination: dict[str, Any]) -> dict[str, Any]:
    if "S3DestinationDescription" in destination:
        destination["S3DestinationDescription"] = _with_defaults(destination["S3DestinationDescription"],
                                                                 S3_DESTINATION_DEFAULTS)
    extended = destination.get("ExtendedS3DestinationDescription")
    if extended is not None:
        extended = _with_defaults(extended, EXTENDED_S3_DEFAULTS)
        if "S3BackupDescription" in extended:
            extended["S3BackupDescription"] = _with_defaults(extended["S3BackupDescription"], S3_DESTINATION_DEFAULTS)
        destination["ExtendedS3DestinationDescription"] = extended
    return destination


@shaping("firehose", "DescribeDeliveryStream",
         what="each S3 destination (extended, backup, plain) gains the defaults nobody sent: BufferingHints "
              "5 MiB/300 s, CompressionFormat UNCOMPRESSED, EncryptionConfiguration NoEncryption, "
              "CloudWatchLoggingOptions {Enabled: false}, and S3BackupMode Disabled on the extended destination",
         source=f"{LIVE_READS}; botocore firehose ExtendedS3DestinationDescription/S3DestinationDescription "
                "(BufferingHints, CompressionFormat, EncryptionConfiguration are required output members)")
def s3_destination_defaults(response: Response, request: Response) -> Response:
    return _destinations(response, _fill_destination)


def _fill_processing(destination: dict[str, Any]) -> dict[str, Any]:
    extended = destination.get("ExtendedS3DestinationDescription")
    if extended is not None and "ProcessingConfiguration" not in extended:
        destination["ExtendedS3DestinationDescription"] = {**extended,
                                                           "ProcessingConfiguration": copy.deepcopy(PROCESSING_DEFAULT)}
    return destination


@shaping("firehose", "DescribeDeliveryStream",
         what="the extended S3 destination gains ProcessingConfiguration {Enabled: false, Processors: []} when no "
              "processing was configured",
         source="terraform-provider-aws internal/service/firehose/delivery_stream.go processingConfigurationSchema "
                "(DiffSuppressFunc verify.SuppressMissingOptionalConfigurationBlock: \"the API response includes "
                "those defaults\" when the block is omitted); not seen in the Cloud Control live reads, so sesl "
                "never compares it")
def processing_default(response: Response, request: Response) -> Response:
    return _destinations(response, _fill_processing)


def _without_defaults(serde: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in serde.items() if not (k in defaults and defaults[k] == v)}


def _drop_serde_defaults(destination: dict[str, Any]) -> dict[str, Any]:
    extended = destination.get("ExtendedS3DestinationDescription")
    conversion = (extended or {}).get("DataFormatConversionConfiguration")
    if not conversion:
        return destination
    conversion = copy.deepcopy(conversion)
    deserializer = conversion.get("InputFormatConfiguration", {}).get("Deserializer", {})
    if "OpenXJsonSerDe" in deserializer:
        deserializer["OpenXJsonSerDe"] = _without_defaults(deserializer["OpenXJsonSerDe"], OPENX_DEFAULTS)
    serializer = conversion.get("OutputFormatConfiguration", {}).get("Serializer", {})
    if "ParquetSerDe" in serializer:
        serializer["ParquetSerDe"] = _without_defaults(serializer["ParquetSerDe"], PARQUET_DEFAULTS)
    destination["ExtendedS3DestinationDescription"] = {**(extended or {}),
                                                       "DataFormatConversionConfiguration": conversion}
    return destination


@shaping("firehose", "DescribeDeliveryStream",
         what="OpenXJsonSerDe and ParquetSerDe leave out members at their default (CaseInsensitive true, "
              "Compression SNAPPY, BlockSizeBytes 256 MiB, PageSizeBytes 1 MiB, WriterVersion V1, false/0 flags)",
         source="terraform-provider-aws internal/service/firehose/delivery_stream.go flattenOpenXJSONSerDe and "
                "flattenParquetSerDe (\"API omits default values\"); defaults from the botocore firehose model "
                "(OpenXJsonSerDe.CaseInsensitive, ParquetSerDe members)")
def serde_defaults_omitted(response: Response, request: Response) -> Response:
    return _destinations(response, _drop_serde_defaults)
