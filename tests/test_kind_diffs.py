"""Pure diffs of every kind on hand-built observed states (no AWS, no moto).

Each kind's observed state is built by hand in the shape its `read` makes of AWS's answer (through the same
read helpers where the kind has them). For each kind: the state equal to the desired one diffs to nothing;
two different aspects, drifted by hand, each give exactly that aspect and exactly the pinned field change;
and the forms AWS answers in that the kind tolerates (a role as a name, policies in another order, an
amount as "25.0", ...) diff to nothing.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from urllib.parse import quote

import pytest

from sesl.diff import normalize_policy
from sesl.model import Action, FieldChange
from sesl.naming import Names
from sesl.resources import kind_named
from sesl.resources.athena_named_query import NamedQuerySpec, NamedQueryState
from sesl.resources.athena_workgroup import WorkgroupSpec, WorkgroupState
from sesl.resources.base import Env
from sesl.resources.budget import BudgetSpec, BudgetState
from sesl.resources.cloudwatch_alarm import AlarmSpec, AlarmState, observed_params
from sesl.resources.cloudwatch_dashboard import DashboardSpec, DashboardState
from sesl.resources.firehose_stream import StreamSpec, StreamState, _as_config
from sesl.resources.glue_crawler import CrawlerSpec, CrawlerState, crawler_state
from sesl.resources.glue_database import DatabaseSpec, DatabaseState, database_state
from sesl.resources.glue_table import TableSpec, TableState, table_state
from sesl.resources.iam_role import RoleSpec, RoleState
from sesl.resources.log_group import LogGroupSpec, LogGroupState
from sesl.resources.s3_bucket import PUBLIC_ACCESS_BLOCK, BucketSpec, BucketState
from sesl.resources.ses_event_destination import DestinationSpec, DestinationState
from sesl.resources.sns_topic import TopicSpec, TopicState
from sesl.resources.vpc_endpoint import EndpointSpec, EndpointState
from sesl.spec import default_spec
from tests.test_vpc_endpoint import aws_answer, endpoint_state, pure_wants

ACCOUNT = "123456789012"
ENV = Env(default_spec("dev"), Names("dev", "us-west-2", ACCOUNT))
TAGS = {"sesl:managed-by": "sesl", "sesl:env": "dev"}


def want_of(kind: str, index: int = 0) -> Any:
    return kind_named(kind).desired(ENV)[index]


# -- the observed states, each as the kind's read makes it of AWS's answer ---------------------------------------

def bucket_have(want: BucketSpec) -> BucketState:
    # GetBucketLifecycleConfiguration answers the rules as sent; GetBucketPolicy a re-serialised document.
    return BucketState(want.name, True, "us-west-2", "Enabled", "AES256", dict(PUBLIC_ACCESS_BLOCK),
                       tuple(copy.deepcopy(want.lifecycle_rules)), "all_storage_classes_128K",
                       normalize_policy(json.dumps(want.policy)), {**want.tags, "aws:cloudformation:stack": "x"})


def role_have(want: RoleSpec) -> RoleState:
    # IAM answers documents URL-encoded; read normalises them (and the bucket policy) before comparing.
    inline = {k: normalize_policy(quote(json.dumps(v))) or {} for k, v in want.inline.items()}
    return RoleState(want.name, True, normalize_policy(quote(json.dumps(want.trust))), inline, (), dict(want.tags))


def database_have(want: DatabaseSpec) -> DatabaseState:
    answer = {"Name": want.name, "Description": want.description, "CatalogId": ACCOUNT,
              "CreateTableDefaultPermissions": [{"Principal": {"DataLakePrincipalIdentifier": "IAM_ALLOWED_PRINCIPALS"},
                                                 "Permissions": ["ALL"]}]}
    return database_state(answer, [{"Name": t} for t in want.managed_tables], dict(want.tags), want, "dev")


def table_answer(want: TableSpec) -> dict[str, Any]:
    """GetTable's answer for the table sesl writes, with the members AWS adds."""
    columns = [{"Name": n, "Type": t, **({"Comment": want.comments[n]} if n in want.comments else {})}
               for n, t in want.columns]
    from sesl.resources.glue_table import written_storage

    storage = {**written_storage(want, want.columns, want.comments), "Columns": columns, "NumberOfBuckets": -1,
               "SortColumns": [], "StoredAsSubDirectories": False}
    return {"Name": want.name, "DatabaseName": want.database, "TableType": "EXTERNAL_TABLE",
            "PartitionKeys": [{"Name": k, "Type": "string"} for k in want.partition_keys],
            "StorageDescriptor": storage, "Parameters": dict(want.parameters), "CreatedBy": "arn:aws:iam::x",
            "IsRegisteredWithLakeFormation": False, "Retention": 0}


