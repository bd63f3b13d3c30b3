"""The Firehose stream's values pinned (mutation survivors of sesl/resources/firehose_stream.py): every field of
the CreateDeliveryStream and UpdateDestination requests (OpenX JSON -> Parquet conversion from the flow's Glue
table, the buffering, the data, error and backup prefixes, the logging streams, the raw GZIP backup), what a read
makes of DescribeDeliveryStream, which differences are updates of which aspect and which are replacements, and
the waits' polling, deadlines and messages."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import botocore.exceptions
import pytest
from botocore.stub import Stubber

from sesl import ui
from sesl.context import AwsContext
from sesl.errors import AwsCallError
from sesl.model import Action, Change, FieldChange
from sesl.resources import firehose_stream as fh
from sesl.resources.base import Env, Request
from sesl.spec import EnvSpec, default_spec

KIND = fh.FirehoseStreamKind()
REGION = "eu-central-1"  # not the tests' default Region: the schema's Region must come from the env's names
OTHER_ACCOUNT = "111122223333"
NEWSLETTER = "email-events-newsletter-dev"
ROLE = f"arn:aws:iam::{OTHER_ACCOUNT}:role/email-events-firehose-dev"
BUCKET = "arn:aws:s3:::daily-system-design-email-events-dev"
LOG_GROUP = f"/aws/kinesisfirehose/{NEWSLETTER}"
# Firehose's expressions for the arrival day (Firehose guide, s3-prefixes), the layout Athena projects
DAY = "year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/"
ERROR_TYPE = "!{firehose:error-output-type}"


def _spec(**firehose: Any) -> EnvSpec:
    spec = default_spec("dev")
    return replace(spec, firehose=replace(spec.firehose, **firehose))


def _env(**firehose: Any) -> Env:
    spec = _spec(**firehose)
    return Env(spec, spec.names_for(REGION, OTHER_ACCOUNT))


def _want(**firehose: Any) -> fh.StreamSpec:
    return next(w for w in KIND.desired(_env(**firehose)) if w.flow == "newsletter")


def _state(want: fh.StreamSpec, **changes: Any) -> fh.StreamState:
    """What a read of the stream as wanted gives: the destination as AWS describes it, turned back."""
    destination = copy.deepcopy(want.destination)
    if "S3BackupConfiguration" in destination:
        destination["S3BackupDescription"] = destination.pop("S3BackupConfiguration")
    state = fh.StreamState(want.name, True, "ACTIVE", "", want.stream_type, "3", "destinationId-000000000001",
                           fh._as_config(destination), dict(want.tags))
    return replace(state, **changes)


# --- the destination sent ---------------------------------------------------------------------------------------
def _expected_destination(size: int = 64, interval: int = 60, compression: str = "GZIP") -> dict[str, Any]:
    return {
        "RoleARN": ROLE,
        "BucketARN": BUCKET,
        "Prefix": "newsletter/" + DAY,
        # an ErrorOutputPrefix with expressions must hold !{firehose:error-output-type} (Firehose guide, s3-prefixes)
        "ErrorOutputPrefix": f"errors/newsletter/{ERROR_TYPE}/" + DAY,
        "BufferingHints": {"SizeInMBs": size, "IntervalInSeconds": interval},
        # with record format conversion the S3 compression must be UNCOMPRESSED: it is the serializer's
        "CompressionFormat": "UNCOMPRESSED",
        "CloudWatchLoggingOptions": {"Enabled": True, "LogGroupName": LOG_GROUP,
                                     "LogStreamName": "DestinationDelivery"},
        "DataFormatConversionConfiguration": {
            "Enabled": True,
            "SchemaConfiguration": {"RoleARN": ROLE, "CatalogId": OTHER_ACCOUNT, "DatabaseName": "email_events_db_dev",
                                    "TableName": "newsletter_events", "Region": REGION, "VersionId": "LATEST"},
            "InputFormatConfiguration": {"Deserializer": {"OpenXJsonSerDe": {"CaseInsensitive": True}}},
            "OutputFormatConfiguration": {"Serializer": {"ParquetSerDe": {"Compression": compression}}},
        },
        "S3BackupMode": "Enabled",
        "S3BackupConfiguration": {
            "RoleARN": ROLE, "BucketARN": BUCKET,
            "Prefix": f"raw/{NEWSLETTER}/" + DAY,
            "ErrorOutputPrefix": f"errors/newsletter/raw/{ERROR_TYPE}/" + DAY,
            # 5 MiB (the backup is not converted, so the 64 MiB minimum does not apply), the stream's interval
            "BufferingHints": {"SizeInMBs": 5, "IntervalInSeconds": interval},
            "CompressionFormat": "GZIP",
            "CloudWatchLoggingOptions": {"Enabled": True, "LogGroupName": LOG_GROUP, "LogStreamName": "BackupDelivery"},
        },
    }


def test_the_destination_with_the_backup_is_exactly_the_design() -> None:
    assert _want().destination == _expected_destination()


def test_the_destination_follows_the_buffering_and_compression_settings() -> None:
    got = _want(buffer_size_mib=128, buffer_interval_seconds=300, parquet_compression="SNAPPY").destination
    assert got == _expected_destination(size=128, interval=300, compression="SNAPPY")


def test_without_the_backup_the_mode_is_disabled_and_no_backup_is_configured() -> None:
    expected = _expected_destination()
    del expected["S3BackupConfiguration"]
    expected["S3BackupMode"] = "Disabled"
    assert _want(backup_enabled=False).destination == expected


def test_one_directput_stream_per_flow_with_the_ownership_tags() -> None:
    wants = KIND.desired(_env())
    assert [(w.name, w.flow, w.stream_type) for w in wants] == [
        (NEWSLETTER, "newsletter", "DirectPut"), ("email-events-transactional-dev", "transactional", "DirectPut")]
    assert wants[1].destination["Prefix"] == "transactional/" + DAY
    assert wants[0].tags == {"sesl:managed-by": "sesl", "sesl:env": "dev"}


def test_validate_and_warnings_read_the_destination() -> None:
    want = _want()
    assert KIND.validate(_env(), want) == []
    assert KIND.warnings(_env(), want) == []
    small = replace(want, destination={**want.destination, "BufferingHints": {"SizeInMBs": 5, "IntervalInSeconds": 60},
                                       "Prefix": "newsletter/"})
    assert KIND.validate(_env(), small) == [
        "BufferingHints.SizeInMBs: 5 MiB is below the 64 MiB minimum with record format conversion"]
    assert KIND.warnings(_env(), small) == [
        "Prefix 'newsletter/' has no !{timestamp:...}: Firehose will append yyyy/MM/dd/HH/ to it"]


# --- the requests -------------------------------------------------------------------------------------------------
def test_the_create_and_update_requests() -> None:
    want = _want()
    create, update = KIND.requests(want)
    assert create == Request("firehose", "CreateDeliveryStream", {
        "DeliveryStreamName": NEWSLETTER, "DeliveryStreamType": "DirectPut",
        "ExtendedS3DestinationConfiguration": want.destination,
        "Tags": [{"Key": "sesl:env", "Value": "dev"}, {"Key": "sesl:managed-by", "Value": "sesl"}]}, "create")
    backup = want.destination["S3BackupConfiguration"]
    update_destination = {k: v for k, v in want.destination.items() if k != "S3BackupConfiguration"}
    # UpdateDestination names the backup S3BackupUpdate (botocore ExtendedS3DestinationUpdate)
    assert update == Request("firehose", "UpdateDestination", {
        "DeliveryStreamName": NEWSLETTER, "CurrentDeliveryStreamVersionId": "1",
        "DestinationId": "destinationId-000000000001",
        "ExtendedS3DestinationUpdate": {**update_destination, "S3BackupUpdate": backup}}, "update")
    assert "S3BackupConfiguration" in want.destination  # the wanted destination itself is left as it was


def test_an_update_without_a_backup_has_no_backup_update() -> None:
    want = _want(backup_enabled=False)
    assert fh._update_request(want.destination) == want.destination


def test_the_create_fields_say_what_the_stream_will_be() -> None:
    assert KIND.create_fields(_want(parquet_compression="SNAPPY")) == (
        FieldChange("DeliveryStreamType", None, "DirectPut"),
        FieldChange("Prefix", None, "newsletter/" + DAY),
        FieldChange("ErrorOutputPrefix", None, f"errors/newsletter/{ERROR_TYPE}/" + DAY),
        FieldChange("BufferingHints", None, {"SizeInMBs": 64, "IntervalInSeconds": 60}),
        FieldChange("conversion", None, "JSON (OpenX) -> Parquet SNAPPY from newsletter_events"),
        FieldChange("S3BackupMode", None, "Enabled"))


def test_the_roles_handed_to_firehose_are_each_role_once_sorted() -> None:
    want = _want()
    assert fh._roles(want) == (ROLE,)
    d = copy.deepcopy(want.destination)
    d["RoleARN"] = "arn:aws:iam::1:role/z"
    d["DataFormatConversionConfiguration"]["SchemaConfiguration"]["RoleARN"] = "arn:aws:iam::1:role/b"
    d["S3BackupConfiguration"]["RoleARN"] = "arn:aws:iam::1:role/a"
    assert fh._roles(replace(want, destination=d)) == (
        "arn:aws:iam::1:role/a", "arn:aws:iam::1:role/b", "arn:aws:iam::1:role/z")
    assert fh._roles(replace(want, destination={"RoleARN": "arn:aws:iam::1:role/z"})) == ("arn:aws:iam::1:role/z",)


# --- what a read makes of AWS's answer ----------------------------------------------------------------------------
def test_the_description_is_turned_into_the_create_shape_with_the_serde_defaults() -> None:
    description = {"RoleARN": ROLE, "S3BackupMode": "Enabled", "S3BackupDescription": {"Prefix": "raw/"},
                   "DataFormatConversionConfiguration": {
                       "Enabled": True,
                       "InputFormatConfiguration": {"Deserializer": {"OpenXJsonSerDe": {}}},
                       "OutputFormatConfiguration": {"Serializer": {"ParquetSerDe": {"Compression": "GZIP"}}}}}
    before = copy.deepcopy(description)
    config = fh._as_config(description)
    assert config == {
        "RoleARN": ROLE, "S3BackupMode": "Enabled", "S3BackupConfiguration": {"Prefix": "raw/"},
        "DataFormatConversionConfiguration": {
            "Enabled": True,
            # members AWS leaves out at their default (botocore OpenXJsonSerDe, ParquetSerDe) are filled back in
            "InputFormatConfiguration": {"Deserializer": {"OpenXJsonSerDe": {
                "CaseInsensitive": True, "ConvertDotsInJsonKeysToUnderscores": False}}},
            "OutputFormatConfiguration": {"Serializer": {"ParquetSerDe": {
                "Compression": "GZIP", "BlockSizeBytes": 268435456, "PageSizeBytes": 1048576,
                "EnableDictionaryCompression": False, "MaxPaddingBytes": 0, "WriterVersion": "V1"}}}}}
    assert description == before  # AWS's answer is not changed in place


def test_serdes_given_as_null_or_set_keep_what_aws_says() -> None:
    description = {"DataFormatConversionConfiguration": {
        "InputFormatConfiguration": {"Deserializer": {"OpenXJsonSerDe": None}},
        "OutputFormatConfiguration": {"Serializer": {"ParquetSerDe": {"Compression": "ZSTD", "WriterVersion": "V2"}}}}}
    conversion = fh._as_config(description)["DataFormatConversionConfiguration"]
    assert conversion["InputFormatConfiguration"]["Deserializer"]["OpenXJsonSerDe"] == {
        "CaseInsensitive": True, "ConvertDotsInJsonKeysToUnderscores": False}
    assert conversion["OutputFormatConfiguration"]["Serializer"]["ParquetSerDe"] == {
        "Compression": "ZSTD", "BlockSizeBytes": 268435456, "PageSizeBytes": 1048576,
        "EnableDictionaryCompression": False, "MaxPaddingBytes": 0, "WriterVersion": "V2"}


def test_other_serdes_and_a_missing_conversion_are_left_alone() -> None:
    other: dict[str, Any] = {"DataFormatConversionConfiguration": {
        "InputFormatConfiguration": {"Deserializer": {"HiveJsonSerDe": {}}},
        "OutputFormatConfiguration": {"Serializer": {"OrcSerDe": {}}}}}
    assert fh._as_config(other) == other
    assert fh._as_config({"Enabled": True, "DataFormatConversionConfiguration": {}}) == {
        "Enabled": True, "DataFormatConversionConfiguration": {}}
    assert fh._as_config({"Prefix": "p/"}) == {"Prefix": "p/"}
    assert fh._as_config({"DataFormatConversionConfiguration": {"Enabled": False}}) == {
        "DataFormatConversionConfiguration": {"Enabled": False}}
    formats = {"DataFormatConversionConfiguration": {"InputFormatConfiguration": {}, "OutputFormatConfiguration": {}}}
    assert fh._as_config(formats) == formats


@pytest.mark.parametrize(("failure", "text"), [
    ({"Type": "INVALID_KMS_KEY", "Details": "no such key"}, "INVALID_KMS_KEY: no such key"),
    ({"Type": "RETIRE_KMS_GRANT_FAILED"}, "RETIRE_KMS_GRANT_FAILED: "),
    ({"Details": "d"}, ": d"),
    ({}, ""),
    (None, ""),
])
def test_the_failure_reads_type_colon_details(failure: dict[str, str] | None, text: str) -> None:
    description: dict[str, Any] = {} if failure is None else {"FailureDescription": failure}
    assert fh._failure(description) == text


def _body(status: str = "ACTIVE", **extra: Any) -> dict[str, Any]:
    return {"DeliveryStreamDescription": {
        "DeliveryStreamName": NEWSLETTER,
        "DeliveryStreamARN": f"arn:aws:firehose:us-west-2:1:deliverystream/{NEWSLETTER}",
        "DeliveryStreamStatus": status, "DeliveryStreamType": "DirectPut", "VersionId": "7",
        "Destinations": [], "HasMoreDestinations": False, **extra}}


# the members DescribeDeliveryStream always gives an S3 destination (required in botocore's model)
S3 = {"RoleARN": ROLE, "BucketARN": BUCKET, "BufferingHints": {"SizeInMBs": 5, "IntervalInSeconds": 300},
      "CompressionFormat": "UNCOMPRESSED", "EncryptionConfiguration": {"NoEncryptionConfig": "NoEncryption"}}
TAGS = {"Tags": [{"Key": "sesl:managed-by", "Value": "sesl"}, {"Key": "sesl:env", "Value": "dev"}],
        "HasMoreTags": False}


def test_a_read_gives_status_failure_type_version_destination_and_tags(ctx: AwsContext) -> None:
    want = _want()
    described = {"DestinationId": "destinationId-000000000002",
                 "ExtendedS3DestinationDescription": {**S3, "S3BackupMode": "Enabled", "S3BackupDescription": S3}}
    with Stubber(ctx.client("firehose")) as stub:
        stub.add_response("describe_delivery_stream", _body(
            "CREATING_FAILED", DeliveryStreamType="KinesisStreamAsSource", Destinations=[described],
            FailureDescription={"Type": "INVALID_KMS_KEY", "Details": "no such key"}),
            {"DeliveryStreamName": NEWSLETTER})
        stub.add_response("list_tags_for_delivery_stream", TAGS, {"DeliveryStreamName": NEWSLETTER})
        have = KIND.read(ctx, want)
        stub.assert_no_pending_responses()
    assert have == fh.StreamState(
        NEWSLETTER, True, "CREATING_FAILED", "INVALID_KMS_KEY: no such key", "KinesisStreamAsSource", "7",
        "destinationId-000000000002",
        {**S3, "S3BackupMode": "Enabled", "S3BackupConfiguration": S3},
        {"sesl:managed-by": "sesl", "sesl:env": "dev"})


def test_a_read_of_another_envs_or_another_destination_type(ctx: AwsContext) -> None:
    want = _want()
    http = {"DestinationId": "destinationId-000000000001",
            "HttpEndpointDestinationDescription": {"EndpointConfiguration": {"Url": "https://example.com"}}}
    with Stubber(ctx.client("firehose")) as stub:
        stub.add_response("describe_delivery_stream", _body(Destinations=[http]))
        stub.add_response("list_tags_for_delivery_stream", {
            "Tags": [{"Key": "sesl:managed-by", "Value": "sesl"}, {"Key": "sesl:env", "Value": "prod"}],
            "HasMoreTags": False})
        have = KIND.read(ctx, want)
    assert have is not None
    assert (have.owned, have.failure, have.destination_id, have.destination) == (
        False, "", "destinationId-000000000001", {})
    with Stubber(ctx.client("firehose")) as stub:  # no destination listed at all
        stub.add_response("describe_delivery_stream", _body())
        stub.add_response("list_tags_for_delivery_stream", {"Tags": [], "HasMoreTags": False})
        have = KIND.read(ctx, want)
    assert have is not None
    assert (have.owned, have.destination_id, have.destination, have.tags) == (False, "", {}, {})
    with Stubber(ctx.client("firehose")) as stub:
        stub.add_client_error("describe_delivery_stream", "ResourceNotFoundException", "not found")
        assert KIND.read(ctx, want) is None


# --- the diff -----------------------------------------------------------------------------------------------------
def test_a_stream_as_wanted_has_no_changes() -> None:
    want = _want()
    assert KIND.diff(_state(want), want) == []
    without = _want(backup_enabled=False)
    assert KIND.diff(_state(without), without) == []


@pytest.mark.parametrize("status", ["CREATING_FAILED", "DELETING_FAILED"])
def test_a_failed_stream_is_replaced_whatever_else_differs(status: str) -> None:
    want = _want()
    have = _state(want, status=status, failure="INVALID_KMS_KEY: gone", stream_type="KinesisStreamAsSource")
    assert KIND.diff(have, want) == [Change(
        "firehose_stream", NEWSLETTER, Action.REPLACE, "failed",
        (FieldChange("DeliveryStreamStatus", status, "ACTIVE"),),
        reason=f"the stream is {status} (INVALID_KMS_KEY: gone) and delivers nothing: it is deleted and created again",
        want=want, have=have)]
    (bare,) = KIND.diff(replace(have, failure=""), want)
    assert bare.reason == (f"the stream is {status} (no FailureDescription) and delivers nothing: it is deleted and "
                           "created again")


def test_what_cannot_change_in_place_is_a_replacement_with_every_reason() -> None:
    want = _want(backup_enabled=False)
    reason = "cannot change in place: the stream is deleted and created again, dropping records in flight"
    typed = _state(want, stream_type="KinesisStreamAsSource")
    assert KIND.diff(typed, want) == [Change(
        "firehose_stream", NEWSLETTER, Action.REPLACE, "resource",
        (FieldChange("DeliveryStreamType", "KinesisStreamAsSource", "DirectPut"),), reason=reason, want=want,
        have=typed)]
    # "If backup is enabled, you can't update the Firehose stream to disable it" (botocore S3BackupMode)
    backed_up = _state(want, destination={**_state(want).destination, "S3BackupMode": "Enabled"})
    (change,) = KIND.diff(backed_up, want)
    assert (change.action, change.aspect, change.fields) == (
        Action.REPLACE, "resource", (FieldChange("S3BackupMode", "Enabled", "Disabled"),))
    elsewhere = _state(want, destination={}, stream_type="KinesisStreamAsSource")
    (change,) = KIND.diff(elsewhere, want)
    assert change.fields == (FieldChange("DeliveryStreamType", "KinesisStreamAsSource", "DirectPut"),
                             FieldChange("destination", "not extended S3", "ExtendedS3"))


def test_enabling_the_backup_is_an_update_of_the_backup() -> None:
    want = _want()
    off = _want(backup_enabled=False)
    have = _state(off)
    (change,) = KIND.diff(have, want)
    assert (change.action, change.aspect) == (Action.UPDATE, "backup")
    assert change.fields == (FieldChange("S3BackupMode", "Disabled", "Enabled"),
                             FieldChange("S3BackupConfiguration", None, want.destination["S3BackupConfiguration"]))
    # A backup AWS still describes while it is disabled is not compared: sesl sends none
    described = {**have.destination, "S3BackupConfiguration": {"Prefix": "x/"}}
    assert KIND.diff(_state(off, destination=described), off) == []


@pytest.mark.parametrize(("key", "value", "aspect", "path"), [
    ("RoleARN", "arn:aws:iam::1:role/other", "destination", "RoleARN"),
    ("BucketARN", "arn:aws:s3:::other", "destination", "BucketARN"),
    ("BufferingHints", {"SizeInMBs": 128, "IntervalInSeconds": 60}, "buffering", "BufferingHints.SizeInMBs"),
    ("Prefix", "other/", "prefixes", "Prefix"),
    ("ErrorOutputPrefix", "errors/", "prefixes", "ErrorOutputPrefix"),
    ("CompressionFormat", "GZIP", "conversion", "CompressionFormat"),
    ("CloudWatchLoggingOptions", {"Enabled": False}, "logging", "CloudWatchLoggingOptions.Enabled"),
])
def test_each_key_is_an_update_of_its_aspect(key: str, value: Any, aspect: str, path: str) -> None:
    want = _want()
    have = _state(want)
    have = replace(have, destination={**have.destination, key: value})
    (change,) = KIND.diff(have, want)
    assert (change.kind, change.name, change.action, change.aspect) == ("firehose_stream", NEWSLETTER,
                                                                        Action.UPDATE, aspect)
    assert change.fields[0].path == path
    assert change.have is have and change.want is want


def test_conversion_backup_and_tags_drift_are_their_aspects() -> None:
    want = _want()
    have = _state(want)
    conversion = copy.deepcopy(have.destination["DataFormatConversionConfiguration"])
    conversion["SchemaConfiguration"]["TableName"] = "other"
    backup = {**have.destination["S3BackupConfiguration"], "CompressionFormat": "UNCOMPRESSED"}
    drifted = replace(have, destination={**have.destination, "DataFormatConversionConfiguration": conversion,
                                         "S3BackupConfiguration": backup},
                      tags={**have.tags, "sesl:env": "prod"})
    changes = KIND.diff(drifted, want)
    assert [(c.aspect, [(f.path, f.before, f.after) for f in c.fields]) for c in changes] == [
        ("conversion", [("DataFormatConversionConfiguration.SchemaConfiguration.TableName", "other",
                         "newsletter_events")]),
        ("backup", [("S3BackupConfiguration.CompressionFormat", "UNCOMPRESSED", "GZIP")]),
        ("tags", [("tags.sesl:env", "prod", "dev")])]
    assert all(c.have is drifted and c.want is want for c in changes)  # what apply and the folds work from


# --- create, update, delete ---------------------------------------------------------------------------------------
class _Recorder:
    """Stands in for retry_eventual: records what it was asked to retry, and calls it once."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, tuple[str, ...]]] = []

    def __call__(self, fn: Callable[[], Any], what: str, service: str, roles: tuple[str, ...] = ()) -> Any:
        self.calls.append((what, service, roles))
        return fn()


