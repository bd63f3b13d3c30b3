"""The alert topic of an environment, with the alert e-mail subscribed when one is configured.

CloudWatch alarms and `sesl drift --notify` publish here. A subscription sesl made is remembered in a
topic tag (`sesl:alert-email`), so changing or removing the address unsubscribes only what sesl
subscribed; other subscribers are left alone. A subscription pending the recipient's confirmation is
not drift: SNS cannot confirm it for them (SNS developer guide, sns-email-notifications).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import botocore.exceptions

from sesl.context import AwsContext
from sesl.diff import diff_tags, is_owned, ownership_tags, tag_list, tags_to_dict
from sesl.model import Change, FieldChange
from sesl.resources.base import Env, Kind

EMAIL_TAG = "sesl:alert-email"
PENDING = "PendingConfirmation"
# Topic names: 1-256 letters, digits, '-' and '_' (SNS API reference, CreateTopic).
TOPIC_NAME = re.compile(r"[A-Za-z0-9_-]{1,256}")


@dataclass(frozen=True)
class TopicSpec:
    name: str
    arn: str
    email: str | None
    tags: dict[str, str]


@dataclass(frozen=True)
class TopicState:
    name: str
    owned: bool
    arn: str
    emails: dict[str, str]  # endpoint -> subscription ARN (or PendingConfirmation)
    tags: dict[str, str]


class SnsTopicKind(Kind):
    kind = "sns_topic"
    needs = ()

    def desired(self, env: Env) -> list[TopicSpec]:
        n, email = env.names, env.spec.alert_email
        tags = ownership_tags(env.spec.env, env.spec.tags)
        if email:
            tags[EMAIL_TAG] = email
        return [TopicSpec(n.alert_topic, n.alert_topic_arn, email, tags)]

    def validate(self, env: Env, want: TopicSpec) -> list[str]:
        return [] if TOPIC_NAME.fullmatch(want.name) else ["topic name must be 1-256 letters, digits, '-', '_'"]

    def warnings(self, env: Env, want: TopicSpec) -> list[str]:
        if want.email:
            return []
        return ["no env.<name>.alert_email: alarms publish to the topic but nobody is subscribed"]

    def read(self, ctx: AwsContext, want: TopicSpec) -> TopicState | None:
        sns = ctx.client("sns")
        try:
            sns.get_topic_attributes(TopicArn=want.arn)
        except botocore.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NotFound", "NotFoundException"):
                return None
            raise
        tags = tags_to_dict(sns.list_tags_for_resource(ResourceArn=want.arn).get("Tags", []))
        emails = {s["Endpoint"]: s["SubscriptionArn"]
                  for page in sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=want.arn)
                  for s in page.get("Subscriptions", []) if s.get("Protocol") == "email"}
        return TopicState(want.name, is_owned(tags, ctx.spec.env), want.arn, emails, tags)

    def create_fields(self, want: TopicSpec) -> tuple[FieldChange, ...]:
        return (FieldChange("email_subscription", None, want.email or "(none)"),)

    def diff(self, have: TopicState, want: TopicSpec) -> list[Change]:
        fields = []
        if want.email and want.email not in have.emails:
            fields.append(FieldChange(f"email.{want.email}", None, "subscribed"))
        previous = have.tags.get(EMAIL_TAG)
        if previous and previous != want.email and previous in have.emails:
            fields.append(FieldChange(f"email.{previous}", "subscribed (by sesl)", None))
        return [*self.change(want, have, "subscription", fields),
                *self.change(want, have, "tags", diff_tags(have.tags, want.tags))]

    def create(self, ctx: AwsContext, want: TopicSpec) -> None:
        ctx.client("sns").create_topic(Name=want.name, Tags=tag_list(want.tags))
        self.update_subscription(ctx, want, None)

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

    def update_tags(self, ctx: AwsContext, want: TopicSpec, have: TopicState) -> None:
        sns = ctx.client("sns")
        sns.tag_resource(ResourceArn=want.arn, Tags=tag_list(want.tags))
        if EMAIL_TAG in have.tags and EMAIL_TAG not in want.tags:
            sns.untag_resource(ResourceArn=want.arn, TagKeys=[EMAIL_TAG])


    def delete(self, ctx: AwsContext, have: TopicState) -> None:
        ctx.client("sns").delete_topic(TopicArn=have.arn)
