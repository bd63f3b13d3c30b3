"""Event streams from the config (issue 12, item 2): a third stream works end to end from config alone, every
kind follows the stream list, a stream taken out of the list has its resources deleted and its data kept, and
the list is checked before anything is written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sesl import drift, graph, reconcile, retired
from sesl.context import AwsContext
from sesl.model import Action
from sesl.naming import STREAM_PARAM
from sesl.sandbox.server import configuration_sets, seed_in_process
from sesl.spec import load_spec
from tests.conftest import ACCOUNT, boto
from tests.project import enter_project, run

THREE = """
[env.staging]

[[env.staging.streams]]
name = "newsletter"

[[env.staging.streams]]
name = "transactional"

[[env.staging.streams]]
name = "marketing"
configuration_set = "acme-marketing-{env}"
"""
TWO = THREE[:THREE.index('[[env.staging.streams]]\nname = "marketing"')]
MARKETING_SET = "acme-marketing-staging"
STREAM = "email-events-marketing-staging"
EVENTS = "daily-system-design-email-events-staging"


@pytest.fixture(autouse=True)
def _in_a_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return enter_project(tmp_path, monkeypatch, THREE)


def configure(text: str) -> None:
    Path("sesl.toml").write_text(text, encoding="utf-8")


def staging() -> AwsContext:
    return AwsContext(load_spec("staging", Path("sesl.toml").resolve()))


def alarms(prefix: str) -> list[str]:
    return [a["AlarmName"] for a in boto("cloudwatch").describe_alarms(AlarmNamePrefix=prefix)["MetricAlarms"]]


def saved_queries(workgroup: str = "email-analytics-staging") -> list[str]:
    athena = boto("athena")
    ids = athena.list_named_queries(WorkGroup=workgroup)["NamedQueryIds"]
    return sorted(q["Name"] for q in athena.batch_get_named_query(NamedQueryIds=ids)["NamedQueries"]) if ids else []


def policy_resources(role: str) -> set[str]:
    iam = boto("iam")
    (name,) = iam.list_role_policies(RoleName=role)["PolicyNames"]
    document = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
    return {r for s in document["Statement"] for r in (s["Resource"] if isinstance(s["Resource"], list)
                                                        else [s["Resource"]])}


def destinations(configuration_set: str) -> list[str]:
    answer = boto("sesv2").get_configuration_set_event_destinations(ConfigurationSetName=configuration_set)
    return [d["Name"] for d in answer["EventDestinations"]]


@pytest.fixture
def sandbox(aws: None) -> None:
    """The configuration sets exist before sesl runs, as the design says: the sandbox seeds those the config lists."""
    seed_in_process(envs=["staging"], sets=[MARKETING_SET])


# -- a third stream, end to end ------------------------------------------------------------------------------------

def test_a_third_stream_of_a_staging_env_applies_verifies_drifts_clean_and_destroys(sandbox: None) -> None:
    applied = run("apply", "--env", "staging", "--yes")
    assert applied.exit_code == 0, applied.output
    every_kind_follows_the_third_stream()
    assert run("diff", "--env", "staging").exit_code == 0
    verified = run("verify", "--env", "staging", "--json", "--wait", "5")
    assert verified.exit_code == 0, verified.output
    report = json.loads(verified.stdout[verified.stdout.index("{"):])
    steps = {s["name"]: s["status"] for s in report["steps"]}
    assert [name for name in steps if name.startswith("marketing: ")] == [
        f"marketing: {step}" for step in ("stream", "table", "send", "S3", "partition", "parquet", "errors/",
                                          "Athena")]
    assert {status for name, status in steps.items() if name.startswith("marketing: ")} == {"pass"}
    assert "marketing/daily_engagement: 1 row(s)" in json.dumps(report)
    drifted = run("drift", "--env", "staging", "--no-metrics")
    assert drifted.exit_code == 0, drifted.output
    destroyed = run("destroy", "--env", "staging", "--yes", "--delete-data")
    assert destroyed.exit_code == 0, destroyed.output
    assert drift.find_orphans(staging(), wanted=set()) == []
    assert destinations(MARKETING_SET) == []
    assert MARKETING_SET in boto("sesv2").list_configuration_sets()["ConfigurationSets"]  # never sesl's to delete


def every_kind_follows_the_third_stream() -> None:
    stream = boto("firehose").describe_delivery_stream(DeliveryStreamName=STREAM)["DeliveryStreamDescription"]
    destination = stream["Destinations"][0]["ExtendedS3DestinationDescription"]
    assert destination["Prefix"].startswith("marketing/year=")
    assert destination["ErrorOutputPrefix"].startswith("errors/marketing/")
    schema = destination["DataFormatConversionConfiguration"]["SchemaConfiguration"]
    assert (schema["DatabaseName"], schema["TableName"]) == ("email_events_db_staging", "marketing_events")
    table = boto("glue").get_table(DatabaseName="email_events_db_staging", Name="marketing_events")["Table"]
    assert table["Parameters"][STREAM_PARAM] == "marketing"
    assert table["Parameters"]["sesl:configuration-set"] == MARKETING_SET
    assert table["StorageDescriptor"]["Location"] == f"s3://{EVENTS}/marketing/"
    (ses,) = boto("sesv2").get_configuration_set_event_destinations(
        ConfigurationSetName=MARKETING_SET)["EventDestinations"]
    assert ses["Name"] == "sesl-firehose-marketing"
    assert ses["KinesisFirehoseDestination"]["DeliveryStreamArn"].endswith(f":deliverystream/{STREAM}")
    assert f"arn:aws:firehose:us-west-2:{ACCOUNT}:deliverystream/{STREAM}" in \
        policy_resources("email-events-ses-to-firehose-staging")
    trust = boto("iam").get_role(RoleName="email-events-ses-to-firehose-staging")["Role"]["AssumeRolePolicyDocument"]
    assert f"arn:aws:ses:us-west-2:{ACCOUNT}:configuration-set/{MARKETING_SET}" in json.dumps(trust)
    firehose_role = policy_resources("email-events-firehose-staging")
    assert f"arn:aws:glue:us-west-2:{ACCOUNT}:table/email_events_db_staging/marketing_events" in firehose_role
    assert f"arn:aws:logs:us-west-2:{ACCOUNT}:log-group:/aws/kinesisfirehose/{STREAM}:log-stream:*" in firehose_role
    assert boto("logs").describe_log_groups(logGroupNamePrefix=f"/aws/kinesisfirehose/{STREAM}")["logGroups"]
    assert len(alarms(STREAM)) == len(alarms("email-events-newsletter-staging")) > 0
    assert [q for q in saved_queries() if q.startswith("sesl-marketing-")] == \
        [q.replace("sesl-newsletter-", "sesl-marketing-") for q in saved_queries() if q.startswith("sesl-newsletter-")]
    body = boto("cloudwatch").get_dashboard(DashboardName="email-events-staging")["DashboardBody"]
    assert STREAM in body
    crawler = boto("glue").get_crawler(Name="email-events-raw-schema-staging")["Crawler"]
    assert f"s3://{EVENTS}/raw/{STREAM}/" in [t["Path"] for t in crawler["Targets"]["S3Targets"]]


def test_query_and_cost_take_the_env_s_streams(sandbox: None) -> None:
    unknown = run("query", "daily-engagement", "--env", "staging", "--stream", "ads")
    assert unknown.exit_code == 1
    assert unknown.stderr.strip().splitlines() == [
        "error: --stream 'ads': env staging has no such stream (its streams: newsletter, transactional, marketing); "
        "pick one of those or add it under [[env.staging.streams]]"]
    three = json.loads(run("cost", "--env", "staging", "--json").stdout)
    configure(TWO)
    two = json.loads(run("cost", "--env", "staging", "--json").stdout)
    assert three["total_usd"] > two["total_usd"]


def test_the_sandbox_seeds_the_configuration_sets_the_config_lists() -> None:
    from sesl.cli.globals import Globals
    from sesl.cli.sandbox_cmds import _config_sets

    g = Globals(None, None, None, False, True)
    assert _config_sets(g, ["staging"], ACCOUNT) == [
        "daily-system-design-newsletter-staging", "daily-system-design-transactional-staging", MARKETING_SET]
    assert configuration_sets(envs=["staging"], sets=[MARKETING_SET])[-1] == MARKETING_SET


# -- taking a stream out -------------------------------------------------------------------------------------------

def test_a_stream_taken_out_of_the_config_is_deleted_and_its_data_kept(sandbox: None) -> None:
    assert run("apply", "--env", "staging", "--yes").exit_code == 0
    boto("s3").put_object(Bucket=EVENTS, Key="marketing/year=2026/month=11/day=30/events.parquet", Body=b"data")
    configure(TWO)
    planned = run("diff", "--env", "staging", "--json")
    assert planned.exit_code == 2, planned.output
    changes = json.loads(planned.stdout)["changes"]
    deleted = {(c["kind"], c["name"]) for c in changes if c["action"] == "delete"}
    assert {("firehose_stream", STREAM), ("log_group", f"/aws/kinesisfirehose/{STREAM}"),
            ("glue_table", "marketing_events"), ("ses_event_destination", "sesl-firehose-marketing")} <= deleted
    assert {name for kind, name in deleted if kind == "cloudwatch_alarm"} == set(alarms(STREAM))
    assert {name for kind, name in deleted if kind == "athena_named_query"} == {
        q for q in saved_queries() if q.startswith("sesl-marketing-")}
    assert {kind for kind, _ in deleted} == {"firehose_stream", "log_group", "glue_table", "ses_event_destination",
                                             "cloudwatch_alarm", "athena_named_query"}
    assert changes[-1]["kind"] == "glue_table"  # found by it: deleted last
    updated = {c["kind"] for c in changes if c["action"] == "update"}
    assert {"iam_role", "cloudwatch_dashboard", "glue_crawler"} <= updated
    drifted = run("drift", "--env", "staging", "--json", "--no-metrics")
    assert drifted.exit_code == 2
    orphans = [d for d in json.loads(drifted.stdout)["drift"] if d["category"] == "orphan"]
    assert sorted(d["address"] for d in orphans) == sorted(f"{kind}.{name}" for kind, name in deleted)
    applied = run("apply", "--env", "staging", "--yes")
    assert applied.exit_code == 0, applied.output
    assert sorted(boto("firehose").list_delivery_streams()["DeliveryStreamNames"]) == [
        "email-events-newsletter-staging", "email-events-transactional-staging"]
    assert alarms(STREAM) == [] and destinations(MARKETING_SET) == []
    assert sorted(t["Name"] for t in boto("glue").get_tables(DatabaseName="email_events_db_staging")["TableList"]) == [
        "newsletter_events", "transactional_events"]
    assert boto("s3").get_object(Bucket=EVENTS, Key="marketing/year=2026/month=11/day=30/events.parquet")[
        "Body"].read() == b"data"  # its data stays
    assert f"arn:aws:firehose:us-west-2:{ACCOUNT}:deliverystream/{STREAM}" not in \
        policy_resources("email-events-ses-to-firehose-staging")
    assert run("diff", "--env", "staging").exit_code == 0
    assert run("drift", "--env", "staging", "--no-metrics").exit_code == 0


def test_a_retirement_stopped_half_way_is_finished_by_the_next_run(sandbox: None) -> None:
    """The table, which the stream is found by, goes last: with the stream and its destination already gone,
    the next plan still finds the rest."""
    assert run("apply", "--env", "staging", "--yes").exit_code == 0
    configure(TWO)
    ctx = staging()
    the_plan = reconcile.plan(ctx)
    planned = reconcile.steps(the_plan.actionable)
    deps = graph.dependencies(planned, {k: kind.needs for k, kind in reconcile.KINDS.items()}, "apply",
                              retired.LAST)
    deletions = [i for i, step in enumerate(planned) if step[0].action is Action.DELETE]
    (table,) = [i for i in deletions if planned[i][0].kind == "glue_table"]
    assert deps[table] == frozenset(deletions) - {table}
    creations = {i for i, step in enumerate(planned) if step[0].action is not Action.DELETE}
    assert all(not (deps[i] & creations) for i in deletions)  # no deletion waits for an update
    boto("sesv2").delete_configuration_set_event_destination(ConfigurationSetName=MARKETING_SET,
                                                             EventDestinationName="sesl-firehose-marketing")
    boto("firehose").delete_delivery_stream(DeliveryStreamName=STREAM)
    rest = {(c.kind, c.name) for c in reconcile.plan(staging()).changes if c.action is Action.DELETE}
    assert ("glue_table", "marketing_events") in rest and ("log_group", f"/aws/kinesisfirehose/{STREAM}") in rest
    assert ("firehose_stream", STREAM) not in rest
    assert run("apply", "--env", "staging", "--yes").exit_code == 0
    assert run("diff", "--env", "staging").exit_code == 0


def test_a_table_made_before_tables_recorded_their_stream_is_found_by_its_name(sandbox: None) -> None:
    assert run("apply", "--env", "staging", "--yes").exit_code == 0
    glue = boto("glue")
    table = glue.get_table(DatabaseName="email_events_db_staging", Name="marketing_events")["Table"]
    params = {k: v for k, v in table["Parameters"].items() if not k.startswith("sesl:") or k in (
        "sesl:managed-by", "sesl:env")}
    table_input = {k: table[k] for k in ("Name", "StorageDescriptor", "PartitionKeys", "TableType")}
    glue.update_table(DatabaseName="email_events_db_staging", TableInput={**table_input, "Parameters": params})
    configure(TWO)
    # Without the record, the stream's configuration set is the default one: its destination there is not found
    # (it is on acme-marketing-staging), everything named after the stream is.
    deleted = {(c.kind, c.name) for c in reconcile.plan(staging()).changes if c.action is Action.DELETE}
    assert ("firehose_stream", STREAM) in deleted and ("glue_table", "marketing_events") in deleted


def test_a_table_not_made_by_sesl_for_the_env_is_never_a_retired_stream(sandbox: None) -> None:
    assert run("apply", "--env", "staging", "--yes", "--target", "glue_database").exit_code == 0
    boto("glue").create_table(DatabaseName="email_events_db_staging", TableInput={
        "Name": "analysts_events", "Parameters": {"sesl:managed-by": "sesl", "sesl:env": "dev"}})
    boto("glue").create_table(DatabaseName="email_events_db_staging", TableInput={"Name": "scratch_events"})
    env = reconcile.make_env(staging())
    assert retired.retired_streams(staging(), env) == []