def table_have(want: TableSpec) -> TableState:
    return table_state(table_answer(want), want, "dev", ())


def log_group_have(want: LogGroupSpec) -> LogGroupState:
    arn = f"arn:aws:logs:us-west-2:{ACCOUNT}:log-group:{want.name}"
    return LogGroupState(want.name, True, arn, want.retention_days, tuple(sorted(want.streams)), dict(want.tags))


def stream_description(want: StreamSpec) -> dict[str, Any]:
    """ExtendedS3DestinationDescription: the backup as S3BackupDescription, members AWS adds, and the
    OpenX SerDe without the members that hold their default (as AWS answers it)."""
    d = copy.deepcopy(want.destination)
    backup = d.pop("S3BackupConfiguration")
    d["DataFormatConversionConfiguration"]["InputFormatConfiguration"]["Deserializer"]["OpenXJsonSerDe"] = {}
    return {**d, "S3BackupDescription": backup, "EncryptionConfiguration": {"NoEncryptionConfig": "NoEncryption"},
            "ProcessingConfiguration": {"Enabled": False, "Processors": []}}


def stream_have(want: StreamSpec) -> StreamState:
    return StreamState(want.name, True, "ACTIVE", "", "DirectPut", "1", "destinationId-000000000001",
                       _as_config(stream_description(want)), dict(want.tags))


def crawler_answer(want: CrawlerSpec) -> dict[str, Any]:
    """GetCrawler's answer: the role as a name, Schedule as a structure, every target list, Exclusions []."""
    c = want.config
    targets = {"S3Targets": [{**t, "Exclusions": []} for t in c["Targets"]["S3Targets"]], "JdbcTargets": [],
               "MongoDBTargets": [], "DynamoDBTargets": [], "CatalogTargets": [], "DeltaTargets": []}
    return {**copy.deepcopy(c), "Name": want.name, "Role": c["Role"].rsplit("/", 1)[1], "Targets": targets,
            "Schedule": {"ScheduleExpression": c["Schedule"], "State": "SCHEDULED"}, "State": "READY",
            "Configuration": json.dumps(json.loads(c["Configuration"]), separators=(",", ":"), sort_keys=True)}


def crawler_have(want: CrawlerSpec) -> CrawlerState:
    return crawler_state(crawler_answer(want), dict(want.tags), want, "dev")


def destination_have(want: DestinationSpec) -> DestinationState:
    return DestinationState(want.name, True, want.configuration_set, tuple(sorted(want.event_types)), True,
                            {"IamRoleArn": want.role_arn, "DeliveryStreamArn": want.stream_arn})


def workgroup_have(want: WorkgroupSpec) -> WorkgroupState:
    arn = f"arn:aws:athena:us-west-2:{ACCOUNT}:workgroup/{want.name}"
    config = {**copy.deepcopy(want.configuration), "RequesterPaysEnabled": False,
              "EngineVersion": {**want.configuration["EngineVersion"],
                                "EffectiveEngineVersion": want.configuration["EngineVersion"]["SelectedEngineVersion"]}}
    return WorkgroupState(want.name, True, arn, "ENABLED", config, (), dict(want.tags))


def query_have(want: NamedQuerySpec) -> NamedQueryState:
    return NamedQueryState(want.name, True, ("q-1",), want.database, want.description, want.sql)


def topic_have(want: TopicSpec) -> TopicState:
    return TopicState(want.name, True, want.arn, {}, dict(want.tags), copy.deepcopy(want.policy))


