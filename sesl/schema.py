"""The SES event-publishing record as a typed schema: the single source of truth.

The Glue columns (the Firehose conversion schema and the Athena table), the docs and the tests all
derive from `COLUMNS`. Field names are lowercase because the OpenX JSON deserializer with
CaseInsensitive=true lowercases JSON keys before matching them to columns (Firehose guide,
record-format-conversion). Tags are `map<string,array<string>>`: SES publishes each tag as a key
mapped to a list of values, and tag keys such as `ses:configuration-set` cannot be struct fields
(Athena guide, tables-databases-columns-names). Source of the fields: SES developer guide,
event-publishing-retrieving-firehose-contents and its examples page (aws-reference.md §2.3, §3.5).
There is no `send` column: the `send` object is always `{}` and `eventtype = 'Send'` carries it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Prim:
    name: str  # string, bigint, boolean, double, int

    def hive(self) -> str:
        return self.name


@dataclass(frozen=True)
class Array:
    item: HiveType

    def hive(self) -> str:
        return f"array<{self.item.hive()}>"


@dataclass(frozen=True)
class Map:
    key: HiveType
    value: HiveType

    def hive(self) -> str:
        return f"map<{self.key.hive()},{self.value.hive()}>"


@dataclass(frozen=True)
class Struct:
    fields: tuple[tuple[str, HiveType], ...]

    def hive(self) -> str:
        return "struct<" + ",".join(f"{name}:{t.hive()}" for name, t in self.fields) + ">"

    def field(self, name: str) -> HiveType | None:
        return next((t for n, t in self.fields if n == name), None)


HiveType = Prim | Array | Map | Struct

STRING, BIGINT, BOOLEAN = Prim("string"), Prim("bigint"), Prim("boolean")
STRINGS = Array(STRING)
TAGS = Map(STRING, STRINGS)


def struct(**fields: HiveType) -> Struct:
    return Struct(tuple(fields.items()))


_TOPIC_PREFERENCES = struct(
    unsubscribeall=BOOLEAN,
    topicsubscriptionstatus=Array(struct(topicname=STRING, subscriptionstatus=STRING)),
)

COLUMNS: tuple[tuple[str, HiveType, str], ...] = (
    ("eventtype", STRING, "Send, Delivery, Bounce, Complaint, Reject, Open, Click, Rendering Failure, "
                          "DeliveryDelay or Subscription (capitalised as SES publishes them)"),
    ("mail", struct(
        timestamp=STRING, source=STRING, sourcearn=STRING, sendingaccountid=STRING, messageid=STRING,
        destination=STRINGS, headerstruncated=BOOLEAN,
        headers=Array(struct(name=STRING, value=STRING)),
        commonheaders=Struct((("from", STRINGS), ("to", STRINGS), ("cc", STRINGS), ("bcc", STRINGS),
                              ("sender", STRINGS), ("replyto", STRINGS), ("returnpath", STRING),
                              ("messageid", STRING), ("date", STRING), ("subject", STRING))),
        tags=TAGS,
    ), "the message: send time (mail.timestamp), message id, recipients, headers, tags"),
    ("bounce", struct(
        bouncetype=STRING, bouncesubtype=STRING,
        bouncedrecipients=Array(struct(emailaddress=STRING, action=STRING, status=STRING, diagnosticcode=STRING)),
        timestamp=STRING, feedbackid=STRING, reportingmta=STRING,
    ), "Bounce events"),
    ("complaint", struct(
        complainedrecipients=Array(struct(emailaddress=STRING)), timestamp=STRING, feedbackid=STRING,
        complaintsubtype=STRING, useragent=STRING, complaintfeedbacktype=STRING, arrivaldate=STRING,
    ), "Complaint events"),
    ("delivery", struct(
        timestamp=STRING, processingtimemillis=BIGINT, recipients=STRINGS, smtpresponse=STRING,
        reportingmta=STRING, remotemtaip=STRING,
    ), "Delivery events"),
    ("reject", struct(reason=STRING), "Reject events"),
    ("open", struct(ipaddress=STRING, timestamp=STRING, useragent=STRING), "Open events"),
    ("click", struct(ipaddress=STRING, link=STRING, linktags=TAGS, timestamp=STRING, useragent=STRING),
     "Click events (linktags: the ses:tags of the link)"),
    ("failure", struct(templatename=STRING, errormessage=STRING), "Rendering Failure events"),
    ("deliverydelay", struct(
        timestamp=STRING, delaytype=STRING, expirationtime=STRING, reportingmta=STRING,
        delayedrecipients=Array(struct(emailaddress=STRING, status=STRING, diagnosticcode=STRING)),
    ), "DeliveryDelay events"),
    ("subscription", struct(
        contactlist=STRING, timestamp=STRING, source=STRING,
        newtopicpreferences=_TOPIC_PREFERENCES, oldtopicpreferences=_TOPIC_PREFERENCES,
    ), "Subscription events"),
)

# The eventType values SES publishes (SES guide, event-publishing-retrieving-firehose-contents).
EVENT_TYPES: tuple[str, ...] = ("Send", "Delivery", "Bounce", "Complaint", "Reject", "Open", "Click",
                                "Rendering Failure", "DeliveryDelay", "Subscription")


def glue_columns() -> list[dict[str, str]]:
    """StorageDescriptor.Columns for the Glue table."""
    return [{"Name": name, "Type": t.hive(), "Comment": comment} for name, t, comment in COLUMNS]


def column_types() -> dict[str, str]:
    return {name: t.hive() for name, t, _ in COLUMNS}


def arrow_type(t: HiveType) -> Any:
    """The pyarrow type a Glue type maps to (pyarrow is imported only when asked for)."""
    import pyarrow as pa

    if isinstance(t, Prim):
        return {"string": pa.string(), "bigint": pa.int64(), "boolean": pa.bool_(), "double": pa.float64(),
                "int": pa.int32()}[t.name]
    if isinstance(t, Array):
        return pa.list_(arrow_type(t.item))
    if isinstance(t, Map):
        return pa.map_(arrow_type(t.key), arrow_type(t.value))
    return pa.struct([pa.field(name, arrow_type(ft)) for name, ft in t.fields])


def arrow_schema() -> Any:
    import pyarrow as pa

    return pa.schema([pa.field(name, arrow_type(t)) for name, t, _ in COLUMNS])
