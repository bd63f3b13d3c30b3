"""Athena: the workgroup and saved queries climb the ladder; destroy keeps others' saved queries;
`sesl query` runs a saved query and prints a table with the cost."""

from __future__ import annotations

from copy import deepcopy
from dataclasses import replace
from typing import Any

import botocore.exceptions
import pytest
from botocore.stub import Stubber
from click.testing import CliRunner

from sesl import reconcile
from sesl.athena_query import query_cost, run_query
from sesl.cli.main import cli
from sesl.context import AwsContext
from sesl.errors import AwsCallError
from sesl.model import Action, DestroyOptions
from sesl.naming import Names
from sesl.reconcile import model_problems
from sesl.resources.athena_named_query import AthenaNamedQueryKind, NamedQuerySpec
from sesl.resources.athena_workgroup import AthenaWorkgroupKind, WorkgroupSpec, WorkgroupState
from sesl.resources.base import Env
from sesl.sandbox.shapes.athena import named_queries_description, workgroup_defaults
from sesl.spec import default_spec
from tests.conftest import ACCOUNT, boto
from tests.ladder import climb, converge, drift_then_repair

WORKGROUP = "email-analytics-dev"
QUERY = "sesl-newsletter-daily-engagement"
ALL_QUERIES = [f"sesl-{flow}-{q}" for flow in ("newsletter", "transactional")
               for q in ("daily-engagement", "weekly-trends", "top-links", "bounce-complaint-rates",
                         "subscriber-growth")]


def _config() -> dict[str, Any]:
    return dict(boto("athena").get_work_group(WorkGroup=WORKGROUP)["WorkGroup"]["Configuration"])


def test_workgroup_climbs_the_ladder(ctx: AwsContext) -> None:
    climb(ctx, "athena_workgroup", [WORKGROUP], deps=["s3_bucket"])
    c = _config()
    assert c["ResultConfiguration"]["OutputLocation"] == "s3://daily-system-design-athena-results-dev/query-results/"
    assert c["ResultConfiguration"]["EncryptionConfiguration"] == {"EncryptionOption": "SSE_S3"}
    assert (c["EnforceWorkGroupConfiguration"], c["PublishCloudWatchMetricsEnabled"]) == (True, True)
    assert c["BytesScannedCutoffPerQuery"] == 1024**3
    assert c["EngineVersion"]["SelectedEngineVersion"] == "Athena engine version 3"


@pytest.mark.parametrize(("aspect", "updates", "path"), [
    ("scan_cutoff", {"BytesScannedCutoffPerQuery": 50_000_000}, "BytesScannedCutoffPerQuery"),
    ("enforcement", {"EnforceWorkGroupConfiguration": False}, "EnforceWorkGroupConfiguration"),
    ("metrics", {"PublishCloudWatchMetricsEnabled": False}, "PublishCloudWatchMetricsEnabled"),
    ("result_configuration", {"ResultConfigurationUpdates": {"OutputLocation": "s3://elsewhere/"}},
     "ResultConfiguration.OutputLocation"),
    ("engine_version", {"EngineVersion": {"SelectedEngineVersion": "AUTO"}}, "EngineVersion.SelectedEngineVersion"),
])
def test_workgroup_drift_is_precise(ctx: AwsContext, aspect: str, updates: dict[str, Any], path: str) -> None:
    climb(ctx, "athena_workgroup", [WORKGROUP], deps=["s3_bucket"])
    change = drift_then_repair(ctx, "athena_workgroup", WORKGROUP, aspect, lambda: boto("athena").update_work_group(
        WorkGroup=WORKGROUP, ConfigurationUpdates=updates))
    assert [f.path for f in change.fields] == [path]


def test_a_disabled_workgroup_is_enabled_again(ctx: AwsContext) -> None:
    climb(ctx, "athena_workgroup", [WORKGROUP], deps=["s3_bucket"])
    drift_then_repair(ctx, "athena_workgroup", WORKGROUP, "state",
                      lambda: boto("athena").update_work_group(WorkGroup=WORKGROUP, State="DISABLED"))


