"""Firehose streams climb the ladder; each aspect's drift is precise; replacements need the flag."""

from __future__ import annotations

import copy
import functools
from typing import Any

import pytest
from botocore.stub import Stubber

from sesl import reconcile
from sesl.context import AwsContext
from sesl.errors import AwsCallError, RefusedError
from sesl.model import Action, Change
from sesl.resources import firehose_stream
from sesl.retry import retry_eventual
from tests.conftest import ACCOUNT, boto
from tests.ladder import climb, converge, drift_then_repair, plan_for

NEWSLETTER = "email-events-newsletter-dev"
TRANSACTIONAL = "email-events-transactional-dev"
DEPS = ["s3_bucket", "iam_role", "log_group"]


def _update(name: str, **destination: Any) -> None:
    firehose = boto("firehose")
    description = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
    firehose.update_destination(DeliveryStreamName=name, CurrentDeliveryStreamVersionId=description["VersionId"],
                                DestinationId=description["Destinations"][0]["DestinationId"],
                                ExtendedS3DestinationUpdate=destination)


def _description(name: str) -> dict[str, Any]:
    described = boto("firehose").describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
    return dict(described["Destinations"][0]["ExtendedS3DestinationDescription"])


def test_streams_climb_the_ladder_as_specified(ctx: AwsContext) -> None:
    climb(ctx, "firehose_stream", [NEWSLETTER, TRANSACTIONAL], deps=DEPS)
    d = _description(NEWSLETTER)
    assert d["Prefix"] == "newsletter/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/"
    assert d["ErrorOutputPrefix"] == ("errors/newsletter/!{firehose:error-output-type}/year=!{timestamp:yyyy}/"
                                      "month=!{timestamp:MM}/day=!{timestamp:dd}/")
    assert d["BufferingHints"] == {"SizeInMBs": 64, "IntervalInSeconds": 60}
    assert d["CompressionFormat"] == "UNCOMPRESSED"
    conversion = d["DataFormatConversionConfiguration"]
    assert conversion["OutputFormatConfiguration"]["Serializer"]["ParquetSerDe"]["Compression"] == "GZIP"
    assert conversion["SchemaConfiguration"]["TableName"] == "newsletter_events"
    assert conversion["SchemaConfiguration"]["VersionId"] == "LATEST"
    assert d["S3BackupMode"] == "Enabled"
    assert d["S3BackupDescription"]["Prefix"].startswith("raw/email-events-newsletter-dev/year=")
    assert d["CloudWatchLoggingOptions"]["LogGroupName"] == "/aws/kinesisfirehose/email-events-newsletter-dev"


def test_buffering_drift_names_the_exact_field(ctx: AwsContext) -> None:
    climb(ctx, "firehose_stream", [NEWSLETTER, TRANSACTIONAL], deps=DEPS)
    change = drift_then_repair(ctx, "firehose_stream", NEWSLETTER, "buffering", lambda: _update(
        NEWSLETTER, BufferingHints={"SizeInMBs": 64, "IntervalInSeconds": 300}))
    assert [(f.path, f.before, f.after) for f in change.fields] == [("BufferingHints.IntervalInSeconds", 300, 60)]
    assert _description(NEWSLETTER)["Prefix"].startswith("newsletter/")  # the whole destination was sent back


def test_prefix_drift(ctx: AwsContext) -> None:
    climb(ctx, "firehose_stream", [NEWSLETTER, TRANSACTIONAL], deps=DEPS)
    change = drift_then_repair(ctx, "firehose_stream", TRANSACTIONAL, "prefixes", lambda: _update(
        TRANSACTIONAL, Prefix="other/", ErrorOutputPrefix="errors/"))
    assert {f.path for f in change.fields} == {"Prefix", "ErrorOutputPrefix"}


def test_conversion_and_logging_drift(ctx: AwsContext) -> None:
    climb(ctx, "firehose_stream", [NEWSLETTER, TRANSACTIONAL], deps=DEPS)
    conversion = _description(NEWSLETTER)["DataFormatConversionConfiguration"]
    conversion["OutputFormatConfiguration"] = {"Serializer": {"ParquetSerDe": {"Compression": "SNAPPY"}}}
    change = drift_then_repair(ctx, "firehose_stream", NEWSLETTER, "conversion", lambda: _update(
        NEWSLETTER, DataFormatConversionConfiguration=conversion))
    assert change.fields[0].path.endswith("ParquetSerDe.Compression")
    drift_then_repair(ctx, "firehose_stream", NEWSLETTER, "logging", lambda: _update(
        NEWSLETTER, CloudWatchLoggingOptions={"Enabled": False}))


