"""The alert topic pinned (mutation survivors of sesl/resources/sns_topic.py): the requests sent to SNS (the
policy as the `Policy` attribute, the subscription, the tag that remembers it), what a read makes of answers
that leave members out, a policy whose Statement is one object, and the plan's fields.

Unit level: a recording stand-in for the SNS client answers with the shapes of the SNS API reference."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

import botocore.exceptions
import pytest

from sesl.model import FieldChange
from sesl.naming import Names
from sesl.resources.base import Env, Request
from sesl.resources.sns_topic import (
    BUDGETS_SID,
    OWNER_SID,
    SnsTopicKind,
    TopicSpec,
    TopicState,
    merged_policy,
    policy_fields,
    topic_policy,
)
from sesl.spec import EnvSpec, default_spec

ACCOUNT = "123456789012"
NAMES = Names("dev", "us-west-2", ACCOUNT)
TOPIC = "email-events-alerts-dev"
ARN = f"arn:aws:sns:us-west-2:{ACCOUNT}:{TOPIC}"
OWNED = {"sesl:env": "dev", "sesl:managed-by": "sesl"}
SUBSCRIPTION = f"{ARN}:0b1c2d3e"


@dataclass
class FakeSns:
    """Answers like SNS and records every call as (operation, parameters)."""

    attributes: dict[str, Any] = field(default_factory=dict)
    tags: dict[str, Any] = field(default_factory=dict)
    pages: list[dict[str, Any]] = field(default_factory=list)
    missing: str = ""  # the error code GetTopicAttributes answers with, when set
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def get_topic_attributes(self, **params: Any) -> dict[str, Any]:
        self.calls.append(("get_topic_attributes", params))
        if self.missing:
            raise botocore.exceptions.ClientError({"Error": {"Code": self.missing, "Message": "no such topic"}},
                                                  "GetTopicAttributes")
        return self.attributes

    def list_tags_for_resource(self, **params: Any) -> dict[str, Any]:
        self.calls.append(("list_tags_for_resource", params))
        return self.tags

    def get_paginator(self, operation: str) -> Any:
        fake = self

        class Paginator:
            def paginate(self, **params: Any) -> list[dict[str, Any]]:
                fake.calls.append((operation, params))
                return fake.pages

        return Paginator()

    def __getattr__(self, operation: str) -> Any:
        def record(**params: Any) -> dict[str, Any]:
            self.calls.append((operation, params))
            return {}
        return record


@dataclass
class FakeContext:
    sns: FakeSns = field(default_factory=FakeSns)
    spec: EnvSpec = field(default_factory=lambda: default_spec("dev"))
    names: Names = NAMES
    services: list[str] = field(default_factory=list)

    def client(self, service: str) -> FakeSns:
        self.services.append(service)
        return self.sns


def want(email: str | None = "new@example.com") -> TopicSpec:
    tags = {**OWNED, "sesl:alert-email": email} if email else dict(OWNED)
    return TopicSpec(TOPIC, ARN, email, tags, topic_policy(NAMES))


def have(emails: dict[str, str], tags: dict[str, str], policy: dict[str, Any] | None = None) -> TopicState:
    return TopicState(TOPIC, True, ARN, emails, tags, topic_policy(NAMES) if policy is None else policy)


# -- desired, validate, warnings, create ----------------------------------------------------------------------------

def test_desired_tags_carry_the_envs_tags_and_the_subscribed_address() -> None:
    spec = replace(default_spec("dev"), tags={"team": "data"}, alert_email="ops@example.com")
    (topic,) = SnsTopicKind().desired(Env(spec, NAMES))
    assert topic == TopicSpec(TOPIC, ARN, "ops@example.com",
                              {"team": "data", **OWNED, "sesl:alert-email": "ops@example.com"}, topic_policy(NAMES))


def test_a_name_sns_refuses_is_a_problem_and_no_address_a_warning() -> None:
    env = Env(default_spec("dev"), NAMES)
    kind = SnsTopicKind()
    assert kind.validate(env, want()) == []
    assert kind.validate(env, replace(want(), name="alerts dev")) == [
        "topic name must be 1-256 letters, digits, '-', '_'"]
    assert kind.validate(env, replace(want(), name="a" * 257)) != []
    assert kind.warnings(env, want()) == []
    assert kind.warnings(env, want(None)) == [
        "no env.<name>.alert_email: alarms and budget alerts publish to the topic but nobody is subscribed"]


def test_a_create_says_the_address_and_the_policys_statements() -> None:
    kind = SnsTopicKind()
    assert kind.create_fields(want()) == (FieldChange("email_subscription", None, "new@example.com"),
                                          FieldChange("policy", None, [OWNER_SID, BUDGETS_SID]))
    assert kind.create_fields(want(None))[0] == FieldChange("email_subscription", None, "(none)")


def test_create_sends_the_policy_as_the_policy_attribute_then_subscribes() -> None:
    assert SnsTopicKind().requests(want()) == [
        Request("sns", "CreateTopic", {"Name": TOPIC, "Tags": [
            {"Key": "sesl:alert-email", "Value": "new@example.com"}, {"Key": "sesl:env", "Value": "dev"},
            {"Key": "sesl:managed-by", "Value": "sesl"}], "Attributes": {"Policy": json.dumps(topic_policy(NAMES))}}),
        Request("sns", "Subscribe", {"TopicArn": ARN, "Protocol": "email", "Endpoint": "new@example.com"})]


# -- read -----------------------------------------------------------------------------------------------------------

def test_read_keeps_only_email_subscriptions_pending_ones_included() -> None:
    sns = FakeSns(attributes={"Attributes": {"Policy": json.dumps(topic_policy(NAMES))}},
                  tags={"Tags": [{"Key": k, "Value": v} for k, v in OWNED.items()]},
                  pages=[{"Subscriptions": [{"Protocol": "email", "Endpoint": "ops@example.com",
                                             "SubscriptionArn": SUBSCRIPTION},
                                            {"Protocol": "sqs", "Endpoint": "arn:aws:sqs:us-west-2:1:q",
                                             "SubscriptionArn": f"{ARN}:sqs"}]},
                         {},  # a page without Subscriptions
                         {"Subscriptions": [{"Protocol": "email", "Endpoint": "new@example.com",
                                             "SubscriptionArn": "PendingConfirmation"}]}])
    ctx = FakeContext(sns)
    state = SnsTopicKind().read(ctx, want())  # type: ignore[arg-type]
    assert state == TopicState(TOPIC, True, ARN, {"ops@example.com": SUBSCRIPTION,
                                                  "new@example.com": "PendingConfirmation"}, OWNED,
                               topic_policy(NAMES))
    assert sns.calls == [("get_topic_attributes", {"TopicArn": ARN}), ("list_tags_for_resource", {"ResourceArn": ARN}),
                         ("list_subscriptions_by_topic", {"TopicArn": ARN})]


def test_an_answer_without_attributes_has_no_policy() -> None:
    state = SnsTopicKind().read(FakeContext(), want())  # type: ignore[arg-type]
    assert state == TopicState(TOPIC, False, ARN, {}, {}, None)


@pytest.mark.parametrize("code", ["NotFound", "NotFoundException"])
def test_a_missing_topic_reads_as_none(code: str) -> None:
    # SNS API reference, GetTopicAttributes: NotFound ("NotFoundException" as the exception is named)
    assert SnsTopicKind().read(FakeContext(FakeSns(missing=code)), want()) is None  # type: ignore[arg-type]


def test_other_errors_are_raised() -> None:
    with pytest.raises(botocore.exceptions.ClientError):
        SnsTopicKind().read(FakeContext(FakeSns(missing="AuthorizationError")), want())  # type: ignore[arg-type]


# -- the policy -----------------------------------------------------------------------------------------------------

def test_a_policy_without_statements_misses_both_of_sesls() -> None:
    wanted = topic_policy(NAMES)
    fields = policy_fields({"Version": "2008-10-17"}, wanted)
    assert [(f.path, f.before) for f in fields] == [(f"Statement.{OWNER_SID}", None),
                                                    (f"Statement.{BUDGETS_SID}", None)]
    assert all(f.after is not None and f.after["Sid"] == f.path.removeprefix("Statement.") for f in fields)
    assert merged_policy({"Version": "2008-10-17"}, wanted) == wanted


def test_a_statement_given_as_one_object_is_read_as_a_list_of_one() -> None:
    wanted = topic_policy(NAMES)
    owner, budgets = wanted["Statement"]
    changed = {**budgets, "Action": "SNS:Subscribe"}
    missing, field_ = policy_fields({"Version": "2008-10-17", "Statement": changed}, wanted)
    assert (missing.path, missing.before) == (f"Statement.{OWNER_SID}", None)
    assert field_.path == f"Statement.{BUDGETS_SID}"
    assert field_.before is not None and field_.before["Action"] == ["SNS:Subscribe"]
    assert field_.after is not None and field_.after["Action"] == ["SNS:Publish"]
    # a statement of somebody else's given as one object is kept after sesl's
    other = {"Sid": "Theirs", "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
             "Action": "SNS:Publish", "Resource": ARN}
    assert merged_policy({"Statement": other}, wanted)["Statement"] == [owner, budgets, other]


# -- the plan -------------------------------------------------------------------------------------------------------

def test_a_new_address_is_subscribed_and_the_old_one_sesl_subscribed_is_dropped() -> None:
    current = have({"old@example.com": SUBSCRIPTION}, {**OWNED, "sesl:alert-email": "old@example.com"})
    changes = SnsTopicKind().diff(current, want())
    assert [c.aspect for c in changes] == ["subscription", "tags"]
    assert changes[0].fields == (FieldChange("email.new@example.com", None, "subscribed"),
                                 FieldChange("email.old@example.com", "subscribed (by sesl)", None))
    assert all(c.have is current and c.want == want() for c in changes)


def test_an_old_address_no_longer_subscribed_is_not_unsubscribed() -> None:
    # the recipient unsubscribed (or the subscription was deleted): nothing left for sesl to remove
    current = have({"new@example.com": "PendingConfirmation"}, {**OWNED, "sesl:alert-email": "old@example.com"})
    (change,) = SnsTopicKind().diff(current, want())
    assert change.aspect == "tags"


# -- the calls that repair ------------------------------------------------------------------------------------------

def test_subscribing_without_a_topic_read_sends_only_the_subscription() -> None:
    ctx = FakeContext()
    SnsTopicKind().update_subscription(ctx, want(), None)  # type: ignore[arg-type]
    assert ctx.sns.calls == [("subscribe", {"TopicArn": ARN, "Protocol": "email", "Endpoint": "new@example.com"})]


def test_moving_the_address_unsubscribes_the_old_and_records_the_new() -> None:
    ctx = FakeContext()
    current = have({"old@example.com": SUBSCRIPTION}, {**OWNED, "sesl:alert-email": "old@example.com"})
    SnsTopicKind().update_subscription(ctx, want(), current)  # type: ignore[arg-type]
    assert ctx.sns.calls == [
        ("subscribe", {"TopicArn": ARN, "Protocol": "email", "Endpoint": "new@example.com"}),
        ("unsubscribe", {"SubscriptionArn": SUBSCRIPTION}),
        ("tag_resource", {"ResourceArn": ARN, "Tags": [{"Key": "sesl:alert-email", "Value": "new@example.com"},
                                                        {"Key": "sesl:env", "Value": "dev"},
                                                        {"Key": "sesl:managed-by", "Value": "sesl"}]})]


def test_an_old_address_gone_from_the_topic_is_not_unsubscribed() -> None:
    ctx = FakeContext()
    current = have({}, {**OWNED, "sesl:alert-email": "old@example.com"})
    SnsTopicKind().update_subscription(ctx, want(), current)  # type: ignore[arg-type]
    assert [op for op, _ in ctx.sns.calls] == ["subscribe", "tag_resource"]


def test_the_address_tag_goes_only_when_sesl_had_set_it() -> None:
    ctx = FakeContext()
    SnsTopicKind().update_tags(ctx, want(None), have({}, {**OWNED, "sesl:alert-email": "old@example.com"}))  # type: ignore[arg-type]
    assert ctx.sns.calls[1:] == [("untag_resource", {"ResourceArn": ARN, "TagKeys": ["sesl:alert-email"]})]
    ctx = FakeContext()
    SnsTopicKind().update_tags(ctx, want(None), have({}, dict(OWNED)))  # type: ignore[arg-type]
    assert [op for op, _ in ctx.sns.calls] == ["tag_resource"]


def test_the_policy_is_written_merged_as_the_policy_attribute_and_delete_names_the_topic() -> None:
    ctx = FakeContext()
    other = {"Sid": "Theirs", "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
             "Action": "SNS:Publish", "Resource": ARN}
    SnsTopicKind().update_policy(ctx, want(), have({}, {}, {"Statement": [other]}))  # type: ignore[arg-type]
    SnsTopicKind().delete(ctx, have({}, {}))  # type: ignore[arg-type]
    wanted = topic_policy(NAMES)
    assert ctx.sns.calls == [
        ("set_topic_attributes", {"TopicArn": ARN, "AttributeName": "Policy", "AttributeValue": json.dumps(
            {**wanted, "Statement": [*wanted["Statement"], other]})}),
        ("delete_topic", {"TopicArn": ARN})]
    assert ctx.services == ["sns", "sns"]
