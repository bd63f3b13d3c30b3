"""SNS: what GetTopicAttributes, Subscribe and the subscription lists really return.

An e-mail subscription waits for its recipient: SNS lists it as `PendingConfirmation` until someone
follows the link in the confirmation mail, and it cannot be unsubscribed meanwhile. moto confirms every
subscription at once; `install()` keeps e-mail ones pending here, and `confirm()` plays the recipient.
"""

from __future__ import annotations

import json
from typing import Any

from sesl.sandbox.shapes import Response, enabled, shaping

PENDING_PROTOCOLS = ("email", "email-json")
PENDING_ARN = "PendingConfirmation"  # what ListSubscriptions(ByTopic) shows instead of the ARN
SUBSCRIBE_PENDING = "pending confirmation"  # what Subscribe answers instead of the ARN
UNSUBSCRIBE_PENDING = "Cannot unsubscribe a subscription that is pending confirmation"
# GetTopicAttributes EffectiveDeliveryPolicy of a topic without a DeliveryPolicy (aws-cli example below).
EFFECTIVE_DELIVERY_POLICY = {"http": {"defaultHealthyRetryPolicy": {
    "minDelayTarget": 20, "maxDelayTarget": 20, "numRetries": 3, "numMaxDelayRetries": 0, "numNoDelayRetries": 0,
    "numMinDelayRetries": 0, "backoffFunction": "linear"}, "disableSubscriptionOverrides": False}}


def _backend(arn: str) -> Any:
    from moto.sns.models import sns_backends

    parts = arn.split(":")
    return sns_backends[parts[4]][parts[3]]


def _subscription(arn: str) -> Any:
    if not arn.startswith("arn:"):
        return None
    return _backend(arn).subscriptions.get(arn)


def is_pending(subscription: Any) -> bool:
    return subscription is not None and subscription.attributes.get("PendingConfirmation") in (True, "true")


def confirm(topic_arn: str, endpoint: str) -> str:
    """The recipient follows the confirmation link (sandbox and tests only): the subscription's ARN."""
    for arn, subscription in _backend(topic_arn).subscriptions.items():
        if subscription.topic.arn == topic_arn and subscription.endpoint == endpoint:
            subscription.attributes["PendingConfirmation"] = "false"
            subscription.confirmed = True
            return str(arn)
    raise KeyError(f"{endpoint} is not subscribed to {topic_arn}")


def _compact(document: Any) -> Any:
    if not isinstance(document, str) or not document.strip():
        return document
    try:
        return json.dumps(json.loads(document), separators=(",", ":"))
    except ValueError:
        return document


@shaping("sns", "GetTopicAttributes",
         what="DeliveryPolicy is left out when none was set (moto sends \"\"); EffectiveDeliveryPolicy is AWS's "
              "`{\"http\": {...}}` default; Policy (the default `__default_statement_ID` one when none was set) "
              "comes back as compact JSON; SubscriptionsPending/SubscriptionsConfirmed count the topic's "
              "subscriptions (moto: always 0)",
         source="aws/aws-cli awscli/examples/sns/get-topic-attributes.rst (no DeliveryPolicy, the "
                "EffectiveDeliveryPolicy and default Policy shown, compact); terraform-provider-aws "
                "internal/service/sns/topic_policy.go defaultTopicPolicy; SNS API reference, GetTopicAttributes "
                "(SubscriptionsPending: \"The number of subscriptions pending confirmation\")")
def topic_attributes(response: Response, request: Response) -> Response:
    attributes = dict(response.get("Attributes", {}))
    if not attributes.get("DeliveryPolicy"):
        attributes.pop("DeliveryPolicy", None)
        attributes["EffectiveDeliveryPolicy"] = json.dumps(EFFECTIVE_DELIVERY_POLICY, separators=(",", ":"))
    if "Policy" in attributes:
        attributes["Policy"] = _compact(attributes["Policy"])
    topic = str(attributes.get("TopicArn", ""))
    if topic.startswith("arn:"):
        subscriptions = [s for s in _backend(topic).subscriptions.values() if s.topic.arn == topic]
        pending = sum(1 for s in subscriptions if is_pending(s))
        attributes["SubscriptionsPending"] = str(pending)
        attributes["SubscriptionsConfirmed"] = str(len(subscriptions) - pending)
    return {**response, "Attributes": attributes}


