"""Property: any single-field change is reported as exactly that field's change (issue 14, item 2).

Pure: for each kind, the observed state equal to a desired object is built the way `read` builds it from AWS's
answers; it diffs to nothing. Hypothesis then changes one leaf of one of its containers (a configuration key, a
tag value, a policy statement's action list, ...) and the diff must be one Change, of the aspect that owns the
field, with exactly that field: before the changed value, after the desired one."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sesl.diff import normalize_policy
from sesl.model import FieldChange
from sesl.resources import kind_named
from sesl.resources.athena_named_query import NamedQueryState
from sesl.resources.athena_workgroup import CONFIGURATION_ASPECTS, WorkgroupState
from sesl.resources.base import Env
from sesl.resources.budget import BudgetKind, BudgetState
from sesl.resources.cloudwatch_alarm import AlarmState
from sesl.resources.cloudwatch_dashboard import DashboardState
from sesl.resources.firehose_stream import DESTINATION_ASPECTS, StreamState
from sesl.resources.glue_crawler import CONFIG_ASPECTS, GlueCrawlerKind, crawler_state, role_name
from sesl.resources.glue_database import DatabaseState
from sesl.resources.glue_table import GlueTableKind, table_state
from sesl.resources.iam_role import RoleState
from sesl.resources.log_group import LogGroupKind, LogGroupState
from sesl.resources.s3_bucket import PUBLIC_ACCESS_BLOCK, BucketState, normalize_rules
from sesl.resources.ses_event_destination import DestinationState
from sesl.resources.sns_topic import SnsTopicKind, TopicState
from sesl.spec import EnvSpec
from tests.conftest import ACCOUNT, examples

SPEC = EnvSpec(env="dev", alert_email="ops@example.com", tags={"team": "mail", "cost-centre": "Zürich-7"})
ENV = Env(SPEC, SPEC.names_for(SPEC.region, ACCOUNT))
Token = str | int


def mirror(kind: str, w: Any) -> Any:
    """The observed state `read` builds from AWS's answers when they hold exactly the desired object."""
    if kind == "athena_named_query":
        return NamedQueryState(w.name, True, ("id-1",), w.database, w.description, w.sql)
    if kind == "athena_workgroup":
        return WorkgroupState(w.name, True, "arn", w.state, copy.deepcopy(w.configuration), (), dict(w.tags))
    if kind == "budget":
        return BudgetState(w.name, True, "arn", f"{w.limit_usd}", "USD", "MONTHLY",
                           {n: w.subscribers() for n in w.notifications}, dict(w.tags))
    if kind == "cloudwatch_alarm":
        return AlarmState(w.name, True, "arn", copy.deepcopy(w.params), dict(w.tags))
    if kind == "cloudwatch_dashboard":
        return DashboardState(w.name, True, copy.deepcopy(w.body))
    if kind == "firehose_stream":
        return StreamState(w.name, True, "ACTIVE", "", w.stream_type, "1", "destinationId-000000000001",
                           copy.deepcopy(w.destination), dict(w.tags))
    if kind == "glue_crawler":  # GetCrawler: the role by name, the schedule as {ScheduleExpression, State}
        crawler = {**copy.deepcopy(w.config), "Role": role_name(w.config["Role"]),
                   "Schedule": {"ScheduleExpression": w.config["Schedule"], "State": "SCHEDULED"}}
        return crawler_state(crawler, dict(w.tags), w, SPEC.env)
    if kind == "glue_database":
        return DatabaseState(w.name, True, w.arn, w.description, (), dict(w.tags), {})
    if kind == "glue_table":
        return table_state(copy.deepcopy(GlueTableKind()._table_input(w, None)), w, SPEC.env, ())
    if kind == "iam_role":
        return RoleState(w.name, True, normalize_policy(w.trust), {k: normalize_policy(v) for k, v in w.inline.items()},
                         tuple(sorted(w.managed)), dict(w.tags))
    if kind == "log_group":
        return LogGroupState(w.name, True, "arn", w.retention_days, tuple(sorted(w.streams)), dict(w.tags))
    if kind == "s3_bucket":
        return BucketState(w.name, True, w.region, w.versioning, w.sse_algorithm, dict(PUBLIC_ACCESS_BLOCK),
                           tuple(normalize_rules(w.lifecycle_rules)), None, normalize_policy(w.policy), dict(w.tags))
    if kind == "ses_event_destination":
        return DestinationState(w.name, True, w.configuration_set, tuple(sorted(w.event_types)), w.enabled,
                                dict(w.definition()["KinesisFirehoseDestination"]))
    if kind == "sns_topic":
        return TopicState(w.name, True, w.arn, {w.email: "arn:sub"} if w.email else {}, dict(w.tags),
                          copy.deepcopy(w.policy))
    raise AssertionError(kind)


def by_key(aspects: dict[str, tuple[str, ...]]) -> Callable[[tuple[Token, ...]], str]:
    owner = {key: aspect for aspect, keys in aspects.items() for key in keys}
    return lambda tokens: owner[str(tokens[0])]