def test_extra_tag_drift(aws: None) -> None:
    from dataclasses import replace

    from sesl.spec import default_spec

    ctx = AwsContext(replace(default_spec("dev"), tags={"team": "data"}))
    climb(ctx, "firehose_stream", [NEWSLETTER, TRANSACTIONAL], deps=DEPS)
    change = drift_then_repair(ctx, "firehose_stream", NEWSLETTER, "tags", lambda: boto("firehose").tag_delivery_stream(
        DeliveryStreamName=NEWSLETTER, Tags=[{"Key": "team", "Value": "web"}]))
    assert [(f.path, f.before, f.after) for f in change.fields] == [("tags.team", "web", "data")]


def test_disabling_the_backup_is_a_replacement_that_needs_the_flag(aws: None) -> None:
    from dataclasses import replace

    from sesl.spec import default_spec

    spec = default_spec("dev")
    converge(AwsContext(spec), [*DEPS, "firehose_stream"])
    ctx = AwsContext(replace(spec, firehose=replace(spec.firehose, backup_enabled=False)))
    the_plan = reconcile.plan(ctx, reconcile.PlanOptions(targets=("firehose_stream",)))
    assert [(c.name, c.action) for c in the_plan.changes] == [(NEWSLETTER, Action.REPLACE),
                                                              (TRANSACTIONAL, Action.REPLACE)]
    assert the_plan.changes[0].fields[0].path == "S3BackupMode"
    with pytest.raises(RefusedError, match="--allow-replace"):
        reconcile.execute(ctx, the_plan)
    reconcile.execute(ctx, the_plan, allow_replace=True)
    assert _description(NEWSLETTER)["S3BackupMode"] == "Disabled"
    assert plan_for(ctx, ["firehose_stream"]) == []


def test_creation_waits_until_active_and_reports_a_failed_stream(ctx: AwsContext, monkeypatch: Any) -> None:
    monkeypatch.setattr(firehose_stream, "POLL_SECONDS", 0.0)
    firehose = ctx.client("firehose")

    def describe(status: str, failure: dict[str, str] | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"DeliveryStreamName": "s",
                                "DeliveryStreamARN": "arn:aws:firehose:us-west-2:1:deliverystream/s",
                                "DeliveryStreamStatus": status, "DeliveryStreamType": "DirectPut", "VersionId": "1",
                                "Destinations": [], "HasMoreDestinations": False}
        if failure:
            body["FailureDescription"] = failure
        return {"DeliveryStreamDescription": body}

    with Stubber(firehose) as stub:
        for status in ("CREATING", "CREATING", "ACTIVE"):
            stub.add_response("describe_delivery_stream", describe(status), {"DeliveryStreamName": "s"})
        firehose_stream.wait_until_active(ctx, "s")
        stub.assert_no_pending_responses()
    with Stubber(firehose) as stub:
        stub.add_response("describe_delivery_stream", describe(
            "CREATING_FAILED", {"Type": "INVALID_KMS_KEY", "Details": "no such key"}), {"DeliveryStreamName": "s"})
        with pytest.raises(AwsCallError, match=r"CREATING_FAILED .*INVALID_KMS_KEY: no such key"):
            firehose_stream.wait_until_active(ctx, "s")


def test_iam_propagation_errors_on_create_are_retried(ctx: AwsContext, monkeypatch: Any) -> None:
    from moto.firehose.exceptions import InvalidArgumentException
    from moto.firehose.models import FirehoseBackend

    original = FirehoseBackend.create_delivery_stream
    attempts = {"n": 0}

    def not_yet(self: Any, *args: Any, **kwargs: Any) -> Any:
        attempts["n"] += 1
        if attempts["n"] == 1:
            raise InvalidArgumentException("Firehose is unable to assume role arn:aws:iam::123456789012:role/x. "
                                           "Please check the role provided.")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(FirehoseBackend, "create_delivery_stream", not_yet)
    monkeypatch.setattr(firehose_stream, "retry_eventual", functools.partial(retry_eventual, initial_wait=0.01))
    converge(ctx, [*DEPS, "firehose_stream"])
    assert attempts["n"] == 3  # newsletter failed once then succeeded; transactional at once
    assert plan_for(ctx, ["firehose_stream"]) == []