def alarm_answer(want: AlarmSpec) -> dict[str, Any]:
    return {**copy.deepcopy(want.params), "AlarmName": want.name, "StateValue": "OK",
            "AlarmArn": f"arn:aws:cloudwatch:us-west-2:{ACCOUNT}:alarm:{want.name}"}


def alarm_have(want: AlarmSpec, answer: dict[str, Any] | None = None) -> AlarmState:
    answer = alarm_answer(want) if answer is None else answer
    return AlarmState(want.name, True, answer["AlarmArn"], observed_params(answer, want), dict(want.tags))


def dashboard_have(want: DashboardSpec) -> DashboardState:
    return DashboardState(want.name, True, json.loads(json.dumps(want.body)))


def budget_have(want: BudgetSpec) -> BudgetState:
    return BudgetState(want.name, True, f"arn:aws:budgets::{ACCOUNT}:budget/{want.name}", "25.0", "USD", "MONTHLY",
                       {n: want.subscribers() for n in want.notifications}, dict(want.tags))


def endpoint_have(want: EndpointSpec) -> EndpointState:
    return endpoint_state(want, aws_answer(want))


HAVE: dict[str, Callable[[Any], Any]] = {
    "s3_bucket": bucket_have, "iam_role": role_have, "glue_database": database_have, "glue_table": table_have,
    "log_group": log_group_have, "firehose_stream": stream_have, "glue_crawler": crawler_have,
    "ses_event_destination": destination_have, "athena_workgroup": workgroup_have,
    "athena_named_query": query_have, "sns_topic": topic_have, "cloudwatch_alarm": alarm_have,
    "cloudwatch_dashboard": dashboard_have, "budget": budget_have,
    "vpc_endpoint": endpoint_have,  # desires nothing without a VPC: its diffs are in tests/test_vpc_endpoint.py
}


def test_every_kind_has_a_hand_built_state() -> None:
    from sesl.resources import REGISTRY

    assert sorted(HAVE) == sorted(k.kind for k in REGISTRY)


@pytest.mark.parametrize("kind", sorted(HAVE))
def test_the_state_equal_to_the_desired_one_diffs_to_nothing(kind: str) -> None:
    for want in kind_named(kind).desired(ENV):
        assert kind_named(kind).diff(HAVE[kind](want), want) == [], want.name


# -- two drifted aspects per kind, each exactly -------------------------------------------------------------------

def _fields(kind: str, have: Any, want: Any) -> list[tuple[str, Action, tuple[FieldChange, ...]]]:
    return [(c.aspect, c.action, c.fields) for c in kind_named(kind).diff(have, want)]


def _bucket_cases() -> list[Any]:
    want = want_of("s3_bucket")
    have = bucket_have(want)
    return [
        ("s3_bucket", want, replace(have, versioning="Suspended"),
         [("versioning", (FieldChange("Status", "Suspended", "Enabled"),))]),
        ("s3_bucket", want, replace(have, public_access_block={**PUBLIC_ACCESS_BLOCK, "BlockPublicPolicy": False}),
         [("public_access_block", (FieldChange("BlockPublicPolicy", False, True),))]),
        ("s3_bucket", want, replace(have, tags={**have.tags, "sesl:env": "prod"}),
         [("tags", (FieldChange("tags.sesl:env", "prod", "dev"),))]),
    ]


def _role_cases() -> list[Any]:
    want = want_of("iam_role")
    have = role_have(want)
    extra = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]}
    return [
        ("iam_role", want, replace(have, inline={**have.inline, "added-by-security": extra}),
         [("inline_policies", (FieldChange("added-by-security", "present (not sesl's)", None),))]),
        ("iam_role", want, replace(have, managed=("arn:aws:iam::aws:policy/AdministratorAccess",)),
         [("managed_policies", (FieldChange("AttachedPolicies", ["arn:aws:iam::aws:policy/AdministratorAccess"],
                                            []),))]),
    ]


