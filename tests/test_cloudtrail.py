"""The CloudTrail coverage check: the decision on answers shaped as AWS gives them (both sides of each rule),
the read (shadow and organization trails by ARN in their home Region), and `sesl verify` / `sesl drift`
through the CLI against the sandbox, with the requirement on and off."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any, cast

import pytest
from click.testing import CliRunner

from sesl import cloudtrail, drift
from sesl.cli.main import cli
from sesl.cloudtrail import ALL, BOTH, NONE, PART, Access, Coverage, TrailCoverage, selection
from sesl.context import AwsContext
from sesl.naming import Names
from sesl.spec import collect_problems
from sesl.verify import FAIL, PASS, Verifier
from tests.conftest import ACCOUNT, boto
from tests.ladder import applied, converge

BUCKET = "daily-system-design-email-events-dev"
OBJECTS = f"arn:aws:s3:::{BUCKET}/"
WRITE_ONLY, READ_ONLY = Access(False, True), Access(True, False)


def classic(read_write: str = "All", management: bool = True, *values: str) -> dict[str, Any]:
    resources = [{"Type": "AWS::S3::Object", "Values": list(values)}] if values else []
    return {"EventSelectors": [{"ReadWriteType": read_write, "IncludeManagementEvents": management,
                                "DataResources": resources, "ExcludeManagementEventSources": []}]}


def field(name: str, **operators: list[str]) -> dict[str, Any]:
    return {"Field": name, **operators}


def s3_data(*extra: dict[str, Any]) -> dict[str, Any]:
    return {"Name": "s3", "FieldSelectors": [field("eventCategory", Equals=["Data"]),
                                             field("resources.type", Equals=["AWS::S3::Object"]), *extra]}


def management(*extra: dict[str, Any]) -> dict[str, Any]:
    return {"Name": "mgmt", "FieldSelectors": [field("eventCategory", Equals=["Management"]), *extra]}


def advanced(*selectors: dict[str, Any]) -> dict[str, Any]:
    return {"AdvancedEventSelectors": list(selectors)}


# --- management events ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("read_write", "expected"), [("All", BOTH), ("WriteOnly", WRITE_ONLY),
                                                      ("ReadOnly", READ_ONLY)])
def test_classic_read_write_type_decides_which_management_events(read_write: str, expected: Access) -> None:
    assert selection(classic(read_write), BUCKET).management == expected


def test_management_events_excluded_from_a_classic_selector_are_not_logged() -> None:
    assert selection(classic("All", False), BUCKET).management == Access()


def test_a_classic_selector_without_read_write_type_or_the_management_flag_takes_aws_defaults() -> None:
    assert selection({"EventSelectors": [{}]}, BUCKET).management == BOTH


def test_no_selector_logs_nothing() -> None:
    assert selection({"EventSelectors": [], "AdvancedEventSelectors": []}, BUCKET) == cloudtrail.Selection()


def test_advanced_management_selector_read_only_field() -> None:
    assert selection(advanced(management()), BUCKET).management == BOTH
    assert selection(advanced(management(field("readOnly", Equals=["false"]))), BUCKET).management == WRITE_ONLY
    assert selection(advanced(management(field("readOnly", Equals=["true"]))), BUCKET).management == READ_ONLY
    two = advanced(management(field("readOnly", Equals=["true"])), management(field("readOnly", Equals=["false"])))
    assert selection(two, BUCKET).management == BOTH  # a trail logs what matches any selector


def test_an_excluded_kms_source_still_counts_and_is_noted() -> None:
    found = selection(advanced(management(field("eventSource", NotEquals=["kms.amazonaws.com"]))), BUCKET)
    assert found.management == BOTH
    assert found.notes == ("management events from kms.amazonaws.com excluded",)


def test_management_events_filtered_to_some_sources_are_partial_and_not_counted() -> None:
    found = selection(advanced(management(field("eventSource", Equals=["s3.amazonaws.com"]))), BUCKET)
    assert found.management == Access()
    assert found.notes == ("mgmt: management events filtered on eventSource: partial, not counted",)


# --- S3 data events for the bucket ---------------------------------------------------------------------

@pytest.mark.parametrize(("value", "scope"), [
    ("arn:aws:s3", ALL),                        # every bucket (API reference, DataResource Values)
    (OBJECTS, ALL),                             # the bucket with an empty object prefix
    (f"arn:aws:s3:::{BUCKET}", ALL),            # a prefix of every object ARN of the bucket
    (f"{OBJECTS}newsletter/", PART),            # objects under one prefix only
    ("arn:aws:s3:::daily-system-design-email-events-prod/", NONE),  # another bucket
    (f"{OBJECTS[:-1]}-archive/", NONE),         # a bucket whose name extends this one's
])
def test_prefix_scope(value: str, scope: int) -> None:
    assert cloudtrail.prefix_scope(value, OBJECTS) == scope


def test_classic_data_resources_for_the_bucket() -> None:
    assert selection(classic("All", True, OBJECTS), BUCKET).data == BOTH
    assert selection(classic("WriteOnly", True, OBJECTS), BUCKET).data == WRITE_ONLY
    assert selection(classic("All", True, "arn:aws:s3"), BUCKET).data == BOTH
    assert selection(classic("All", True, "arn:aws:s3:::other-bucket/"), BUCKET).data == Access()
    part = selection(classic("All", True, f"{OBJECTS}raw/"), BUCKET)
    assert part.data == Access()
    assert part.notes == (f"S3 data events for part of the bucket only ({OBJECTS}raw/): partial, not counted",)


def test_classic_data_resources_of_another_type_do_not_count() -> None:
    answer = {"EventSelectors": [{"ReadWriteType": "All", "IncludeManagementEvents": False,
                                  "DataResources": [{"Type": "AWS::Lambda::Function", "Values": ["arn:aws"]}]}]}
    assert selection(answer, BUCKET).data == Access()


@pytest.mark.parametrize(("arn_field", "expected"), [
    (None, BOTH),                                                         # every S3 object
    (field("resources.ARN", StartsWith=[OBJECTS]), BOTH),
    (field("resources.ARN", StartsWith=["arn:aws:s3:::other/", OBJECTS]), BOTH),
    (field("resources.ARN", StartsWith=["arn:aws:s3:::other/"]), Access()),
    (field("resources.ARN", StartsWith=[f"{OBJECTS}newsletter/"]), Access()),            # part of it
    (field("resources.ARN", Equals=[f"{OBJECTS}newsletter/x.parquet"]), Access()),        # one object
    (field("resources.ARN", NotStartsWith=["arn:aws:s3:::trail-logs/"]), BOTH),          # another excluded
    (field("resources.ARN", NotStartsWith=[OBJECTS]), Access()),                         # this one excluded
    (field("resources.ARN", NotStartsWith=[f"{OBJECTS}raw/"]), Access()),                # part excluded
    (field("resources.ARN", NotEquals=[f"{OBJECTS}a"]), Access()),
    (field("resources.ARN", NotEquals=["arn:aws:s3:::other/a"]), BOTH),
    (field("resources.ARN", EndsWith=[".parquet"]), Access()),
    (field("resources.ARN", StartsWith=[OBJECTS], NotEndsWith=[".tmp"]), Access()),
])
def test_advanced_s3_data_selectors(arn_field: dict[str, Any] | None, expected: Access) -> None:
    extra = [arn_field] if arn_field else []
    assert selection(advanced(s3_data(*extra)), BUCKET).data == expected


def test_advanced_s3_data_read_only_and_event_name_filters() -> None:
    assert selection(advanced(s3_data(field("readOnly", Equals=["true"]))), BUCKET).data == READ_ONLY
    named = selection(advanced(s3_data(field("eventName", Equals=["PutObject"]))), BUCKET)
    assert named.data == Access()
    assert named.notes == ("s3: S3 data events filtered on eventName: partial, not counted",)


def test_advanced_data_selectors_for_another_resource_type_do_not_count() -> None:
    lambdas = {"FieldSelectors": [field("eventCategory", Equals=["Data"]),
                                  field("resources.type", Equals=["AWS::Lambda::Function"])]}
    assert selection(advanced(lambdas), BUCKET) == cloudtrail.Selection()


def test_management_and_data_selectors_together() -> None:
    both = selection(advanced(management(), s3_data(field("resources.ARN", StartsWith=[OBJECTS]))), BUCKET)
    assert (both.management, both.data) == (BOTH, BOTH)


# --- which trails count for the region -----------------------------------------------------------------

def trail(name: str, home: str = "us-west-2", multi: bool = False, org: bool = False, account: str = ACCOUNT,
          logging: bool | None = True, chosen: dict[str, Any] | None = None, error: str = "") -> TrailCoverage:
    described = {"IsMultiRegionTrail": multi, "HomeRegion": home}
    return TrailCoverage(name, f"arn:aws:cloudtrail:{home}:{account}:trail/{name}", home, multi, org,
                         cloudtrail.applies(described, "us-west-2"), logging,
                         selection(chosen if chosen is not None else classic(), BUCKET), error)


def coverage(*trails: TrailCoverage) -> Coverage:
    return Coverage("us-west-2", BUCKET, trails)


def test_applies_by_home_region_or_multi_region() -> None:
    assert cloudtrail.applies({"HomeRegion": "us-west-2", "IsMultiRegionTrail": False}, "us-west-2")
    assert not cloudtrail.applies({"HomeRegion": "us-east-1", "IsMultiRegionTrail": False}, "us-west-2")
    assert cloudtrail.applies({"HomeRegion": "us-east-1", "IsMultiRegionTrail": True}, "us-west-2")
    # No HomeRegion member: the Region of the ARN.
    assert cloudtrail.applies({"TrailARN": "arn:aws:cloudtrail:us-west-2:1:trail/t"}, "us-west-2")


def test_a_logging_trail_of_the_region_meets_the_requirement() -> None:
    found = coverage(trail("local"))
    assert found.problems(s3_data_events=False) == []
    assert found.summary() == f"management events read and write, S3 data events for {BUCKET} none, by local"


def test_a_trail_that_is_not_logging_does_not_count() -> None:
    found = coverage(trail("stopped", logging=False))
    assert found.management == Access()
    assert found.problems(False) == [("management events", "no logging trail records the write management events "
                                                            "of us-west-2 (recorded: none)")]
    assert found.summary() == "no trail logs us-west-2 (1 trail(s) seen, none logging for it)"


def test_a_single_region_trail_of_another_region_does_not_count_a_multi_region_one_does() -> None:
    assert coverage(trail("east", home="us-east-1")).management == Access()
    assert coverage(trail("east", home="us-east-1", multi=True)).management == BOTH


def test_an_organization_trail_of_another_account_counts() -> None:
    org = trail("org", home="us-east-1", multi=True, org=True, account="111122223333")
    assert coverage(org).problems(False) == []
    assert org.describe() == ("organization trail org (multi-Region): management events read and write, S3 data "
                              "events for the bucket none")


def test_write_only_management_events_meet_the_requirement_read_only_do_not() -> None:
    assert coverage(trail("w", chosen=classic("WriteOnly"))).problems(False) == []
    assert coverage(trail("w", chosen=classic("WriteOnly"))).management.label == "write only"
    assert coverage(trail("r", chosen=classic("ReadOnly"))).problems(False) == [
        ("management events", "no logging trail records the write management events of us-west-2 (recorded: "
                              "read only)")]


def test_management_excluded_does_not_meet_the_requirement() -> None:
    assert coverage(trail("data", chosen=classic("All", False, OBJECTS))).management == Access()


def test_read_and_write_of_two_trails_add_up() -> None:
    found = coverage(trail("r", chosen=classic("ReadOnly")), trail("w", chosen=classic("WriteOnly")))
    assert found.management == BOTH


def test_s3_data_events_need_read_and_write_for_the_whole_bucket() -> None:
    with_data = advanced(management(), s3_data(field("resources.ARN", StartsWith=[OBJECTS])))
    assert coverage(trail("t", chosen=with_data)).problems(s3_data_events=True) == []
    other_bucket = advanced(management(), s3_data(field("resources.ARN", StartsWith=["arn:aws:s3:::other/"])))
    assert coverage(trail("t", chosen=other_bucket)).problems(True) == [
        ("s3 data events", f"no logging trail records read and write S3 data events for every object of {BUCKET} "
                           "(recorded: none)")]
    write_only = classic("WriteOnly", True, OBJECTS)
    assert [a for a, _ in coverage(trail("t", chosen=write_only)).problems(True)] == ["s3 data events"]
    assert coverage(trail("t", chosen=other_bucket)).problems(False) == []  # not asked for


def test_an_unreadable_trail_does_not_count_and_says_why() -> None:
    found = coverage(trail("org", multi=True, org=True, logging=None, error="cloudtrail:GetTrailStatus failed: "
                           "AccessDeniedException: no"))
    assert found.management == Access()
    assert found.trails[0].describe() == ("organization trail org (multi-Region): unreadable: "
                                          "cloudtrail:GetTrailStatus failed: AccessDeniedException: no")


def test_trails_that_cannot_be_listed_are_a_problem_when_required() -> None:
    found = Coverage("us-west-2", BUCKET, error="cloudtrail:DescribeTrails failed: AccessDeniedException: no")
    assert found.problems(False) == [("management events", "trails could not be read: cloudtrail:DescribeTrails "
                                                           "failed: AccessDeniedException: no")]


# --- the read: shadow and organization trails by ARN, in their home Region ------------------------------

class FakeClient:
    def __init__(self, region: str, calls: list[tuple[str, str, str]], answers: dict[str, Any]) -> None:
        self.region, self.calls, self.answers = region, calls, answers

    def _answer(self, operation: str, key: str) -> Any:
        self.calls.append((self.region, operation, key))
        found = self.answers[operation]
        if isinstance(found, Exception):
            raise found
        return found

    def describe_trails(self, includeShadowTrails: bool) -> Any:
        return self._answer("DescribeTrails", str(includeShadowTrails))

    def get_trail_status(self, Name: str) -> Any:
        return self._answer("GetTrailStatus", Name)

    def get_event_selectors(self, TrailName: str) -> Any:
        return self._answer("GetEventSelectors", TrailName)


class FakeContext:
    def __init__(self, answers: dict[str, Any]) -> None:
        self.region, self.names = "us-west-2", Names("dev", "us-west-2", ACCOUNT)
        self.calls: list[tuple[str, str, str]] = []
        self.answers = answers

    def client(self, service: str, region: str | None = None) -> FakeClient:
        assert service == "cloudtrail"
        return FakeClient(region or self.region, self.calls, self.answers)


ORG_ARN = "arn:aws:cloudtrail:us-east-1:111122223333:trail/org-trail"


def test_an_organization_trail_is_read_by_arn_in_its_home_region() -> None:
    listed = {"trailList": [{"Name": "org-trail", "TrailARN": ORG_ARN, "HomeRegion": "us-east-1",
                             "IsMultiRegionTrail": True, "IsOrganizationTrail": True}]}
    fake = FakeContext({"DescribeTrails": listed, "GetTrailStatus": {"IsLogging": True},
                        "GetEventSelectors": classic("WriteOnly")})
    found = cloudtrail.read_coverage(cast(AwsContext, fake))
    assert fake.calls == [("us-west-2", "DescribeTrails", "True"), ("us-east-1", "GetTrailStatus", ORG_ARN),
                          ("us-east-1", "GetEventSelectors", ORG_ARN)]
    assert found.management == WRITE_ONLY
    assert found.trails[0].organization


def test_a_trail_that_does_not_apply_is_not_read_further() -> None:
    arn = "arn:aws:cloudtrail:eu-west-1:123456789012:trail/eu"
    listed = {"trailList": [{"Name": "eu", "TrailARN": arn, "HomeRegion": "eu-west-1", "IsMultiRegionTrail": False}]}
    fake = FakeContext({"DescribeTrails": listed})
    found = cloudtrail.read_coverage(cast(AwsContext, fake))
    assert [c[1] for c in fake.calls] == ["DescribeTrails"]
    assert found.trails[0].describe() == "trail eu (single-Region in eu-west-1): does not apply to this Region"


def test_read_errors_are_reported_not_raised() -> None:
    import botocore.exceptions

    denied = botocore.exceptions.ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "X")
    assert cloudtrail.read_coverage(cast(AwsContext, FakeContext({"DescribeTrails": denied}))).error == (
        "cloudtrail:DescribeTrails failed: AccessDeniedException: no")
    listed = {"trailList": [{"Name": "org-trail", "TrailARN": ORG_ARN, "HomeRegion": "us-east-1",
                             "IsMultiRegionTrail": True, "IsOrganizationTrail": True}]}
    fake = FakeContext({"DescribeTrails": listed, "GetTrailStatus": {"IsLogging": True}, "GetEventSelectors": denied})
    unreadable = cloudtrail.read_coverage(cast(AwsContext, fake)).trails[0]
    assert (unreadable.logging, unreadable.counts) == (True, False)
    assert unreadable.error == "cloudtrail:GetEventSelectors failed: AccessDeniedException: no"


# --- the setting ---------------------------------------------------------------------------------------

def test_s3_data_events_needs_require_cloudtrail() -> None:
    spec, problems = collect_problems("dev", {"env": {"dev": {"audit": {"s3_data_events": True}}}})
    assert problems == ["env.dev.audit.s3_data_events: needs require_cloudtrail = true (data events are reported "
                        "either way; this setting only makes them required)"]
    spec, problems = collect_problems("dev", {"env": {"dev": {"audit": {"require_cloudtrail": True,
                                                                         "s3_data_events": True}}}})
    assert problems == [] and spec.audit.require_cloudtrail and spec.audit.s3_data_events
    assert collect_problems("dev", {})[0].audit.require_cloudtrail is False


# --- through the CLI, against the sandbox --------------------------------------------------------------

def config(tmp_path: Path, **audit: bool) -> str:
    path = tmp_path / "sesl.toml"
    lines = ["[env.dev.audit]", *[f"{k} = {str(v).lower()}" for k, v in audit.items()]]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def drift_json(config_file: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(cli, ["--config", config_file, "drift", "--env", "dev", "--json", "--no-metrics"])
    return result.exit_code, json.loads(result.stdout)


def make_trail(name: str = "account-trail", region: str = "us-east-1", multi: bool = True) -> str:
    import boto3

    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=f"{name}-logs")
    trails = boto3.client("cloudtrail", region_name=region)
    arn = str(trails.create_trail(Name=name, S3BucketName=f"{name}-logs", IsMultiRegionTrail=multi)["TrailARN"])
    trails.start_logging(Name=name)
    return arn


def drift_report(spec_ctx: AwsContext, **audit: bool) -> dict[str, Any]:
    """The CloudTrail part of a drift report for the spec with these audit settings (no plan: that is
    the CLI tests' part)."""
    from dataclasses import replace

    from sesl.spec import AuditSettings

    ctx = AwsContext(replace(spec_ctx.spec, audit=AuditSettings(**audit)))
    report = drift.DriftReport("dev", ACCOUNT, "us-west-2")
    drift.check_cloudtrail(ctx, report)
    return report.to_json()


def test_drift_reports_coverage_as_information_when_not_required(ctx: AwsContext) -> None:
    report = drift_report(ctx)
    assert report["in_sync"] is True and report["drift"] == []
    found = report["cloudtrail"]
    assert (found["checked"], found["required"], found["management_events"], found["trails"]) == (
        True, False, "none", [])


def test_drift_reports_a_missing_trail_as_unmet_when_required(ctx: AwsContext) -> None:
    report = drift_report(ctx, require_cloudtrail=True)
    assert report["summary"] == {"modified": 0, "missing": 0, "unowned": 0, "orphan": 0, "unmet": 1}
    (unmet,) = report["drift"]
    assert (unmet["category"], unmet["address"], unmet["aspect"]) == ("unmet", "cloudtrail.us-west-2",
                                                                      "management events")
    assert unmet["note"] == ("no logging trail records the write management events of us-west-2 (recorded: none): "
                             "sesl does not create trails; have the account's trail cover it (docs/security.md), or "
                             "set env.dev.audit.require_cloudtrail = false")
    arn = make_trail()  # multi-Region, created in another Region: its shadow counts here
    report = drift_report(ctx, require_cloudtrail=True)
    assert report["drift"] == []
    assert [(t["arn"], t["counts"], t["management_events"]) for t in report["cloudtrail"]["trails"]] == [
        (arn, True, "read and write")]


def test_the_notification_of_an_unmet_requirement_says_what_is_missing() -> None:
    report = drift.DriftReport("dev", ACCOUNT, "us-west-2", differences=[
        drift.Difference("unmet", "cloudtrail.us-west-2", "management events", note="no logging trail records it")])
    lines = drift.summary_text(report).splitlines()
    assert lines[0].endswith(": 1 unmet")
    assert lines[1] == "- unmet: cloudtrail.us-west-2 (management events) no logging trail records it"


def test_drift_requires_data_events_for_the_events_bucket_when_asked(ctx: AwsContext) -> None:
    make_trail(region="us-west-2", multi=False)
    required = {"require_cloudtrail": True, "s3_data_events": True}
    assert [(d["category"], d["aspect"]) for d in drift_report(ctx, **required)["drift"]] == [
        ("unmet", "s3 data events")]
    boto("cloudtrail").put_event_selectors(TrailName="account-trail", AdvancedEventSelectors=[
        management(), s3_data(field("resources.ARN", StartsWith=[OBJECTS]))])
    report = drift_report(ctx, **required)
    assert report["drift"] == []
    assert report["cloudtrail"]["s3_data_events"] == "read and write"
    boto("cloudtrail").stop_logging(Name="account-trail")
    report = drift_report(ctx, **required)
    assert [d["aspect"] for d in report["drift"]] == ["management events", "s3 data events"]


def test_drift_exits_2_without_a_trail_when_required_and_0_with_one(ctx: AwsContext, tmp_path: Path) -> None:
    applied(ctx)
    required = config(tmp_path, require_cloudtrail=True)
    text = CliRunner().invoke(cli, ["--config", required, "--no-color", "drift", "--env", "dev", "--no-metrics"])
    assert text.exit_code == 2, text.output
    assert "CloudTrail (required): management events none" in text.stdout
    assert "Unmet" in text.stdout and "cloudtrail.us-west-2 (management events)" in text.stdout
    assert "Drift: 1 unmet." in text.stdout
    make_trail()
    code, report = drift_json(required)
    assert code == 0, report["drift"]
    assert report["cloudtrail"]["management_events"] == "read and write"


def test_a_targeted_drift_does_not_check_cloudtrail(ctx: AwsContext, tmp_path: Path) -> None:
    converge(ctx, ["athena_workgroup"])
    result = CliRunner().invoke(cli, ["--config", config(tmp_path, require_cloudtrail=True), "drift", "--env", "dev",
                                      "--json", "--no-metrics", "--target", "athena_workgroup"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["cloudtrail"] == {"checked": False}


def test_verify_fails_only_the_cloudtrail_step_when_required_and_no_trail(ctx: AwsContext, tmp_path: Path) -> None:
    applied(ctx)
    result = CliRunner().invoke(cli, ["--config", config(tmp_path, require_cloudtrail=True), "verify", "--env",
                                      "dev", "--json", "--wait", "5"])
    assert result.exit_code == 1
    body = result.stdout[result.stdout.index("\n{") + 1 if not result.stdout.startswith("{") else 0:]
    report = json.loads(body[: body.rindex("}") + 1])
    statuses: dict[str, list[str]] = defaultdict(list)
    for step in report["steps"]:
        statuses[step["status"]].append(step["name"])
    assert statuses[FAIL] == ["CloudTrail"]
    assert len(statuses[PASS]) == len(report["steps"]) - 1
    assert "error: verify failed at: CloudTrail" in result.stderr


def test_the_verify_step_passes_with_a_trail_when_required(ctx: AwsContext) -> None:
    from dataclasses import replace

    from sesl.spec import AuditSettings

    required = AwsContext(replace(ctx.spec, audit=AuditSettings(require_cloudtrail=True)))
    verifier = Verifier(required, direct=True, wait_seconds=1)
    assert verifier.step("CloudTrail", verifier.cloudtrail_ok) is False
    make_trail()
    assert verifier.step("CloudTrail", verifier.cloudtrail_ok) is True
    step = verifier.report.steps[-1]
    assert (step.status, step.detail) == (PASS, f"management events read and write, S3 data events for {BUCKET} "
                                                "none, by account-trail")


# --- the sandbox answers GetEventSelectors as AWS does ---------------------------------------------------

def test_the_sandbox_answers_the_default_selector_for_a_trail_created_without_one(ctx: AwsContext) -> None:
    from sesl.sandbox import shapes

    arn = make_trail(region="us-west-2", multi=False)
    assert boto("cloudtrail").get_event_selectors(TrailName=arn)["EventSelectors"] == [
        {"ReadWriteType": "All", "IncludeManagementEvents": True, "DataResources": [],
         "ExcludeManagementEventSources": []}]
    assert "AdvancedEventSelectors" not in boto("cloudtrail").get_event_selectors(TrailName=arn)
    assert cloudtrail.read_coverage(ctx).management == BOTH
    with shapes.disabled():  # moto's echo: no selector at all, which would read as a trail logging nothing
        assert boto("cloudtrail").get_event_selectors(TrailName=arn)["EventSelectors"] == []
        assert cloudtrail.read_coverage(ctx).management == Access()


def test_in_the_sandbox_one_kind_of_selectors_replaces_the_other(ctx: AwsContext) -> None:
    arn = make_trail(region="us-west-2", multi=False)
    trails = boto("cloudtrail")
    trails.put_event_selectors(TrailName=arn, AdvancedEventSelectors=[s3_data()])
    assert "EventSelectors" not in trails.get_event_selectors(TrailName=arn)
    trails.put_event_selectors(TrailName=arn, EventSelectors=[{"ReadWriteType": "WriteOnly"}])
    answer = trails.get_event_selectors(TrailName=arn)
    assert "AdvancedEventSelectors" not in answer
    assert answer["EventSelectors"][0]["ReadWriteType"] == "WriteOnly"
    assert cloudtrail.read_coverage(ctx).management == WRITE_ONLY