# --- what AWS answers (sesl.sandbox.shapes.firehose) ------------------------------------------------------------
def _moto_echo(spec: Any = None) -> dict[str, Any]:
    """DescribeDeliveryStream as moto answers it: the destination exactly as it was sent."""
    from sesl.naming import Names
    from sesl.resources.base import Env
    from sesl.spec import default_spec

    env = Env(spec or default_spec("dev"), Names("dev", "us-west-2", ACCOUNT))
    destination = copy.deepcopy(firehose_stream.destination_config(env, "newsletter"))
    destination["S3BackupDescription"] = destination.pop("S3BackupConfiguration")
    return {"DeliveryStreamDescription": {
        "DeliveryStreamName": NEWSLETTER, "DeliveryStreamStatus": "ACTIVE", "DeliveryStreamType": "DirectPut",
        "VersionId": "1", "HasMoreDestinations": False,
        "Destinations": [{"DestinationId": "destinationId-000000000001",
                          "ExtendedS3DestinationDescription": destination}]}}


def test_the_sandbox_answers_describe_with_awss_defaults_and_omissions() -> None:
    from sesl.sandbox import shapes

    sent = {"RoleARN": "arn:aws:iam::1:role/r", "BucketARN": "arn:aws:s3:::b",
            "S3BackupDescription": {"RoleARN": "arn:aws:iam::1:role/r", "BucketARN": "arn:aws:s3:::b"}}
    minimal = {"DeliveryStreamDescription": {"Destinations": [{"DestinationId": "d",
                                                               "ExtendedS3DestinationDescription": sent}]}}
    shaped = shapes.shape("firehose", "DescribeDeliveryStream", minimal, {})
    extended = shaped["DeliveryStreamDescription"]["Destinations"][0]["ExtendedS3DestinationDescription"]
    assert extended == {
        "RoleARN": "arn:aws:iam::1:role/r", "BucketARN": "arn:aws:s3:::b",
        "BufferingHints": {"SizeInMBs": 5, "IntervalInSeconds": 300}, "CompressionFormat": "UNCOMPRESSED",
        "EncryptionConfiguration": {"NoEncryptionConfig": "NoEncryption"},
        "CloudWatchLoggingOptions": {"Enabled": False}, "S3BackupMode": "Disabled",
        "ProcessingConfiguration": {"Enabled": False, "Processors": []},
        "S3BackupDescription": {"RoleARN": "arn:aws:iam::1:role/r", "BucketARN": "arn:aws:s3:::b",
                                "BufferingHints": {"SizeInMBs": 5, "IntervalInSeconds": 300},
                                "CompressionFormat": "UNCOMPRESSED",
                                "EncryptionConfiguration": {"NoEncryptionConfig": "NoEncryption"},
                                "CloudWatchLoggingOptions": {"Enabled": False}}}
    # What was sent is kept; SerDe members at their default are left out, others kept.
    sesls = shapes.shape("firehose", "DescribeDeliveryStream", _moto_echo(), {})
    d = sesls["DeliveryStreamDescription"]["Destinations"][0]["ExtendedS3DestinationDescription"]
    assert d["BufferingHints"] == {"SizeInMBs": 64, "IntervalInSeconds": 60}
    assert d["CloudWatchLoggingOptions"]["Enabled"] is True and d["S3BackupMode"] == "Enabled"
    conversion = d["DataFormatConversionConfiguration"]
    assert conversion["InputFormatConfiguration"]["Deserializer"] == {"OpenXJsonSerDe": {}}
    assert conversion["OutputFormatConfiguration"]["Serializer"] == {"ParquetSerDe": {"Compression": "GZIP"}}
    assert conversion["SchemaConfiguration"]["VersionId"] == "LATEST"


def _state_from(described: dict[str, Any], tags: dict[str, str]) -> firehose_stream.StreamState:
    description = described["DeliveryStreamDescription"]
    destination = description["Destinations"][0]
    return firehose_stream.StreamState(
        NEWSLETTER, True, description["DeliveryStreamStatus"], "", "DirectPut", "1", destination["DestinationId"],
        firehose_stream._as_config(destination["ExtendedS3DestinationDescription"]), tags)