def _database_cases() -> list[Any]:
    want = want_of("glue_database")
    have = database_have(want)
    return [
        ("glue_database", want, replace(have, description="edited by hand"),
         [("description", (FieldChange("Description", "edited by hand", want.description),))]),
        ("glue_database", want, replace(have, tags={"sesl:managed-by": "sesl"}),
         [("tags", (FieldChange("tags.sesl:env", None, "dev"),))]),
    ]


def _table_cases() -> list[Any]:
    want = want_of("glue_table")
    answer = table_answer(want)
    projection = {**answer, "Parameters": {**answer["Parameters"], "projection.day.digits": "1"}}
    storage = copy.deepcopy(answer)
    storage["StorageDescriptor"]["Location"] = "s3://elsewhere/"
    return [
        ("glue_table", want, table_state(projection, want, "dev", ()),
         [("projection", (FieldChange("projection.day.digits", "1", "2"),))]),
        ("glue_table", want, table_state(storage, want, "dev", ()),
         [("storage", (FieldChange("Location", "s3://elsewhere/", want.location),))]),
    ]


def _log_group_cases() -> list[Any]:
    want = want_of("log_group")
    have = log_group_have(want)
    return [
        ("log_group", want, replace(have, retention_days=1),
         [("retention", (FieldChange("retentionInDays", 1, want.retention_days),))]),
        ("log_group", want, replace(have, streams=("DestinationDelivery",)),
         [("log_streams", (FieldChange("streams.BackupDelivery", None, "present"),))]),
    ]


def _stream_cases() -> list[Any]:
    want = want_of("firehose_stream")
    description = stream_description(want)
    buffering = {**description, "BufferingHints": {"SizeInMBs": 64, "IntervalInSeconds": 300}}
    prefixes = {**description, "ErrorOutputPrefix": "elsewhere/"}
    base = stream_have(want)
    return [
        ("firehose_stream", want, replace(base, destination=_as_config(buffering)),
         [("buffering", (FieldChange("BufferingHints.IntervalInSeconds", 300, 60),))]),
        ("firehose_stream", want, replace(base, destination=_as_config(prefixes)),
         [("prefixes", (FieldChange("ErrorOutputPrefix", "elsewhere/", want.destination["ErrorOutputPrefix"]),))]),
    ]


def _crawler_cases() -> list[Any]:
    want = want_of("glue_crawler")
    answer = crawler_answer(want)
    schedule = {**answer, "Schedule": {"ScheduleExpression": "cron(0 1 * * ? *)", "State": "SCHEDULED"}}
    policies = {**answer, "SchemaChangePolicy": {"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"}}
    return [
        ("glue_crawler", want, crawler_state(schedule, dict(want.tags), want, "dev"),
         [("schedule", (FieldChange("Schedule", "cron(0 1 * * ? *)", "cron(0 0 ? * SUN *)"),))]),
        ("glue_crawler", want, crawler_state(policies, dict(want.tags), want, "dev"),
         [("policies", (FieldChange("SchemaChangePolicy.UpdateBehavior", "LOG", "UPDATE_IN_DATABASE"),))]),
    ]


def _destination_cases() -> list[Any]:
    want = want_of("ses_event_destination")
    have = destination_have(want)
    return [
        ("ses_event_destination", want, replace(have, enabled=False),
         [("enabled", (FieldChange("Enabled", False, True),))]),
        ("ses_event_destination", want, replace(have, event_types=("BOUNCE",)),
         [("event_types", (FieldChange("MatchingEventTypes", ["BOUNCE"], list(want.event_types)),))]),
    ]


def _workgroup_cases() -> list[Any]:
    want = want_of("athena_workgroup")
    have = workgroup_have(want)
    return [
        ("athena_workgroup", want, replace(have, state="DISABLED"),
         [("state", (FieldChange("State", "DISABLED", "ENABLED"),))]),
        ("athena_workgroup", want, replace(have, configuration={**have.configuration,
                                                                "BytesScannedCutoffPerQuery": 100 * 1024 ** 3}),
         [("scan_cutoff", (FieldChange("BytesScannedCutoffPerQuery", 100 * 1024 ** 3, 1024 ** 3),))]),
    ]