def test_create_sends_the_request_with_its_roles_then_waits(ctx: AwsContext, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fh, "POLL_SECONDS", 0.0)
    recorder = _Recorder()
    monkeypatch.setattr(fh, "retry_eventual", recorder)
    ctx.allow_mutations()
    want = _want()
    with Stubber(ctx.client("firehose")) as stub:
        stub.add_response("create_delivery_stream", {"DeliveryStreamARN": "arn:aws:firehose:x"},
                          fh._create_request(want).params)
        stub.add_response("describe_delivery_stream", _body("CREATING"))
        stub.add_response("describe_delivery_stream", _body("ACTIVE"))
        KIND.create(ctx, want)
        stub.assert_no_pending_responses()
    assert recorder.calls == [(f"firehose_stream.{NEWSLETTER}", "firehose", (ROLE,))]


def _update_params(want: fh.StreamSpec, version: str) -> dict[str, Any]:
    return {"DeliveryStreamName": NEWSLETTER, "CurrentDeliveryStreamVersionId": version,
            "DestinationId": "destinationId-000000000002",
            "ExtendedS3DestinationUpdate": fh._update_request(want.destination)}


def _read_responses(stub: Stubber, version: str) -> None:
    stub.add_response("describe_delivery_stream", _body(VersionId=version, Destinations=[
        {"DestinationId": "destinationId-000000000002", "ExtendedS3DestinationDescription": S3}]))
    stub.add_response("list_tags_for_delivery_stream", TAGS)


