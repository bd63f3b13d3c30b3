"""SES event publishing to Firehose in the sandbox: moto 5.2.5 sends no event anywhere.

A SESv2 SendEmail naming a ConfigurationSetName publishes, to each enabled event destination of that set
with a KinesisFirehoseDestination (stored by `sesv2_event_destinations`), the events its
MatchingEventTypes select: SEND for the message, then per recipient what SES's mailbox simulator
answers (SES guide, send-an-email-from-console / mailbox-simulator): `bounce@simulator.amazonses.com`
bounces (Permanent), `complaint@simulator.amazonses.com` is delivered and complained about, any other
address is delivered. The records have the shape SES publishes (sesl.events, from the SES guide's
event-publishing-retrieving-firehose-contents); EmailTags become `mail.tags` next to SES's own
`ses:` tags. They go through the sandbox's Firehose delivery (buffered, converted) like any record.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

from sesl.events import ses_event, to_record

BOUNCE = "bounce@simulator.amazonses.com"
COMPLAINT = "complaint@simulator.amazonses.com"


def _recipients(params: dict[str, Any]) -> list[str]:
    destination = params.get("Destination") or {}
    return [a for key in ("ToAddresses", "CcAddresses", "BccAddresses") for a in destination.get(key, [])]


def _outcomes(recipient: str) -> Iterator[str]:
    """The events SES's mailbox simulator causes for one recipient, in the order SES publishes them."""
    address = recipient.lower()
    if address == BOUNCE:
        yield "Bounce"
        return
    yield "Delivery"
    if address == COMPLAINT:
        yield "Complaint"


def events_for(params: dict[str, Any], message_id: str, account: str, region: str) -> list[tuple[str, dict[str, Any]]]:
    """(SESv2 event type, SES record) for one sent message."""
    now = dt.datetime.now(dt.UTC)
    recipients = _recipients(params)
    tags = {t["Name"]: [t["Value"]] for t in params.get("EmailTags") or []}
    common = {"message_id": message_id, "sent": now, "account": account, "region": region,
              "configuration_set": params["ConfigurationSetName"], "tags": tags}
    send = ses_event("Send", recipient=recipients[0] if recipients else "", **common)
    send["mail"]["destination"] = recipients
    out = [("SEND", send)]
    for recipient in recipients:
        out += [(kind.upper(), ses_event(kind, recipient=recipient, **common)) for kind in _outcomes(recipient)]
    return out


def _streams(sesv2: Any, set_name: str) -> Iterator[tuple[str, set[str]]]:
    stores: dict[str, dict[str, dict[str, Any]]] = sesv2.__dict__.get("_sesl_event_destinations", {})
    for destination in stores.get(set_name, {}).values():
        firehose = destination.get("KinesisFirehoseDestination") or {}
        if destination.get("Enabled") and firehose.get("DeliveryStreamArn"):
            yield firehose["DeliveryStreamArn"].rsplit("/", 1)[-1], set(destination.get("MatchingEventTypes", []))


def publish(sesv2: Any, params: dict[str, Any], message_id: str) -> int:
    """Put the message's events into the Firehose streams its configuration set publishes to."""
    from moto.firehose.models import firehose_backends

    set_name = params.get("ConfigurationSetName")
    if not set_name:
        return 0
    firehose = firehose_backends[sesv2.account_id][sesv2.region_name]
    events = events_for(params, message_id, sesv2.account_id, sesv2.region_name)
    published = 0
    for stream, types in _streams(sesv2, set_name):
        records = [{"Data": to_record(event)} for kind, event in events if kind in types]
        if records and stream in firehose.delivery_streams:
            firehose.put_record_batch(stream, records)
            published += len(records)
    return published


def send_email(original: Any) -> Any:
    def send(self: Any) -> str:
        answer = str(original(self))
        publish(self.sesv2_backend, json.loads(self.body or "{}"), json.loads(answer)["MessageId"])
        return answer
    return send


def install() -> None:
    from moto.sesv2.responses import SESV2Response

    if getattr(SESV2Response.send_email, "__sesl__", False):
        return
    handler = send_email(SESV2Response.send_email)
    handler.__sesl__ = True
    setattr(SESV2Response, "send_email", handler)  # noqa: B010 - dispatched by operation name