def _query_cases() -> list[Any]:
    want = want_of("athena_named_query")
    have = query_have(want)
    return [
        ("athena_named_query", want, replace(have, description="by hand"),
         [("description", (FieldChange("Description", "by hand", want.description),))]),
        ("athena_named_query", want, replace(have, ids=("q-1", "q-2")),
         [("duplicates", (FieldChange("copies.q-2", "duplicate", None),))]),
    ]


def _topic_cases() -> list[Any]:
    want = want_of("sns_topic")
    have = topic_have(want)
    statement, *others = want.policy["Statement"]
    return [
        ("sns_topic", want, replace(have, policy={"Version": "2012-10-17", "Statement": others}),
         [("policy", (FieldChange(f"Statement.{statement['Sid']}", None, _normalized(statement)),))]),
        ("sns_topic", want, replace(have, tags={**have.tags, "sesl:managed-by": "someone"}),
         [("tags", (FieldChange("tags.sesl:managed-by", "someone", "sesl"),))]),
    ]


def _normalized(statement: dict[str, Any]) -> dict[str, Any]:
    from sesl.diff import normalize_policy

    normal = normalize_policy({"Statement": [statement]})
    assert normal is not None
    return dict(normal["Statement"][0])


def _alarm_cases() -> list[Any]:
    want = want_of("cloudwatch_alarm")
    answer = alarm_answer(want)
    return [
        ("cloudwatch_alarm", want, alarm_have(want, {**answer, "Threshold": 0.5, "EvaluationPeriods": 9}),
         [("definition", (FieldChange("EvaluationPeriods", 9, 3), FieldChange("Threshold", 0.5, 1.0)))]),
        ("cloudwatch_alarm", want, replace(alarm_have(want), tags={}),
         [("tags", (FieldChange("tags.sesl:env", None, "dev"), FieldChange("tags.sesl:managed-by", None, "sesl")))]),
    ]


def _dashboard_cases() -> list[Any]:
    """One aspect only (the body): two of its fields drift."""
    want = want_of("cloudwatch_dashboard")
    body = copy.deepcopy(want.body)
    body["start"] = "-PT3H"
    body["widgets"][1]["properties"]["period"] = 60
    return [("cloudwatch_dashboard", want, DashboardState(want.name, True, body),
             [("body", (FieldChange("start", "-PT3H", "-PT24H"),
                        FieldChange("widgets[1].properties.period", 60, 300)))])]


def _budget_cases() -> list[Any]:
    want = want_of("budget")
    have = budget_have(want)
    actual = want.notifications[0]
    return [
        ("budget", want, replace(have, limit="40.0"), [("limit", (FieldChange("Amount", 40.0, 25.0),))]),
        ("budget", want, replace(have, notifications={actual: (), want.notifications[1]: want.subscribers()}),
         [("notifications", (FieldChange("notification.ACTUAL>80", [], [f"SNS {want.topic_arn}"]),))]),
    ]


def _endpoint_cases() -> list[Any]:
    """With a VPC configured (the default env has none): the S3 gateway endpoint and the Glue interface one."""
    s3, glue = pure_wants()
    return [
        ("vpc_endpoint", s3, endpoint_state(s3, aws_answer(s3, RouteTableIds=["rtb-0123abcd"])),
         [("route_tables", (FieldChange("RouteTableIds", ["rtb-0123abcd"], ["rtb-0123abcd", "rtb-1123abcd"]),))]),
        ("vpc_endpoint", glue, endpoint_state(glue, aws_answer(glue, Groups=[])),
         [("security_groups", (FieldChange("SecurityGroupIds", [], ["sg-0123abcd"]),))]),
    ]


CASES = [*_bucket_cases(), *_role_cases(), *_database_cases(), *_table_cases(), *_log_group_cases(),
         *_stream_cases(), *_crawler_cases(), *_destination_cases(), *_workgroup_cases(), *_query_cases(),
         *_topic_cases(), *_alarm_cases(), *_dashboard_cases(), *_budget_cases(), *_endpoint_cases()]


@pytest.mark.parametrize(("kind", "want", "have", "expected"), CASES,
                         ids=[f"{c[0]}-{c[3][0][0]}" for c in CASES])
