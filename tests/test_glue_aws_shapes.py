"""The Glue kinds against what AWS answers, not what moto echoes: GetCrawler's role name and added members,
GetTable's and GetDatabase's defaults, a running crawler, and databases others also set."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import botocore.exceptions
import pytest
from rich.console import Console

from sesl import reconcile
from sesl.context import AwsContext
from sesl.errors import ApplyError
from sesl.naming import Names
from sesl.render import render_plan
from sesl.resources.base import Env
from sesl.resources.glue_crawler import GlueCrawlerKind, RunningWait, crawler_state, role_name, s3_targets
from sesl.resources.glue_database import GlueDatabaseKind, database_state
from sesl.resources.glue_table import GlueTableKind, table_state
from sesl.sandbox import shapes
from sesl.sandbox.shapes.glue import crawler_defaults, crawler_role_as_name, role_as_returned, table_defaults
from sesl.spec import default_spec
from sesl.ui import Reporter, set_reporter
from tests.conftest import ACCOUNT, boto
from tests.ladder import converge, plan_for

DB, RAW, TABLE = "email_events_db_dev", "email_events_raw_dev", "newsletter_events"
CRAWLER = "email-events-raw-schema-dev"
NAMES = Names("dev", "us-west-2", ACCOUNT)
ENV = Env(default_spec("dev"), NAMES)
CRAWLER_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/email-events-crawler-dev"
CATALOG = ["s3_bucket", "iam_role", "glue_database", "glue_table", "glue_crawler"]
IAM_ONLY = [{"Principal": {"DataLakePrincipalIdentifier": "IAM_ALLOWED_PRINCIPALS"}, "Permissions": ["ALL"]}]


def _crawler_echo() -> dict[str, Any]:
    """GetCrawler as moto echoes sesl's CreateCrawler (shapes off)."""
    want = GlueCrawlerKind().desired(ENV)[0]
    config = want.config
    return {"Crawler": {"Name": CRAWLER, **{k: v for k, v in config.items() if k != "Schedule"},
                        "Schedule": {"ScheduleExpression": config["Schedule"], "State": "SCHEDULED"},
                        "State": "READY", "Version": 1, "CrawlElapsedTime": 0}}


# --- GetCrawler ---------------------------------------------------------------------------
def test_the_getcrawler_shaping_returns_the_role_as_a_name_with_its_path() -> None:
    assert role_as_returned("arn:aws:iam::111122223333:role/service-role/AWSGlueServiceRole-x") == (
        "service-role/AWSGlueServiceRole-x")
    assert role_as_returned(CRAWLER_ROLE_ARN) == "email-events-crawler-dev"
    assert role_as_returned("already-a-name") == "already-a-name"
    shaped = crawler_role_as_name(_crawler_echo(), {})
    assert shaped["Crawler"]["Role"] == "email-events-crawler-dev"


def test_the_getcrawler_shaping_adds_what_aws_adds() -> None:
    crawler = crawler_defaults(_crawler_echo(), {})["Crawler"]
    assert crawler["Targets"] == {
        "S3Targets": [{"Exclusions": [], "Path": f"s3://daily-system-design-email-events-dev/raw/email-events-{f}-dev/"}
                      for f in ("newsletter", "transactional")],
        "JdbcTargets": [], "MongoDBTargets": [], "DynamoDBTargets": [], "CatalogTargets": [], "DeltaTargets": [],
        "IcebergTargets": [], "HudiTargets": []}
    assert crawler["Classifiers"] == []
    assert crawler["LineageConfiguration"] == {"CrawlerLineageSettings": "DISABLE"}
    assert crawler["LakeFormationConfiguration"] == {"AccountId": "", "UseLakeFormationCredentials": False}


@pytest.mark.parametrize(("given", "name"), [
    (CRAWLER_ROLE_ARN, "email-events-crawler-dev"),
    ("email-events-crawler-dev", "email-events-crawler-dev"),
    (f"arn:aws:iam::{ACCOUNT}:role/service-role/email-events-crawler-dev", "email-events-crawler-dev"),
    ("service-role/email-events-crawler-dev", "email-events-crawler-dev"),
    (None, ""),
])
def test_a_crawler_role_has_one_canonical_form(given: str | None, name: str) -> None:
    assert role_name(given) == name