def test_saved_queries_climb_the_ladder_and_sql_drift_is_repaired(ctx: AwsContext) -> None:
    climb(ctx, "athena_named_query", ALL_QUERIES, deps=["s3_bucket", "athena_workgroup"])
    athena = boto("athena")
    ids = athena.list_named_queries(WorkGroup=WORKGROUP)["NamedQueryIds"]
    mine = next(q for q in athena.batch_get_named_query(NamedQueryIds=ids)["NamedQueries"] if q["Name"] == QUERY)
    assert "eventtype = 'Open'" in mine["QueryString"] and mine["Database"] == "email_events_db_dev"
    change = drift_then_repair(ctx, "athena_named_query", QUERY, "sql", lambda: athena.update_named_query(
        NamedQueryId=mine["NamedQueryId"], Name=QUERY, Description=mine["Description"], QueryString="SELECT 1"))
    assert change.fields[0].before == "SELECT 1"


def test_a_duplicate_saved_query_is_reported_and_removed(ctx: AwsContext) -> None:
    climb(ctx, "athena_named_query", ALL_QUERIES, deps=["s3_bucket", "athena_workgroup"])
    boto("athena").create_named_query(Name=QUERY, Database="email_events_db_dev", QueryString="SELECT 1",
                                      WorkGroup=WORKGROUP)
    drift_then_repair(ctx, "athena_named_query", QUERY, "duplicates", lambda: None)
    ids = boto("athena").list_named_queries(WorkGroup=WORKGROUP)["NamedQueryIds"]
    assert len(ids) == len(ALL_QUERIES)


def test_destroy_keeps_a_workgroup_holding_others_queries_unless_told(ctx: AwsContext) -> None:
    converge(ctx, ["s3_bucket", "athena_workgroup", "athena_named_query"])
    boto("athena").create_named_query(Name="analyst-adhoc", Database="email_events_db_dev", QueryString="SELECT 2",
                                      WorkGroup=WORKGROUP)
    targets = ("athena_workgroup", "athena_named_query")
    plan = reconcile.plan_destroy(ctx, reconcile.PlanOptions(targets=targets))
    by_kind = {c.kind: c for c in plan.changes}
    assert by_kind["athena_workgroup"].action is Action.KEEP
    assert "1 saved query that sesl did not save (analyst-adhoc)" in by_kind["athena_workgroup"].reason
    assert {c.action for c in plan.changes if c.kind == "athena_named_query"} == {Action.DELETE}
    reconcile.execute(ctx, plan)
    assert boto("athena").get_work_group(WorkGroup=WORKGROUP)["WorkGroup"]["Name"] == WORKGROUP
    options = reconcile.PlanOptions(targets=targets, destroy=DestroyOptions(delete_saved_queries=True))
    ctx.destroy_options = options.destroy
    reconcile.execute(ctx, reconcile.plan_destroy(ctx, options))
    with pytest.raises(botocore.exceptions.ClientError, match="InvalidRequestException"):
        boto("athena").get_work_group(WorkGroup=WORKGROUP)


def test_workgroup_validation() -> None:
    env = Env(default_spec("dev"), Names("dev", "us-west-2", ACCOUNT))
    kind = AthenaWorkgroupKind()
    want = kind.desired(env)[0]
    assert kind.validate(env, want) == []
    low = replace(want, configuration={**want.configuration, "BytesScannedCutoffPerQuery": 9_999_999})
    assert model_problems(kind, low) == ["CreateWorkGroup.Configuration.BytesScannedCutoffPerQuery: 9999999 is below "
                                         "the minimum 10000000 (botocore athena BytesScannedCutoffValue min)"]
    engine = replace(want, configuration={**want.configuration, "EngineVersion": {"SelectedEngineVersion": "v9"}})
    assert "engine version" in kind.validate(env, engine)[0]
    assert "'bad name' does not match [a-zA-Z0-9._-]{1,128}" in model_problems(kind, replace(want, name="bad name"))[0]