def test_one_drifted_aspect_gives_exactly_its_change(kind: str, want: Any, have: Any,
                                                     expected: list[tuple[str, tuple[FieldChange, ...]]]) -> None:
    assert _fields(kind, have, want) == [(aspect, Action.UPDATE, fields) for aspect, fields in expected]


def test_every_kind_has_two_drifted_aspects_or_two_fields_of_its_only_one() -> None:
    aspects: dict[str, set[str]] = {}
    fields: dict[str, int] = {}
    for kind, _, _, expected in CASES:
        aspects.setdefault(kind, set()).update(a for a, _ in expected)
        fields[kind] = fields.get(kind, 0) + sum(len(f) for _, f in expected)
    assert sorted(aspects) == sorted(HAVE)
    assert {k for k, a in aspects.items() if len(a) < 2} == {"cloudwatch_dashboard"}
    assert fields["cloudwatch_dashboard"] == 2


# -- AWS's own forms of the same values diff to nothing -------------------------------------------------------------

def _reordered_policy(policy: dict[str, Any]) -> dict[str, Any]:
    """The same document as IAM/S3 may answer it: statements and keys in another order, one-element lists as
    scalars and scalars as lists, condition keys in another case, the account id as the root ARN."""
    statements = []
    for s in reversed(policy["Statement"]):
        out: dict[str, Any] = {}
        for key in reversed(list(s)):
            value = s[key]
            if key in ("Action", "Resource") and isinstance(value, list) and len(value) == 1:
                value = value[0]
            elif key in ("Action", "Resource") and isinstance(value, str):
                value = [value]
            elif key in ("Action", "Resource"):
                value = list(reversed(value))
            elif key == "Condition":
                value = {op: {k.upper() if k.startswith("aws:") else k: v for k, v in body.items()}
                         for op, body in value.items()}
            out[key] = value
        statements.append(out)
    return {"Statement": statements, "Version": policy["Version"]}


def test_s3_policy_and_lifecycle_in_aws_forms_diff_to_nothing() -> None:
    want = want_of("s3_bucket")
    rules = tuple({**{k: v for k, v in r.items() if k != "Filter"}, "Filter": {}} for r in want.lifecycle_rules)
    have = replace(bucket_have(want), policy=normalize_policy(json.dumps(_reordered_policy(want.policy))),
                   lifecycle_rules=rules, min_transition_size=None)
    assert kind_named("s3_bucket").diff(have, want) == []


def test_iam_policies_in_aws_forms_diff_to_nothing() -> None:
    for want in kind_named("iam_role").desired(ENV):
        answered = {k: _reordered_policy(v) for k, v in want.inline.items()}
        assert answered != want.inline  # the forms really differ before normalisation
        have = replace(role_have(want), trust=normalize_policy(_reordered_policy(want.trust)),
                       inline={k: normalize_policy(v) or {} for k, v in answered.items()})
        assert kind_named("iam_role").diff(have, want) == [], want.name


def test_firehose_openx_defaults_left_out_by_aws_diff_to_nothing() -> None:
    want = want_of("firehose_stream")
    have = stream_have(want)
    deserializer = have.destination["DataFormatConversionConfiguration"]["InputFormatConfiguration"]["Deserializer"]
    assert deserializer["OpenXJsonSerDe"]["CaseInsensitive"] is True  # filled back in from AWS's {}
    assert kind_named("firehose_stream").diff(have, want) == []


def test_crawler_role_as_name_or_path_and_configuration_as_other_text_diff_to_nothing() -> None:
    want = want_of("glue_crawler")
    for role in ("email-events-crawler-dev", "service-role/email-events-crawler-dev",
                 f"arn:aws:iam::{ACCOUNT}:role/email-events-crawler-dev"):
        have = crawler_state({**crawler_answer(want), "Role": role}, dict(want.tags), want, "dev")
        assert have.config["Configuration"] != want.config["Configuration"]  # other text, same JSON
        assert kind_named("glue_crawler").diff(have, want) == [], role
    other = crawler_state({**crawler_answer(want), "Role": "someone-elses-role"}, dict(want.tags), want, "dev")
    assert _fields("glue_crawler", other, want) == [
        ("role", Action.UPDATE, (FieldChange("Role", "someone-elses-role", want.config["Role"]),))]


