"""The alert topic of an environment, with the alert e-mail subscribed when one is configured.

CloudWatch alarms, the env's budget notifications and `sesl drift --notify` publish here. A subscription
sesl made is remembered in a topic tag (`sesl:alert-email`), so changing or removing the address
unsubscribes only what sesl subscribed; other subscribers are left alone. A subscription pending the
recipient's confirmation is present, not missing: SNS lists it as `PendingConfirmation` (mozilla/frost#428)
and sesl never subscribes the address again, which would send another confirmation mail. SNS cannot
unsubscribe a pending subscription ("Cannot unsubscribe a subscription that is pending confirmation",
terraform-provider-aws internal/service/sns/topic_subscription.go), so sesl does not try.

The topic policy keeps SNS's default owner statement (it is what lets CloudWatch alarms and sesl in the
same account publish) and adds the statement AWS Budgets needs to publish (Cost Management user guide,
"Creating an Amazon SNS topic for budget notifications", budgets-sns-policy). Only these two statements
are compared, by Sid, parsed and normalised; statements others added are kept.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import botocore.exceptions

from sesl.aws_errors import error_code
from sesl.context import AwsContext
from sesl.diff import diff_tags, is_owned, normalize_policy, ownership_tags, parse_policy, tag_list, tags_to_dict
from sesl.fold import fold_attribute
from sesl.model import Change, FieldChange
from sesl.naming import Names
from sesl.resources.base import Aspect, Env, Kind, Request, create_requests, send

EMAIL_TAG = "sesl:alert-email"
PENDING = "PendingConfirmation"
# Topic names: 1-256 letters, digits, '-' and '_' (SNS API reference, CreateTopic).
TOPIC_NAME = re.compile(r"[A-Za-z0-9_-]{1,256}")

# SNS's default topic policy (aws-cli awscli/examples/sns/get-topic-attributes.rst; terraform-provider-aws
# internal/service/sns/topic_policy.go defaultTopicPolicy): the account that owns the topic may use it.
POLICY_VERSION, POLICY_ID = "2008-10-17", "__default_policy_ID"
OWNER_SID = "__default_statement_ID"
OWNER_ACTIONS = ("SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission", "SNS:RemovePermission",
                 "SNS:DeleteTopic", "SNS:Subscribe", "SNS:ListSubscriptionsByTopic", "SNS:Publish")
BUDGETS_SID = "AWSBudgetsSNSPublishingPermissions"
BUDGETS_PRINCIPAL = "budgets.amazonaws.com"


def owner_statement(names: Names) -> dict[str, Any]:
    return {"Sid": OWNER_SID, "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": list(OWNER_ACTIONS),
            "Resource": names.alert_topic_arn, "Condition": {"StringEquals": {"AWS:SourceOwner": names.account}}}


def budgets_statement(names: Names) -> dict[str, Any]:
    """AWS Budgets may publish, for budgets of this account only (budgets-sns-policy, step 7)."""
    return {"Sid": BUDGETS_SID, "Effect": "Allow", "Principal": {"Service": BUDGETS_PRINCIPAL},
            "Action": "SNS:Publish", "Resource": names.alert_topic_arn,
            "Condition": {"StringEquals": {"aws:SourceAccount": names.account},
                          "ArnLike": {"aws:SourceArn": names.budgets_source_arn}}}


def topic_policy(names: Names) -> dict[str, Any]:
    return {"Version": POLICY_VERSION, "Id": POLICY_ID, "Statement": [owner_statement(names), budgets_statement(names)]}


@dataclass(frozen=True)
class TopicSpec:
    name: str
    arn: str
    email: str | None
    tags: dict[str, str]
    policy: dict[str, Any]


@dataclass(frozen=True)
class TopicState:
    name: str
    owned: bool
    arn: str
    emails: dict[str, str]  # endpoint -> subscription ARN (or PendingConfirmation)
    tags: dict[str, str]
    policy: dict[str, Any] | None = None


def _statements(policy: dict[str, Any] | None) -> list[dict[str, Any]]:
    statements = (policy or {}).get("Statement", [])
    return [statements] if isinstance(statements, dict) else list(statements)


def _by_sid(policy: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Statements by Sid, each normalised (scalar vs one-element list, key order, condition key case)."""
    out = {}
    for statement in _statements(policy):
        normal = normalize_policy({"Statement": [statement]})
        if normal is not None:
            out[str(statement.get("Sid", ""))] = normal["Statement"][0]
    return out


def policy_fields(have: dict[str, Any] | None, want: dict[str, Any]) -> list[FieldChange]:
    """sesl's statements (by Sid) that are missing or differ; other statements are not sesl's."""
    current = _by_sid(have)
    return [FieldChange(f"Statement.{sid}", current.get(sid), statement)
            for sid, statement in _by_sid(want).items() if current.get(sid) != statement]


def merged_policy(have: dict[str, Any] | None, want: dict[str, Any]) -> dict[str, Any]:
    """sesl's statements replace their namesakes; statements others added stay."""
    ours = {str(s.get("Sid", "")) for s in _statements(want)}
    kept = [s for s in _statements(have) if str(s.get("Sid", "")) not in ours]
    return {**want, "Statement": [*_statements(want), *kept]}


