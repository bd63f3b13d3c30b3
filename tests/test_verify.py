"""`sesl verify` against the emulator: passes with its honest not-checked steps, and fails naming the
step when a stream's prefix, the table's location template or the workgroup is broken out of band."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from sesl.cli.main import cli
from sesl.context import AwsContext
from sesl.verify import FAIL, PASS, UNCHECKED, run_verify
from tests.conftest import boto
from tests.ladder import converge

EVENTS = "daily-system-design-email-events-dev"


def verify_json(*extra: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(cli, ["verify", "--env", "dev", "--json", "--wait", "5", *extra])
    body = result.output[: result.output.rindex("}") + 1]
    return result.exit_code, json.loads(body)


def statuses(report: dict[str, Any]) -> dict[str, str]:
    return {s["name"]: s["status"] for s in report["steps"]}


def test_verify_passes_on_a_converged_sandbox_and_says_what_it_could_not_check(ctx: AwsContext) -> None:
    converge(ctx)
    code, report = verify_json()
    assert code == 0, report
    steps = statuses(report)
    for flow in ("newsletter", "transactional"):
        assert steps[f"{flow}: stream"] == steps[f"{flow}: table"] == steps[f"{flow}: S3"] == PASS
        assert steps[f"{flow}: errors/"] == PASS
        assert steps[f"{flow}: partition"] == steps[f"{flow}: parquet"] == steps[f"{flow}: Athena"] == UNCHECKED
    assert steps["saved queries"] == UNCHECKED
    details = {s["name"]: s["detail"] for s in report["steps"]}
    assert "moto writes records under its own key layout" in details["newsletter: partition"]
    assert "put 6 synthetic SES records" in details["newsletter: send"]
    # What verify wrote where it holds only its records is deleted, and it says so.
    assert any("deleted the 1 test object(s) of newsletter" in line for line in report["left_behind"])
    keys = [o["Key"] for o in boto("s3").list_objects_v2(Bucket=EVENTS).get("Contents", [])]
    assert keys == []


def _update_stream(**destination: Any) -> None:
    firehose = boto("firehose")
    name = "email-events-newsletter-dev"
    description = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
    firehose.update_destination(DeliveryStreamName=name, CurrentDeliveryStreamVersionId=description["VersionId"],
                                DestinationId=description["Destinations"][0]["DestinationId"],
                                ExtendedS3DestinationUpdate=destination)


def _break_template() -> None:
    glue = boto("glue")
    table = glue.get_table(DatabaseName="email_events_db_dev", Name="transactional_events")["Table"]
    params = {**table["Parameters"], "storage.location.template": "s3://elsewhere/${year}/${month}/${day}/"}
    glue.update_table(DatabaseName="email_events_db_dev", TableInput={
        "Name": table["Name"], "TableType": table["TableType"], "Parameters": params,
        "PartitionKeys": table["PartitionKeys"], "StorageDescriptor": table["StorageDescriptor"]})


@pytest.mark.parametrize(("breakage", "failing"), [
    (lambda: _update_stream(Prefix="other/", ErrorOutputPrefix="errors/"), "newsletter: stream"),
    (_break_template, "transactional: table"),
    (lambda: boto("athena").update_work_group(WorkGroup="email-analytics-dev", State="DISABLED"), "workgroup"),
])
def test_verify_fails_naming_the_broken_step(ctx: AwsContext, breakage: Any, failing: str) -> None:
    converge(ctx)
    breakage()
    code, report = verify_json()
    assert code == 1
    assert statuses(report)[failing] == FAIL
    result = CliRunner().invoke(cli, ["verify", "--env", "dev", "--wait", "5"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1].startswith("error: verify failed at: ")
    assert failing in result.output.strip().splitlines()[-1]


def test_records_that_never_arrive_fail_the_s3_step_after_the_wait(ctx: AwsContext, monkeypatch: Any) -> None:
    converge(ctx)
    from sesl import verify

    monkeypatch.setattr(verify.Verifier, "_new_keys", lambda self, prefix: [])
    report = run_verify(ctx, wait_seconds=0.2, poll_seconds=0.05)
    steps = {s.name: s for s in report.steps}
    assert steps["newsletter: S3"].status == FAIL
    assert "no new object under s3://daily-system-design-email-events-dev/newsletter/" in steps["newsletter: S3"].detail
    assert "newsletter: Athena" not in steps  # later steps of a failed flow are not run


def test_on_aws_verify_sends_through_each_configuration_set_to_the_mailbox_simulator(
        aws: None, monkeypatch: Any) -> None:
    from dataclasses import replace

    from botocore.stub import Stubber

    from sesl.spec import default_spec
    from sesl.verify import SIMULATOR, TAG, Verifier

    monkeypatch.setenv("SESL_EMULATED", "0")
    spec = default_spec("dev")
    ctx = AwsContext(replace(spec, ses=replace(spec.ses, sender="newsletter@dailysystemdesign.example")))
    ctx.allow_mutations()
    verifier = Verifier(ctx, direct=False, wait_seconds=1)
    assert verifier.report.emulated is False
    sesv2 = ctx.client("sesv2")
    with Stubber(sesv2) as stub:
        for outcome, address in SIMULATOR.items():
            stub.add_response("send_email", {"MessageId": "m"}, {
                "FromEmailAddress": "newsletter@dailysystemdesign.example", "Destination": {"ToAddresses": [address]},
                "ConfigurationSetName": "daily-system-design-newsletter-dev",
                "EmailTags": [{"Name": TAG, "Value": verifier.report.token}],
                "Content": {"Simple": {"Subject": {"Data": f"sesl verify {outcome}"},
                                       "Body": {"Text": {"Data": f"sesl verify {verifier.report.token}"}}}}})
        status, detail = verifier.send("newsletter")
        stub.assert_no_pending_responses()
    assert status == PASS and "mailbox simulator" in detail
    assert verifier.expected_count() == 6  # a Send and an outcome event per simulator address