def test_the_crawler_diff_tolerates_the_aws_shaped_answer() -> None:
    kind = GlueCrawlerKind()
    want = kind.desired(ENV)[0]
    aws = shapes.shape("glue", "GetCrawler", _crawler_echo(), {})["Crawler"]
    assert aws["Role"] == "email-events-crawler-dev"  # the shapings are registered for GetCrawler
    have = crawler_state(aws, want.tags, want, "dev")
    assert kind.diff(have, want) == []
    other = crawler_state({**aws, "Role": "service-role/someone-elses-role"}, want.tags, want, "dev")
    (change,) = kind.diff(other, want)
    assert (change.aspect, change.fields[0].before, change.fields[0].after) == (
        "role", "service-role/someone-elses-role", CRAWLER_ROLE_ARN)


def test_crawler_targets_are_read_without_the_members_aws_adds() -> None:
    path = "s3://b/raw/"
    assert s3_targets({"S3Targets": [{"Path": path, "Exclusions": []}], "JdbcTargets": [], "HudiTargets": []}) == {
        "S3Targets": [{"Path": path}]}
    assert s3_targets({"S3Targets": [{"Path": path, "Exclusions": ["**/tmp/**"]}]}) == {
        "S3Targets": [{"Path": path, "Exclusions": ["**/tmp/**"]}]}


def test_the_sandbox_answers_getcrawler_like_aws_and_sesl_converges_on_it(ctx: AwsContext) -> None:
    converge(ctx, CATALOG)
    crawler = boto("glue").get_crawler(Name=CRAWLER)["Crawler"]
    assert crawler["Role"] == "email-events-crawler-dev"
    assert crawler["Targets"]["S3Targets"][0]["Exclusions"] == []
    assert crawler["LakeFormationConfiguration"] == {"AccountId": "", "UseLakeFormationCredentials": False}
    with shapes.disabled():
        assert boto("glue").get_crawler(Name=CRAWLER)["Crawler"]["Role"] == CRAWLER_ROLE_ARN
    assert plan_for(ctx, CATALOG) == []
    ctx.log.clear()
    converge(ctx, CATALOG)
    assert ctx.log.mutating == []


# --- GetTable(s) --------------------------------------------------------------------------
def test_the_gettable_shaping_adds_what_aws_adds() -> None:
    echo = {"Table": {"Name": TABLE, "DatabaseName": DB, "CatalogId": ACCOUNT, "CreateTime": "t0",
                      "StorageDescriptor": {"Columns": [], "Location": "s3://b/x/"}}}
    table = table_defaults(echo, {})["Table"]
    assert {k: table[k] for k in ("Retention", "UpdateTime", "IsRegisteredWithLakeFormation", "CreatedBy")} == {
        "Retention": 0, "UpdateTime": "t0", "IsRegisteredWithLakeFormation": False,
        "CreatedBy": f"arn:aws:iam::{ACCOUNT}:root"}
    assert table["StorageDescriptor"] == {"Columns": [], "Location": "s3://b/x/", "Compressed": False,
                                          "NumberOfBuckets": 0, "SortColumns": [], "StoredAsSubDirectories": False}


def test_the_table_diff_tolerates_the_aws_shaped_answer(ctx: AwsContext) -> None:
    converge(ctx, ["glue_database", "glue_table"])
    with shapes.disabled():
        echo = boto("glue").get_table(DatabaseName=DB, Name=TABLE)
    aws = shapes.shape("glue", "GetTable", echo, {})["Table"]
    assert aws["StorageDescriptor"]["NumberOfBuckets"] == 0 and aws["IsRegisteredWithLakeFormation"] is False
    kind = GlueTableKind()
    want = kind.desired(ENV)[0]
    assert kind.diff(table_state(aws, want, "dev", ()), want) == []
    live = boto("glue").get_table(DatabaseName=DB, Name=TABLE)["Table"]
    assert live["Retention"] == 0 and live["StorageDescriptor"]["SortColumns"] == []  # the sandbox shapes it