@pytest.mark.parametrize("compression", ["GZIP", "SNAPPY"])
def test_the_diff_of_an_aws_shaped_read_is_empty(compression: str) -> None:
    from dataclasses import replace

    from sesl.naming import Names
    from sesl.resources.base import Env
    from sesl.sandbox import shapes
    from sesl.spec import default_spec

    spec = default_spec("dev")
    spec = replace(spec, firehose=replace(spec.firehose, parquet_compression=compression))
    described = shapes.shape("firehose", "DescribeDeliveryStream", _moto_echo(spec), {})
    serializer = (described["DeliveryStreamDescription"]["Destinations"][0]["ExtendedS3DestinationDescription"]
                  ["DataFormatConversionConfiguration"]["OutputFormatConfiguration"]["Serializer"])
    assert serializer == {"ParquetSerDe": {"Compression": "GZIP"} if compression == "GZIP" else {}}
    kind = firehose_stream.FirehoseStreamKind()
    want = next(w for w in kind.desired(Env(spec, Names("dev", "us-west-2", ACCOUNT))) if w.name == NEWSLETTER)
    assert kind.diff(_state_from(described, want.tags), want) == []


def test_a_snappy_stream_converges_although_aws_leaves_the_compression_out(aws: None) -> None:
    from dataclasses import replace

    from sesl.spec import default_spec

    spec = default_spec("dev")
    ctx = AwsContext(replace(spec, firehose=replace(spec.firehose, parquet_compression="SNAPPY")))
    climb(ctx, "firehose_stream", [NEWSLETTER, TRANSACTIONAL], deps=DEPS)
    serializer = _description(NEWSLETTER)["DataFormatConversionConfiguration"]["OutputFormatConfiguration"]
    assert serializer == {"Serializer": {"ParquetSerDe": {}}}  # the shaping is on: Compression left out
    assert _description(NEWSLETTER)["EncryptionConfiguration"] == {"NoEncryptionConfig": "NoEncryption"}


# --- a stream whose creation failed is replaced --------------------------------------------------------------
def _break(name: str, status: str = "CREATING_FAILED") -> None:
    """Put moto's stream into a failed state, with the FailureDescription AWS gives it."""
    from moto.firehose.models import firehose_backends

    stream = firehose_backends[ACCOUNT]["us-west-2"].delivery_streams[name]
    stream.delivery_stream_status = status
    stream.failure_description = {"Type": "INVALID_KMS_KEY", "Details": "The KMS key is not valid"}


def test_a_failed_stream_is_planned_as_a_replace_with_its_failure(ctx: AwsContext) -> None:
    converge(ctx, [*DEPS, "firehose_stream"])
    _break(NEWSLETTER)
    (change,) = plan_for(ctx, ["firehose_stream"])
    assert (change.name, change.action, change.aspect) == (NEWSLETTER, Action.REPLACE, "failed")
    assert [(f.path, f.before, f.after) for f in change.fields] == [("DeliveryStreamStatus", "CREATING_FAILED",
                                                                     "ACTIVE")]
    assert change.reason == ("the stream is CREATING_FAILED (INVALID_KMS_KEY: The KMS key is not valid) and delivers "
                             "nothing: it is deleted and created again")


def test_diff_then_apply_replace_a_failed_stream_without_allow_replace(ctx: AwsContext) -> None:
    from click.testing import CliRunner

    from sesl.cli.main import cli

    targets = [arg for kind in ("s3_bucket", "iam_role", "glue_database", "glue_table", "log_group",
                                "firehose_stream", "ses_event_destination") for arg in ("--target", kind)]

    def run(*args: str) -> Any:
        return CliRunner().invoke(cli, ["--no-color", *args, "--env", "dev", *targets])

    first = run("apply", "--yes")
    assert first.exit_code == 0, first.output
    assert run("diff").exit_code == 0
    _break(TRANSACTIONAL)
    shown = run("diff")
    assert shown.exit_code == 2, shown.output
    assert f"-/+ firehose_stream.{TRANSACTIONAL}" in shown.output
    assert "CREATING_FAILED (INVALID_KMS_KEY: The KMS key is not valid)" in shown.output
    applied = run("apply", "--yes")
    assert applied.exit_code == 0, applied.output
    assert run("diff").exit_code == 0
    assert boto("firehose").describe_delivery_stream(DeliveryStreamName=TRANSACTIONAL)[
        "DeliveryStreamDescription"]["DeliveryStreamStatus"] == "ACTIVE"