def test_query_cost_rounds_up_to_the_megabyte_with_a_10_mb_minimum() -> None:
    assert query_cost(0) == query_cost(10 * 1024 * 1024) == 10 * 1024 * 1024 / 1024**4 * 5
    assert query_cost(10 * 1024 * 1024 + 1) == 11 * 1024 * 1024 / 1024**4 * 5
    assert query_cost(1024**4) == 5.0
    assert query_cost(1024**4, "FAILED") == 0.0


def _seed_results(rows: list[list[str]]) -> None:
    from moto.athena.models import QueryResults, athena_backends

    column_info = [{"Name": name, "Type": "varchar"} for name in rows[0]]
    result_rows = [{"Data": [{"VarCharValue": v} for v in row]} for row in rows]
    athena_backends[ACCOUNT]["us-west-2"].query_results_queue.append(QueryResults(rows=result_rows,
                                                                                 column_info=column_info))


def test_sesl_query_prints_the_rows_and_the_cost(ctx: AwsContext) -> None:
    converge(ctx, ["s3_bucket", "athena_workgroup"])
    _seed_results([["send_date", "open_rate"], ["2026-11-22", "0.5"]])
    result = CliRunner().invoke(cli, ["--no-color", "query", "daily-engagement", "--env", "dev", "--json"])
    assert result.exit_code == 0, result.output
    assert '"open_rate": "0.5"' in result.output
    assert "1 row(s); scanned 0 bytes; cost $0.000048" in result.output
    listed = CliRunner().invoke(cli, ["query", "--list", "--env", "dev"])
    assert "top-links" in listed.output and "weekly-trends" in listed.output