# --- GetDatabase / UpdateDatabase ---------------------------------------------------------
def test_a_new_database_takes_the_accounts_lake_formation_default(aws: None) -> None:
    glue = boto("glue")
    glue.create_database(DatabaseInput={"Name": "iam_db"})
    assert glue.get_database(Name="iam_db")["Database"]["CreateTableDefaultPermissions"] == IAM_ONLY
    boto("lakeformation").put_data_lake_settings(DataLakeSettings={
        "DataLakeAdmins": [], "CreateDatabaseDefaultPermissions": [], "CreateTableDefaultPermissions": []})
    glue.create_database(DatabaseInput={"Name": "lf_db"})
    assert glue.get_database(Name="lf_db")["Database"].get("CreateTableDefaultPermissions", []) == []


def test_the_database_diff_tolerates_the_aws_shaped_answer() -> None:
    kind = GlueDatabaseKind()
    want = kind.desired(ENV)[0]
    aws = {"Name": DB, "Description": want.description, "CreateTime": "t0", "CatalogId": ACCOUNT,
           "CreateTableDefaultPermissions": IAM_ONLY}  # AWS CLI example glue/get-databases.rst
    have = database_state(aws, [{"Name": TABLE, "IsRegisteredWithLakeFormation": False}], want.tags, want, "dev")
    assert kind.diff(have, want) == []
    assert have.kept == {"CreateTableDefaultPermissions": IAM_ONLY}


def test_a_description_update_keeps_what_others_set_on_the_database(ctx: AwsContext) -> None:
    converge(ctx, ["glue_database"])
    others = {"LocationUri": "s3://somewhere/db/", "Parameters": {"team": "analytics"},
              "CreateTableDefaultPermissions": IAM_ONLY}
    boto("glue").update_database(Name=DB, DatabaseInput={"Name": DB, "Description": "changed by hand", **others})
    (change,) = plan_for(ctx, [f"glue_database.{DB}"])
    assert (change.aspect, change.fields[0].before) == ("description", "changed by hand")
    converge(ctx, ["glue_database"])
    database = boto("glue").get_database(Name=DB)["Database"]
    assert database["Description"].startswith("SES email events (dev)")
    assert {k: database[k] for k in others} == others
    assert plan_for(ctx, ["glue_database"]) == []


# --- a running crawler --------------------------------------------------------------------
@pytest.fixture
def running_crawler(ctx: AwsContext) -> Iterator[Any]:
    """The crawler converged, then started; it stays RUNNING until the test finishes its crawl."""
    from moto.glue.models import glue_backends
    from moto.moto_api import state_manager

    converge(ctx, ["s3_bucket", "iam_role", "glue_database", "glue_crawler"])
    state_manager.set_transition("glue::crawl", {"progression": "manual", "times": 10**9})
    boto("glue").start_crawler(Name=CRAWLER)
    crawl = glue_backends[ACCOUNT]["us-west-2"].crawlers[CRAWLER].crawls[-1]
    yield crawl
    state_manager.unset_transition("glue::crawl")


class Recorder(Reporter):
    def __init__(self) -> None:
        self.lines: list[str] = []

    def info(self, message: str) -> None:
        self.lines.append(message)


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    recording = Recorder()
    set_reporter(recording)
    yield recording
    set_reporter(Reporter())


def _moved(ctx: AwsContext) -> AwsContext:
    from dataclasses import replace

    return AwsContext(replace(ctx.spec, glue=replace(ctx.spec.glue, crawler_schedule="cron(30 3 ? * MON *)")))