def test_only_a_failed_replace_goes_without_the_flag(ctx: AwsContext) -> None:
    converge(ctx, [*DEPS, "firehose_stream"])
    _break(NEWSLETTER, "DELETING_FAILED")
    failed = reconcile.plan(ctx, reconcile.PlanOptions(targets=("firehose_stream",)))
    ordinary = reconcile.Plan(failed.env, failed.account, failed.region, tuple(
        Change(c.kind, c.name, c.action, "resource", c.fields, c.reason, want=c.want, have=c.have)
        for c in failed.changes))
    with pytest.raises(RefusedError, match=f"firehose_stream.{NEWSLETTER} must be replaced"):
        reconcile.execute(ctx, ordinary)
    reconcile.execute(ctx, failed)
    assert plan_for(ctx, ["firehose_stream"]) == []


def test_a_deleting_failed_stream_is_deleted_with_force(ctx: AwsContext, monkeypatch: Any) -> None:
    monkeypatch.setattr(firehose_stream, "POLL_SECONDS", 0.0)
    firehose = ctx.client("firehose")
    ctx.allow_mutations()
    have = firehose_stream.StreamState("s", True, "DELETING_FAILED", "x: y", "DirectPut", "1", "d", {}, {})
    with Stubber(firehose) as stub:
        stub.add_response("delete_delivery_stream", {}, {"DeliveryStreamName": "s", "AllowForceDelete": True})
        stub.add_client_error("describe_delivery_stream", "ResourceNotFoundException", "gone")
        firehose_stream.FirehoseStreamKind().delete(ctx, have)
        stub.assert_no_pending_responses()
    with Stubber(firehose) as stub:  # any other status: a plain delete
        stub.add_response("delete_delivery_stream", {}, {"DeliveryStreamName": "s"})
        stub.add_client_error("describe_delivery_stream", "ResourceNotFoundException", "gone")
        firehose_stream.FirehoseStreamKind().delete(ctx, replace_status(have, "CREATING_FAILED"))
        stub.assert_no_pending_responses()


def replace_status(have: firehose_stream.StreamState, status: str) -> firehose_stream.StreamState:
    from dataclasses import replace

    return replace(have, status=status)


def test_planning_waits_for_a_stream_still_creating_or_deleting(ctx: AwsContext, monkeypatch: Any) -> None:
    monkeypatch.setattr(firehose_stream, "POLL_SECONDS", 0.0)
    firehose = ctx.client("firehose")
    body: dict[str, Any] = {"DeliveryStreamName": "s",
                            "DeliveryStreamARN": "arn:aws:firehose:us-west-2:1:deliverystream/s",
                            "DeliveryStreamType": "DirectPut", "VersionId": "1", "Destinations": [],
                            "HasMoreDestinations": False}
    with Stubber(firehose) as stub:
        for status in ("CREATING", "CREATING", "ACTIVE"):
            stub.add_response("describe_delivery_stream",
                              {"DeliveryStreamDescription": {**body, "DeliveryStreamStatus": status}})
        assert firehose_stream._settled(ctx, "s")["DeliveryStreamStatus"] == "ACTIVE"  # type: ignore[index]
        stub.assert_no_pending_responses()
    with Stubber(firehose) as stub:
        stub.add_response("describe_delivery_stream",
                          {"DeliveryStreamDescription": {**body, "DeliveryStreamStatus": "DELETING"}})
        stub.add_client_error("describe_delivery_stream", "ResourceNotFoundException", "gone")
        assert firehose_stream._settled(ctx, "s") is None
    with Stubber(firehose) as stub:
        stub.add_response("describe_delivery_stream",
                          {"DeliveryStreamDescription": {**body, "DeliveryStreamStatus": "CREATING"}})
        with pytest.raises(AwsCallError, match="still CREATING after 0 s"):
            firehose_stream._settled(ctx, "s", timeout=0.0)