class SnsTopicKind(Kind[TopicSpec, TopicState]):
    kind = "sns_topic"
    needs = ()

    def desired(self, env: Env) -> list[TopicSpec]:
        n, email = env.names, env.spec.alert_email
        tags = ownership_tags(env.spec.env, env.spec.tags)
        if email:
            tags[EMAIL_TAG] = email
        return [TopicSpec(n.alert_topic, n.alert_topic_arn, email, tags, topic_policy(n))]

    def validate(self, env: Env, want: TopicSpec) -> list[str]:
        return [] if TOPIC_NAME.fullmatch(want.name) else ["topic name must be 1-256 letters, digits, '-', '_'"]

    def warnings(self, env: Env, want: TopicSpec) -> list[str]:
        if want.email:
            return []
        return ["no env.<name>.alert_email: alarms and budget alerts publish to the topic but nobody is subscribed"]

    def read(self, ctx: AwsContext, want: TopicSpec) -> TopicState | None:
        sns = ctx.client("sns")
        try:
            attributes = sns.get_topic_attributes(TopicArn=want.arn).get("Attributes", {})
        except botocore.exceptions.ClientError as exc:
            if error_code(exc) in ("NotFound", "NotFoundException"):
                return None
            raise
        tags = tags_to_dict(sns.list_tags_for_resource(ResourceArn=want.arn).get("Tags", []))
        # An unconfirmed e-mail subscription is listed with SubscriptionArn "PendingConfirmation".
        emails = {s["Endpoint"]: s["SubscriptionArn"]
                  for page in sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=want.arn)
                  for s in page.get("Subscriptions", []) if s.get("Protocol") == "email"}
        policy = parse_policy(attributes.get("Policy") or None)
        return TopicState(want.name, is_owned(tags, ctx.spec.env), want.arn, emails, tags, policy)

    def create_fields(self, want: TopicSpec) -> tuple[FieldChange, ...]:
        return (FieldChange("email_subscription", None, want.email or "(none)"),
                FieldChange("policy", None, [s["Sid"] for s in _statements(want.policy)]))

    def diff(self, have: TopicState, want: TopicSpec) -> list[Change]:
        fields = []
        if want.email and want.email not in have.emails:  # pending counts as subscribed
            fields.append(FieldChange(f"email.{want.email}", None, "subscribed"))
        previous = have.tags.get(EMAIL_TAG)
        if previous and previous != want.email and have.emails.get(previous, PENDING) != PENDING:
            fields.append(FieldChange(f"email.{previous}", "subscribed (by sesl)", None))
        return [*self.change(want, have, "subscription", fields),
                *self.change(want, have, "policy", policy_fields(have.policy, want.policy)),
                *self.change(want, have, "tags", diff_tags(have.tags, want.tags))]

    def requests(self, want: TopicSpec) -> list[Request]:
        subscribe = [Request("sns", "Subscribe", {"TopicArn": want.arn, "Protocol": "email", "Endpoint": want.email})
                     ] if want.email else []
        return [Request("sns", "CreateTopic", {"Name": want.name, "Tags": tag_list(want.tags),
                                               "Attributes": {"Policy": json.dumps(want.policy)}}), *subscribe]

    def create(self, ctx: AwsContext, want: TopicSpec) -> None:
        sns = ctx.client("sns")
        for request in create_requests(self.requests(want)):
            send(sns, request)

    def update_subscription(self, ctx: AwsContext, want: TopicSpec, have: TopicState | None) -> None:
        sns = ctx.client("sns")
        current = have.emails if have else {}
        if want.email and want.email not in current:
            sns.subscribe(TopicArn=want.arn, Protocol="email", Endpoint=want.email)
        previous = have.tags.get(EMAIL_TAG) if have else None
        if previous and previous != want.email and current.get(previous, PENDING) != PENDING:
            sns.unsubscribe(SubscriptionArn=current[previous])
        if have is not None:  # remember which address sesl subscribed
            self.update_tags(ctx, want, have)

    def update_policy(self, ctx: AwsContext, want: TopicSpec, have: TopicState) -> None:
        ctx.client("sns").set_topic_attributes(TopicArn=want.arn, AttributeName="Policy",
                                               AttributeValue=json.dumps(merged_policy(have.policy, want.policy)))

    def update_tags(self, ctx: AwsContext, want: TopicSpec, have: TopicState) -> None:
        sns = ctx.client("sns")
        sns.tag_resource(ResourceArn=want.arn, Tags=tag_list(want.tags))
        if EMAIL_TAG in have.tags and EMAIL_TAG not in want.tags:
            sns.untag_resource(ResourceArn=want.arn, TagKeys=[EMAIL_TAG])

    def delete(self, ctx: AwsContext, have: TopicState) -> None:
        ctx.client("sns").delete_topic(TopicArn=have.arn)

    ASPECTS = (
        # The subscription aspect also records, in a tag, which address sesl subscribed.
        Aspect[TopicSpec, TopicState]("subscription", ("sns:Subscribe", "sns:Unsubscribe", "sns:TagResource",
                                                       "sns:UntagResource"), update_subscription,
                                      also_writes=("tags",)),
        Aspect("policy", ("sns:SetTopicAttributes",), update_policy),
        Aspect("tags", ("sns:TagResource", "sns:UntagResource"), update_tags, fold=fold_attribute("tags", "tags.")),
    )
    CREATE = ("sns:CreateTopic", "sns:Subscribe")
    DELETE = ("sns:DeleteTopic",)
