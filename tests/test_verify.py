"""`sesl verify` against the sandbox: every step checked (the sandbox delivers Parquet under the partition
path and runs the SQL), and it fails naming the step when a stream's prefix, the table's location
template, the workgroup, the Parquet conversion or a saved query is broken."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from sesl.cli.main import cli
from sesl.context import AwsContext
from sesl.verify import FAIL, INFO, PASS, UNCHECKED, object_key_pattern, run_verify, select_columns
from tests.conftest import boto
from tests.ladder import applied

EVENTS = "daily-system-design-email-events-dev"
FLOW_STEPS = ("stream", "table", "send", "S3", "partition", "parquet", "errors/", "Athena")


def verify_json(*extra: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(cli, ["verify", "--env", "dev", "--json", "--wait", "5", *extra])
    # A slow query's progress line may come first (the reporter prints one after a few seconds).
    start = 0 if result.output.startswith("{") else result.output.index("\n{") + 1
    body = result.output[start: result.output.rindex("}") + 1]
    return result.exit_code, json.loads(body)


def statuses(report: dict[str, Any]) -> dict[str, str]:
    return {s["name"]: s["status"] for s in report["steps"]}


def test_verify_checks_every_step_in_the_sandbox(ctx: AwsContext) -> None:
    applied(ctx)
    code, report = verify_json()
    assert code == 0, report
    steps = statuses(report)
    expected = ["workgroup", "CloudTrail",
                *[f"{flow}: {step}" for flow in ("newsletter", "transactional") for step in FLOW_STEPS],
                "saved queries"]
    assert list(steps) == expected
    assert steps.pop("CloudTrail") == INFO  # the sandbox has no trail; not required by default
    assert set(steps.values()) == {PASS}
    assert UNCHECKED not in json.dumps(report)
    details = {s["name"]: s["detail"] for s in report["steps"]}
    assert "put 6 synthetic SES records" in details["newsletter: send"]
    assert details["newsletter: partition"].startswith("1 object(s) named as Firehose names them under "
                                                       "newsletter/year=")
    assert details["newsletter: parquet"] == "1 object(s) are Parquet"
    assert details["newsletter: Athena"].startswith("Athena sees all 6 test events (")
    assert "newsletter/daily_engagement: 1 row(s)" in details["saved queries"]
    assert "transactional/top_links: 1 row(s)" in details["saved queries"]
    # The Parquet objects and their raw backups hold only verify's records in the sandbox: deleted.
    assert any("deleted the 2 test object(s) of newsletter" in line for line in report["left_behind"])
    keys = [o["Key"] for o in boto("s3").list_objects_v2(Bucket=EVENTS).get("Contents", [])]
    assert keys == []


def test_verify_fails_the_parquet_step_when_the_stream_stops_converting(ctx: AwsContext) -> None:
    applied(ctx)
    _update_stream(DataFormatConversionConfiguration={"Enabled": False})
    code, report = verify_json()
    assert code == 1
    steps = statuses(report)
    assert steps["newsletter: parquet"] == FAIL
    assert steps["newsletter: partition"] == PASS  # still the right path, but raw JSON
    assert steps["transactional: parquet"] == PASS


def test_verify_fails_the_errors_step_when_a_record_fails_conversion(ctx: AwsContext, monkeypatch: Any) -> None:
    applied(ctx)
    from sesl import verify

    real = verify.ses_event

    def one_broken(event_type: str, **kwargs: Any) -> dict[str, Any]:
        event = real(event_type, **kwargs)
        # `open` is a struct column: a string cannot be read as one, so this record fails conversion.
        return {**event, "open": "not an object"} if event_type == "Open" else event

    monkeypatch.setattr(verify, "ses_event", one_broken)
    code, report = verify_json()
    assert code == 1
    steps = statuses(report)
    assert steps["newsletter: S3"] == steps["newsletter: parquet"] == PASS  # the other five converted
    assert steps["newsletter: errors/"] == FAIL
    assert steps["newsletter: Athena"] == FAIL  # Athena counts 5 of the 6
    detail = {s["name"]: s["detail"] for s in report["steps"]}["newsletter: Athena"]
    assert detail == "Athena counts 5 of the 6 test events in newsletter_events"


def test_object_key_pattern_is_firehose_s_object_name() -> None:
    pattern = object_key_pattern("newsletter/year=2026/month=11/day=30/", "email-events-newsletter-dev")
    good = ("newsletter/year=2026/month=11/day=30/email-events-newsletter-dev-1-2026-11-30-03-02-06-"
            "ae8317b3-53b7-4977-8b62-79a7c3c9ebce.parquet")
    assert pattern.fullmatch(good)
    assert pattern.fullmatch(good.removesuffix(".parquet"))
    assert not pattern.fullmatch(good.replace("day=30/", "day=30/2026/11/30/03/"))  # moto's own layout
    assert not pattern.fullmatch(good.replace("year=2026", "year=!{timestamp:yyyy}"))
    assert not pattern.fullmatch(good.replace("-1-2026", "-2026"))


def test_select_columns_reads_the_last_top_level_select_list() -> None:
    sql = """-- a comment with SELECT x FROM y
    WITH p AS (SELECT CAST(? AS integer) AS days), ev AS (SELECT a, b FROM t)
    SELECT split_part(click.link, '?', 1) AS link, count(*) AS "total", ev.b, round(x / nullif(y, 0), 4) rate_no_as
    FROM ev CROSS JOIN p"""
    assert select_columns(sql) == []  # `rate_no_as` has no AS: not told from the text
    assert select_columns(sql.replace(" rate_no_as", " AS rate")) == ["link", "total", "b", "rate"]
    assert select_columns("SELECT count(*) AS events FROM t WHERE x = 'a, FROM b'") == ["events"]
    assert select_columns("SELECT * FROM t") == []


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
    applied(ctx)
    breakage()
    code, report = verify_json()
    assert code == 1
    assert statuses(report)[failing] == FAIL
    result = CliRunner().invoke(cli, ["verify", "--env", "dev", "--wait", "5"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1].startswith("error: verify failed at: ")
    assert failing in result.output.strip().splitlines()[-1]


def test_records_that_never_arrive_fail_the_s3_step_after_the_wait(ctx: AwsContext, monkeypatch: Any) -> None:
    applied(ctx)
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


@pytest.mark.e2e
def test_apply_then_verify_through_the_cli_against_the_sandbox_checks_every_step() -> None:
    import os
    import re
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "SESL_EMULATED"}
    env.update(AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull, NO_COLOR="1",
               AWS_DEFAULT_REGION="us-west-2")
    server = subprocess.Popen([sys.executable, "-m", "sesl", "sandbox", "--port", "0"], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, env=env)
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        found = re.search(r"listening on (http://\S+)", line)
        assert found, line
        env.update(AWS_ENDPOINT_URL=found.group(1), AWS_ACCESS_KEY_ID="sandbox", AWS_SECRET_ACCESS_KEY="sandbox")

        def sesl(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([sys.executable, "-m", "sesl", *args], capture_output=True, text=True, env=env,
                                  timeout=600)

        applied = sesl("apply", "--env", "dev", "--yes")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        verified = sesl("verify", "--env", "dev", "--json", "--wait", "120")
        assert verified.returncode == 0, verified.stdout + verified.stderr
        report = json.loads(verified.stdout[verified.stdout.index("{"): verified.stdout.rindex("}") + 1])
        assert report["emulated"] is True and report["ok"] is True
        assert len(report["steps"]) == 3 + 2 * len(FLOW_STEPS)
        assert {s["status"] for s in report["steps"] if s["name"] != "CloudTrail"} == {PASS}, report
        assert statuses(report)["CloudTrail"] == INFO
        assert UNCHECKED not in verified.stdout
    finally:
        server.terminate()
        server.wait(timeout=10)