def test_ses_event_types_in_another_order_and_spelling_diff_to_nothing() -> None:
    from sesl.resources.ses_event_destination import event_type

    want = want_of("ses_event_destination")
    camel = [t.split("_")[0].lower() + "".join(w.title() for w in t.split("_")[1:]) for t in reversed(want.event_types)]
    assert camel[0] == "send" and camel[-1] == "bounce"  # reversed, lower case
    assert tuple(sorted({event_type(t) for t in camel})) == tuple(sorted(want.event_types))
    have = replace(destination_have(want), event_types=tuple(sorted({event_type(t) for t in camel})))
    assert kind_named("ses_event_destination").diff(have, want) == []


@pytest.mark.parametrize(("answered", "changes"), [
    ("25.0", []), ("25", []), ("25.00", []), ("2.5E+1", []),
    ("25.01", [("limit", Action.UPDATE, (FieldChange("Amount", 25.01, 25.0),))]),
])
def test_budget_amount_forms(answered: str, changes: list[Any]) -> None:
    want = want_of("budget")
    assert _fields("budget", replace(budget_have(want), limit=answered), want) == changes


def test_alarm_without_dimensions_or_missing_data_diffs_to_nothing() -> None:
    want = kind_named("cloudwatch_alarm").desired(ENV)[8]
    assert (want.name, want.params["Dimensions"]) == ("ses-dev-bounce-rate", [])
    answer = alarm_answer(want)
    answer.pop("Dimensions")  # DescribeAlarms leaves out the dimensions of a metric without any
    assert kind_named("cloudwatch_alarm").diff(alarm_have(want, answer), want) == []
    # An alarm that treats missing data as "missing" answers without TreatMissingData, its threshold as an int.
    missing = replace(want, params={**want.params, "TreatMissingData": "missing", "Threshold": 5.0})
    answer = {k: v for k, v in alarm_answer(missing).items() if k != "TreatMissingData"}
    assert kind_named("cloudwatch_alarm").diff(alarm_have(missing, {**answer, "Threshold": 5}), missing) == []
    # ... but a dimension that is there and differs is a change.
    other = {**alarm_answer(want), "Dimensions": [{"Name": "Env", "Value": "dev"}]}
    assert _fields("cloudwatch_alarm", alarm_have(want, other), want) == [
        ("definition", Action.UPDATE, (FieldChange("Dimensions", [{"Name": "Env", "Value": "dev"}], []),))]


def test_workgroup_and_table_members_aws_adds_diff_to_nothing() -> None:
    # The workgroup state carries RequesterPaysEnabled and EffectiveEngineVersion, the table state
    # NumberOfBuckets, SortColumns, Retention: none of them sesl's, none a change.
    wg = want_of("athena_workgroup")
    assert "EffectiveEngineVersion" in workgroup_have(wg).configuration["EngineVersion"]
    assert kind_named("athena_workgroup").diff(workgroup_have(wg), wg) == []
    table = want_of("glue_table")
    assert table_have(table).storage["NumberOfBuckets"] == -1
    assert kind_named("glue_table").diff(table_have(table), table) == []


def test_sns_policy_statement_others_added_and_key_order_diff_to_nothing() -> None:
    want = want_of("sns_topic")
    theirs = {"Sid": "added-by-ops", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "SNS:Publish",
              "Resource": want.arn}
    policy = _reordered_policy(want.policy)
    have = replace(topic_have(want), policy={**policy, "Statement": [*policy["Statement"], theirs]})
    assert kind_named("sns_topic").diff(have, want) == []


def test_bucket_tags_of_others_and_log_stream_order_diff_to_nothing() -> None:
    group = want_of("log_group")
    have = replace(log_group_have(group), streams=tuple(reversed(sorted(group.streams))),
                   tags={**group.tags, "team": "data"})
    assert kind_named("log_group").diff(have, group) == []
