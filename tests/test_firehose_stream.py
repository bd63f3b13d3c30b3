"""Firehose streams climb the ladder; each aspect's drift is precise; replacements need the flag."""

from __future__ import annotations

import functools
from typing import Any

import pytest
from botocore.stub import Stubber

from sesl import reconcile
from sesl.context import AwsContext
from sesl.errors import AwsCallError, RefusedError
from sesl.model import Action
from sesl.resources import firehose_stream
from sesl.retry import retry_eventual
from tests.conftest import boto
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
