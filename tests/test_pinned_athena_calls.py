"""The Athena workgroup's and saved queries' values and calls pinned against a recording client (mutation
survivors of sesl/resources/athena_workgroup.py and athena_named_query.py): the desired configuration and the
exact CreateWorkGroup/UpdateWorkGroup fields, each validation rule on both sides, what read makes of each
answer, destroy's keep rule for others' saved queries (none, one, several, more than three, the flag and the
setting), how saved queries are listed 50 ids at a time, and which copy each call keeps or deletes."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import botocore.exceptions
import pytest

from sesl.context import AwsContext
from sesl.model import Action, DestroyOptions, FieldChange
from sesl.naming import Names
from sesl.queries import QUERIES, query_sql
from sesl.resources.athena_named_query import (
    AthenaNamedQueryKind,
    NamedQuerySpec,
    NamedQueryState,
    delete_query,
    read_workgroup_queries,
)
from sesl.resources.athena_workgroup import (
    AthenaWorkgroupKind,
    WorkgroupSpec,
    WorkgroupState,
    configuration_updates,
)
from sesl.resources.base import Env, Request
from sesl.spec import default_spec
from tests.fake_aws import FakeClient, client_error

N = Names("dev", "us-west-2", "123456789012")
ENV = Env(replace(default_spec("dev"), tags={"team": "data"}), N)
WG = AthenaWorkgroupKind()
NQ = AthenaNamedQueryKind()
ARN = "arn:aws:athena:us-west-2:123456789012:workgroup/email-analytics-dev"
OWNER = {"team": "data", "sesl:managed-by": "sesl", "sesl:env": "dev"}
CONFIGURATION: dict[str, Any] = {
    "ResultConfiguration": {"OutputLocation": "s3://daily-system-design-athena-results-dev/query-results/",
                            "EncryptionConfiguration": {"EncryptionOption": "SSE_S3"},
                            "ExpectedBucketOwner": "123456789012"},
    "EnforceWorkGroupConfiguration": True,
    "PublishCloudWatchMetricsEnabled": True,
    "BytesScannedCutoffPerQuery": 1024**3,
    "EngineVersion": {"SelectedEngineVersion": "Athena engine version 3"},
}


class FakeAthena(FakeClient):
    """A stand-in Athena client; a paginator without pages yields one empty page (no saved queries)."""

    def __init__(self, **answers: Any) -> None:
        super().__init__(default_pages=[{}], **answers)


def fake_ctx(athena: FakeAthena, delete_on_destroy: bool = False) -> AwsContext:
    spec = default_spec("dev")
    spec = replace(spec, athena=replace(spec.athena, delete_saved_queries_on_destroy=delete_on_destroy))
    ctx = SimpleNamespace(client=lambda service: {"athena": athena}[service], spec=spec, names=N)
    return ctx  # type: ignore[return-value]


def saved(query_id: str, name: str, **members: Any) -> dict[str, Any]:
    return {"NamedQueryId": query_id, "Name": name, **members}


def listing(*queries: dict[str, Any]) -> dict[str, Any]:
    """The answers of ListNamedQueries (one page) and BatchGetNamedQuery for these saved queries."""
    by_id = {q["NamedQueryId"]: q for q in queries}
    return {"paginate_list_named_queries": [{"NamedQueryIds": list(by_id)}],
            "batch_get_named_query": lambda NamedQueryIds: {"NamedQueries": [by_id[i] for i in NamedQueryIds]}}


# == the workgroup ================================================================================================

def test_the_desired_workgroup_exactly() -> None:
    assert WG.desired(ENV) == [WorkgroupSpec("email-analytics-dev", "SES email-event analytics (dev), managed by sesl",
                                             CONFIGURATION, OWNER, "ENABLED")]


def test_the_settings_set_the_cutoff_and_engine() -> None:
    spec = ENV.spec
    env = Env(replace(spec, athena=replace(spec.athena, bytes_scanned_cutoff=10_000_000, engine_version="AUTO")), N)
    (want,) = WG.desired(env)
    assert (want.configuration["BytesScannedCutoffPerQuery"], want.configuration["EngineVersion"]) == (
        10_000_000, {"SelectedEngineVersion": "AUTO"})


def test_configuration_updates_carry_each_member_and_leave_out_the_absent() -> None:
    (want,) = WG.desired(ENV)
    assert configuration_updates(want) == {
        "EnforceWorkGroupConfiguration": True, "PublishCloudWatchMetricsEnabled": True,
        "BytesScannedCutoffPerQuery": 1024**3, "EngineVersion": {"SelectedEngineVersion": "Athena engine version 3"},
        "ResultConfigurationUpdates": CONFIGURATION["ResultConfiguration"]}
    only_cutoff = replace(want, configuration={"BytesScannedCutoffPerQuery": 5})
    assert configuration_updates(only_cutoff) == {"BytesScannedCutoffPerQuery": 5}
    # The result member is a copy: the update does not write into the desired configuration.
    updates = configuration_updates(want)
    updates["ResultConfigurationUpdates"]["OutputLocation"] = "s3://x/"
    assert want.configuration["ResultConfiguration"]["OutputLocation"] == CONFIGURATION["ResultConfiguration"][
        "OutputLocation"]


@pytest.mark.parametrize(("engine", "ok"), [("AUTO", True), ("Athena engine version 3", True),
                                            ("Athena engine version 2", False), ("auto", False)])
def test_the_engine_is_auto_or_version_3(engine: str, ok: bool) -> None:
    (want,) = WG.desired(ENV)
    want = replace(want, configuration={**want.configuration, "EngineVersion": {"SelectedEngineVersion": engine}})
    assert WG.validate(ENV, want) == ([] if ok else [
        f"engine version {engine!r} is not one of AUTO, Athena engine version 3"])


@pytest.mark.parametrize(("location", "ok"), [("s3://b/", True), ("S3://b/", False), ("https://b/", False),
                                              ("b/s3://", False)])
def test_the_result_location_is_an_s3_uri(location: str, ok: bool) -> None:
    (want,) = WG.desired(ENV)
    result = {**want.configuration["ResultConfiguration"], "OutputLocation": location}
    want = replace(want, configuration={**want.configuration, "ResultConfiguration": result})
    assert WG.validate(ENV, want) == ([] if ok else ["the result location must be an s3:// URI"])


def test_the_workgroup_cannot_be_primary_and_every_problem_is_said() -> None:
    (want,) = WG.desired(ENV)
    assert WG.validate(ENV, replace(want, name="primary-2")) == []
    bad = replace(want, name="primary", configuration={
        **want.configuration, "EngineVersion": {"SelectedEngineVersion": "v9"},
        "ResultConfiguration": {"OutputLocation": "/tmp"}})
    assert WG.validate(ENV, bad) == ["engine version 'v9' is not one of AUTO, Athena engine version 3",
                                     "the result location must be an s3:// URI",
                                     "the workgroup cannot be 'primary', the account's default workgroup"]


def _group_answers(group: Any, *queries: dict[str, Any]) -> dict[str, Any]:
    return {"get_work_group": group, "list_tags_for_resource": {"Tags": [
        {"Key": "sesl:managed-by", "Value": "sesl"}, {"Key": "sesl:env", "Value": "dev"}, {"Key": "x", "Value": "y"}]},
        **listing(*queries)}


def test_read_takes_the_state_configuration_tags_and_others_queries() -> None:
    athena = FakeAthena(**_group_answers(
        {"WorkGroup": {"Name": "email-analytics-dev", "State": "DISABLED", "Configuration": {"A": 1}}},
        saved("1", "zeta"), saved("2", "sesl-newsletter-top-links"), saved("3", "alpha"), saved("4", "sesl")))
    (want,) = WG.desired(ENV)
    assert WG.read(fake_ctx(athena), want) == WorkgroupState(
        "email-analytics-dev", True, ARN, "DISABLED", {"A": 1}, ("alpha", "sesl", "zeta"),
        {"sesl:managed-by": "sesl", "sesl:env": "dev", "x": "y"})
    assert athena.named("get_work_group") == [{"WorkGroup": "email-analytics-dev"}]
    assert athena.named("list_tags_for_resource") == [{"ResourceARN": ARN}]
    assert athena.named("paginate_list_named_queries") == [{"WorkGroup": "email-analytics-dev"}]


def test_read_fills_an_answer_without_state_or_configuration() -> None:
    athena = FakeAthena(**_group_answers({"WorkGroup": {"Name": "email-analytics-dev"}}))
    have = WG.read(fake_ctx(athena), WG.desired(ENV)[0])
    assert have is not None and (have.state, have.configuration, have.others_queries) == ("ENABLED", {}, ())


@pytest.mark.parametrize("answer", [client_error("InvalidRequestException"), {}, {"WorkGroup": {}},
                                    {"WorkGroup": None}])
def test_a_missing_workgroup_reads_as_none(answer: Any) -> None:
    athena = FakeAthena(get_work_group=answer)
    assert WG.read(fake_ctx(athena), WG.desired(ENV)[0]) is None
    assert [op for op, _ in athena.calls] == ["get_work_group"]


def test_another_read_error_is_raised() -> None:
    athena = FakeAthena(get_work_group=client_error("ThrottlingException"))
    with pytest.raises(botocore.exceptions.ClientError, match="ThrottlingException"):
        WG.read(fake_ctx(athena), WG.desired(ENV)[0])


def test_a_workgroup_of_another_env_is_not_owned() -> None:
    answers = _group_answers({"WorkGroup": {"Name": "email-analytics-dev"}})
    answers["list_tags_for_resource"] = {"Tags": [{"Key": "sesl:managed-by", "Value": "sesl"},
                                                  {"Key": "sesl:env", "Value": "prod"}]}
    have = WG.read(fake_ctx(FakeAthena(**answers)), WG.desired(ENV)[0])
    assert have is not None and not have.owned
    answers["list_tags_for_resource"] = {}
    have = WG.read(fake_ctx(FakeAthena(**answers)), WG.desired(ENV)[0])
    assert have is not None and (have.owned, have.tags) == (False, {})


def test_create_fields_and_the_requests_exactly() -> None:
    (want,) = WG.desired(ENV)
    assert WG.create_fields(want) == (
        FieldChange("OutputLocation", None, "s3://daily-system-design-athena-results-dev/query-results/"),
        FieldChange("BytesScannedCutoffPerQuery", None, 1024**3),
        FieldChange("EngineVersion", None, "Athena engine version 3"))
    create, update = WG.requests(want)
    assert create == Request("athena", "CreateWorkGroup", {
        "Name": "email-analytics-dev", "Description": "SES email-event analytics (dev), managed by sesl",
        "Configuration": CONFIGURATION, "Tags": [{"Key": "sesl:env", "Value": "dev"},
                                                 {"Key": "sesl:managed-by", "Value": "sesl"},
                                                 {"Key": "team", "Value": "data"}]})
    assert create.stage == "create"
    assert update == Request("athena", "UpdateWorkGroup", {"WorkGroup": "email-analytics-dev", "State": "ENABLED",
                                                           "ConfigurationUpdates": configuration_updates(want)},
                             stage="update")


def test_create_sends_only_the_create() -> None:
    athena = FakeAthena()
    (want,) = WG.desired(ENV)
    WG.create(fake_ctx(athena), want)
    assert athena.calls == [("create_work_group", WG.requests(want)[0].params)]


def test_the_updates_send_the_state_the_configuration_and_the_tags() -> None:
    athena = FakeAthena()
    (want,) = WG.desired(ENV)
    want = replace(want, state="DISABLED")
    have = WorkgroupState(want.name, True, "arn:have", "ENABLED", {}, (), {})
    WG.update_whole(fake_ctx(athena), want, have)
    WG.update_tags(fake_ctx(athena), want, have)
    assert athena.calls == [
        ("update_work_group", {"WorkGroup": "email-analytics-dev", "State": "DISABLED",
                               "ConfigurationUpdates": configuration_updates(want)}),
        ("tag_resource", {"ResourceARN": "arn:have", "Tags": [{"Key": "sesl:env", "Value": "dev"},
                                                              {"Key": "sesl:managed-by", "Value": "sesl"},
                                                              {"Key": "team", "Value": "data"}]})]


def test_the_diff_names_each_aspect_by_its_member() -> None:
    (want,) = WG.desired(ENV)
    same = WorkgroupState(want.name, True, ARN, "ENABLED", CONFIGURATION, (), dict(OWNER))
    assert WG.diff(same, want) == []
    drifted = replace(same, state="DISABLED", tags={**OWNER, "team": "ops"}, configuration={
        "ResultConfiguration": {**CONFIGURATION["ResultConfiguration"], "ExpectedBucketOwner": "999"},
        "EnforceWorkGroupConfiguration": False, "PublishCloudWatchMetricsEnabled": False,
        "EngineVersion": {"SelectedEngineVersion": "AUTO"}})
    changes = WG.diff(drifted, want)
    assert [(c.action, c.aspect, c.fields) for c in changes] == [
        (Action.UPDATE, "state", (FieldChange("State", "DISABLED", "ENABLED"),)),
        (Action.UPDATE, "result_configuration", (FieldChange("ResultConfiguration.ExpectedBucketOwner", "999",
                                                             "123456789012"),)),
        (Action.UPDATE, "enforcement", (FieldChange("EnforceWorkGroupConfiguration", False, True),)),
        (Action.UPDATE, "metrics", (FieldChange("PublishCloudWatchMetricsEnabled", False, True),)),
        (Action.UPDATE, "scan_cutoff", (FieldChange("BytesScannedCutoffPerQuery", None, 1024**3),)),
        (Action.UPDATE, "engine_version", (FieldChange("EngineVersion.SelectedEngineVersion", "AUTO",
                                                       "Athena engine version 3"),)),
        (Action.UPDATE, "tags", (FieldChange("tags.team", "ops", "data"),))]
    assert all(c.have is drifted and c.want is want for c in changes)


# -- destroy: the keep rule for others' saved queries -----------------------------------------------------------

def _kept(others: tuple[str, ...], options: DestroyOptions | None = None, setting: bool = False) -> str | None:
    options = options or DestroyOptions()
    have = WorkgroupState("email-analytics-dev", True, ARN, "ENABLED", {}, others, {})
    return WG.keep_reason(fake_ctx(FakeAthena(), delete_on_destroy=setting), have, options)


def test_a_workgroup_with_no_others_queries_is_deleted() -> None:
    assert _kept(()) is None


@pytest.mark.parametrize(("others", "held"), [
    (("a",), "1 saved query that sesl did not save (a)"),
    (("a", "b"), "2 saved queries that sesl did not save (a, b)"),
    (("a", "b", "c"), "3 saved queries that sesl did not save (a, b, c)"),
    (("a", "b", "c", "d"), "4 saved queries that sesl did not save (a, b, c, ...)"),
])
def test_a_workgroup_holding_others_queries_is_kept_naming_three(others: tuple[str, ...], held: str) -> None:
    assert _kept(others) == f"holds {held}: kept (--delete-saved-queries deletes them with the workgroup)"


def test_the_flag_or_the_setting_deletes_others_queries_with_the_workgroup() -> None:
    assert _kept(("a",), DestroyOptions(delete_saved_queries=True)) is None
    assert _kept(("a",), setting=True) is None
    assert _kept(("a",), DestroyOptions(delete_data=True)) is not None


def test_delete_removes_the_workgroup_with_its_queries() -> None:
    athena = FakeAthena()
    WG.delete(fake_ctx(athena), WorkgroupState("wg", True, ARN, "ENABLED", {}, (), {}))
    assert athena.calls == [("delete_work_group", {"WorkGroup": "wg", "RecursiveDeleteOption": True})]


# == saved queries ================================================================================================

def test_the_saved_queries_are_read_50_ids_a_call_over_every_page() -> None:
    ids = [f"q{i}" for i in range(101)]
    athena = FakeAthena(paginate_list_named_queries=[{"NamedQueryIds": ids[:60]}, {}, {"NamedQueryIds": ids[60:]}],
                        batch_get_named_query=lambda NamedQueryIds: {"NamedQueries": [
                            saved(i, "n") for i in NamedQueryIds]})
    found = read_workgroup_queries(fake_ctx(athena), "wg")
    assert [q["NamedQueryId"] for q in found] == ids
    assert athena.named("paginate_list_named_queries") == [{"WorkGroup": "wg"}]
    assert athena.named("batch_get_named_query") == [{"NamedQueryIds": ids[:50]}, {"NamedQueryIds": ids[50:100]},
                                                     {"NamedQueryIds": ids[100:]}]


@pytest.mark.parametrize(("count", "calls"), [(0, 0), (1, 1), (50, 1), (51, 2)])
def test_the_batch_limit_on_both_sides(count: int, calls: int) -> None:
    athena = FakeAthena(paginate_list_named_queries=[{"NamedQueryIds": [f"q{i}" for i in range(count)]}],
                        batch_get_named_query={})
    assert read_workgroup_queries(fake_ctx(athena), "wg") == []
    assert len(athena.named("batch_get_named_query")) == calls


def test_a_missing_workgroup_has_no_saved_queries_and_another_error_is_raised() -> None:
    missing = FakeAthena(paginate_list_named_queries=client_error("InvalidRequestException"))
    assert read_workgroup_queries(fake_ctx(missing), "wg") == []
    denied = FakeAthena(paginate_list_named_queries=client_error("AccessDeniedException"))
    with pytest.raises(botocore.exceptions.ClientError, match="AccessDeniedException"):
        read_workgroup_queries(fake_ctx(denied), "wg")


def test_deleting_a_query_already_gone_succeeds_and_nothing_else_is_swallowed() -> None:
    gone = FakeAthena(delete_named_query=client_error("InvalidRequestException", "NamedQuery q1 does not exist"))
    delete_query(fake_ctx(gone), "q1")
    assert gone.calls == [("delete_named_query", {"NamedQueryId": "q1"})]
    for error in (client_error("InvalidRequestException", "bad id"),
                  client_error("InternalServerException", "NamedQuery q1 does not exist")):
        with pytest.raises(botocore.exceptions.ClientError):
            delete_query(fake_ctx(FakeAthena(delete_named_query=error)), "q1")


def test_the_desired_saved_queries_exactly() -> None:
    wants = NQ.desired(ENV)
    assert len(wants) == len(ENV.spec.flows) * len(QUERIES) == 10
    first = QUERIES[0]
    assert wants[0] == NamedQuerySpec(
        "sesl-newsletter-daily-engagement", "email-analytics-dev", "email_events_db_dev",
        f"{first.description} (newsletter); parameter: days (e.g. 30)", query_sql(first.name, N, "newsletter"))
    assert [w.name for w in wants][:6] == [
        "sesl-newsletter-daily-engagement", "sesl-newsletter-weekly-trends", "sesl-newsletter-top-links",
        "sesl-newsletter-bounce-complaint-rates", "sesl-newsletter-subscriber-growth",
        "sesl-transactional-daily-engagement"]
    assert wants[1].description.endswith("(newsletter); parameter: days (e.g. 120)")
    assert wants[5].sql == query_sql(first.name, N, "transactional")


WANT = NamedQuerySpec("sesl-newsletter-top-links", "wg", "db", "d", "SELECT 1")


def test_read_takes_the_first_copy_and_every_copys_id() -> None:
    athena = FakeAthena(**listing(
        saved("1", "other", Database="x", Description="x", QueryString="x"),
        saved("2", WANT.name, Database="db2", Description="d2", QueryString="SELECT 2"),
        saved("3", WANT.name, Database="db3", Description="d3", QueryString="SELECT 3")))
    assert NQ.read(fake_ctx(athena), WANT) == NamedQueryState(WANT.name, True, ("2", "3"), "db2", "d2", "SELECT 2")
    assert NQ.read(fake_ctx(athena), replace(WANT, name="absent")) is None


def test_read_fills_absent_members_with_empty_text() -> None:
    athena = FakeAthena(**listing(saved("1", WANT.name)))
    assert NQ.read(fake_ctx(athena), WANT) == NamedQueryState(WANT.name, True, ("1",), "", "", "")


def test_each_workgroup_is_listed_once_for_many_queries() -> None:
    athena = FakeAthena(**listing(saved("1", "a", QueryString="A"), saved("2", "b", QueryString="B")))
    wants = [replace(WANT, name="a"), replace(WANT, name="b"), replace(WANT, name="c")]
    got = NQ.read_many(fake_ctx(athena), wants)
    assert [s.sql if s else None for s in got] == ["A", "B", None]
    assert athena.named("paginate_list_named_queries") == [{"WorkGroup": "wg"}]


def test_the_plan_fields_of_a_saved_query() -> None:
    assert NQ.create_fields(WANT) == (FieldChange("workgroup", None, "wg"), FieldChange("Description", None, "d"))
    assert NQ.diff(NamedQueryState(WANT.name, True, ("1",), "db", "d", "SELECT 1"), WANT) == []
    have = NamedQueryState(WANT.name, True, ("1", "2", "3"), "db0", "d0", "SELECT 0")
    changes = NQ.diff(have, WANT)
    assert [(c.action, c.aspect, c.fields) for c in changes] == [
        (Action.UPDATE, "sql", (FieldChange("QueryString", "SELECT 0", "SELECT 1"),)),
        (Action.UPDATE, "description", (FieldChange("Description", "d0", "d"),)),
        (Action.UPDATE, "database", (FieldChange("Database", "db0", "db"),)),
        (Action.UPDATE, "duplicates", (FieldChange("copies.2", "duplicate", None),
                                       FieldChange("copies.3", "duplicate", None)))]
    # Each change carries the observed state: a new database deletes have's copies by their ids.
    assert all(c.have is have and c.want is WANT for c in changes)


def test_the_create_request_exactly() -> None:
    assert NQ.requests(WANT) == [Request("athena", "CreateNamedQuery", {
        "Name": WANT.name, "Description": "d", "Database": "db", "QueryString": "SELECT 1", "WorkGroup": "wg"})]


def test_a_create_keeps_the_id_answered_and_deletes_other_copies_of_its_name() -> None:
    athena = FakeAthena(create_named_query={"NamedQueryId": "new"},
                        **listing(saved("old", WANT.name), saved("new", WANT.name), saved("x", "someone-else")))
    NQ.create(fake_ctx(athena), WANT)
    assert athena.named("create_named_query") == [NQ.requests(WANT)[0].params]
    assert athena.named("delete_named_query") == [{"NamedQueryId": "old"}]
    assert athena.named("paginate_list_named_queries") == [{"WorkGroup": "wg"}]


def test_the_updates_each_touch_the_right_copies() -> None:
    have = NamedQueryState(WANT.name, True, ("1", "2", "3"), "db0", "d0", "SELECT 0")
    athena = FakeAthena()
    NQ.update_whole(fake_ctx(athena), WANT, have)
    assert athena.calls == [("update_named_query", {"NamedQueryId": "1", "Name": WANT.name, "Description": "d",
                                                    "QueryString": "SELECT 1"})]
    athena = FakeAthena()
    NQ.update_duplicates(fake_ctx(athena), WANT, have)
    assert athena.named("delete_named_query") == [{"NamedQueryId": "2"}, {"NamedQueryId": "3"}]
    athena = FakeAthena()
    NQ.delete(fake_ctx(athena), have)
    assert athena.named("delete_named_query") == [{"NamedQueryId": i} for i in ("1", "2", "3")]


def test_a_new_database_saves_the_query_anew() -> None:
    have = NamedQueryState(WANT.name, True, ("1", "2"), "db0", "d0", "SELECT 0")
    athena = FakeAthena(create_named_query={"NamedQueryId": "new"}, **listing(saved("new", WANT.name)))
    NQ.update_database(fake_ctx(athena), WANT, have)
    assert [op for op, _ in athena.calls] == ["delete_named_query", "delete_named_query", "create_named_query",
                                              "paginate_list_named_queries", "batch_get_named_query"]
    assert athena.named("delete_named_query") == [{"NamedQueryId": "1"}, {"NamedQueryId": "2"}]