def test_update_sends_the_whole_destination_at_the_version_just_read(ctx: AwsContext,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = _Recorder()
    monkeypatch.setattr(fh, "retry_eventual", recorder)
    ctx.allow_mutations()
    want = _want()
    with Stubber(ctx.client("firehose")) as stub:
        _read_responses(stub, "9")
        stub.add_response("update_destination", {}, _update_params(want, "9"))
        KIND.update_whole(ctx, want, _state(want))
        stub.assert_no_pending_responses()
    assert recorder.calls == [(f"firehose_stream.{NEWSLETTER}", "firehose", (ROLE,))]


def test_a_concurrent_modification_rereads_and_updates_once_more(ctx: AwsContext,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = _Recorder()
    monkeypatch.setattr(fh, "retry_eventual", recorder)
    ctx.allow_mutations()
    want = _want()
    with Stubber(ctx.client("firehose")) as stub:
        _read_responses(stub, "9")
        stub.add_client_error("update_destination", "ConcurrentModificationException", "changed meanwhile",
                              expected_params=_update_params(want, "9"))
        _read_responses(stub, "10")
        stub.add_response("update_destination", {}, _update_params(want, "10"))
        KIND.update_whole(ctx, want, _state(want))
        stub.assert_no_pending_responses()
    assert recorder.calls == [(f"firehose_stream.{NEWSLETTER}", "firehose", (ROLE,))] * 2


def test_any_other_update_error_is_raised_at_once(ctx: AwsContext, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fh, "retry_eventual", _Recorder())
    ctx.allow_mutations()
    want = _want()
    with Stubber(ctx.client("firehose")) as stub:
        _read_responses(stub, "9")
        stub.add_client_error("update_destination", "InvalidArgumentException", "bad prefix")
        with pytest.raises(botocore.exceptions.ClientError, match="bad prefix"):
            KIND.update_whole(ctx, want, _state(want))
        stub.assert_no_pending_responses()


def test_a_stream_gone_while_updated_says_so(ctx: AwsContext, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fh, "retry_eventual", _Recorder())
    ctx.allow_mutations()
    want = _want()
    with Stubber(ctx.client("firehose")) as stub:
        stub.add_client_error("describe_delivery_stream", "ResourceNotFoundException", "gone")
        with pytest.raises(AwsCallError, match=f"^firehose_stream.{NEWSLETTER} disappeared while being updated; run "
                                               "apply again$"):
            KIND.update_whole(ctx, want, _state(want))


def test_tags_are_written_with_tag_delivery_stream(ctx: AwsContext) -> None:
    ctx.allow_mutations()
    want = _want()
    with Stubber(ctx.client("firehose")) as stub:
        stub.add_response("tag_delivery_stream", {}, {"DeliveryStreamName": NEWSLETTER, "Tags": [
            {"Key": "sesl:env", "Value": "dev"}, {"Key": "sesl:managed-by", "Value": "sesl"}]})
        KIND.update_tags(ctx, want, _state(want))
        stub.assert_no_pending_responses()


def test_a_replace_deletes_then_creates(ctx: AwsContext, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(fh.FirehoseStreamKind, "delete", lambda self, c, have: calls.append(f"delete {have.status}"))
    monkeypatch.setattr(fh.FirehoseStreamKind, "create", lambda self, c, want: calls.append(f"create {want.name}"))
    want = _want()
    KIND.replace(ctx, want, _state(want, status="CREATING_FAILED"))
    assert calls == ["delete CREATING_FAILED", f"create {NEWSLETTER}"]


# --- the waits ----------------------------------------------------------------------------------------------------
class _Clock:
    """time for the waits: monotonic() gives the next of `readings`, then a time past any deadline (so a wait that
    polls more than expected ends at once); sleep() is recorded."""

    def __init__(self, *readings: float) -> None:
        self.readings = list(readings)
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.readings.pop(0) if self.readings else 1e12

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


class _Reporter(ui.Reporter):
    def __init__(self) -> None:
        self.bars: list[tuple[str, float | None]] = []
        self.advanced: list[float] = []

    @contextmanager
    def progress(self, description: str, total: float | None = None) -> Iterator[Callable[[float], None]]:
        self.bars.append((description, total))
        yield self.advanced.append


@pytest.fixture
def shown(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Reporter]:
    recording = _Reporter()
    previous = ui.reporter()
    ui.set_reporter(recording)
    yield recording
    ui.set_reporter(previous)


def test_waiting_polls_every_five_seconds_and_shows_its_progress(ctx: AwsContext, shown: _Reporter,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    clock = _Clock(100.0, 100.0, 100.0)  # the clock stands still at the deadline: not past it, so the wait goes on
    monkeypatch.setattr(fh, "time", clock)
    with Stubber(ctx.client("firehose")) as stub:
        for status in ("CREATING", "CREATING", "ACTIVE"):
            stub.add_response("describe_delivery_stream", _body(status), {"DeliveryStreamName": "s"})
        fh.wait_until_active(ctx, "s", timeout=0.0)
        stub.assert_no_pending_responses()
    assert clock.slept == [5.0, 5.0]
    assert shown.advanced == [5.0, 5.0]
    assert shown.bars == [("waiting for s", 0.0)]


def test_waiting_past_the_deadline_says_how_long(ctx: AwsContext, shown: _Reporter,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fh, "time", _Clock(100.0, 100.0, 130.5))
    with Stubber(ctx.client("firehose")) as stub:
        for _ in range(2):
            stub.add_response("describe_delivery_stream", _body("DELETING"))
        with pytest.raises(AwsCallError, match=r"^firehose_stream.s still DELETING after 30 s; run apply again later "
                                               "to finish$"):
            fh.wait_until_gone(ctx, "s", timeout=30.0)
        stub.assert_no_pending_responses()
    assert shown.bars == [("waiting for the deletion of s", 30.0)]


def test_the_default_wait_is_fifteen_minutes(ctx: AwsContext, shown: _Reporter,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    clock = _Clock(0.0, 0.0, 900.0, 900.5)
    monkeypatch.setattr(fh, "time", clock)
    with Stubber(ctx.client("firehose")) as stub:
        for _ in range(3):
            stub.add_response("describe_delivery_stream", _body("CREATING"))
        with pytest.raises(AwsCallError, match="still CREATING after 900 s"):
            fh.wait_until_active(ctx, "s")
        stub.assert_no_pending_responses()
    assert clock.slept == [5.0, 5.0]  # at 900 s it polls once more, past it it stops


def test_a_deletion_is_done_when_the_stream_is_gone(ctx: AwsContext, shown: _Reporter,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    clock = _Clock(0.0, 0.0)
    monkeypatch.setattr(fh, "time", clock)
    with Stubber(ctx.client("firehose")) as stub:
        stub.add_response("describe_delivery_stream", _body("DELETING"))
        stub.add_client_error("describe_delivery_stream", "ResourceNotFoundException", "gone")
        fh.wait_until_gone(ctx, "s")
        stub.assert_no_pending_responses()
    assert clock.slept == [5.0]


@pytest.mark.parametrize("status", ["CREATING_FAILED", "DELETING_FAILED"])
def test_a_wait_stops_at_a_failed_status_with_its_failure(ctx: AwsContext, shown: _Reporter, status: str,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fh, "time", _Clock(0.0))
    with Stubber(ctx.client("firehose")) as stub:
        stub.add_response("describe_delivery_stream", _body(
            status, FailureDescription={"Type": "INVALID_KMS_KEY", "Details": "no such key"}))
        with pytest.raises(AwsCallError, match=(
                rf"^firehose_stream.s is {status} \(INVALID_KMS_KEY: no such key\); fix the cause and run apply again: "
                "a failed stream is planned as a replacement$")):
            fh.wait_until_gone(ctx, "s")


def test_planning_waits_for_a_settling_stream_and_shows_it(ctx: AwsContext, shown: _Reporter,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    clock = _Clock(100.0, 100.0, 100.0)
    monkeypatch.setattr(fh, "time", clock)
    with Stubber(ctx.client("firehose")) as stub:
        for status in ("DELETING", "DELETING", "CREATING_FAILED"):
            stub.add_response("describe_delivery_stream", _body(status), {"DeliveryStreamName": "s"})
        settled = fh._settled(ctx, "s", timeout=0.0)
        stub.assert_no_pending_responses()
    assert settled is not None and settled["DeliveryStreamStatus"] == "CREATING_FAILED"
    assert clock.slept == [5.0, 5.0] and shown.advanced == [5.0, 5.0]
    assert shown.bars == [("waiting for s (DELETING) to settle", 0.0)]


def test_planning_does_not_wait_for_a_settled_stream(ctx: AwsContext, shown: _Reporter,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fh, "time", _Clock(0.0))
    for status in ("ACTIVE", "CREATING_FAILED", "DELETING_FAILED"):
        with Stubber(ctx.client("firehose")) as stub:
            stub.add_response("describe_delivery_stream", _body(status))
            assert fh._settled(ctx, "s")["DeliveryStreamStatus"] == status  # type: ignore[index]
    assert shown.bars == []


def test_planning_gives_up_after_the_default_fifteen_minutes(ctx: AwsContext, shown: _Reporter,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fh, "time", _Clock(0.0, 900.0, 900.5))
    with Stubber(ctx.client("firehose")) as stub:
        for _ in range(2):
            stub.add_response("describe_delivery_stream", _body("CREATING"))
        with pytest.raises(AwsCallError, match=r"^firehose_stream.s still CREATING after 900 s; run the command again "
                                               "later$"):
            fh._settled(ctx, "s")
        stub.assert_no_pending_responses()
    assert shown.bars == [("waiting for s (CREATING) to settle", 900.0)]


def test_the_aspects_write_the_destination_whole_and_the_tags_apart() -> None:
    by_name = {a.name: a for a in KIND.ASPECTS}
    assert list(by_name) == ["destination", "buffering", "prefixes", "conversion", "logging", "backup", "tags"]
    assert all(by_name[a].whole for a in fh.DESTINATION_ASPECTS)
    assert by_name["tags"].operations == ("firehose:TagDeliveryStream",) and not by_name["tags"].whole