def fixed(aspect: str) -> Callable[[tuple[Token, ...]], str]:
    return lambda tokens: aspect


def table_aspect(tokens: tuple[Token, ...]) -> str:
    key = str(tokens[0])
    return "projection" if key.startswith("projection.") or key == "storage.location.template" else "parameters"


@dataclass(frozen=True)
class Site:
    """A container of the observed state whose leaves the diff reports one by one."""

    attr: str
    aspect: Callable[[tuple[Token, ...]], str]
    prefix: str = ""
    skip: tuple[str, ...] = ()  # top-level keys whose leaves are compared elsewhere or not leaf by leaf
    # The desired value as the change shows it, when it is not the observed leaf (e.g. an ARN read as a name).
    shown: Callable[[Any, tuple[Token, ...], Any], Any] = staticmethod(lambda want, tokens, value: value)


def crawler_shown(want: Any, tokens: tuple[Token, ...], value: Any) -> Any:
    return want.config["Role"] if tokens == ("Role",) else value  # sent as an ARN, read back as the role's name


TAGS = Site("tags", fixed("tags"), "tags")
SITES: dict[str, tuple[Site, ...]] = {
    "athena_named_query": (Site("sql", fixed("sql"), "QueryString"),
                           Site("description", fixed("description"), "Description"),
                           Site("database", fixed("database"), "Database")),
    "athena_workgroup": (Site("state", fixed("state"), "State"), Site("configuration", by_key(CONFIGURATION_ASPECTS)),
                         TAGS),
    "budget": (TAGS,),
    "cloudwatch_alarm": (Site("params", fixed("definition")), TAGS),
    "cloudwatch_dashboard": (Site("body", fixed("body")),),
    "firehose_stream": (Site("destination", by_key(DESTINATION_ASPECTS)), TAGS),
    # Configuration is a JSON string compared as JSON (see test_crawler_configuration_is_compared_as_json).
    "glue_crawler": (Site("config", by_key(CONFIG_ASPECTS), skip=("Configuration", "Description"),
                          shown=crawler_shown), TAGS),
    "glue_database": (Site("description", fixed("description"), "Description"), TAGS),
    # Columns are compared by glue_table's schema evolution, not leaf by leaf.
    "glue_table": (Site("parameters", table_aspect), Site("storage", fixed("storage"), skip=("Columns",))),
    "iam_role": (Site("trust", fixed("trust"), "AssumeRolePolicy"), Site("inline", fixed("inline_policies")),
                 Site("managed", fixed("managed_policies"), "AttachedPolicies"), TAGS),
    "log_group": (Site("retention_days", fixed("retention"), "retentionInDays"), TAGS),
    "s3_bucket": (Site("versioning", fixed("versioning"), "Status"),
                  Site("sse_algorithm", fixed("encryption"), "SSEAlgorithm"),
                  Site("public_access_block", fixed("public_access_block")),
                  Site("lifecycle_rules", fixed("lifecycle"), "Rules"), Site("policy", fixed("policy"), "Policy"),
                  TAGS),
    "ses_event_destination": (Site("event_types", fixed("event_types"), "MatchingEventTypes"),
                              Site("enabled", fixed("enabled"), "Enabled"),
                              Site("firehose", fixed("firehose"), "KinesisFirehoseDestination")),
    "sns_topic": (TAGS,),
}


def leaves(value: Any, tokens: tuple[Token, ...] = ()) -> Iterator[tuple[tuple[Token, ...], Any]]:
    """Each leaf with its place: maps key by key, lists of records record by record (as diff_values walks)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, (*tokens, key))
    elif isinstance(value, list | tuple) and value and all(isinstance(v, dict) for v in value):
        for i, item in enumerate(value):
            yield from leaves(item, (*tokens, i))
    else:
        yield tokens, value


def rendered(prefix: str, tokens: tuple[Token, ...]) -> str:
    path = prefix
    for token in tokens:
        path += f"[{token}]" if isinstance(token, int) else (f".{token}" if path else str(token))
    return path


def set_in(value: Any, tokens: tuple[Token, ...], new: Any) -> Any:
    if not tokens:
        return new
    head, rest = tokens[0], tokens[1:]
    if isinstance(value, dict):
        return {**value, head: set_in(value[head], rest, new)}
    items = list(value)
    items[int(head)] = set_in(items[int(head)], rest, new)
    return type(value)(items)


def changed(value: Any) -> Any:
    """Another value of the same type."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 7
    if isinstance(value, str):
        return value + "-changed"
    if isinstance(value, list | tuple):
        return type(value)([*value, "zz-added"])
    if value is None:
        return "added"
    raise AssertionError(f"no change for {value!r}")


def listed(value: Any) -> Any:
    """Lists are compared, and shown, as lists (a state may hold them as tuples)."""
    return list(value) if isinstance(value, tuple) else value


KINDS = tuple(SITES)


