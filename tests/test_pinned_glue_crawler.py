"""The raw-schema crawler pinned whole: its CreateCrawler request, the state read from GetCrawler, the plan's
fields per aspect, the retry while its new role propagates (the exact Glue message it waits for), and the wait
for a running crawler with its bound. A recording Glue client stands in for AWS: these are unit tests of the
calls sesl makes; the moto-backed round trips are in tests/test_catalog.py and tests/test_glue_aws_shapes.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import botocore.exceptions
import pytest

import sesl.resources.glue_crawler as module
from sesl import retry
from sesl.errors import SeslError
from sesl.model import Action, FieldChange
from sesl.naming import Names
from sesl.resources.base import Env, Request
from sesl.resources.glue_crawler import (
    CrawlerSpec,
    CrawlerState,
    GlueCrawlerKind,
    RunningWait,
    crawler_state,
    duration,
    role_name,
    s3_targets,
    still_running,
)
from sesl.spec import default_spec
from sesl.ui import Reporter, set_reporter

ACCOUNT = "123456789012"
N = Names("dev", "us-west-2", ACCOUNT)
ENV = Env(default_spec("dev"), N)
NAME = "email-events-raw-schema-dev"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/email-events-crawler-dev"
BUCKET = "daily-system-design-email-events-dev"
OWNED = {"sesl:managed-by": "sesl", "sesl:env": "dev"}


def _want() -> CrawlerSpec:
    return GlueCrawlerKind().desired(ENV)[0]


def _have(**config: Any) -> CrawlerState:
    want = _want()
    return CrawlerState(want.name, True, want.arn, "READY", {**want.config, **config}, dict(want.tags))


def _error(code: str, message: str, operation: str = "CreateCrawler") -> botocore.exceptions.ClientError:
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": message}}, operation)


# --- what sesl asks for ------------------------------------------------------------------------------
def test_the_crawler_definition_exactly() -> None:
    want = _want()
    assert (want.name, want.arn, want.tags) == (NAME, f"arn:aws:glue:us-west-2:{ACCOUNT}:crawler/{NAME}", OWNED)
    assert want.config == {
        "Role": ROLE_ARN, "DatabaseName": "email_events_raw_dev", "TablePrefix": "raw_",
        "Description": "Crawls the raw SES JSON backup to find fields the managed schema lacks (sesl)",
        "Targets": {"S3Targets": [{"Path": f"s3://{BUCKET}/raw/email-events-newsletter-dev/"},
                                  {"Path": f"s3://{BUCKET}/raw/email-events-transactional-dev/"}]},
        "Schedule": "cron(0 0 ? * SUN *)",
        # its own database only: updated in place, deletions only logged (Glue guide, crawler-configuration)
        "SchemaChangePolicy": {"UpdateBehavior": "UPDATE_IN_DATABASE", "DeleteBehavior": "LOG"},
        "RecrawlPolicy": {"RecrawlBehavior": "CRAWL_EVERYTHING"},
        "Configuration": json.dumps({"Version": 1.0, "Grouping": {"TableGroupingPolicy": "CombineCompatibleSchemas"},
                                     "CrawlerOutput": {"Partitions": {"AddOrUpdateBehavior": "InheritFromTable"}}}),
    }


def test_no_crawler_without_crawler_enabled() -> None:
    spec = default_spec("dev")
    off = Env(replace(spec, glue=replace(spec.glue, crawler_enabled=False)), N)
    assert GlueCrawlerKind().desired(off) == []


def test_the_schedule_and_tags_come_from_the_spec() -> None:
    spec = default_spec("dev")
    env = Env(replace(spec, tags={"team": "data"}, glue=replace(spec.glue, crawler_schedule="cron(30 3 ? * MON *)")),
              N)
    (want,) = GlueCrawlerKind().desired(env)
    assert want.config["Schedule"] == "cron(30 3 ? * MON *)"
    assert want.tags == {"team": "data", **OWNED}


def test_the_create_request_is_the_definition_with_name_and_tags() -> None:
    want = _want()
    assert GlueCrawlerKind().requests(want) == [
        Request("glue", "CreateCrawler", {"Name": NAME, "Tags": OWNED, **want.config})]


def test_create_fields_name_schedule_paths_and_database() -> None:
    assert GlueCrawlerKind().create_fields(_want()) == (
        FieldChange("Schedule", None, "cron(0 0 ? * SUN *)"),
        FieldChange("Targets", None, [f"s3://{BUCKET}/raw/email-events-newsletter-dev/",
                                      f"s3://{BUCKET}/raw/email-events-transactional-dev/"]),
        FieldChange("DatabaseName", None, "email_events_raw_dev"))


# --- validation --------------------------------------------------------------------------------------
def test_sesls_crawler_is_valid() -> None:
    assert GlueCrawlerKind().validate(ENV, _want()) == []


def test_validation_checks_schedule_policies_targets_and_database() -> None:
    want = _want()
    bad = replace(want, config={
        **want.config, "Schedule": "cron(0 0 * * SUN *)", "DatabaseName": "email_events_db_dev",
        "RecrawlPolicy": {"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"},
        "Targets": {**want.config["Targets"], "CatalogTargets": [{"DatabaseName": "d", "Tables": ["t"]}]}})
    assert GlueCrawlerKind().validate(ENV, bad) == [
        "schedule 'cron(0 0 * * SUN *)': exactly one of day-of-month and day-of-week must be '?'",
        "RecrawlBehavior CRAWL_NEW_FOLDERS_ONLY allows only LOG UpdateBehavior and DeleteBehavior, "
        "not UPDATE_IN_DATABASE/LOG",
        "RecrawlBehavior CRAWL_NEW_FOLDERS_ONLY applies only to S3 targets, not CatalogTargets",
        "Targets: CatalogTargets cannot be mixed with S3Targets",
        "the crawler must never write the projection tables' database",
    ]


def test_validation_passes_the_delete_behavior_and_the_database() -> None:
    want = _want()
    log_only = replace(want, config={**want.config, "RecrawlPolicy": {"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"},
                                     "SchemaChangePolicy": {"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"}})
    assert GlueCrawlerKind().validate(ENV, log_only) == []
    deleting = replace(log_only, config={**log_only.config, "SchemaChangePolicy": {
        "UpdateBehavior": "LOG", "DeleteBehavior": "DELETE_FROM_DATABASE"}})
    assert GlueCrawlerKind().validate(ENV, deleting) == [
        "RecrawlBehavior CRAWL_NEW_FOLDERS_ONLY allows only LOG UpdateBehavior and DeleteBehavior, "
        "not LOG/DELETE_FROM_DATABASE"]
    no_database = replace(want, config={**want.config, "DatabaseName": None})
    assert GlueCrawlerKind().validate(ENV, no_database) == [
        "DatabaseName: required for crawler targets other than CatalogTargets"]


# --- reading GetCrawler ------------------------------------------------------------------------------
@pytest.mark.parametrize(("given", "name"), [
    (ROLE_ARN, "email-events-crawler-dev"),
    (f"arn:aws:iam::{ACCOUNT}:role/service-role/email-events-crawler-dev", "email-events-crawler-dev"),
    ("service-role/email-events-crawler-dev", "email-events-crawler-dev"),
    ("email-events-crawler-dev", "email-events-crawler-dev"),
    (None, ""),
    ("", ""),
])
def test_role_name(given: str | None, name: str) -> None:
    assert role_name(given) == name


def test_s3_targets_drop_the_empty_members_and_target_kinds_aws_adds() -> None:
    answer = {"S3Targets": [{"Path": "s3://b/raw/a/", "Exclusions": [], "SampleSize": None, "EventQueueArn": {},
                             "ConnectionName": "c"}],
              "JdbcTargets": [], "MongoDBTargets": [], "DynamoDBTargets": [], "CatalogTargets": [],
              "DeltaTargets": [{"DeltaTables": ["s3://b/d/"]}]}
    assert s3_targets(answer) == {"S3Targets": [{"Path": "s3://b/raw/a/", "ConnectionName": "c"}],
                                  "DeltaTargets": [{"DeltaTables": ["s3://b/d/"]}]}
    # a zero sample size or an exclusion is kept: only the members that are absent, null or empty go
    assert s3_targets({"S3Targets": [{"Path": "p", "SampleSize": 0, "Exclusions": ["*.tmp"]}]}) == {
        "S3Targets": [{"Path": "p", "SampleSize": 0, "Exclusions": ["*.tmp"]}]}
    assert s3_targets(None) == {"S3Targets": []}
    assert s3_targets({"S3Targets": None}) == {"S3Targets": []}


def test_the_state_from_getcrawler() -> None:
    want = _want()
    crawler = {"Name": NAME, "Role": "email-events-crawler-dev", "State": "RUNNING", "CrawlElapsedTime": 12,
               "Schedule": {"ScheduleExpression": "cron(0 1 ? * SUN *)", "State": "SCHEDULED"},
               "Targets": {"S3Targets": [{"Path": "s3://b/raw/", "Exclusions": []}], "JdbcTargets": []},
               **{k: v for k, v in want.config.items() if k not in ("Role", "Schedule", "Targets")}}
    state = crawler_state(crawler, OWNED, want, "dev")
    assert state == CrawlerState(NAME, True, want.arn, "RUNNING", {
        **want.config, "Role": "email-events-crawler-dev", "Schedule": "cron(0 1 ? * SUN *)",
        "Targets": {"S3Targets": [{"Path": "s3://b/raw/"}]}}, OWNED)
    # members sesl does not set are not read; a crawler without State or Schedule is READY and unscheduled
    bare = crawler_state({"Name": NAME}, {"sesl:managed-by": "sesl", "sesl:env": "prod"}, want, "dev")
    assert (bare.state, bare.owned, bare.config["Schedule"], bare.config["Targets"]) == (
        "READY", False, None, {"S3Targets": []})
    assert set(bare.config) == set(want.config)


class FakeGlue:
    """GetCrawler/GetTags answers and a record of every call (operation, parameters)."""

    def __init__(self, states: list[str] | None = None, update_errors: list[Exception] | None = None,
                 create_errors: list[Exception] | None = None) -> None:
        self.states = list(states or ["READY"])
        self.update_errors = list(update_errors or [])
        self.create_errors = list(create_errors or [])
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.exists = True

    def get_crawler(self, **params: Any) -> dict[str, Any]:
        self.calls.append(("get_crawler", params))
        if not self.exists:
            raise _error("EntityNotFoundException", "Crawler entry with name x not found", "GetCrawler")
        state = self.states.pop(0) if len(self.states) > 1 else self.states[0]
        return {"Crawler": {"Name": params["Name"], "State": state, **_want().config,
                            "Schedule": {"ScheduleExpression": _want().config["Schedule"]}}}

    def get_tags(self, **params: Any) -> dict[str, Any]:
        self.calls.append(("get_tags", params))
        return {"Tags": OWNED}

    def create_crawler(self, **params: Any) -> dict[str, Any]:
        self.calls.append(("create_crawler", params))
        if self.create_errors:
            raise self.create_errors.pop(0)
        return {}

    def update_crawler(self, **params: Any) -> dict[str, Any]:
        self.calls.append(("update_crawler", params))
        if self.update_errors:
            raise self.update_errors.pop(0)
        return {}

    def tag_resource(self, **params: Any) -> dict[str, Any]:
        self.calls.append(("tag_resource", params))
        return {}

    def delete_crawler(self, **params: Any) -> dict[str, Any]:
        self.calls.append(("delete_crawler", params))
        return {}

    def ops(self) -> list[str]:
        return [op for op, _ in self.calls]


def _ctx(glue: FakeGlue, env: str = "dev") -> Any:
    return SimpleNamespace(client=lambda service: {"glue": glue}[service], spec=SimpleNamespace(env=env))


def test_read_asks_for_the_crawler_and_its_tags_by_arn() -> None:
    glue = FakeGlue(["STOPPING"])
    state = GlueCrawlerKind().read(_ctx(glue), _want())
    assert glue.calls == [("get_crawler", {"Name": NAME}),
                          ("get_tags", {"ResourceArn": f"arn:aws:glue:us-west-2:{ACCOUNT}:crawler/{NAME}"})]
    assert state is not None and (state.state, state.owned, state.tags) == ("STOPPING", True, OWNED)
    elsewhere = GlueCrawlerKind().read(_ctx(FakeGlue(), env="prod"), _want())
    assert elsewhere is not None and elsewhere.owned is False


def test_read_of_a_missing_crawler_is_none() -> None:
    glue = FakeGlue()
    glue.exists = False
    assert GlueCrawlerKind().read(_ctx(glue), _want()) is None
    assert glue.ops() == ["get_crawler"]


# --- the plan ----------------------------------------------------------------------------------------
def test_a_crawler_as_sesl_set_it_has_no_change_with_its_role_returned_as_a_name() -> None:
    assert GlueCrawlerKind().diff(_have(Role="service-role/email-events-crawler-dev"), _want()) == []


def test_the_configuration_compares_as_json_not_text() -> None:
    want = _want()
    same = json.dumps(json.loads(want.config["Configuration"]), indent=2, sort_keys=True)
    assert GlueCrawlerKind().diff(_have(Configuration=same), want) == []
    (change,) = GlueCrawlerKind().diff(_have(Configuration=None), want)
    assert change.aspect == "configuration"
    # a missing Configuration reads as {}: each of sesl's members is missing
    assert change.fields == (FieldChange("Configuration.Version", None, 1.0),
                             FieldChange("Configuration.Grouping", None,
                                         {"TableGroupingPolicy": "CombineCompatibleSchemas"}),
                             FieldChange("Configuration.CrawlerOutput", None,
                                         {"Partitions": {"AddOrUpdateBehavior": "InheritFromTable"}}))


def test_each_aspect_holds_its_keys() -> None:
    want = _want()
    have = _have(Role="someone-elses-role", Targets={"S3Targets": [{"Path": "s3://x/"}]},
                 Schedule="cron(1 1 ? * MON *)",
                 DatabaseName="other_db", TablePrefix="x_",
                 SchemaChangePolicy={"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"},
                 RecrawlPolicy={"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"},
                 Configuration=json.dumps({"Version": 1.0}), Description="old")
    have = replace(have, tags={**OWNED, "team": "x"})
    changes = GlueCrawlerKind().diff(have, replace(want, tags={**OWNED, "team": "data"}))
    assert [(c.kind, c.name, c.action, c.aspect, tuple(f.path for f in c.fields)) for c in changes] == [
        ("glue_crawler", NAME, Action.UPDATE, "role", ("Role",)),
        ("glue_crawler", NAME, Action.UPDATE, "targets", ("Targets.S3Targets",)),
        ("glue_crawler", NAME, Action.UPDATE, "schedule", ("Schedule",)),
        ("glue_crawler", NAME, Action.UPDATE, "output", ("DatabaseName", "TablePrefix")),
        ("glue_crawler", NAME, Action.UPDATE, "policies", ("SchemaChangePolicy.UpdateBehavior",
                                                           "RecrawlPolicy.RecrawlBehavior")),
        ("glue_crawler", NAME, Action.UPDATE, "configuration",
         ("Configuration.Grouping", "Configuration.CrawlerOutput")),
        ("glue_crawler", NAME, Action.UPDATE, "description", ("Description",)),
        ("glue_crawler", NAME, Action.UPDATE, "tags", ("tags.team",)),
    ]
    assert changes[0].fields == (FieldChange("Role", "someone-elses-role", ROLE_ARN),)
    # apply writes from the change's desired and observed states (the update's fold keeps ignored live values)
    assert all(c.want == replace(want, tags={**OWNED, "team": "data"}) and c.have is have for c in changes)


# --- the retry while the new role propagates ---------------------------------------------------------
@pytest.fixture
def no_waits(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any, tuple[str, ...]]]:
    """retry_eventual as the kind calls it, with its sleeps skipped; records (what, service, roles)."""
    seen: list[tuple[str, Any, tuple[str, ...]]] = []
    original = retry.retry_eventual

    def fast(fn: Any, what: str, service: Any = retry.ALL, roles: tuple[str, ...] = (), **kwargs: Any) -> Any:
        seen.append((what, service, tuple(roles)))
        return original(fn, what, service, roles=roles, **{**kwargs, "sleep": lambda _: None})

    monkeypatch.setattr(module, "retry_eventual", fast)
    return seen


# Glue's answer to CreateCrawler/UpdateCrawler while a role created seconds ago is not assumable yet
# (terraform-provider-aws internal/service/glue/crawler.go retries on it; aws-reference.md §3.7).
NOT_YET = "Service is unable to assume provided role. Please verify role's TrustPolicy."


def test_create_retries_while_glue_cannot_assume_the_new_role(no_waits: Any) -> None:
    glue = FakeGlue(create_errors=[_error("InvalidInputException", NOT_YET)] * 2)
    GlueCrawlerKind().create(_ctx(glue), _want())
    assert glue.ops() == ["create_crawler"] * 3
    assert glue.calls[-1][1] == {"Name": NAME, "Tags": OWNED, **_want().config}
    assert no_waits == [(f"glue_crawler.{NAME}", "glue", (ROLE_ARN,))]


def test_create_retries_the_crawler_roles_own_permission_but_not_anothers(no_waits: Any) -> None:
    mine = (f"User: arn:aws:sts::{ACCOUNT}:assumed-role/email-events-crawler-dev/AWS-Crawler is not authorized to "
            "perform: s3:ListBucket")
    glue = FakeGlue(create_errors=[_error("InvalidInputException", mine)])
    GlueCrawlerKind().create(_ctx(glue), _want())
    assert glue.ops() == ["create_crawler"] * 2
    theirs = mine.replace("email-events-crawler-dev", "someone-else")
    glue = FakeGlue(create_errors=[_error("InvalidInputException", theirs)])
    with pytest.raises(botocore.exceptions.ClientError, match="someone-else"):
        GlueCrawlerKind().create(_ctx(glue), _want())
    assert glue.ops() == ["create_crawler"]


def test_create_fails_at_once_on_the_callers_own_denial(no_waits: Any) -> None:
    glue = FakeGlue(create_errors=[_error("AccessDeniedException", f"User: arn:aws:iam::{ACCOUNT}:user/me is not "
                                                                   "authorized to perform: glue:CreateCrawler")])
    with pytest.raises(botocore.exceptions.ClientError, match="AccessDeniedException"):
        GlueCrawlerKind().create(_ctx(glue), _want())
    assert glue.ops() == ["create_crawler"]


def test_update_retries_while_glue_cannot_assume_the_role(no_waits: Any) -> None:
    glue = FakeGlue(update_errors=[_error("InvalidInputException", NOT_YET, "UpdateCrawler")])
    GlueCrawlerKind().update_whole(_ctx(glue), _want(), _have())
    assert glue.ops() == ["get_crawler", "update_crawler", "update_crawler"]
    assert glue.calls[-1][1] == {"Name": NAME, **_want().config}
    assert no_waits == [(f"glue_crawler.{NAME}", "glue", (ROLE_ARN,))]


# --- a running crawler -------------------------------------------------------------------------------
class Lines(Reporter):
    def __init__(self) -> None:
        self.lines: list[str] = []

    def info(self, message: str) -> None:
        self.lines.append(message)


@pytest.fixture
def lines() -> Iterator[Lines]:
    recording = Lines()
    set_reporter(recording)
    yield recording
    set_reporter(Reporter())


class Clock:
    def __init__(self) -> None:
        self.now, self.sleeps = 1000.0, list[float]()

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def _waiting(monkeypatch: pytest.MonkeyPatch, bound: float, poll: float) -> Clock:
    clock = Clock()
    monkeypatch.setattr(GlueCrawlerKind, "running_wait", RunningWait(bound, poll, clock.sleep, lambda: clock.now))
    return clock


def test_the_default_wait_is_15_minutes_looking_every_20_seconds() -> None:
    wait = RunningWait()
    assert (wait.bound_seconds, wait.poll_seconds) == (900.0, 20.0)


@pytest.mark.parametrize("state", ["RUNNING", "STOPPING"])
def test_an_update_waits_while_the_crawler_is_busy(monkeypatch: pytest.MonkeyPatch, lines: Lines, state: str,
                                                   no_waits: Any) -> None:
    clock = _waiting(monkeypatch, 100.0, 30.0)
    glue = FakeGlue([state, state, "READY"])
    GlueCrawlerKind().update_whole(_ctx(glue), _want(), _have())
    assert glue.ops() == ["get_crawler", "get_crawler", "get_crawler", "update_crawler"]
    assert clock.sleeps == [30.0, 30.0]
    assert lines.lines == [
        f"glue_crawler.{NAME}: the crawler is {state}; UpdateCrawler must wait for it to finish "
        "(looking again in 30s, giving up in 100s)",
        f"glue_crawler.{NAME}: the crawler is {state}; UpdateCrawler must wait for it to finish "
        "(looking again in 30s, giving up in 70s)"]


def test_a_crawler_without_a_state_is_updated_at_once(monkeypatch: pytest.MonkeyPatch, no_waits: Any) -> None:
    clock = _waiting(monkeypatch, 100.0, 30.0)
    glue = FakeGlue()
    monkeypatch.setattr(glue, "get_crawler", lambda **params: {"Crawler": {"Name": NAME}})
    GlueCrawlerKind().update_whole(_ctx(glue), _want(), _have())
    assert glue.ops() == ["update_crawler"] and clock.sleeps == []


def test_past_the_bound_the_update_stops_saying_what_is_left(monkeypatch: pytest.MonkeyPatch, lines: Lines,
                                                             no_waits: Any) -> None:
    clock = _waiting(monkeypatch, 120.0, 50.0)
    glue = FakeGlue(["RUNNING"])
    with pytest.raises(SeslError) as raised:
        GlueCrawlerKind().update_whole(_ctx(glue), _want(), _have())
    assert str(raised.value) == (
        f"glue_crawler.{NAME} is still running after 2 minutes, so it was not updated: run `sesl apply` again once it "
        f"is done, or stop it with `aws glue stop-crawler --name {NAME}`")
    assert clock.sleeps == [50.0, 50.0, 20.0]  # never past the bound
    assert "update_crawler" not in glue.ops()
    assert lines.lines[-1].endswith("(looking again in 50s, giving up in 20s)")


def test_a_crawler_started_between_the_look_and_the_update_is_waited_for(monkeypatch: pytest.MonkeyPatch,
                                                                         lines: Lines, no_waits: Any) -> None:
    clock = _waiting(monkeypatch, 60.0, 5.0)
    started = _error("CrawlerRunningException", f"Crawler with name {NAME} has already started", "UpdateCrawler")
    glue = FakeGlue(["READY"], update_errors=[started])
    GlueCrawlerKind().update_whole(_ctx(glue), _want(), _have())
    assert glue.ops() == ["get_crawler", "update_crawler", "get_crawler", "update_crawler"]
    assert clock.sleeps == [5.0]
    assert lines.lines == [f"glue_crawler.{NAME}: the crawler is RUNNING; UpdateCrawler must wait for it to finish "
                           "(looking again in 5s, giving up in 60s)"]


def test_another_update_error_is_raised_at_once(monkeypatch: pytest.MonkeyPatch, no_waits: Any) -> None:
    clock = _waiting(monkeypatch, 60.0, 5.0)
    glue = FakeGlue(update_errors=[_error("EntityNotFoundException", "gone", "UpdateCrawler")])
    with pytest.raises(botocore.exceptions.ClientError, match="EntityNotFoundException"):
        GlueCrawlerKind().update_whole(_ctx(glue), _want(), _have())
    assert glue.ops() == ["get_crawler", "update_crawler"] and clock.sleeps == []


@pytest.mark.parametrize(("seconds", "said"), [
    (0.0, "0 seconds"), (119.4, "119 seconds"), (119.6, "120 seconds"), (120.0, "2 minutes"),
    (149.0, "2 minutes"), (151.0, "3 minutes"), (900.0, "15 minutes")])
def test_durations_in_words(seconds: float, said: str) -> None:
    assert duration(seconds) == said


def test_still_running_names_the_crawler_the_wait_and_the_way_out() -> None:
    assert still_running("c", 900.0) == ("glue_crawler.c is still running after 15 minutes, so it was not updated: "
                                         "run `sesl apply` again once it is done, or stop it with "
                                         "`aws glue stop-crawler --name c`")


@pytest.mark.parametrize(("state", "owned", "schedule", "warned"), [
    ("RUNNING", True, "cron(1 1 ? * MON *)", True),
    ("STOPPING", True, "cron(1 1 ? * MON *)", True),
    ("READY", True, "cron(1 1 ? * MON *)", False),
    ("RUNNING", False, "cron(1 1 ? * MON *)", False),  # not sesl's: not updated, nothing to wait for
    ("RUNNING", True, "cron(0 0 ? * SUN *)", False),  # nothing to change
])
def test_a_busy_crawler_with_a_change_is_warned_about(monkeypatch: pytest.MonkeyPatch, state: str, owned: bool,
                                                      schedule: str, warned: bool) -> None:
    _waiting(monkeypatch, 900.0, 20.0)
    have = replace(_have(Schedule=schedule), state=state, owned=owned)
    got = GlueCrawlerKind().observed_warnings(_ctx(FakeGlue()), _want(), have)
    assert got == ([f"the crawler is {state} now: apply waits up to 15 minutes for it to finish before updating it"]
                   if warned else [])


def test_a_busy_crawler_whose_only_change_is_a_tag_is_not_warned_about() -> None:
    have = replace(_have(), state="RUNNING", tags={**OWNED, "team": "x"})
    want = replace(_want(), tags={**OWNED, "team": "data"})
    assert [c.aspect for c in GlueCrawlerKind().diff(have, want)] == ["tags"]
    assert GlueCrawlerKind().observed_warnings(_ctx(FakeGlue()), want, have) == []
    assert GlueCrawlerKind().observed_warnings(_ctx(FakeGlue()), want, None) == []


# --- tags and delete ---------------------------------------------------------------------------------
def test_tags_go_to_the_crawlers_arn_and_delete_names_it() -> None:
    glue = FakeGlue()
    GlueCrawlerKind().update_tags(_ctx(glue), _want(), _have())
    GlueCrawlerKind().delete(_ctx(glue), _have())
    assert glue.calls == [
        ("tag_resource", {"ResourceArn": f"arn:aws:glue:us-west-2:{ACCOUNT}:crawler/{NAME}", "TagsToAdd": OWNED}),
        ("delete_crawler", {"Name": NAME})]


def test_the_last_wait_is_what_is_left_of_the_bound_however_short(monkeypatch: pytest.MonkeyPatch,
                                                                   no_waits: Any) -> None:
    clock = _waiting(monkeypatch, 101.0, 50.0)
    glue = FakeGlue(["RUNNING"])
    with pytest.raises(SeslError, match="is still running after 101 seconds"):
        GlueCrawlerKind().update_whole(_ctx(glue), _want(), _have())
    assert clock.sleeps == [50.0, 50.0, 1.0]