_LIST_SOURCE = ("mozilla/frost#428 (ListSubscriptionsByTopic read from AWS: \"AWS does not assign an ARN until a "
                "subscription is no longer in the PendingConfirmation state\"); localstack/localstack#13666; "
                "SNS developer guide, sns-email-notifications (the recipient must confirm)")


def _listed(subscription: dict[str, Any]) -> dict[str, Any]:
    if is_pending(_subscription(str(subscription.get("SubscriptionArn", "")))):
        return {**subscription, "SubscriptionArn": PENDING_ARN}
    return subscription


@shaping("sns", "ListSubscriptionsByTopic",
         what="an e-mail subscription not yet confirmed is listed with `SubscriptionArn: PendingConfirmation` "
              "(moto confirms it at once and lists its ARN)",
         source=_LIST_SOURCE)
def topic_subscriptions_pending(response: Response, request: Response) -> Response:
    return {**response, "Subscriptions": [_listed(s) for s in response.get("Subscriptions", [])]}


@shaping("sns", "ListSubscriptions",
         what="as ListSubscriptionsByTopic: unconfirmed e-mail subscriptions show `PendingConfirmation`",
         source=_LIST_SOURCE)
def subscriptions_pending(response: Response, request: Response) -> Response:
    return {**response, "Subscriptions": [_listed(s) for s in response.get("Subscriptions", [])]}


@shaping("sns", "Subscribe",
         what="an e-mail subscription answers `SubscriptionArn: \"pending confirmation\"` unless "
              "ReturnSubscriptionArn is true",
         source="SNS API reference, Subscribe (ReturnSubscriptionArn: \"If you set this parameter to true, the "
                "response includes the ARN in all cases, even if the subscription is not yet confirmed\"); "
                "ex-aws/ex_aws_sns#12; terraform-provider-aws internal/service/sns/topic_subscription.go "
                "(ReturnSubscriptionArn: true \"even if not confirmed, will get ARN\")")
def subscribe_pending(response: Response, request: Response) -> Response:
    wants_arn = str(request.get("ReturnSubscriptionArn", "")).lower() == "true"
    if not wants_arn and is_pending(_subscription(str(response.get("SubscriptionArn", "")))):
        return {**response, "SubscriptionArn": SUBSCRIBE_PENDING}
    return response


def install() -> None:
    """E-mail subscriptions wait for their recipient, and a pending one cannot be unsubscribed
    (terraform-provider-aws internal/service/sns/topic_subscription.go, resourceTopicSubscriptionDelete:
    InvalidParameter "Cannot unsubscribe a subscription that is pending confirmation"). With the shapes
    switched off, moto's own behaviour: confirmed at once."""
    from moto.sns.exceptions import SNSInvalidParameter
    from moto.sns.models import SNSBackend

    original_subscribe = SNSBackend.subscribe
    original_unsubscribe = SNSBackend.unsubscribe

    def subscribe(self: Any, topic_arn: str, endpoint: str, protocol: str) -> Any:
        known = self._find_subscription(topic_arn, endpoint, protocol)
        subscription = original_subscribe(self, topic_arn, endpoint, protocol)
        if known is None and protocol in PENDING_PROTOCOLS and enabled():
            subscription.attributes["PendingConfirmation"] = "true"
            subscription.attributes["ConfirmationWasAuthenticated"] = "false"
        return subscription

    def unsubscribe(self: Any, subscription_arn: str) -> None:
        if enabled() and (subscription_arn == PENDING_ARN or is_pending(self.subscriptions.get(subscription_arn))):
            raise SNSInvalidParameter(f"Invalid parameter: {UNSUBSCRIBE_PENDING}")
        original_unsubscribe(self, subscription_arn)

    SNSBackend.subscribe = subscribe  # type: ignore[method-assign]
    SNSBackend.unsubscribe = unsubscribe  # type: ignore[method-assign]