@pytest.mark.parametrize("kind_name", KINDS)
def test_the_observed_state_built_from_the_desired_one_diffs_to_nothing(kind_name: str) -> None:
    kind = kind_named(kind_name)
    wants = kind.desired(ENV)
    assert wants
    assert [kind.diff(mirror(kind_name, w), w) for w in wants] == [[] for _ in wants]


@pytest.mark.parametrize("kind_name", KINDS)
@settings(max_examples=examples(15), deadline=None)
@given(data=st.data())
def test_a_single_field_change_is_reported_as_exactly_that_field(kind_name: str, data: st.DataObject) -> None:
    kind = kind_named(kind_name)
    want = data.draw(st.sampled_from(list(kind.desired(ENV))), label="desired")
    have = mirror(kind_name, want)
    site = data.draw(st.sampled_from(SITES[kind_name]), label="site")
    container = getattr(have, site.attr)
    # An empty list is left out: what an element of it would be is not known here.
    places = [(t, v) for t, v in leaves(container) if not (t and str(t[0]) in site.skip) and v != []]
    tokens, before = data.draw(st.sampled_from(places), label="leaf")
    after = changed(before)
    changes = kind.diff(replace(have, **{site.attr: set_in(container, tokens, after)}), want)
    expected = FieldChange(rendered(site.prefix, tokens), listed(after), listed(site.shown(want, tokens, before)))
    assert [(c.aspect, c.fields) for c in changes] == [(site.aspect(tokens), (expected,))]


# -- fields not held in a plain container: each kind's own shape -----------------------------------------------------

def one(kind_name: str) -> tuple[Any, Any]:
    want = kind_named(kind_name).desired(ENV)[0]
    return want, mirror(kind_name, want)


def test_a_changed_crawler_description_is_reported() -> None:
    want, have = one("glue_crawler")
    changes = GlueCrawlerKind().diff(replace(have, config={**have.config, "Description": "edited"}), want)
    assert [c.fields for c in changes] == [(FieldChange("Description", "edited", want.config["Description"]),)]


@settings(max_examples=examples(15), deadline=None)
@given(st.data())
def test_a_changed_crawler_configuration_member_is_reported_as_that_member(data: st.DataObject) -> None:
    want, have = one("glue_crawler")
    configuration = json.loads(have.config["Configuration"])
    tokens, before = data.draw(st.sampled_from(list(leaves(configuration))))
    after = changed(before)
    edited = json.dumps(set_in(configuration, tokens, after))
    changes = GlueCrawlerKind().diff(replace(have, config={**have.config, "Configuration": edited}), want)
    assert [(c.aspect, c.fields) for c in changes] == [
        ("configuration", (FieldChange(rendered("Configuration", tokens), after, before),))]


@settings(max_examples=examples(15), deadline=None)
@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000000"), places=2))
def test_a_changed_budget_amount_is_reported_as_the_amount(amount: Decimal) -> None:
    want, have = one("budget")
    changes = BudgetKind().diff(replace(have, limit=str(amount)), want)
    if amount == Decimal(str(want.limit_usd)):
        assert changes == []
    else:
        assert [(c.aspect, c.fields) for c in changes] == [
            ("limit", (FieldChange("Amount", float(amount), want.limit_usd),))]


@settings(max_examples=examples(10), deadline=None)
@given(st.data())
def test_a_missing_log_stream_is_reported_as_that_stream(data: st.DataObject) -> None:
    want = data.draw(st.sampled_from(list(LogGroupKind().desired(ENV))))
    have = mirror("log_group", want)
    gone = data.draw(st.sampled_from(have.streams))
    changes = LogGroupKind().diff(replace(have, streams=tuple(s for s in have.streams if s != gone)), want)
    assert [(c.aspect, c.fields) for c in changes] == [("log_streams", (FieldChange(f"streams.{gone}", None,
                                                                                    "present"),))]


@settings(max_examples=examples(15), deadline=None)
@given(st.data())
def test_a_changed_topic_policy_statement_is_reported_by_its_sid(data: st.DataObject) -> None:
    want, have = one("sns_topic")
    # Statements are compared by Sid: a changed Sid is a missing statement (and another one's).
    tokens, before = data.draw(st.sampled_from([(t, v) for t, v in leaves(have.policy["Statement"]) if t[1] != "Sid"]))
    edited = {**have.policy, "Statement": set_in(have.policy["Statement"], tokens, changed(before))}
    changes = SnsTopicKind().diff(replace(have, policy=edited), want)
    sid = have.policy["Statement"][int(tokens[0])]["Sid"]
    assert [(c.aspect, [f.path for f in c.fields]) for c in changes] == [("policy", [f"Statement.{sid}"])]
    (field,) = changes[0].fields
    assert (field.before, field.after) == (normalize_policy({"Statement": [edited["Statement"][int(tokens[0])]]})[
        "Statement"][0], normalize_policy({"Statement": [have.policy["Statement"][int(tokens[0])]]})["Statement"][0])
