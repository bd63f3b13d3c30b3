"""Synthetic SES event-publishing records, and putting records into a Firehose stream.

The records have the shape and key casing SES publishes (SES developer guide,
event-publishing-retrieving-firehose-contents and its examples page): camelCase keys, which
Firehose's OpenX deserializer lowercases to match the Glue columns. `sesl verify` and `sesl demo`
put them straight into a stream where SES cannot send (the sandbox, or `--direct`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from typing import Any

from sesl.context import AwsContext
from sesl.errors import AwsCallError
from sesl.naming import ses_identity_arn

# PutRecordBatch: at most 500 records and 4 MiB per call; a record at most 1,000 KiB
# (Firehose API reference, PutRecordBatch; Firehose guide, limits).
MAX_BATCH_RECORDS = 500
MAX_BATCH_BYTES = 4 * 1024 * 1024
MAX_RECORD_BYTES = 1000 * 1024

EventBody = dict[str, Any]


def _iso(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _mail(message_id: str, sent: dt.datetime, recipient: str, account: str, region: str,
          configuration_set: str, tags: dict[str, list[str]]) -> EventBody:
    source = "newsletter@dailysystemdesign.example"
    return {
        "timestamp": _iso(sent), "source": source,
        "sourceArn": ses_identity_arn(region, account, "dailysystemdesign.example"),
        "sendingAccountId": account, "messageId": message_id, "destination": [recipient],
        "headersTruncated": False,
        "headers": [{"name": "From", "value": source}, {"name": "To", "value": recipient},
                    {"name": "Subject", "value": "Daily System Design"}],
        "commonHeaders": {"from": [source], "to": [recipient], "messageId": message_id,
                          "subject": "Daily System Design"},
        "tags": {"ses:configuration-set": [configuration_set], "ses:operation": ["SendEmail"],
                 "ses:source-ip": ["192.0.2.10"], "ses:from-domain": ["dailysystemdesign.example"], **tags},
    }


def _detail(event_type: str, at: str, recipient: str) -> tuple[str, EventBody] | None:
    agent = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15"
    details: dict[str, tuple[str, EventBody]] = {
        "Delivery": ("delivery", {"timestamp": at, "processingTimeMillis": 1214, "recipients": [recipient],
                                  "smtpResponse": "250 2.6.0 Message received",
                                  "reportingMTA": "a8-70.smtp-out.example", "remoteMtaIp": "198.51.100.7"}),
        "Open": ("open", {"ipAddress": "198.51.100.20", "timestamp": at, "userAgent": agent}),
        "Click": ("click", {"ipAddress": "198.51.100.20", "timestamp": at, "userAgent": agent,
                            "link": "https://dailysystemdesign.example/issues/1?utm_source=email",
                            "linkTags": {"campaign": ["issue-1"], "advertiser": ["acme"]}}),
        "Bounce": ("bounce", {"bounceType": "Permanent", "bounceSubType": "General", "timestamp": at,
                              "feedbackId": "0100-bounce", "reportingMTA": "dns; smtp.example",
                              "bouncedRecipients": [{"emailAddress": recipient, "action": "failed",
                                                     "status": "5.1.1",
                                                     "diagnosticCode": "smtp; 550 5.1.1 user unknown"}]}),
        "Complaint": ("complaint", {"complainedRecipients": [{"emailAddress": recipient}], "timestamp": at,
                                    "feedbackId": "0100-complaint", "complaintSubType": None,
                                    "userAgent": "ExampleFeedbackLoop", "complaintFeedbackType": "abuse",
                                    "arrivalDate": at}),
        "Reject": ("reject", {"reason": "Bad content"}),
        "Rendering Failure": ("failure", {"templateName": "issue", "errorMessage": "Attribute 'name' missing"}),
        "DeliveryDelay": ("deliveryDelay", {"timestamp": at, "delayType": "TransientCommunicationFailure",
                                            "expirationTime": at, "reportingMTA": "a8-70.smtp-out.example",
                                            "delayedRecipients": [{"emailAddress": recipient, "status": "4.4.1",
                                                                   "diagnosticCode": "smtp; 421 4.4.1 try later"}]}),
        "Subscription": ("subscription", {"contactList": "newsletter", "timestamp": at, "source": "UnsubscribeHeader",
                                          "newTopicPreferences": {"unsubscribeAll": True, "topicSubscriptionStatus": [
                                              {"topicName": "weekly", "subscriptionStatus": "OptOut"}]},
                                          "oldTopicPreferences": {"unsubscribeAll": False, "topicSubscriptionStatus": [
                                              {"topicName": "weekly", "subscriptionStatus": "OptIn"}]}}),
    }
    if event_type == "Send":
        return ("send", {})
    return details.get(event_type)


def ses_event(event_type: str, *, message_id: str, sent: dt.datetime, recipient: str, account: str,
              region: str, configuration_set: str, tags: dict[str, list[str]] | None = None,
              at: dt.datetime | None = None) -> EventBody:
    """One SES event record of `event_type` (`Send`, `Delivery`, `Open`, ... as SES spells them)."""
    detail = _detail(event_type, _iso(at or sent), recipient)
    if detail is None:
        raise ValueError(f"unknown SES event type {event_type!r}")
    key, body = detail
    return {"eventType": event_type,
            "mail": _mail(message_id, sent, recipient, account, region, configuration_set, tags or {}),
            key: body}


def to_record(event: EventBody) -> bytes:
    # SES follows each JSON record with a newline (SES guide, event-publishing-retrieving-firehose-contents).
    return (json.dumps(event, separators=(",", ":")) + "\n").encode()


def batches(records: Sequence[bytes]) -> Iterator[list[bytes]]:
    batch: list[bytes] = []
    size = 0
    for record in records:
        if len(record) > MAX_RECORD_BYTES:
            raise AwsCallError(f"a record of {len(record)} bytes exceeds Firehose's {MAX_RECORD_BYTES}-byte limit")
        if batch and (len(batch) == MAX_BATCH_RECORDS or size + len(record) > MAX_BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(record)
        size += len(record)
    if batch:
        yield batch


def put_records(ctx: AwsContext, stream: str, records: Sequence[bytes]) -> int:
    """PutRecordBatch in allowed batches; records a batch reports failed are retried once."""
    firehose = ctx.client("firehose")
    sent = 0
    for batch in batches(records):
        pending = batch
        for _attempt in range(2):
            answer = firehose.put_record_batch(DeliveryStreamName=stream, Records=[{"Data": r} for r in pending])
            if not answer.get("FailedPutCount"):
                pending = []
                break
            pending = [r for r, res in zip(pending, answer["RequestResponses"], strict=True) if res.get("ErrorCode")]
        if pending:
            raise AwsCallError(f"firehose_stream.{stream}: {len(pending)} record(s) were not accepted by "
                               "PutRecordBatch after a retry")
        sent += len(batch)
    return sent