@pytest.mark.parametrize("state", ["RUNNING", "STOPPING"])
def test_an_update_waits_for_a_running_crawler(ctx: AwsContext, running_crawler: Any, recorder: Recorder,
                                               monkeypatch: pytest.MonkeyPatch, state: str) -> None:
    running_crawler.status = state
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 2:
            running_crawler.status = "STOPPED" if state == "STOPPING" else "COMPLETED"

    monkeypatch.setattr(GlueCrawlerKind, "running_wait", RunningWait(60.0, 5.0, sleep, lambda: 0.0))
    moved = _moved(ctx)
    the_plan = reconcile.plan(moved, reconcile.PlanOptions(targets=("glue_crawler",)))
    assert [c.aspect for c in the_plan.changes] == ["schedule"]
    assert f"glue_crawler.{CRAWLER}: the crawler is {state} now: apply waits up to 60 seconds for it to finish " \
           "before updating it" in the_plan.warnings
    reconcile.execute(moved, the_plan)
    assert sleeps == [5.0, 5.0]
    assert recorder.lines[0] == (f"glue_crawler.{CRAWLER}: the crawler is {state}; UpdateCrawler must wait for it to "
                                 "finish (looking again in 5s, giving up in 60s)")
    assert len(recorder.lines) == 2
    assert boto("glue").get_crawler(Name=CRAWLER)["Crawler"]["Schedule"]["ScheduleExpression"] == (
        "cron(30 3 ? * MON *)")
    assert plan_for(moved, ["glue_crawler"]) == []


def test_past_the_bound_apply_says_what_is_left_to_do(ctx: AwsContext, running_crawler: Any,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    monkeypatch.setattr(GlueCrawlerKind, "running_wait", RunningWait(120.0, 50.0, sleep, lambda: now[0]))
    moved = _moved(ctx)
    moved.log.clear()
    with pytest.raises(ApplyError) as raised:
        converge(moved, ["glue_crawler"])
    assert (f"glue_crawler.{CRAWLER} is still running after 2 minutes, so it was not updated: run `sesl apply` "
            f"again once it is done, or stop it with `aws glue stop-crawler --name {CRAWLER}`") in str(raised.value)
    assert now[0] == 120.0  # 50 + 50 + 20: never past the bound
    assert "glue:UpdateCrawler" not in moved.log.calls
    assert boto("glue").get_crawler(Name=CRAWLER)["Crawler"]["Schedule"]["ScheduleExpression"] == (
        "cron(0 0 ? * SUN *)")


def test_a_crawler_that_starts_just_before_the_update_is_waited_for(ctx: AwsContext,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    converge(ctx, ["s3_bucket", "iam_role", "glue_database", "glue_crawler"])
    moved = _moved(ctx)
    glue = moved.client("glue")
    original = glue.update_crawler
    refused: list[str] = []

    def update_crawler(**kwargs: Any) -> Any:
        if not refused:
            refused.append(kwargs["Name"])
            raise botocore.exceptions.ClientError(
                {"Error": {"Code": "CrawlerRunningException", "Message": f"Crawler with name {CRAWLER} has already "
                                                                         "started"}}, "UpdateCrawler")
        return original(**kwargs)

    monkeypatch.setattr(glue, "update_crawler", update_crawler)
    sleeps: list[float] = []
    monkeypatch.setattr(GlueCrawlerKind, "running_wait", RunningWait(60.0, 5.0, sleeps.append, lambda: 0.0))
    converge(moved, ["glue_crawler"])
    assert refused == [CRAWLER] and sleeps == [5.0]
    assert plan_for(moved, ["glue_crawler"]) == []


def test_a_running_crawler_with_nothing_to_change_gives_no_warning(ctx: AwsContext, running_crawler: Any) -> None:
    the_plan = reconcile.plan(ctx, reconcile.PlanOptions(targets=("glue_crawler",)))
    assert the_plan.changes == () and not [w for w in the_plan.warnings if "RUNNING" in w]


# --- the plan as `sesl diff` prints it --------------------------------------------------------
def test_observed_warnings_are_printed_by_diff(ctx: AwsContext, running_crawler: Any) -> None:
    out = io.StringIO()
    render_plan(Console(file=out, width=400, no_color=True), reconcile.plan(_moved(ctx), reconcile.PlanOptions()))
    assert f"warning: glue_crawler.{CRAWLER}: the crawler is RUNNING now" in out.getvalue()


@pytest.mark.parametrize(("seconds", "said"), [(60.0, "60 seconds"), (119.0, "119 seconds"), (120.0, "2 minutes"),
                                               (900.0, "15 minutes")])
def test_wait_bounds_are_said_in_words(seconds: float, said: str) -> None:
    from sesl.resources.glue_crawler import duration

    assert duration(seconds) == said