def test_a_failed_query_is_one_line_with_exit_1(ctx: AwsContext, monkeypatch: Any) -> None:
    converge(ctx, ["s3_bucket", "athena_workgroup"])
    from moto.athena.models import Execution

    athena = ctx.client("athena")
    ctx.allow_mutations()
    with Stubber(athena) as stub:
        stub.add_response("start_query_execution", {"QueryExecutionId": "q1"})
        stub.add_response("get_query_execution", {"QueryExecution": {"QueryExecutionId": "q1", "Status": {
            "State": "FAILED", "StateChangeReason": "COLUMN_NOT_FOUND: Column 'nope' cannot be resolved"},
            "Statistics": {"DataScannedInBytes": 0}}})
        with pytest.raises(AwsCallError, match="query q1 FAILED: COLUMN_NOT_FOUND: Column 'nope'"):
            run_query(ctx, "SELECT nope")
    monkeypatch.setattr(Execution, "__init__", _failing_init(Execution.__init__))
    result = CliRunner().invoke(cli, ["query", "top-links", "--env", "dev"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1].startswith("error: query ")
    unknown = CliRunner().invoke(cli, ["query", "nope", "--env", "dev"])
    assert (unknown.exit_code, unknown.output.strip()) == (
        1, "error: no saved query 'nope': `sesl query --list --env dev` lists them")


def _failing_init(original: Any) -> Any:
    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.status = "FAILED"
    return init


def test_sandbox_fills_athena_gaps_faithfully(aws: None) -> None:
    athena = boto("athena")
    athena.create_work_group(Name="wg", Configuration={"ResultConfiguration": {"OutputLocation": "s3://b/"}})
    qid = athena.create_named_query(Name="q", Database="d", QueryString="SELECT 1", WorkGroup="wg")["NamedQueryId"]
    got = athena.batch_get_named_query(NamedQueryIds=[qid, "missing"])
    assert [q["Name"] for q in got["NamedQueries"]] == ["q"]
    assert got["UnprocessedNamedQueryIds"][0]["NamedQueryId"] == "missing"
    with pytest.raises(botocore.exceptions.ClientError, match="not empty"):
        athena.delete_work_group(WorkGroup="wg")
    athena.update_work_group(WorkGroup="wg", ConfigurationUpdates={
        "ResultConfigurationUpdates": {"RemoveOutputLocation": True}, "BytesScannedCutoffPerQuery": 10_000_000})
    config = athena.get_work_group(WorkGroup="wg")["WorkGroup"]["Configuration"]
    assert "OutputLocation" not in config["ResultConfiguration"] and config["BytesScannedCutoffPerQuery"] == 10_000_000
    athena.delete_named_query(NamedQueryId=qid)
    with pytest.raises(botocore.exceptions.ClientError, match="InvalidRequestException"):
        athena.delete_named_query(NamedQueryId=qid)
    athena.delete_work_group(WorkGroup="wg")
    with pytest.raises(botocore.exceptions.ClientError, match="InvalidRequestException"):
        athena.update_work_group(WorkGroup="wg", State="ENABLED")


# --- AWS-shaped answers: the kinds converge on them and their diffs tolerate each ----------------------
def _aws_workgroup(want: WorkgroupSpec) -> WorkgroupState:
    """The state read() builds from what GetWorkGroup answers after CreateWorkGroup with want's configuration."""
    echo = {"WorkGroup": {"Name": want.name, "State": "ENABLED", "Configuration": deepcopy(want.configuration)}}
    group = workgroup_defaults(echo, {})["WorkGroup"]
    return WorkgroupState(want.name, True, "arn", group["State"], group["Configuration"], (), dict(want.tags))


@pytest.mark.parametrize("engine", ["Athena engine version 3", "AUTO"])
def test_the_workgroup_diff_tolerates_the_aws_shaped_answer(engine: str) -> None:
    env = Env(replace(default_spec("dev"), athena=replace(default_spec("dev").athena, engine_version=engine)),
              Names("dev", "us-west-2", ACCOUNT))
    (want,) = AthenaWorkgroupKind().desired(env)
    have = _aws_workgroup(want)
    assert have.configuration["EngineVersion"] == {"SelectedEngineVersion": engine,
                                                   "EffectiveEngineVersion": "Athena engine version 3"}
    assert AthenaWorkgroupKind().diff(have, want) == []


def test_saved_query_read_tolerates_an_answer_without_description(monkeypatch: Any) -> None:
    from sesl.resources import athena_named_query

    answer = named_queries_description({"NamedQueries": [{"Name": QUERY, "Database": "db", "QueryString": "SELECT 1",
                                                          "NamedQueryId": "id-1", "WorkGroup": WORKGROUP,
                                                          "Description": None}]}, {})
    assert "Description" not in answer["NamedQueries"][0]
    monkeypatch.setattr(athena_named_query, "read_workgroup_queries", lambda ctx, workgroup: answer["NamedQueries"])
    want = NamedQuerySpec(QUERY, WORKGROUP, "db", "", "SELECT 1")
    have = AthenaNamedQueryKind().read(None, want)  # type: ignore[arg-type]
    assert have is not None and (have.ids, have.description) == (("id-1",), "")
    assert AthenaNamedQueryKind().diff(have, want) == []


def test_workgroup_and_queries_converge_on_aws_shaped_answers(ctx: AwsContext) -> None:
    climb(ctx, "athena_named_query", ALL_QUERIES, deps=["s3_bucket", "athena_workgroup"])
    ctx.log.clear()
    converge(ctx, ["athena_workgroup", "athena_named_query"])
    assert ctx.log.mutating == []
    engine = _config()["EngineVersion"]
    assert engine == {"SelectedEngineVersion": "Athena engine version 3",
                      "EffectiveEngineVersion": "Athena engine version 3"}
